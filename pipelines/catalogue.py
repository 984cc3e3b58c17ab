"""The metric catalogue (dbt_project/seeds/metric_catalogue.csv), read from Python.

The seed is the single source of truth: dbt loads it into the warehouse,
and the docs and the dashboard read it through this module.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

from pipelines.config import DBT_PROJECT_DIR

CATALOGUE_PATH = DBT_PROJECT_DIR / "seeds" / "metric_catalogue.csv"
DOMAINS = ("flow", "activity", "quality", "cost", "workforce", "productivity")


@dataclass(frozen=True)
class Metric:
    metric_id: str
    metric_name: str
    domain: str
    description: str
    numerator_definition: str
    denominator_definition: str
    unit: str
    better_direction: str
    national_measure_id: str  # set only where the local definition is identical
    national_relation: str  # "identical to ...", "similar to ... (national: ...)" or empty
    target_value: float | None
    target_type: str
    value_kind: str
    source_tables: str


VALUE_KINDS = ("count", "ratio", "mean", "median")


def load_catalogue(path: Path = CATALOGUE_PATH) -> list[Metric]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for r in rows:
        target = r.get("target_value") or ""
        out.append(Metric(**{"national_relation": "", **r,
                             "target_value": float(target) if target else None}))
    return out
