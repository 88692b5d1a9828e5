from __future__ import annotations

from datetime import date, timedelta

from stats import charts
from stats.queries import DayTotal, heatmap_period


def test_durations_read_naturally():
    assert charts.format_duration(0) == "0 min"
    assert charts.format_duration(45 * 60) == "45 min"
    assert charts.format_duration(2 * 3600) == "2 h"
    assert charts.format_duration(2 * 3600 + 5 * 60 + 20) == "2 h 5 min"


def test_daily_bars_scale_to_a_round_top_and_title_every_day():
    days = [
        DayTotal(date(2026, 3, 1), 0, 0),
        DayTotal(date(2026, 3, 2), 45 * 60, 2),
        DayTotal(date(2026, 3, 3), 90 * 60, 3),
    ]

    chart = charts.daily_focus_bars(days)

    assert chart.top_label == "2 h"
    assert [bar.height for bar in chart.bars] == [0, 37.5, 75]
    assert chart.bars[2].y == 25
    assert chart.bars[0].title == "Sun 1 Mar 2026: 0 min, 0 work sessions"
    assert chart.bars[1].title == "Mon 2 Mar 2026: 45 min, 2 work sessions"
    assert chart.x_labels == ["1 Mar", "2 Mar", "3 Mar"]
    assert not chart.is_empty
    assert charts.daily_focus_bars(days[:1]).is_empty


def test_hourly_bars_have_24_slots():
    counts = [0] * 24
    counts[9] = 5

    chart = charts.hourly_bars(counts)

    assert len(chart.bars) == 24
    assert chart.bars[9].height == 62.5  # 5 of a top of 8
    assert chart.bars[9].title == "09:00-10:00: 5 work sessions"


def test_the_heatmap_is_53_monday_first_weeks_with_levels_and_titles():
    today = date(2026, 3, 18)  # a Wednesday
    period = heatmap_period(today=today)
    days = [DayTotal(day, 0, 0) for day in period.each_day()]
    days[-1] = DayTotal(today, 200 * 60, 8)
    days[-2] = DayTotal(today - timedelta(1), 30 * 60, 1)

    heatmap = charts.year_heatmap(days)

    assert period.start.weekday() == 0
    assert len(heatmap.cells) == 52 * 7 + 3
    last, before = heatmap.cells[-1], heatmap.cells[-2]
    assert (last.level, before.level, heatmap.cells[0].level) == (4, 1, 0)
    assert last.y == before.y + charts.HEAT_STEP  # Wednesday under Tuesday
    assert last.title == "Wed 18 Mar 2026: 3 h 20 min, 8 work sessions"
    assert heatmap.cells[0].title.endswith(": no focus")
    assert heatmap.active_days == 2
    assert {label.text for label in heatmap.labels} >= {"Mar", "Jun", "Mon", "Wed", "Fri"}
