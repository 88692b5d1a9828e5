from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from stats.models import Outcome, SessionHistory


def new_invite_token() -> str:
    return secrets.token_urlsafe(24)


class RoomQuerySet(models.QuerySet):
    def active(self) -> RoomQuerySet:
        return self.filter(is_active=True)

    def public(self) -> RoomQuerySet:
        return self.filter(is_public=True, is_solo=False)

    def with_present_count(self) -> RoomQuerySet:
        """Annotates `present_count`: members in the room now."""
        return self.annotate(
            present_count=models.Count("participants", filter=Q(participants__left_at__isnull=True))
        )

    def search(self, text: str) -> RoomQuerySet:
        return self.filter(name__icontains=text.strip()) if text.strip() else self

    def visible_to(self, user) -> RoomQuerySet:
        """The one rule for who sees a room (pages, sockets, leaderboard, API).

        An open public room: every active, logged-in user. Any other room (private,
        solo, or closed): its owner and the members present in it.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        is_member = Participant.objects.present().filter(room=models.OuterRef("pk"), user=user)
        return self.filter(
            Q(is_active=True, is_public=True, is_solo=False)
            | Q(owner=user)
            | models.Exists(is_member)
        )


class Room(models.Model):
    class Control(models.TextChoices):
        EVERYONE = "everyone", "Every participant"
        OWNER = "owner", "Only the owner"

    class Chat(models.TextChoices):
        ALLOWED = "allowed", "Allowed"
        BREAKS_ONLY = "breaks_only", "Breaks only"

    name = models.CharField(max_length=80)
    description = models.TextField(blank=True, max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="owned_rooms"
    )
    work_minutes = models.PositiveSmallIntegerField(
        default=25, validators=[MinValueValidator(1), MaxValueValidator(180)]
    )
    short_break_minutes = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    long_break_minutes = models.PositiveSmallIntegerField(
        default=15, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    long_break_every = models.PositiveSmallIntegerField(
        "long break every N work phases",
        default=4,
        validators=[MaxValueValidator(12)],
        help_text="0 means never.",
    )
    auto_start_breaks = models.BooleanField(default=True)
    auto_start_work = models.BooleanField("auto-start the next work phase", default=False)
    control = models.CharField(
        "who may control the timer", max_length=10, choices=Control, default=Control.EVERYONE
    )
    is_public = models.BooleanField("public", default=True, help_text="Listed on the rooms page.")
    chat_during_work = models.CharField(
        "chat during work phases",
        max_length=12,
        choices=Chat,
        default=Chat.ALLOWED,
        help_text="In breaks-only mode the room's chat opens when a break starts.",
    )
    mic_during_breaks = models.BooleanField(
        "microphones during breaks",
        default=False,
        help_text="People with their camera on may turn their microphone on during breaks; "
        "never during a work phase.",
    )
    # A room made for a conversation (a 1:1 partner session, partners/): either person may
    # speak at any time, work phases included. Set by the service that makes such a room
    # (`room_allow_talking`), never by an owner's form.
    mic_any_time = models.BooleanField(default=False, editable=False)
    # Seats given only by the service that made the room (a 1:1 partner room): no invite
    # link is shown or works, and its owner gets no settings or scheduling (`room_seal`).
    sealed = models.BooleanField(default=False, editable=False)
    max_participants = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    is_active = models.BooleanField(default=True)
    is_solo = models.BooleanField(default=False, editable=False)
    invite_token = models.CharField(
        max_length=64, unique=True, default=new_invite_token, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RoomQuerySet.as_manager()

    # What the owner may change (the form's fields and what room_update accepts).
    SETTINGS_FIELDS = (
        "name",
        "description",
        "work_minutes",
        "short_break_minutes",
        "long_break_minutes",
        "long_break_every",
        "auto_start_breaks",
        "auto_start_work",
        "control",
        "is_public",
        "max_participants",
        "chat_during_work",
        "mic_during_breaks",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(work_minutes__gte=1, work_minutes__lte=180),
                name="rooms_room_work_minutes_range",
            ),
            models.CheckConstraint(
                condition=Q(short_break_minutes__gte=1, short_break_minutes__lte=60),
                name="rooms_room_short_break_range",
            ),
            models.CheckConstraint(
                condition=Q(long_break_minutes__gte=1, long_break_minutes__lte=60),
                name="rooms_room_long_break_range",
            ),
            models.UniqueConstraint(
                fields=["owner"], condition=Q(is_solo=True), name="rooms_room_one_solo_per_user"
            ),
        ]
        indexes = [models.Index(fields=["is_active", "is_public", "-created_at"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("rooms:detail", kwargs={"room_id": self.pk})

    def get_invite_url(self) -> str:
        return reverse("rooms:invite", kwargs={"token": self.invite_token})

    @property
    def is_open_to_all(self) -> bool:
        return self.is_active and self.is_public and not self.is_solo

    def is_visible_to(self, user, participant: Participant | None) -> bool:
        """`RoomQuerySet.visible_to` for one room, given `user`'s membership row (or None)."""
        if not user.is_authenticated or not user.is_active:
            return False
        if self.is_open_to_all or self.owner_id == user.pk:
            return True
        return participant is not None and participant.is_present

    def may_control_timer(self, user, participant: Participant | None) -> bool:
        """The one rule for who may press the timer's buttons."""
        if not user.is_authenticated or not user.is_active or not self.is_active:
            return False
        if self.control == Room.Control.OWNER:
            return self.owner_id == user.pk
        return participant is not None and participant.is_present


class ParticipantQuerySet(models.QuerySet):
    def present(self) -> ParticipantQuerySet:
        """Members who are in the room now (joined and not left)."""
        return self.filter(left_at__isnull=True)

    def with_checkout(self) -> ParticipantQuerySet:
        """Annotates `done_seq`: the latest work phase of this room the person checked out
        as done, if they show their check-outs to the room (their profile's setting); else
        None. The page shows their ✓ during the break after that phase."""
        done = (
            SessionHistory.objects.filter(
                user_id=models.OuterRef("user_id"),
                room_id=models.OuterRef("room_id"),
                kind=SessionHistory.Kind.WORK,
                outcome=Outcome.DONE,
            )
            .order_by("-seq")
            .values("seq")[:1]
        )
        return self.annotate(
            done_seq=models.Case(
                models.When(user__show_checkouts=True, then=models.Subquery(done)),
                default=None,
                output_field=models.PositiveIntegerField(),
            )
        )

    def with_online(self) -> ParticipantQuerySet:
        """Annotates `online`: a socket of theirs in this room was seen lately (any process)."""
        return self.annotate(
            online=models.Exists(
                Presence.objects.fresh().filter(
                    room_id=models.OuterRef("room_id"), user_id=models.OuterRef("user_id")
                )
            )
        )


class Participant(models.Model):
    """A user's membership of a room, kept after they leave (it counts rooms joined)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participations"
    )
    intention = models.CharField("what I'm working on", max_length=140, blank=True)
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    # The timer's phase and its running seconds at the moment of joining, so that the
    # history credits only the part of a phase the participant was there for.
    joined_seq = models.PositiveIntegerField(default=0)
    joined_elapsed_seconds = models.PositiveIntegerField(default=0)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="rooms_participant_unique")
        ]
        indexes = [models.Index(fields=["room", "left_at"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.room}"

    @property
    def is_present(self) -> bool:
        return self.left_at is None

    @property
    def is_online(self) -> bool:
        """Present, with a socket open (read with `with_online()` to save a query)."""
        if self.left_at is not None:
            return False
        if hasattr(self, "online"):
            return self.online
        return Presence.objects.fresh().filter(room_id=self.room_id, user_id=self.user_id).exists()


class PresenceQuerySet(models.QuerySet):
    def fresh(self, now=None) -> PresenceQuerySet:
        cutoff = (now or timezone.now()) - timedelta(seconds=settings.PRESENCE_TTL_SECONDS)
        return self.filter(seen_at__gte=cutoff)

    def stale(self, now=None) -> PresenceQuerySet:
        cutoff = (now or timezone.now()) - timedelta(seconds=settings.PRESENCE_TTL_SECONDS)
        return self.filter(seen_at__lt=cutoff)


class Presence(models.Model):
    """One server process has a socket of `user` open in `room`, as of `seen_at`.

    Each process writes its own rows: on a first socket, on a last close, and every
    heartbeat (which also rewrites them from the sockets it really holds, so a handler
    that died without `disconnect()` cannot leave someone online). A process that dies
    stops its heartbeat; its rows expire after PRESENCE_TTL_SECONDS and the next sweep
    announces who went offline.
    """

    process = models.CharField(max_length=80)
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="presences")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presences"
    )
    seen_at = models.DateTimeField()

    objects = PresenceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["process", "room", "user"], name="rooms_presence_once_per_process"
            )
        ]
        indexes = [models.Index(fields=["room", "user", "seen_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.room_id} via {self.process}"
