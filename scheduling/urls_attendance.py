"""URLs of the owners' attendance page (included under /schedule/ by focusmate/urls.py)."""

from django.urls import path

from scheduling import views_attendance

app_name = "scheduling_attendance"

urlpatterns = [
    path(
        "sessions/<int:session_id>/attendance/",
        views_attendance.session_attendance_page,
        name="session",
    ),
]
