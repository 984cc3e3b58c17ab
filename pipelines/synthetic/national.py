"""The national publication of the demo: NHS England's monthly MHSDS data file, one per month.

For each generated month M the generator writes ``national/<M>/MHSDS Data_<Mon><YYYY>.csv``
in NHS England's published layout (menh_bbrb/notebooks/03_Extract/menh_bbrb_extract.sql):
the Provisional figures of M and the Performance figures of M-1, for

(a) every demo provider, *as NHS England would have published them from its submissions*;
(b) about fifty other mental health providers in England with plausible, consistent figures
    (invented names and figures; codes shaped like trust codes, among them the external
    senders of the demo's out-of-area placements);
(c) England: the sum of every provider (unrounded, as NHS England publishes England).

How (a) is produced, and why. The honest way would be to run the project's own national
models (ingest, then ``dbt build +mart_national_measures``) on a scratch warehouse: that takes
30-45 s at the test size (a full dbt parse every time, since the scratch warehouse is another
profile), and would reconcile the project's models with themselves. Instead this module
computes a subset of measures *independently*, in DuckDB, from the MHSDS files the generator
submitted (read back from the drop folder; for a month with injected faults, from the
submission before the faults, since a fault corrupts the trust's local copy, not what NHS
England received). The rules are NHS England's as the measure definitions describe them
(pipelines/national/measures/*.yml), re-implemented here with three documented
simplifications in the 72-hour follow-up (no move of responsibility on an onward referral,
no follow-up found at another provider, every person resident in England). A disagreement
with the project's national mart is therefore a real finding, not an echo. Then a few
realistic differences are injected (``inject_differences``): a follow-up contact recorded
after NHS England's cut-off (MHS79 one lower), a refresh sent after the publication's
cut-off (activity a few per cent lower), a hospital spell rejected by national validation.

Measures (``MEASURES``): MHS01, MHS07, MHS21, MHS24, MHS27, MHS28, MHS30, MHS32 (Provider),
MHS78, MHS79, MHS80 (Provider of Responsibility, NHS England's breakdown for the 72-hour
measures), MHS140, MHS140a (rolling quarter, Provider), OAP01M, OAP02M (Receiving Provider
and Sending Provider, NHS England's OAP breakdowns).

Publication rules (menh_publications/notebooks/94_Round_output.py): below England a count
under 5 is ``*`` and others round to the nearest 5 (half up); a percentage or mean is ``*``
when a count it rests on is under 5, else rounded to 0 dp; England is not rounded; a row
whose value is 0 is left out; dates are written ``y-M-dd`` (2024-3-01).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.synthetic.national_demo import TABLES, demo_values
from pipelines.synthetic.national_differences import inject_differences
from pipelines.synthetic.national_measures import (
    BY_ID,
    ENGLAND,
    HEADER,
    MEASURES,
    PERFORMANCE,
    PROVISIONAL,
    SENDING,
    Measure,
    england_text,
    national_date,
    publish_count,
    publish_rate,
)
from pipelines.synthetic.national_peers import PEERS, peer_values
from pipelines.synthetic.periods import Horizon
from pipelines.synthetic.rand import Stream, stream


@dataclass(frozen=True)
class DemoProvider:
    code: str
    name: str


@dataclass
class NationalResult:
    """What was written: the files (with their row counts), the injected differences
    (readable notes), and every value before rounding (for tests: England = the sum of the
    providers)."""

    files: list[tuple[Path, int]]
    differences: list[str]
    values: pd.DataFrame


# ============================================================== assembling the files
def _names(demo: list[DemoProvider]) -> dict[str, str]:
    names = {code: name for code, name in PEERS}
    names.update({d.code: d.name for d in demo})
    return names


def publication_rows(
    values: pd.DataFrame, horizon: Horizon, names: dict[str, str], status: str, period: int
) -> list[list[str]]:
    """The rows of one status and reporting month: providers rounded and suppressed,
    England the unrounded sum; zero rows left out."""
    v = values[values["period"] == period]
    # Sending Provider rows come from several receivers: one row per sender
    v = v.groupby(["breakdown", "level", "measure_id"], as_index=False)["value"].sum()
    counts = {(r.breakdown, r.level, r.measure_id): r.value for r in v.itertuples()}
    end = horizon.month_end(period)
    rows: list[list[str]] = []

    def row(measure: Measure, breakdown: str, level: str, desc: str, text: str) -> None:
        first = period - 2 if measure.frequency == "Q" else period
        start = (horizon.month_start(first) if first >= 0
                 else _month_start_before(horizon, first))
        rows.append([national_date(start), national_date(end), status, breakdown, level, desc,
                     "NONE", "NONE", measure.id, measure.name, text])

    # England
    for measure in MEASURES:
        mine = v[(v["measure_id"] == measure.id) & (v["breakdown"] == measure.breakdown)]
        if measure.kind == "count":
            total = float(mine["value"].sum())
        elif measure.kind == "percent":
            num = v[(v["measure_id"] == measure.numerator)
                    & (v["breakdown"] == measure.breakdown)]["value"].sum()
            den = v[(v["measure_id"] == measure.denominator)
                    & (v["breakdown"] == measure.breakdown)]["value"].sum()
            total = 100.0 * num / den if den else 0.0
        else:  # mean, weighted by the count it rests on
            base = v[(v["measure_id"] == measure.rests_on[0])
                     & (v["breakdown"] == measure.breakdown)].set_index("level")["value"]
            means = mine.set_index("level")["value"]
            weight = base.reindex(means.index).fillna(0.0)
            total = float((means * weight).sum() / weight.sum()) if weight.sum() else 0.0
        if total != 0:
            row(measure, ENGLAND, ENGLAND, ENGLAND, england_text(total))
    # providers (and senders)
    for r in v.sort_values(["breakdown", "level", "measure_id"]).itertuples():
        measure = BY_ID[r.measure_id]
        if r.value == 0:
            continue
        if measure.kind == "count":
            text = publish_count(r.value)
        else:
            text = publish_rate(r.value, [counts.get((r.breakdown, r.level, c))
                                          for c in measure.rests_on])
        row(measure, r.breakdown, r.level, names.get(r.level, r.level), text)
    return rows


def _month_start_before(horizon: Horizon, index: int) -> int:
    """First day of a month before the horizon (index < 0)."""
    first = np.datetime64(horizon.labels[0], "M") + index
    return int((first.astype("datetime64[D]") - np.datetime64("1970-01-01", "D")).astype(int))


MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
              "Dec")  # not calendar.month_abbr: that follows the machine's locale


def file_name(label: str) -> str:
    """NHS England's style of name: MHSDS Data_Mar2024.csv."""
    y, m = int(label[:4]), int(label[5:7])
    return f"MHSDS Data_{MONTH_ABBR[m - 1]}{y}.csv"


def write_national(
    seed: int,
    out: Path,
    horizon: Horizon,
    demo: list[DemoProvider],
    suffix: str,
    submitted: dict[tuple[str, str], dict[str, pd.DataFrame]],
) -> NationalResult:
    """Write one national file per generated month (see the module doc)."""
    codes = [d.code for d in demo]
    ours = demo_values(out, codes, horizon, suffix, submitted)
    published, notes = inject_differences(
        ours, stream(seed, Stream.NATIONAL, 0), horizon.labels)
    peers = peer_values(seed, horizon)
    names = _names(demo)
    by_status = {status: pd.concat([published, peers[status]], ignore_index=True)
                 for status in (PERFORMANCE, PROVISIONAL)}
    files: list[tuple[Path, int]] = []
    for m, label in enumerate(horizon.labels):
        rows: list[list[str]] = []
        if m > 0:  # the refresh of the month before, published with this month
            rows += publication_rows(by_status[PERFORMANCE], horizon, names, PERFORMANCE, m - 1)
        rows += publication_rows(by_status[PROVISIONAL], horizon, names, PROVISIONAL, m)
        path = out / "national" / label / file_name(label)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(HEADER)
            w.writerows(rows)
        files.append((path, len(rows)))
    values = pd.concat([df.assign(status=s) for s, df in by_status.items()], ignore_index=True)
    return NationalResult(files, notes, values)


__all__ = [
    "BY_ID",
    "ENGLAND",
    "HEADER",
    "MEASURES",
    "PEERS",
    "PERFORMANCE",
    "PROVISIONAL",
    "SENDING",
    "TABLES",
    "DemoProvider",
    "NationalResult",
    "demo_values",
    "publish_count",
    "publish_rate",
    "write_national",
]
