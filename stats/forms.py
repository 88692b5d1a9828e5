from __future__ import annotations

from datetime import date

from django import forms

from stats.queries import Period

PRESET_DAYS = (7, 30, 90, 365)
DEFAULT_DAYS = 30
# A custom range is drawn as one bar per day; beyond two years the bars are too thin.
MAX_CHART_DAYS = 731
# Nobody focused with Focus Mate before this; the calendar's edges (year 1, 9999) would
# overflow the date arithmetic of a period and the one before it.
EARLIEST = date(2000, 1, 1)


class PeriodForm(forms.Form):
    """The period chooser: a preset number of days, or a custom range of local days."""

    range = forms.ChoiceField(
        choices=[(str(days), f"Last {days} days") for days in PRESET_DAYS] + [("custom", "Custom")],
        required=False,
    )
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    default_range = str(DEFAULT_DAYS)
    max_days: int | None = MAX_CHART_DAYS

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        for name in ("start", "end"):
            self.fields[name].widget.attrs["max"] = today.isoformat()

    def clean(self):
        cleaned = super().clean()
        cleaned["range"] = cleaned.get("range") or self.default_range
        if cleaned["range"] != "custom" or self.errors:
            return cleaned
        start, end = cleaned.get("start"), cleaned.get("end")
        if not start or not end:
            raise forms.ValidationError("Choose both a start and an end date.", code="missing")
        if start > end:
            raise forms.ValidationError(
                "The start date must be on or before the end date.", code="reversed"
            )
        if start > self.today:
            raise forms.ValidationError("The start date is in the future.", code="future")
        if start < EARLIEST:
            raise forms.ValidationError(
                f"Choose dates from {EARLIEST:%-d %B %Y} on.", code="too_early"
            )
        if end > self.today:
            raise forms.ValidationError("The end date is in the future.", code="future_end")
        if self.max_days and (end - start).days + 1 > self.max_days:
            raise forms.ValidationError(
                f"Choose at most {self.max_days} days (two years).", code="too_long"
            )
        return cleaned

    def period(self) -> Period | None:
        """The chosen period; the last 30 days when the input was invalid."""
        if not self.is_valid():
            return Period.last(DEFAULT_DAYS, today=self.today)
        choice = self.cleaned_data["range"]
        if choice == "custom":
            return Period(start=self.cleaned_data["start"], end=self.cleaned_data["end"])
        if choice == "all":
            return None
        return Period.last(int(choice), today=self.today)


class ExportForm(PeriodForm):
    """The same choices plus "all" (the default): the whole history, however long.

    Its view refuses invalid input instead of falling back: a file should hold what
    was asked for or nothing.
    """

    range = forms.ChoiceField(
        choices=[("all", "Everything")]
        + [(str(days), f"Last {days} days") for days in PRESET_DAYS]
        + [("custom", "Custom")],
        required=False,
    )

    default_range = "all"
    max_days = None
