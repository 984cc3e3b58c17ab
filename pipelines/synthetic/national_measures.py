"""NHS England's national measures as the demo's publication has them: the measures, the
layout's names, the publication rules (menh_publications/notebooks/94_Round_output.py) and
the one derived measure (MHS80 from MHS79 and MHS78). See pipelines/synthetic/national.py."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from pipelines.synthetic.periods import iso

HEADER = (
    "REPORTING_PERIOD_START", "REPORTING_PERIOD_END", "STATUS", "BREAKDOWN", "PRIMARY_LEVEL",
    "PRIMARY_LEVEL_DESCRIPTION", "SECONDARY_LEVEL", "SECONDARY_LEVEL_DESCRIPTION",
    "MEASURE_ID", "MEASURE_NAME", "MEASURE_VALUE",
)  # fmt: skip
PROVISIONAL = "Provisional"
PERFORMANCE = "Performance"
ENGLAND = "England"
PROVIDER = "Provider"
RESPONSIBLE = "Provider of Responsibility"
RECEIVING = "Receiving Provider"
SENDING = "Sending Provider"
SUPPRESSED = "*"


@dataclass(frozen=True)
class Measure:
    id: str
    name: str
    kind: str  # count | percent | mean
    breakdown: str  # the provider-level breakdown NHS England publishes it by
    frequency: str = "M"  # M | Q (rolling quarter)
    numerator: str | None = None  # percent: numerator / denominator * 100
    denominator: str | None = None
    rests_on: tuple[str, ...] = ()  # percent, mean: suppressed when one of these is under 5


MEASURES: tuple[Measure, ...] = (
    Measure("MHS01", "People in contact with services at the end of the reporting period",
            "count", PROVIDER),
    Measure("MHS07", "People with an open hospital spell at the end of the reporting period",
            "count", PROVIDER),
    Measure("MHS21", "Open ward stays at the end of the reporting period", "count", PROVIDER),
    Measure("MHS24", "Bed days in RP", "count", PROVIDER),
    Measure("MHS27", "Admissions to hospital in the RP", "count", PROVIDER),
    Measure("MHS28", "Discharges from hospital in the RP", "count", PROVIDER),
    Measure("MHS30", "Attended contacts in RP", "count", PROVIDER),
    Measure("MHS32", "Referrals starting in RP", "count", PROVIDER),
    Measure("MHS78", "Discharges from adult acute beds eligible for 72 hour follow up in the "
            "reporting period", "count", RESPONSIBLE),
    Measure("MHS79", "Discharges from adult acute beds followed up within 72 hours in the "
            "reporting period", "count", RESPONSIBLE),
    Measure("MHS80", "Proportion of discharges from adult acute beds eligible for 72 hour "
            "follow up - followed up in the reporting period", "percent", RESPONSIBLE,
            numerator="MHS79", denominator="MHS78", rests_on=("MHS79", "MHS78")),
    Measure("MHS140", "The number of people discharged in the RP from adult acute beds aged "
            "18 to 64", "count", PROVIDER, "Q"),
    Measure("MHS140a", "The mean length of stay in days of people discharged in the RP from "
            "adult acute beds aged 18 to 64", "mean", PROVIDER, "Q", rests_on=("MHS140",)),
    Measure("OAP01M", "Number of Inappropriate new OAPs started in the period", "count",
            RECEIVING),
    Measure("OAP02M", "Number of Inappropriate OAPs bed days in the period", "count",
            RECEIVING),
)
BY_ID = {m.id: m for m in MEASURES}
# OAP measures are also published by the provider that sent the patient
SENDING_MEASURES = ("OAP01M", "OAP02M")


# ============================================================== publishing rules
def round_half_up(value: float) -> int:
    return int(math.floor(value + 0.5))


def publish_count(value: float) -> str:
    """A count below England: under 5 '*', else the nearest 5 (94_Round_output.py)."""
    if value < 5:
        return SUPPRESSED
    return str(round_half_up(value / 5.0) * 5)


def publish_rate(value: float, rests_on: list[float | None]) -> str:
    """A percentage or mean below England: '*' when a count it rests on is under 5 (or
    absent), else rounded to 0 dp."""
    if any(v is None or v < 5 for v in rests_on):
        return SUPPRESSED
    return str(round_half_up(value))


def england_text(value: float) -> str:
    """England is published unrounded."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.12g}"


def national_date(day: int) -> str:
    """NHS England's y-M-dd: 2024-3-01 (pipelines/ingest/dates.py reads it)."""
    y, m, d = (int(x) for x in iso(day).split("-"))
    return f"{y}-{m}-{d:02d}"


def ratio_rows(df: pd.DataFrame, mid: str, num: str, den: str, breakdown: str) -> pd.DataFrame:
    keys = ["prov", "period", "level"]
    n = df[df["measure_id"] == num].set_index(keys)["value"]
    d = df[df["measure_id"] == den].set_index(keys)["value"]
    both = pd.concat([n.rename("n"), d.rename("d")], axis=1).fillna(0.0)
    both = both[both["d"] > 0]
    out = (100.0 * both["n"] / both["d"]).rename("value").reset_index()
    out["breakdown"], out["measure_id"] = breakdown, mid
    return out[["prov", "period", "breakdown", "level", "measure_id", "value"]]

