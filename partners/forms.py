"""What a person types to find a partner, read in their own time zone; every rule about
the start (grid, past, overlap) is the service's, whose refusals come back as this
form's errors."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django import forms

from moderation.models import Report
from scheduling.forms import aware
from scheduling.models import LENGTHS

LENGTH_CHOICES = [(str(m), f"{m} min") for m in LENGTHS]


class PartnerForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(
        widget=forms.TimeInput(attrs={"type": "time", "step": 900}),
        help_text="On the quarter hour: :00, :15, :30 or :45.",
    )
    length = forms.TypedChoiceField(
        choices=LENGTH_CHOICES, coerce=int, initial="25", widget=forms.RadioSelect
    )

    def __init__(self, *args, zone: ZoneInfo, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("date") and cleaned.get("time"):
            cleaned["starts_at"] = aware(cleaned["date"], cleaned["time"], self.zone)
        return cleaned

    def service_arguments(self) -> dict:
        return {
            "starts_at": self.cleaned_data["starts_at"],
            "work_minutes": self.cleaned_data["length"],
        }


class PartnerReportForm(forms.Form):
    reason = forms.ChoiceField(choices=Report.Reason.choices)
    text = forms.CharField(required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
