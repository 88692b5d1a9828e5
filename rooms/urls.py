from __future__ import annotations

from django.urls import path

from rooms import views

app_name = "rooms"
urlpatterns = [
    path("", views.room_list, name="list"),
    path("new/", views.room_create, name="create"),
    path("solo/", views.solo_room, name="solo"),
    path("invite/<str:token>/", views.room_invite, name="invite"),
    path("<int:room_id>/", views.room_detail, name="detail"),
    path("<int:room_id>/edit/", views.room_edit, name="edit"),
    path("<int:room_id>/close/", views.room_close, name="close"),
    path("<int:room_id>/invite-link/", views.room_regenerate_invite, name="regenerate_invite"),
    path("<int:room_id>/join/", views.room_join, name="join"),
    path("<int:room_id>/leave/", views.room_leave, name="leave"),
    path(
        "<int:room_id>/members/<int:user_id>/remove/",
        views.room_member_remove,
        name="remove_member",
    ),
    path("<int:room_id>/intention/", views.room_intention, name="intention"),
    path("<int:room_id>/timer/", views.room_timer, name="timer"),
]
