from __future__ import annotations

from django.urls import path

from messaging import views

app_name = "messaging"
urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/badge/", views.notifications_badge, name="badge"),
    path("messages/", views.inbox, name="inbox"),
    # Under m/: a single segment after messages/ is always a username.
    path("messages/m/badge/", views.messages_badge, name="messages_badge"),
    path("messages/m/<int:message_id>/edit/", views.message_edit, name="message_edit"),
    path("messages/m/<int:message_id>/delete/", views.message_delete, name="message_delete"),
    path("messages/m/<int:message_id>/report/", views.message_report, name="message_report"),
    path("messages/m/<int:message_id>/context/", views.message_context, name="message_context"),
    path("messages/<str:username>/", views.conversation, name="conversation"),
    path("messages/<str:username>/read/", views.conversation_read, name="conversation_read"),
    path("messages/<str:username>/block/", views.conversation_block, name="conversation_block"),
    path("rooms/<int:room_id>/chat/", views.chat_lines, name="chat_lines"),
    path("rooms/<int:room_id>/chat/send/", views.chat_send, name="chat_send"),
    path("rooms/chat/<int:message_id>/report/", views.chat_report, name="chat_report"),
    path("rooms/chat/<int:message_id>/context/", views.chat_context, name="chat_context"),
]
