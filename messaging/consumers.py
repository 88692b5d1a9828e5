"""The per-user socket: notifications, messages, unlock toasts, anything for one person."""

from __future__ import annotations

import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.template.loader import render_to_string

from accounts.queries import active_user
from focusmate.lib.broadcast import user_group
from focusmate.lib.frames import FrameError, parse_frame
from focusmate.lib.http import error_message
from focusmate.lib.sockets import CLOSE_UNAUTHENTICATED, AccessControlled, error_toast
from messaging.forms import ConversationReadFrame
from messaging.models import Conversation
from messaging.services import conversation_mark_read

logger = logging.getLogger(__name__)

# After a channel-layer outage: the bell and the messages badge load their counts again,
# and an open conversation asks for the messages after its newest (messages.js).
BELL_RELOAD = render_to_string("messaging/_bell.html", {"oob": True, "unread": None})
MESSAGES_RELOAD = render_to_string("messaging/_inbox_refresh.html") + (
    '<div id="catch-up-me" hx-swap-oob="true" data-catch-up="me" hidden></div>'
)


class UserConsumer(AccessControlled, AsyncWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group = user_group(user.pk)
        await self.join_access_groups(user)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.leave_groups(self.group)
            await self.leave_access_groups()

    async def receive(self, text_data=None, bytes_data=None) -> None:
        """One frame: {"conversation": id, "up_to": message id}, marking read what the
        page shows. A conversation that isn't the user's is "not found", like a 404."""
        if self.revoked or not hasattr(self, "group"):
            return
        try:
            fields = parse_frame(text_data, ConversationReadFrame)
            if set(fields) != {"conversation", "up_to"}:
                raise FrameError("That message isn't valid.")
            await database_sync_to_async(self._mark_read)(fields)
        except FrameError as error:
            await self.send(text_data=error_toast(str(error)))
        except Http404:
            await self.send(text_data=error_toast("No such conversation."))
        except (ValidationError, PermissionDenied) as error:
            await self.send(text_data=error_toast(error_message(error)))
        except Exception:
            logger.exception("user socket frame failed")
            await self.send(text_data=error_toast("Something went wrong. Please try again."))

    def _mark_read(self, fields: dict) -> None:
        user = active_user(self.scope["user"].pk)
        if user is None:
            raise PermissionDenied("Your account can't do that. Please log in again.")
        conversation = Conversation.objects.filter(pk=fields["conversation"]).first()
        if conversation is None or not conversation.has_member(user.pk):
            raise Http404
        conversation_mark_read(conversation=conversation, user=user, up_to=fields["up_to"])

    async def resync(self) -> None:
        """After a channel-layer outage: counts reload and conversations catch up."""
        await self.send(text_data=BELL_RELOAD + MESSAGES_RELOAD)

    async def notification_created(self, event: dict) -> None:
        await self.send(text_data=event["html"])

    async def achievements_unlocked(self, event: dict) -> None:
        await self.send(text_data=event["html"])

    async def message_sent(self, event: dict) -> None:
        await self.send(text_data=event["html"])

    async def message_edited(self, event: dict) -> None:
        await self.send(text_data=event["html"])

    async def message_deleted(self, event: dict) -> None:
        await self.send(text_data=event["html"])

    async def conversation_read(self, event: dict) -> None:
        await self.send(text_data=event["html"])
