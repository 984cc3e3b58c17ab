"""Unit tests: value formatting, axis ticks, labels and the choice of Making Data Count icons."""

from datetime import date

import pandas as pd
import pytest

from pipelines.dashboard.charts import FunnelPoint, SpcPoint, funnel_chart, nice_ticks, spc_chart
from pipelines.dashboard.fmt import (
    MISSING,
    SUPPRESSED,
    format_dq,
    format_target,
    format_tick,
    format_value,
    month_label,
    period_label,
)
from pipelines.dashboard.icons import (
    ASSURANCE_ICONS,
    ORANGE,
    VARIATION_ICONS,
    choose_assurance_icon,
    choose_variation_icon,
    icon_svg,
)


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (85.349, "percent", "85.3%"),
        (100, "percent", "100.0%"),
        (0, "percent", "0.0%"),
        (1234567.891, "gbp", "£1,234,568"),
        (508.853, "gbp", "£508.85"),
        (500.0, "gbp", "£500"),
        (-2500, "gbp", "-£2,500"),
        (12345, "count", "12,345"),
        (12345.0, "people", "12,345"),
        (3.5, "count", "3.5"),
        (35.27, "days", "35.3 days"),
        (12840, "days", "12,840 days"),
        (123.45, "wte", "123.5 WTE"),
        (1.0234, "index", "1.02"),
        (0.5, "unknown", "0.50"),
        (None, "percent", MISSING),
        (float("nan"), "count", MISSING),
        (pd.NA, "count", MISSING),
        ("n/a", "count", MISSING),
    ],
)
def test_format_value(value: object, unit: str, expected: str) -> None:
    assert format_value(value, unit) == expected


def test_suppressed_value_is_an_asterisk_whatever_the_figure() -> None:
    assert format_value(None, "percent", suppressed=True) == SUPPRESSED
    assert format_value(40.0, "count", suppressed=True) == SUPPRESSED


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [(1_250_000, "gbp", "£1.2m"), (12_000, "count", "12k"), (85.0, "percent", "85%"),
     (999, "gbp", "£999")],
)
def test_compact_values(value: float, unit: str, expected: str) -> None:
    assert format_value(value, unit, compact=True) == expected


@pytest.mark.parametrize(
    ("value", "unit", "step", "expected"),
    [(82.5, "percent", 2.5, "82.5%"), (80.0, "percent", 2.5, "80.0%"), (90, "percent", 5, "90%"),
     (87.5, "percent", 0.5, "87.5%"), (20_000, "count", 5_000, "20k"),
     (1500, "count", 500, "1,500"), (500, "gbp", 25, "£500"), (0.25, "index", 0.05, "0.25")],
)
def test_axis_ticks(value: float, unit: str, step: float, expected: str) -> None:
    assert format_tick(value, unit, step) == expected


def test_nice_ticks_cover_the_range_with_round_steps() -> None:
    ticks = nice_ticks(81.7, 91.8)
    assert ticks[0] <= 81.7 and ticks[-1] >= 91.8
    steps = {round(b - a, 6) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1 and steps.pop() in {1, 2, 2.5, 5}
    assert nice_ticks(5, 5)  # a flat series still gets an axis


def test_target_and_labels() -> None:
    assert format_target(85.0, "max", "percent") == "at most 85.0%"
    assert format_target(80, "min", "percent") == "at least 80.0%"
    assert format_target(None, "max", "percent") is None
    assert format_target(float("nan"), None, "count") is None
    assert month_label(date(2025, 4, 1)) == "Apr 2025"
    assert month_label(pd.Timestamp("2025-04-01"), long=True) == "April 2025"
    assert period_label(date(2025, 4, 1), "month") == "April 2025"
    # rolling 12 months: period_start is the first day of the window's last month
    assert period_label(date(2025, 4, 1), "rolling_12m") == "12 months May 2024 \u2013 Apr 2025"
    assert format_dq(92.4) == "92/100"
    assert format_dq(None) == "not available"


@pytest.mark.parametrize(
    ("published", "point_type", "value", "mean", "expected"),
    [
        ("concern_high", None, None, None, "concern_high"),
        ("IMPROVEMENT_LOW", None, None, None, "improvement_low"),
        (None, "common_cause", 5, 4, "common_cause"),
        (None, "special_cause_concern", 91, 86, "concern_high"),
        (None, "special_cause_concern", 70, 86, "concern_low"),
        (None, "special_cause_improvement", 95, 86, "improvement_high"),
        (None, "special_cause_improvement", 10, 86, "improvement_low"),
        (None, "special_cause_neither", 10, 86, "neither_low"),
        ("nonsense", "special_cause_neither", 99, 86, "neither_high"),
    ],
)
def test_variation_icon_choice(published: str | None, point_type: str | None,
                               value: float | None, mean: float | None, expected: str) -> None:
    icon = choose_variation_icon(published, point_type=point_type, value=value, mean=mean)
    assert icon is not None and icon.code == expected


def test_variation_icon_colours_follow_making_data_count() -> None:
    assert VARIATION_ICONS["concern_high"].colour == VARIATION_ICONS["concern_low"].colour
    assert VARIATION_ICONS["improvement_high"].colour == ASSURANCE_ICONS["pass"].colour
    assert VARIATION_ICONS["concern_low"].colour == ASSURANCE_ICONS["fail"].colour
    assert VARIATION_ICONS["common_cause"].colour == ASSURANCE_ICONS["hit_or_miss"].colour
    assert choose_variation_icon(None) is None
    assert choose_variation_icon(None, point_type="special_cause_concern") is None  # no mean


@pytest.mark.parametrize(
    ("lower", "upper", "target", "ttype", "expected"),
    [
        (81, 90, 80, "min", "pass"),  # at least 80: lower limit above it
        (60, 78, 80, "min", "fail"),
        (70, 90, 80, "min", "hit_or_miss"),
        (70, 84, 85, "max", "pass"),  # at most 85: upper limit below it
        (86, 95, 85, "max", "fail"),
        (80, 92, 85, "max", "hit_or_miss"),
        (80, 92, None, "max", None),
        (80, 92, 85, None, None),
    ],
)
def test_assurance_icon_derived_from_limits(lower: float, upper: float, target: float | None,
                                            ttype: str | None, expected: str | None) -> None:
    icon = choose_assurance_icon(None, lower_limit=lower, upper_limit=upper, target=target,
                                 target_type=ttype, derive=True)
    assert (icon.code if icon else None) == expected


def test_published_assurance_icon_wins_and_null_means_none() -> None:
    assert choose_assurance_icon("fail", lower_limit=90, upper_limit=99, target=80,
                                 target_type="min", derive=True).code == "fail"
    # the SPC table says null (no target): nothing is derived unless asked to
    assert choose_assurance_icon(None, lower_limit=90, upper_limit=99, target=80,
                                 target_type="min") is None


def test_icon_svg_is_labelled_and_letters_are_printed() -> None:
    svg = icon_svg(VARIATION_ICONS["concern_high"])
    assert svg.startswith("<svg") and 'data-icon="concern_high"' in svg
    assert "<title>Special cause variation: concern (high values)</title>" in svg
    assert ">H</text>" in svg and ORANGE in svg and ORANGE != "#ED8B00"
    assert ">P</text>" in icon_svg(ASSURANCE_ICONS["pass"])
    assert icon_svg(None) == ""


def test_charts_are_self_contained_svg() -> None:
    months = [date(2024, m, 1) for m in range(1, 13)]
    pts = [SpcPoint(m, 80 + i % 3, 81, 75, 87,
                    "special_cause_concern" if i == 11 else "common_cause")
           for i, m in enumerate(months)]
    svg = spc_chart(pts, unit="percent", title="Occupancy", target=85)
    assert 'data-chart="spc"' in svg and 'data-points="12"' in svg
    assert 'class="target"' in svg and svg.count('class="limit"') == 2
    assert ORANGE in svg and "<polygon" in svg  # the special-cause point: a diamond
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    run = spc_chart([SpcPoint(m, 5 + i) for i, m in enumerate(months)], unit="count",
                    title="Admissions", run_chart=True)
    assert 'data-chart="run"' in run and 'class="limit"' not in run
    empty = spc_chart([SpcPoint(months[0], None)], unit="count", title="x")
    assert 'data-points="0"' in empty
    fun = funnel_chart([FunnelPoint("A", 100, 90, True, True, 80, 88, 76, 92),
                        FunnelPoint("B", 400, 84, False, False, 80, 88, 78, 90)],
                       overall=84, unit="percent", better="lower", title="Funnel")
    assert 'data-chart="funnel"' in fun and 'data-points="2"' in fun
    assert ORANGE in fun  # A is high and lower is better: worse
    assert 'class="funnel-upper-998"' in fun
