from __future__ import annotations

from django.urls import path

from achievements import views

app_name = "achievements"
urlpatterns = [
    path("", views.index, name="index"),
]
