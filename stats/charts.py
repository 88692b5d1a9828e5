"""Charts as plain data: coordinates and titles that templates/stats draw as SVG.

Nothing here builds markup, so the templates' autoescaping covers every string, and
the only values placed in SVG attributes are numbers. Sizes are in viewBox units;
the CSS scales each chart to the width of the screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from stats.queries import DayTotal

BAR_AREA_HEIGHT = 100
BAR_STEP = 10  # viewBox units per bar; the bar itself leaves a gap
HEAT_CELL = 10
HEAT_STEP = 12
HEAT_LEFT = 26  # room for weekday labels
HEAT_TOP = 14  # room for month labels
# Focus minutes from which a heatmap day reaches levels 1-4 (about 0, 2, 4, 7 pomodoros).
HEAT_LEVEL_MINUTES = (1, 50, 100, 175)


def format_duration(seconds: int) -> str:
    """45 min, 2 h, 2 h 5 min."""
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    gridlines: list[float]
    top_label: str
    x_labels: list[str]
    label: str

    @property
    def is_empty(self) -> bool:
        return not any(bar.height for bar in self.bars)


def _nice_ceiling(value: float, steps: tuple[int, ...]) -> int:
    """The smallest of `steps` (or multiple of the last) that is at least value."""
    for step in steps:
        if value <= step:
            return step
    last = steps[-1]
    return int(-(-value // last) * last)


def _bars(values: list[float], titles: list[str], top: float) -> list[Bar]:
    gap = BAR_STEP * (0.2 if len(values) <= 120 else 0.1)
    bars = []
    for index, (value, title) in enumerate(zip(values, titles, strict=True)):
        height = round(value / top * BAR_AREA_HEIGHT, 2) if top else 0
        bars.append(
            Bar(
                x=index * BAR_STEP + gap / 2,
                y=BAR_AREA_HEIGHT - height,
                width=BAR_STEP - gap,
                height=height,
                title=title,
            )
        )
    return bars


def _spread_labels(labels: list[str], count: int) -> list[str]:
    """`count` labels evenly picked, first and last included."""
    if len(labels) <= count:
        return labels
    last = len(labels) - 1
    return [labels[round(n * last / (count - 1))] for n in range(count)]


def daily_focus_bars(days: list[DayTotal]) -> BarChart:
    """Focus minutes per day; every day has a title, empty days included."""
    peak_minutes = max((day.focus_seconds for day in days), default=0) / 60
    top_minutes = _nice_ceiling(peak_minutes, (30, 60, 120, 180, 240, 360, 480, 600, 720))
    titles = [
        f"{day.day:%a %-d %b %Y}: {format_duration(day.focus_seconds)}, "
        f"{_plural(day.work_sessions, 'work session')}"
        for day in days
    ]
    return BarChart(
        width=len(days) * BAR_STEP,
        height=BAR_AREA_HEIGHT,
        bars=_bars([day.focus_seconds / 60 for day in days], titles, top_minutes),
        gridlines=[BAR_AREA_HEIGHT / 2, 0],
        top_label=format_duration(top_minutes * 60),
        x_labels=_spread_labels([f"{day.day:%-d %b}" for day in days], 5),
        label=f"Focus minutes per day, {days[0].day:%-d %b %Y} to {days[-1].day:%-d %b %Y}"
        if days
        else "Focus minutes per day",
    )


def hourly_bars(counts: list[int]) -> BarChart:
    """Work sessions started in each hour of the day (24 bars)."""
    top = _nice_ceiling(max(counts, default=0), (4, 8, 12, 20, 40, 60, 100))
    titles = [
        f"{hour:02}:00-{hour + 1:02}:00: {_plural(count, 'work session')}"
        for hour, count in enumerate(counts)
    ]
    return BarChart(
        width=len(counts) * BAR_STEP,
        height=BAR_AREA_HEIGHT,
        bars=_bars([float(count) for count in counts], titles, top),
        gridlines=[BAR_AREA_HEIGHT / 2, 0],
        top_label=_plural(top, "session"),
        x_labels=["00:00", "06:00", "12:00", "18:00", "24:00"],
        label="Work sessions by hour of day",
    )


@dataclass(frozen=True)
class HeatCell:
    x: int
    y: int
    level: int
    title: str


@dataclass(frozen=True)
class HeatLabel:
    x: int
    y: int
    text: str


@dataclass(frozen=True)
class Heatmap:
    width: int
    height: int
    cells: list[HeatCell]
    labels: list[HeatLabel]
    legend: list[tuple[int, str]]
    active_days: int
    label: str


def heat_level(seconds: int) -> int:
    minutes = seconds / 60
    return sum(1 for threshold in HEAT_LEVEL_MINUTES if minutes >= threshold)


def year_heatmap(days: list[DayTotal]) -> Heatmap:
    """A GitHub-style calendar: one column per week (Monday on top), one cell per day.

    `days` must start on a Monday (see queries.heatmap_period).
    """
    first: date = days[0].day
    cells: list[HeatCell] = []
    labels: list[HeatLabel] = []
    last_month_column = -3
    for index, day in enumerate(days):
        column, row = divmod(index, 7)
        x, y = HEAT_LEFT + column * HEAT_STEP, HEAT_TOP + row * HEAT_STEP
        if day.focus_seconds:
            title = (
                f"{day.day:%a %-d %b %Y}: {format_duration(day.focus_seconds)}, "
                f"{_plural(day.work_sessions, 'work session')}"
            )
        else:
            title = f"{day.day:%a %-d %b %Y}: no focus"
        cells.append(HeatCell(x=x, y=y, level=heat_level(day.focus_seconds), title=title))
        # The first column names its month only if that month has weeks left to show.
        starts_month = row == 0 and (day.day.day <= 7 or (index == 0 and day.day.day <= 14))
        if starts_month and column - last_month_column >= 3:
            labels.append(HeatLabel(x=x, y=HEAT_TOP - 4, text=f"{day.day:%b}"))
            last_month_column = column
    for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri")):
        labels.append(HeatLabel(x=0, y=HEAT_TOP + row * HEAT_STEP + HEAT_CELL - 1, text=name))
    columns = -(-len(days) // 7)
    legend = [(0, "no focus")] + [
        (level, f"{minutes} min or more")
        for level, minutes in enumerate(HEAT_LEVEL_MINUTES, start=1)
    ]
    return Heatmap(
        width=HEAT_LEFT + columns * HEAT_STEP,
        height=HEAT_TOP + 7 * HEAT_STEP,
        cells=cells,
        labels=labels,
        legend=legend,
        active_days=sum(1 for day in days if day.focus_seconds),
        label=f"Focus per day since {first:%-d %b %Y}",
    )
