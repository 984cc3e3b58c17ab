"""The metric catalogue (dbt_project/seeds/metric_catalogue.csv), read from Python.

The seed is generated from the metric definitions (pipelines/metrics/metrics.yml) by
``python -m pipelines.metrics.codegen``: dbt loads it into the warehouse, and the
dashboard and the tests read it through this module. ``value_kind`` is the metric's
kind, the one vocabulary of the value and of disclosure control.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

from pipelines.config import DBT_PROJECT_DIR
from pipelines.metrics.model import DOMAINS, KINDS

CATALOGUE_PATH = DBT_PROJECT_DIR / "seeds" / "metric_catalogue.csv"


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


VALUE_KINDS = KINDS
__all__ = ["CATALOGUE_PATH", "DOMAINS", "VALUE_KINDS", "Metric", "load_catalogue"]


def load_catalogue(path: Path = CATALOGUE_PATH) -> list[Metric]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for r in rows:
        target = r.get("target_value") or ""
        out.append(Metric(**{"national_relation": "", **r,
                             "target_value": float(target) if target else None}))
    return out
