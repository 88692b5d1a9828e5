from __future__ import annotations

from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("u/<str:username>/", views.profile, name="profile"),
    path("u/<str:username>/follow/", views.follow, name="follow"),
    path("settings/profile/", views.profile_edit, name="profile_edit"),
    path("settings/alerts/", views.alerts_edit, name="alerts_edit"),
]
