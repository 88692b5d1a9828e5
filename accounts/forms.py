from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from PIL import Image

from accounts import images
from accounts.models import ALERT_FIELDS, User

ALLOWED_AVATAR_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "bio",
            "timezone",
            "avatar",
            "stats_public",
            "on_leaderboard",
            "show_checkouts",
            "message_privacy",
            "focus_visibility",
            "notify_on_follow",
        ]
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 4, "maxlength": 500}),
            "avatar": forms.ClearableFileInput(
                attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}
            ),
        }
        help_texts = {
            "bio": "Up to 500 characters, shown on your public profile.",
            "timezone": "Your days, streaks and statistics follow this time zone.",
            "stats_public": "Focus hours, sessions and streak; you always see your own.",
            "on_leaderboard": "Your weekly focus minutes, beside others who opted in.",
            "show_checkouts": (
                "At a break, the people in your room see a ✓ beside you when you answered "
                "“Done” for the work phase that just ended. Your goal is always shown."
            ),
            "message_privacy": (
                "A shared room means one you are both in now. People you block can never "
                "message you."
            ),
            "focus_visibility": (
                "Followers see, on their home page, that you are focusing now and in which "
                "room (only a room they may see themselves is named)."
            ),
            "notify_on_follow": "Once per person, in your notifications.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left out of a post (an older form), the stored choice stays.
        self.fields["message_privacy"].required = False
        self.fields["focus_visibility"].required = False

    def clean_avatar(self):
        avatar = self.cleaned_data.get("avatar")
        if not avatar or not hasattr(avatar, "image"):
            # Unchanged (the stored file) or cleared.
            return avatar
        limit = settings.AVATAR_MAX_BYTES
        if avatar.size > limit:
            raise forms.ValidationError(
                f"That image is {filesizeformat(avatar.size)}; "
                f"the limit is {filesizeformat(limit)}.",
                code="too_large",
            )
        image: Image.Image = avatar.image
        if image.format not in ALLOWED_AVATAR_FORMATS:
            raise forms.ValidationError(
                "Please upload a PNG, JPEG, GIF or WebP image.", code="bad_format"
            )
        if images.too_large(image):
            width, height = image.size
            side = images.MAX_UPLOAD_SIDE
            raise forms.ValidationError(
                f"That image is {width} x {height} pixels; the limit is {side} x {side}.",
                code="too_many_pixels",
            )
        return avatar


class AlertsForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ALERT_FIELDS
        widgets = {
            "keyboard_shortcuts": forms.RadioSelect,
            "sound_volume": forms.NumberInput(attrs={"type": "range", "min": 0, "max": 100}),
        }
        help_texts = {
            "desktop_notifications": "Your browser asks first; nothing is asked until you click.",
            "announce_chat": (
                "A room's new chat lines, said politely by your screen reader as they "
                'arrive (never your own). Phase changes and "1 minute left" are always said.'
            ),
            "checkout_prompt": (
                "A small panel beside the timer asks done, partly or not yet; it never "
                "blocks the break. Off: open it yourself from the room page."
            ),
            "keyboard_shortcuts": (
                "Space starts or pauses, S skips, R resets, ? lists them. They never act "
                "while you type, or in a room whose timer you may not control."
            ),
        }
