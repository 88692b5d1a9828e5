from __future__ import annotations

from django import forms

from messaging.models import MESSAGE_MAX_LENGTH
from rooms.models import Participant, Room
from timers.engine import COMMANDS


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = list(Room.SETTINGS_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
            "work_minutes": forms.NumberInput(attrs={"min": 1, "max": 180}),
            "short_break_minutes": forms.NumberInput(attrs={"min": 1, "max": 60}),
            "long_break_minutes": forms.NumberInput(attrs={"min": 1, "max": 60}),
            "long_break_every": forms.NumberInput(attrs={"min": 0, "max": 12}),
            "max_participants": forms.NumberInput(attrs={"min": 1, "max": 1000}),
        }
        help_texts = {
            "is_public": (
                "Public rooms are listed for everyone; private ones are reached by invite link."
            ),
            "max_participants": "Leave empty for no limit.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left out of a post (an older form), the room keeps its choice.
        self.fields["chat_during_work"].required = False

    def clean_chat_during_work(self) -> str:
        return self.cleaned_data.get("chat_during_work") or self.instance.chat_during_work


class IntentionForm(forms.ModelForm):
    class Meta:
        model = Participant
        fields = ["intention"]
        widgets = {
            "intention": forms.TextInput(
                attrs={
                    "maxlength": 140,
                    "placeholder": "e.g. Chapter 3 draft",
                    "autocomplete": "off",
                }
            )
        }


class RoomSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=80, label="Search rooms")


class RoomFrameForm(forms.Form):
    """What the room socket accepts: a timer command, an intention or a chat line."""

    action = forms.ChoiceField(
        required=False,
        choices=[(name, name) for name in COMMANDS],
        error_messages={"invalid_choice": "That's not a timer action."},
    )
    intention = forms.CharField(
        required=False,
        max_length=Participant._meta.get_field("intention").max_length,
        error_messages={"max_length": "Keep your intention to %(limit_value)d characters."},
    )
    chat = forms.CharField(
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        error_messages={"max_length": "Keep a message to %(limit_value)d characters."},
    )
