"""The schedule's forms: what a person types, read in their own time zone.

A date and a time become one UTC instant here (the organiser's zone is theirs); every
rule about it (the grid, the past, a year ahead, overlaps) is the service's, whose
refusals come back as these forms' errors (`refusals_into`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from django import forms

from scheduling.models import LENGTHS, MAX_CAPACITY, REMINDER_CHOICES, SchedulePreferences
from scheduling.repetition import MAX_OCCURRENCES

ROOMS_OWN = "room"
LENGTH_CHOICES = [(str(m), f"{m} minutes") for m in LENGTHS] + [
    (ROOMS_OWN, "The room's own phases")
]
WEEKDAY_CHOICES = [
    ("1", "Mon"),
    ("2", "Tue"),
    ("3", "Wed"),
    ("4", "Thu"),
    ("5", "Fri"),
    ("6", "Sat"),
    ("7", "Sun"),
]


def aware(day: date, at: time, zone: ZoneInfo) -> datetime:
    """`at` on `day` in `zone`, in UTC; a ValidationError for a wall time that does not
    exist there (the spring change skips it) or a date past what a calendar holds."""
    try:
        local = datetime.combine(day, at, tzinfo=zone)
        instant = local.astimezone(UTC)
        back = instant.astimezone(zone)
    except (OverflowError, ValueError) as error:
        raise forms.ValidationError(
            {"date": "Schedule at most a year ahead."}, code="range"
        ) from error
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise forms.ValidationError(
            {"time": f"{at:%H:%M} doesn't exist on that day in {zone.key} (the clocks change)."}
        )
    return instant


class _Timing(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time", "step": 900}))
    length = forms.ChoiceField(choices=LENGTH_CHOICES, initial="25")
    capacity = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_CAPACITY,
        help_text="Leave empty for as many as the room holds.",
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_CAPACITY}),
    )
    title = forms.CharField(
        required=False, max_length=80, widget=forms.TextInput(attrs={"maxlength": 80})
    )

    def __init__(self, *args, zone: ZoneInfo, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone

    def clean_title(self) -> str:
        title = self.cleaned_data["title"]
        if "\x00" in title:
            raise forms.ValidationError("The title can't contain that character.")
        return title

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("date") and cleaned.get("time"):
            cleaned["starts_at"] = aware(cleaned["date"], cleaned["time"], self.zone)
        length = cleaned.get("length")
        if length:
            cleaned["work_minutes"] = None if length == ROOMS_OWN else int(length)
        return cleaned


class SessionForm(_Timing):
    """A new session, once or weekly."""

    room = forms.ModelChoiceField(queryset=None, empty_label=None)
    repeat = forms.BooleanField(required=False, label="Repeat weekly")
    weekdays = forms.MultipleChoiceField(
        required=False,
        choices=WEEKDAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="The first date's weekday is always one of them.",
    )
    until = forms.DateField(
        required=False, label="Until", widget=forms.DateInput(attrs={"type": "date"})
    )
    count = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_OCCURRENCES,
        label="or this many times",
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_OCCURRENCES}),
    )

    field_order = ["room", "title", "date", "time", "length", "capacity", "repeat"]

    def __init__(self, *args, rooms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = rooms

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("repeat") and not cleaned.get("until") and not cleaned.get("count"):
            self.add_error(
                "until", "Say when the repetition ends: a last date or a number of sessions."
            )
        return cleaned

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        arguments = {
            "room": data["room"],
            "starts_at": data["starts_at"],
            "work_minutes": data["work_minutes"],
            "capacity": data["capacity"],
            "title": data["title"],
            "timezone_name": self.zone.key,
        }
        if data["repeat"]:
            arguments.update(
                repeat=True,
                weekdays=[int(day) for day in data["weekdays"]],
                until=data["until"],
                count=data["count"],
            )
        return arguments


class SessionEditForm(_Timing):
    """One session's new time, length, seats or title."""

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "starts_at": data["starts_at"],
            "work_minutes": data["work_minutes"],
            "keep_length": False,
            "capacity": data["capacity"],
            "title": data["title"],
        }


class ScheduleFilterForm(forms.Form):
    """/schedule/'s query string; anything invalid is ignored (the plain week)."""

    week = forms.DateField(required=False)
    mine = forms.BooleanField(required=False)
    booked = forms.BooleanField(required=False)
    followed = forms.BooleanField(required=False)
    room = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = SchedulePreferences
        fields = ["reminder_minutes"]
        labels = {"reminder_minutes": "Remind me of a booked session"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reminder_minutes"].choices = [
            (m, f"{m} minutes before" if m else "Never") for m in REMINDER_CHOICES
        ]
