from __future__ import annotations

from django.contrib import admin, messages

from rooms import services
from rooms.models import Participant, Room


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    fields = ("user", "intention", "joined_at", "left_at")
    readonly_fields = ("user", "joined_at", "left_at")
    can_delete = False


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "is_public", "is_active", "is_solo", "present", "created_at")
    list_filter = ("is_active", "is_public", "is_solo", "control")
    search_fields = ("name", "owner__username")
    raw_id_fields = ("owner",)
    readonly_fields = ("invite_token", "created_at")
    inlines = [ParticipantInline]
    actions = ["close_rooms"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("owner").with_present_count()

    @admin.display(ordering="present_count", description="present")
    def present(self, room: Room) -> int:
        return room.present_count

    @admin.action(description="Close the selected rooms", permissions=["change"])
    def close_rooms(self, request, queryset):
        closed = 0
        for room in queryset.filter(is_active=True, is_solo=False).select_related("owner"):
            # A moderator acts with the owner's authority over the room.
            services.room_close(room=room, by=room.owner)
            closed += 1
        self.message_user(request, f"Closed {closed} room(s).", messages.SUCCESS)


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ("user", "room", "intention", "joined_at", "left_at")
    list_filter = ("left_at",)
    search_fields = ("user__username", "room__name", "intention")
    raw_id_fields = ("user", "room")
    list_select_related = ("user", "room")
    # A membership ends through the service (the action below), which closes the
    # member's sockets and calls; a `left_at` typed into the form would do neither.
    readonly_fields = ("user", "room", "joined_at", "left_at")
    actions = ["remove_from_private_rooms"]

    @admin.action(description="Remove from their private room", permissions=["change"])
    def remove_from_private_rooms(self, request, queryset):
        removed = 0
        present = queryset.filter(left_at__isnull=True, room__is_public=False, room__is_solo=False)
        for participant in present.select_related("room__owner", "user"):
            if participant.user_id == participant.room.owner_id:
                continue
            # A moderator acts with the owner's authority over the room.
            room = participant.room
            services.room_member_remove(room=room, member=participant.user, by=room.owner)
            removed += 1
        self.message_user(request, f"Removed {removed} member(s).", messages.SUCCESS)
