from __future__ import annotations

from django.urls import path

from stats import views

app_name = "stats"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("export.csv", views.export, name="export"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("checkout/<int:room_id>/<int:seq>/", views.checkout, name="checkout"),
]
