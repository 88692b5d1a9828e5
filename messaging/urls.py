from __future__ import annotations

from django.urls import path

from messaging import views

app_name = "messaging"
urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/badge/", views.notifications_badge, name="badge"),
]
