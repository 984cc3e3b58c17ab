"""Day arithmetic: dates are held as integer days since 1970-01-01 until they are written."""

from __future__ import annotations

import re

import numpy as np

EPOCH = np.datetime64("1970-01-01", "D")
# An end date that has not happened (yet): later than any reporting period.
NO_DATE = 1_000_000
# A date field that was never recorded.
ABSENT = -1_000_000

_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def parse_month(text: str) -> np.datetime64:
    """Parse 'YYYY-MM' into a numpy month."""
    if not _MONTH_RE.match(text):
        raise ValueError(f"start month must look like YYYY-MM, got {text!r}")
    return np.datetime64(text, "M")


def to_days(dates: np.ndarray | np.datetime64) -> np.ndarray:
    """numpy datetime64 values -> integer days since the epoch."""
    return (np.asarray(dates).astype("datetime64[D]") - EPOCH).astype(np.int64)


def iso(day: int) -> str:
    """Integer day -> 'YYYY-MM-DD'."""
    return str(EPOCH + np.timedelta64(int(day), "D"))


def month_of_year(days: np.ndarray) -> np.ndarray:
    """0 = January ... 11 = December for each integer day."""
    months = (EPOCH + days.astype("timedelta64[D]")).astype("datetime64[M]").astype(np.int64)
    return months % 12


class Horizon:
    """The generated reporting months: ``n_months`` consecutive months from ``start``."""

    def __init__(self, start: str, n_months: int) -> None:
        if n_months < 1:
            raise ValueError("months must be at least 1")
        first = parse_month(start)
        months = first + np.arange(n_months + 1)
        self.n_months = n_months
        self.labels: list[str] = [str(m) for m in months[:-1]]
        # month_starts[i] is the first day of month i; month_starts[n] is the day after the end.
        self.month_starts: np.ndarray = to_days(months)
        self.first_day = int(self.month_starts[0])
        self.end_day = int(self.month_starts[-1]) - 1
        self.after_end = int(self.month_starts[-1])

    def starts_from(self, before: int) -> np.ndarray:
        """First days of ``before`` months before the horizon, its months and the day after."""
        first = np.datetime64(self.labels[0], "M")
        return to_days(first - before + np.arange(before + self.n_months + 1))

    def month_start(self, i: int) -> int:
        return int(self.month_starts[i])

    def month_end(self, i: int) -> int:
        return int(self.month_starts[i + 1]) - 1

    def days_in_month(self, i: int) -> int:
        return self.month_end(i) - self.month_start(i) + 1

    def month_index(self, days: np.ndarray) -> np.ndarray:
        """Index of the month holding each day (-1 before, n_months after the horizon)."""
        return np.searchsorted(self.month_starts, days, side="right") - 1
