from __future__ import annotations

from django import template

from stats.charts import format_duration

register = template.Library()


@register.filter
def duration(seconds: int) -> str:
    """Seconds as "1 h 5 min"."""
    return format_duration(int(seconds or 0))


@register.filter
def signed(number: int) -> str:
    """+3, -2, 0: a change with its sign."""
    return f"{number:+d}" if number else "0"


@register.filter
def signed_duration(seconds: int) -> str:
    """+1 h 5 min or minus 20 min: a change of duration with its sign."""
    seconds = int(seconds or 0)
    if not seconds:
        return "±0 min"
    return ("+" if seconds > 0 else "\N{MINUS SIGN}") + format_duration(abs(seconds))
