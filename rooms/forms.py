from __future__ import annotations

from django import forms

from rooms.models import Participant, Room


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = [
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
        ]
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
