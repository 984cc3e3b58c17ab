"""Generate docs/metrics.md and docs/raw-contract.md from their sources of truth (the
metric definitions, the national measure definitions and the raw contract).

``python -m pipelines.docs`` rewrites them; ``--check`` fails when stale
(run by ``make test``).
"""

from pathlib import Path

from pipelines.config import PROJECT_ROOT
from pipelines.contract import load_contract
from pipelines.contract.codegen import model_name
from pipelines.generated import write_or_check
from pipelines.metrics.model import DOMAINS, MetricDef, load_metrics
from pipelines.national.model import load_breakdowns, load_measures

DOCS = PROJECT_ROOT / "docs"


def _cell(text: object) -> str:
    return str(text or "").replace("|", "\\|").replace("\n", " ")


def _national_cell(m: MetricDef) -> str:
    """The national measure a local metric is identical to, or how it relates to one."""
    if m.national_measure_id:
        return m.national_measure_id
    return _cell(m.national_relation)


def _how_cell(m: MetricDef) -> str:
    """Kind, and how the SQL computes it: the rollup's fact and expressions, or the model."""
    if m.rollup is None:
        return f"{m.kind}: custom SQL in `{m.model}`"
    r = m.rollup
    how = f"{m.kind}: `{_cell(r.numerator)}`"
    if r.denominator:
        how += f" / `{_cell(r.denominator)}`"
    how += f" of `{r.fact}` ({m.model})"
    extras = [f"window {m.window}" if m.window else "",
              f"complete when {m.complete_when}" if m.complete_when else "",
              f"funnel {m.funnel}" if m.funnel else ""]
    return how + "".join(f"; {e}" for e in extras if e)


DESIGN_NOTE = """## Adding or changing a local metric

Each local metric is one entry in `pipelines/metrics/metrics.yml`: its catalogue fields
(name, domain, definition, numerator and denominator in words, unit, better direction,
target, national relation, sources), its kind, and how it is computed. The kind is one
vocabulary for the value and for disclosure control: `count` (value = numerator),
`ratio` (numerator / denominator, x 100 for the units `percent` and `index`), `mean`
(a sum over a count, suppressed on the count) and `median` (the median itself, its
count as denominator). A metric of `int_metric_values_monthly` or `int_metric_values_cost`
has a `rollup`: the fact CTE of that model, the numerator and denominator SQL, its
levels and bed-type groups; the productivity indices are custom SQL in
`int_metric_values_cost` and have no rollup. `window` (quarter and rolling 12 months:
`sum` or `last`), `complete_when` (`outcome_window_30d`, `quality_adjustment`) and
`funnel` (`binomial`, `poisson`, `normal`) replace the lists that used to sit in the models.

To add or change one: edit its entry, then run `python -m pipelines.metrics.codegen`
(it refuses a bad entry, naming the file and the metric) and `python -m pipelines.docs`.
The generator writes `dbt_project/seeds/metric_catalogue.csv` (read by the marts, the
quality gates, disclosure control, the dashboard through `pipelines.catalogue`, and
published as `metric_catalogue`) and `dbt_project/macros/metrics/metric_definitions.sql`
(the data `int_metric_values_monthly` and `int_metric_values_cost` loop over through the
macro `metric_rollups`, and that `int_metric_values` and `mart_funnel` read for windows,
completeness and funnels). `make test` fails while a generated file is stale, and the dbt
build fails when a metric the SQL produces is missing from the catalogue or has another
kind there (test `metric_kinds_agree_with_catalogue`; a catalogue metric the SQL does
not produce is a warning). `int_metric_values` assembles every value;
`mart_metric_values` (published as `metric_values`) selects it, and the SPC and funnel
models read the intermediate, never a mart.
"""


def metrics_md() -> str:
    lines = [
        "# Metric catalogue",
        "",
        "Generated from `pipelines/metrics/metrics.yml` by `python -m pipelines.docs`;",
        "do not edit by hand. Every metric appears in `mart_metric_values` (published as",
        "`metric_values`) at provider, locality and ward or team level, monthly (and",
        "quarterly / rolling 12 months where the national measure has them).",
        "Where we knowingly differ from a national definition, see",
        "[differences from national definitions](national-differences.md).",
        "",
    ]
    metrics = load_metrics()
    for domain in DOMAINS:
        ms = [m for m in metrics if m.domain == domain]
        if not ms:
            continue
        lines += [f"## {domain.capitalize()}", "",
                  "| id | name | definition | numerator / denominator | unit | better | "
                  "national (identical ID, or relation) | target | sources | "
                  "kind and computation |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for m in ms:
            nd = _cell(m.numerator)
            if m.denominator:
                nd += " / " + _cell(m.denominator)
            target = ""
            if m.target_value is not None:
                target = f"{'at most' if m.target_type == 'max' else 'at least'} {m.target_value:g}"
            lines.append(
                f"| `{m.id}` | {_cell(m.name)} | {_cell(m.description)} | {nd} | "
                f"{m.unit} | {m.better} | {_national_cell(m)} | {target} | "
                f"{_cell('; '.join(m.sources))} | {_how_cell(m)} |"
            )
        lines.append("")
    lines += DESIGN_NOTE.splitlines() + [""]
    lines += national_md_lines()
    return "\n".join(lines)


FREQUENCY_WORDS = {"M": "month", "Q": "rolling quarter", "Y": "rolling 12 months"}


def national_md_lines() -> list[str]:
    """The national measures, from their definitions (pipelines/national/measures/*.yml)."""
    breakdowns = load_breakdowns()
    measures = load_measures(breakdowns=breakdowns)
    if not measures:
        return []
    lines = [
        "## National MHSDS measures",
        "",
        "Computed exactly as NHS England computes them, each month from the provider's own",
        "submission for that month, in `mart_national_measures` (published as",
        "`national_measures`, and per month as `csv/national/national_measures_<YYYY-MM>.csv`",
        "in NHS England's column layout). Generated from `pipelines/national/measures/*.yml`;",
        "the national source is NHS England's code in the GitHub repository",
        "`NHSDigital/mental-health-monthly-statistics`. How it works and how to add a",
        "measure: [national measures](national-measures.md).",
        "",
        "| id | name | window | how | unit | suppression | breakdowns | national source |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for m in measures:
        if m.aggregate == "ratio":
            how = f"{m.numerator} / {m.denominator} x {m.multiplier:g}"
        else:
            how = f"{m.aggregate}{' ' + m.column if m.column else ''} of `{m.source}`"
            if m.filter:
                how += f" where `{_cell(m.filter)}`"
        sup = m.suppression + (f" (on {', '.join(m.suppress_on)})" if m.suppress_on else "")
        bds = ", ".join(breakdowns[b].name for b in m.breakdowns)
        lines.append(
            f"| {m.id} | {_cell(m.name)} | {FREQUENCY_WORDS[m.frequency]} | {how} | {m.unit} | "
            f"{sup} | {_cell(bds)} | {_cell(m.national_source)} |"
        )
    lines.append("")
    return lines


def contract_md() -> str:
    c = load_contract()
    lines = [
        "# Raw contract",
        "",
        "Generated from `pipelines/contract/raw_contract.yml` by `python -m pipelines.docs`;",
        "do not edit by hand. This is what a trust drops into the raw folder (see the README",
        "for the folder layout, and [your data](your-data.md) for .xlsx and .csv.gz files,",
        "dd/mm/yyyy dates and reference files without `OrgIDProv`). Column names follow MHSDS",
        "v6. A file missing a *required* column is rejected; a row failing a check is",
        "quarantined with file, line, field and reason. Identifier columns (pii) are",
        "pseudonymised at ingest and never stored.",
        "",
    ]
    for t in c.tables:
        lines += [f"## {t.source_table} (`{t.family}`)", "", t.description, "",
                  f"Key: {', '.join(t.key)}. Raw table `raw.{t.name}`, staging model "
                  f"`{model_name(t)}`.", ""]
        if t.optional:
            lines += ["Optional: a submission may leave this table out; it loads as before and "
                      "no missing table is recorded.", ""]
        if t.per_month:
            lines += ["Facts of the reporting month: staging keeps every month's records, not "
                      "only the latest version of each.", ""]
        if t.row_rules:
            lines += ["Row rules: " + "; ".join(f"{r.reason} (`{r.check}`)" for r in t.row_rules),
                      ""]
        lines += ["| column | type | required | empty allowed | checks | description |",
                  "|---|---|---|---|---|---|"]
        for col in t.columns:
            checks = []
            if col.domain_name:
                tolerant = " (any case and spacing)" if col.match == "casefold_space" else ""
                checks.append(f"code list `{col.domain_name}`{tolerant}")
            if col.min is not None:
                checks.append(f">= {col.min}")
            if col.max is not None:
                checks.append(f"<= {col.max}")
            if col.type == "date" and not col.future_ok and t.is_monthly:
                checks.append("not after the reporting month")
            if col.pii:
                checks.append(f"pseudonymised ({col.pii})")
            lines.append(
                f"| {col.source} | {col.type} | {'yes' if col.required else 'no'} | "
                f"{'yes' if col.nullable and col.source not in t.key else 'no'} | "
                f"{', '.join(checks)} | {_cell(col.description)} |"
            )
        lines.append("")
    lines += ["## Code lists", ""]
    for name, values in c.code_lists.items():
        lines.append(f"- `{name}`: {', '.join(values)}")
    return "\n".join(lines) + "\n"


def generated() -> dict[Path, str]:
    return {DOCS / "metrics.md": metrics_md(), DOCS / "raw-contract.md": contract_md()}


def main(argv: list[str] | None = None) -> int:
    return write_or_check(generated(), "python -m pipelines.docs", argv)


if __name__ == "__main__":
    raise SystemExit(main())
