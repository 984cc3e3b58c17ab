"""Generate the dbt side of the national measures from their definitions.

``python -m pipelines.national.codegen`` writes

* ``dbt_project/macros/national/national_measure_definitions.sql``: the measures and
  breakdowns as data for the ``national_measure_values`` macro, which writes the SQL;
* ``dbt_project/seeds/national_measure_catalogue.csv``: one row per measure (name,
  frequency, unit, suppression, national source), read by publishing, docs and dashboard;
* ``dbt_project/seeds/national_measure_suppress_on.csv``: which measures suppress which.

``--check`` fails when the committed files are out of date (``make test`` runs it).
"""

import csv
import io
import json
from pathlib import Path

from pipelines.config import DBT_PROJECT_DIR
from pipelines.generated import write_or_check
from pipelines.national.model import (
    Breakdown,
    Measure,
    load_breakdowns,
    load_measures,
    national_breakdown_names,
)

HEADER = "{#- generated from pipelines/national/measures/*.yml by pipelines.national.codegen -#}\n"
MACRO_PATH = DBT_PROJECT_DIR / "macros" / "national" / "national_measure_definitions.sql"
CATALOGUE_PATH = DBT_PROJECT_DIR / "seeds" / "national_measure_catalogue.csv"
SUPPRESS_ON_PATH = DBT_PROJECT_DIR / "seeds" / "national_measure_suppress_on.csv"
CATALOGUE_COLUMNS = [
    "measure_id", "measure_name", "family", "frequency", "unit", "aggregate", "source_model",
    "filter", "numerator_id", "denominator_id", "multiplier", "suppression", "suppress_on",
    "breakdowns", "national_source", "description",
]


def _measure_data(m: Measure) -> dict:
    return {
        "id": m.id, "frequency": m.frequency, "aggregate": m.aggregate, "column": m.column,
        "source": m.source, "filter": m.filter, "numerator": m.numerator,
        "denominator": m.denominator, "multiplier": m.multiplier,
        "count_like": m.count_like, "breakdowns": list(m.breakdowns),
    }


def _breakdown_data(b: Breakdown) -> dict:
    return {
        "key": b.key, "name": b.name, "primary_level": b.primary_level,
        "primary_level_description": b.primary_level_description,
        "secondary_level": b.secondary_level,
        "secondary_level_description": b.secondary_level_description,
        "requires": list(b.requires),
        "zero_fill": b.zero_fill,
    }


def _literal(obj: object) -> str:
    # compact JSON is a valid Jinja literal for these values once null is spelled none
    # (true/false Jinja accepts as they are)
    return json.dumps(obj).replace(": null", ": none").replace("[null", "[none")


def _rows(items: list[dict]) -> str:
    # a data form: one entry a line, so the file stays a table, not repeated code
    return "[\n" + ",\n".join("  " + _literal(item) for item in items) + "\n]"


def macro_text(measures: list[Measure], breakdowns: dict[str, Breakdown]) -> str:
    used = {b for m in measures for b in m.breakdowns}
    bds = [_breakdown_data(b) for k, b in breakdowns.items() if k in used]
    return (
        HEADER
        + "{% macro national_measure_definitions() %}\n"
        + "{{ return(" + _rows([_measure_data(m) for m in measures]) + ") }}\n"
        + "{% endmacro %}\n\n"
        + "{% macro national_breakdown_definitions() %}\n"
        + "{%- set rows = " + _rows(bds) + " -%}\n"
        + "{%- set by_key = {} -%}\n"
        + "{%- for row in rows -%}{%- do by_key.update({row.key: row}) -%}{%- endfor -%}\n"
        + "{{ return(by_key) }}\n"
        + "{% endmacro %}\n\n"
        + "{# the breakdowns NHS England publishes (breakdowns.yml national: true) #}\n"
        + "{% macro national_breakdown_names() %}\n"
        + "{{ return(" + _literal(national_breakdown_names(breakdowns)) + ") }}\n"
        + "{% endmacro %}\n"
    )


def catalogue_text(measures: list[Measure]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CATALOGUE_COLUMNS)
    for m in measures:
        agg = m.aggregate + (f" {m.column}" if m.column else "")
        w.writerow([
            m.id, m.name, m.family, m.frequency, m.unit, agg, m.source or "", m.filter or "",
            m.numerator or "", m.denominator or "", f"{m.multiplier:g}", m.suppression,
            " ".join(m.suppress_on), " ".join(m.breakdowns), m.national_source, m.description,
        ])
    return buf.getvalue()


def suppress_on_text(measures: list[Measure]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["measure_id", "suppress_on_id"])
    for m in measures:
        for ref in m.suppress_on:
            w.writerow([m.id, ref])
    return buf.getvalue()


def generated_files() -> dict[Path, str]:
    breakdowns = load_breakdowns()
    measures = load_measures(breakdowns=breakdowns)
    return {
        MACRO_PATH: macro_text(measures, breakdowns),
        CATALOGUE_PATH: catalogue_text(measures),
        SUPPRESS_ON_PATH: suppress_on_text(measures),
    }


def main(argv: list[str] | None = None) -> int:
    return write_or_check(generated_files(), "python -m pipelines.national.codegen", argv)


if __name__ == "__main__":
    raise SystemExit(main())
