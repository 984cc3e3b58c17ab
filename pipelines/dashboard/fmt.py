"""Formatting of figures and labels for the dashboard (pure functions, unit-tested).

Values are formatted by the catalogue ``unit``: percentages with one decimal and a
``%`` sign, money with a ``£`` sign and thousands separators, days and counts with
thousands separators (one decimal when the figure is a mean), WTE with one decimal,
indices with two. A missing value is an en dash, a suppressed one an asterisk.
"""

import math
from datetime import date, datetime
from typing import Any

MISSING = "\u2013"  # en dash
SUPPRESSED = "*"

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MONTHS_LONG = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]

UNIT_LABELS = {
    "count": "count",
    "people": "people",
    "days": "days",
    "percent": "%",
    "gbp": "£",
    "wte": "WTE",
    "index": "index",
}

DIRECTION_LABELS = {
    "higher": "Higher is better",
    "lower": "Lower is better",
    "neither": "Neither higher nor lower is better",
}


def is_missing(value: Any) -> bool:
    """True for None, NaN and pandas' NA/NaT."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT  # noqa: PLR0124
    except (TypeError, ValueError):  # pd.NA raises on bool()
        return True


def _number(value: Any) -> float | None:
    if is_missing(value):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _decimals(x: float, default: int) -> int:
    """Whole numbers are shown without decimals, anything else with ``default``."""
    return 0 if abs(x - round(x)) < 1e-9 else default


def format_value(value: Any, unit: str | None, *, suppressed: bool = False,
                 compact: bool = False) -> str:
    """One figure as shown in tables and chart labels.

    ``compact`` gives short axis labels (``£1.2m``, ``12k``) for money and large counts.
    """
    if suppressed:
        return SUPPRESSED
    x = _number(value)
    if x is None:
        return MISSING
    unit = (unit or "").strip().lower()
    if unit == "percent":
        return f"{x:.{0 if compact else 1}f}%"
    if unit == "gbp":
        if compact:
            return "£" + _compact(x, money=True)
        if abs(x) >= 1000:
            return _signed_money(x, 0)
        return _signed_money(x, _decimals(x, 2))
    if compact and abs(x) >= 10_000:
        return _compact(x, money=False)
    if unit == "days":
        return f"{x:,.{_decimals(x, 1)}f} days" if not compact else f"{x:,.{_decimals(x, 1)}f}"
    if unit in {"count", "people"}:
        return f"{x:,.{_decimals(x, 1)}f}"
    if unit == "wte":
        return f"{x:,.1f} WTE" if not compact else f"{x:,.1f}"
    if unit == "index":
        return f"{x:,.2f}"
    # Unknown unit: up to two decimals, thousands separators.
    return f"{x:,.{_decimals(x, 2)}f}"


def format_tick(value: float, unit: str | None, step: float) -> str:
    """An axis label: as many decimals as the tick step needs, compact for big numbers."""
    decimals = 0 if step >= 1 or step <= 0 else min(3, -math.floor(math.log10(step) + 1e-9))
    if abs(step * 10 ** decimals - round(step * 10 ** decimals)) > 1e-6:
        decimals += 1  # a step of 2.5 needs one more decimal than 2
    unit = (unit or "").strip().lower()
    if abs(value) >= 10_000 and step >= 1:
        return ("£" if unit == "gbp" else "") + _compact_tick(value, step)
    text = f"{value:,.{decimals}f}"
    if unit == "percent":
        return text + "%"
    if unit == "gbp":
        return ("-£" + text[1:]) if text.startswith("-") else "£" + text
    return text


def _compact_tick(x: float, step: float) -> str:
    """'1.15m': as many decimals as the step needs, so neighbouring ticks differ."""
    a, sign = abs(x), "-" if x < 0 else ""
    for size, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if a >= size:
            unit_step = step / size
            dec = max(0, min(3, -math.floor(math.log10(unit_step) + 1e-9)))
            if abs(unit_step * 10 ** dec - round(unit_step * 10 ** dec)) > 1e-6:
                dec = min(3, dec + 1)  # a step of 0.025m needs three decimals
            return f"{sign}{a / size:.{dec}f}{suffix}"
    return f"{sign}{a:,.0f}"


def _signed_money(x: float, decimals: int) -> str:
    sign = "-" if x < 0 else ""
    return f"{sign}£{abs(x):,.{decimals}f}"


def _compact(x: float, *, money: bool) -> str:
    a = abs(x)
    sign = "-" if x < 0 else ""
    for size, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if a >= size:
            v = a / size
            return f"{sign}{v:.{0 if v >= 100 else 1}f}{suffix}".replace(".0" + suffix, suffix)
    return f"{sign}{a:,.{_decimals(a, 2 if money else 1)}f}"


def format_target(target_value: Any, target_type: Any, unit: str | None) -> str | None:
    """'at most 85.0%' / 'at least 80.0%', or None when the metric has no target."""
    x = _number(target_value)
    if x is None:
        return None
    kind = (str(target_type).strip().lower() if not is_missing(target_type) else "")
    word = {"max": "at most", "min": "at least"}.get(kind, "target")
    return f"{word} {format_value(x, unit)}"


def as_date(value: Any) -> date | None:
    if is_missing(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime().date()
    return date.fromisoformat(str(value)[:10])


def month_label(value: Any, *, long: bool = False) -> str:
    """'Mar 2025' (or 'March 2025')."""
    d = as_date(value)
    if d is None:
        return MISSING
    names = MONTHS_LONG if long else MONTHS
    return f"{names[d.month - 1]} {d.year}"


def short_month(value: Any) -> str:
    """'Mar 25' for chart axes."""
    d = as_date(value)
    if d is None:
        return ""
    return f"{MONTHS[d.month - 1]} {d.year % 100:02d}"


def period_label(value: Any, period_type: str | None) -> str:
    d = as_date(value)
    if d is None:
        return MISSING
    if period_type == "rolling_12m":
        # period_start of a rolling 12 months is the first day of its *last* month
        first = d.year * 12 + d.month - 1 - 11
        start = date(first // 12, first % 12 + 1, 1)
        return f"12 months {month_label(start)} \u2013 {month_label(d)}"
    if period_type == "quarter":
        return f"quarter from {month_label(d)}"
    return month_label(d, long=True)


def format_dq(score: Any) -> str:
    x = _number(score)
    if x is None:
        return "not available"
    return f"{x:.0f}/100"


def format_timestamp(value: Any) -> str:
    if is_missing(value):
        return MISSING
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.strftime("%d %b %Y %H:%M UTC")
    return str(value)
