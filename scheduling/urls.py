from __future__ import annotations

from django.urls import path

from scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("", views.schedule_week, name="week"),
    path("new/", views.session_new, name="new"),
    path("settings/", views.schedule_settings, name="settings"),
    path("settings/feed/", views.feed_regenerate, name="feed_regenerate"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
    path("<int:session_id>/", views.session_detail, name="session"),
    path("<int:session_id>/edit/", views.session_edit, name="edit"),
    path("<int:session_id>/cancel/", views.session_cancel, name="cancel"),
    path("<int:session_id>/book/", views.session_book, name="book"),
    path("<int:session_id>/unbook/", views.session_unbook, name="unbook"),
    path("<int:session_id>/session.ics", views.session_ics, name="ics"),
]
