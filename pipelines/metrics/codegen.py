"""Generate the dbt side of the local metrics from their definitions (metrics.yml).

``python -m pipelines.metrics.codegen`` writes

* ``dbt_project/seeds/metric_catalogue.csv``: one row per metric, published as
  ``metric_catalogue`` and read by the marts, the gates, the docs and the dashboard;
* ``dbt_project/macros/metrics/metric_definitions.sql``: the entries as data for the
  models: ``int_metric_values_monthly`` and ``int_metric_values_cost`` loop over the
  rollups, ``int_metric_values`` reads the windows and completeness rules, ``mart_funnel``
  the funnel methods.

``--check`` fails when the committed files are out of date (``make test`` runs it).
"""

import csv
import io
import json
from pathlib import Path

from pipelines.config import DBT_PROJECT_DIR
from pipelines.generated import write_or_check
from pipelines.metrics.model import SCALED_UNITS, MetricDef, load_metrics

HEADER = "{#- generated from pipelines/metrics/metrics.yml by pipelines.metrics.codegen -#}\n"
MACRO_PATH = DBT_PROJECT_DIR / "macros" / "metrics" / "metric_definitions.sql"
CATALOGUE_PATH = DBT_PROJECT_DIR / "seeds" / "metric_catalogue.csv"
CATALOGUE_COLUMNS = [
    "metric_id", "metric_name", "domain", "description", "numerator_definition",
    "denominator_definition", "unit", "better_direction", "national_measure_id",
    "national_relation", "target_value", "target_type", "value_kind", "source_tables",
]


def _metric_data(m: MetricDef) -> dict:
    r = m.rollup
    return {
        "id": m.id, "kind": m.kind, "unit": m.unit, "model": m.model,
        "rollup": None if r is None else {
            "fact": r.fact, "numerator": r.numerator, "denominator": r.denominator,
            "median_of": r.median_of, "levels": list(r.levels), "groups": r.groups,
        },
        "window": m.window, "complete_when": m.complete_when, "funnel": m.funnel,
    }


def macro_text(metrics: list[MetricDef]) -> str:
    def literal(obj: object) -> str:
        # JSON is a valid Jinja literal for these values; null is spelled none in Jinja.
        # One entry (list item or key) a line: a metric reads as one row, as in the
        # national measures' data macro
        def one(value: object) -> str:
            return json.dumps(value).replace(": null", ": none")
        if isinstance(obj, list):
            return "[\n  " + ",\n  ".join(one(v) for v in obj) + "\n]"
        if isinstance(obj, dict):
            return ("{\n  " + ",\n  ".join(f"{json.dumps(k)}: {one(v)}" for k, v in obj.items())
                    + "\n}")
        return one(obj)

    def ids(pred: object) -> list[str]:
        return [m.id for m in metrics if pred(m)]  # type: ignore[operator]

    lists = {
        "window_sum": ids(lambda m: m.window == "sum"),
        "window_last": ids(lambda m: m.window == "last"),
        "complete_outcome_window_30d": ids(lambda m: m.complete_when == "outcome_window_30d"),
        "complete_quality_adjustment": ids(lambda m: m.complete_when == "quality_adjustment"),
        "funnel_binomial": ids(lambda m: m.funnel == "binomial"),
        "funnel_poisson": ids(lambda m: m.funnel == "poisson"),
        "funnel_normal": ids(lambda m: m.funnel == "normal"),
    }
    return (
        HEADER
        + "{# every local metric: kind, unit, computing model and its rollup #}\n"
        + "{% macro metric_definitions() %}\n"
        + "{{ return(" + literal([_metric_data(m) for m in metrics]) + ") }}\n"
        + "{% endmacro %}\n\n"
        + "{# metric ids by window, completeness rule and funnel method #}\n"
        + "{% macro metric_lists() %}\n"
        + "{{ return(" + literal(lists) + ") }}\n"
        + "{% endmacro %}\n\n"
        + "{# units whose ratio and mean values are on a 0-100 scale #}\n"
        + "{% macro metric_scaled_units() %}\n"
        + "{{ return(" + literal(list(SCALED_UNITS)) + ") }}\n"
        + "{% endmacro %}\n"
    )


def catalogue_text(metrics: list[MetricDef]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CATALOGUE_COLUMNS)
    for m in metrics:
        w.writerow([
            m.id, m.name, m.domain, m.description, m.numerator, m.denominator, m.unit,
            m.better, m.national_measure_id, m.national_relation,
            "" if m.target_value is None else f"{m.target_value:g}", m.target_type, m.kind,
            "; ".join(m.sources),
        ])
    return buf.getvalue()


def generated_files(metrics: list[MetricDef] | None = None) -> dict[Path, str]:
    metrics = metrics if metrics is not None else load_metrics()
    return {MACRO_PATH: macro_text(metrics), CATALOGUE_PATH: catalogue_text(metrics)}


def main(argv: list[str] | None = None) -> int:
    return write_or_check(generated_files(), "python -m pipelines.metrics.codegen", argv)


if __name__ == "__main__":
    raise SystemExit(main())
