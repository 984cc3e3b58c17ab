"""Generate docs/metrics.md and docs/raw-contract.md from the two sources of truth.

``python -m pipelines.docs`` rewrites them; ``--check`` fails when stale
(run by ``make test``).
"""

from pathlib import Path

from pipelines.catalogue import DOMAINS, Metric, load_catalogue
from pipelines.config import PROJECT_ROOT
from pipelines.contract import load_contract
from pipelines.contract.codegen import model_name
from pipelines.generated import write_or_check
from pipelines.national.model import load_breakdowns, load_measures

DOCS = PROJECT_ROOT / "docs"


def _cell(text: object) -> str:
    return str(text or "").replace("|", "\\|").replace("\n", " ")


def _national_cell(m: Metric) -> str:
    """The national measure a local metric is identical to, or how it relates to one."""
    if m.national_measure_id:
        return m.national_measure_id
    return _cell(m.national_relation)


def metrics_md() -> str:
    lines = [
        "# Metric catalogue",
        "",
        "Generated from `dbt_project/seeds/metric_catalogue.csv` by `python -m pipelines.docs`;",
        "do not edit by hand. Every metric appears in `mart_metric_values` (published as",
        "`metric_values`) at provider, locality and ward or team level, monthly (and",
        "quarterly / rolling 12 months where the national measure has them).",
        "Where we knowingly differ from a national definition, see",
        "[differences from national definitions](national-differences.md).",
        "",
    ]
    cat = load_catalogue()
    for domain in DOMAINS:
        ms = [m for m in cat if m.domain == domain]
        if not ms:
            continue
        lines += [f"## {domain.capitalize()}", "",
                  "| id | name | definition | numerator / denominator | unit | better | "
                  "national (identical ID, or relation) | target | sources |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for m in ms:
            nd = _cell(m.numerator_definition)
            if m.denominator_definition:
                nd += " / " + _cell(m.denominator_definition)
            target = ""
            if m.target_value is not None:
                target = f"{'at most' if m.target_type == 'max' else 'at least'} {m.target_value:g}"
            lines.append(
                f"| `{m.metric_id}` | {_cell(m.metric_name)} | {_cell(m.description)} | {nd} | "
                f"{m.unit} | {m.better_direction} | {_national_cell(m)} | {target} | "
                f"{_cell(m.source_tables)} |"
            )
        lines.append("")
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
