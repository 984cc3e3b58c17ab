"""Mart check kinds: plausible ranges, catalogue coverage, reconciliation with the
intermediate facts and the ingest manifest, unmapped finance codes."""

import pandas as pd

from pipelines.quality.frames import (
    CheckSkipped,
    CheckUnavailable,
    Frame,
    Probe,
    fmt_num,
    frame,
    in_list,
    literal,
    quote,
)
from pipelines.quality.kinds import MART, MART_LABEL, VALUE_TEXT, CheckContext, check
from pipelines.quality.spec import ExpectationSpec, SuiteError


def mart_relation(ctx: CheckContext) -> str:
    return ctx.require(*MART)


def metric_filter(ctx: CheckContext, spec: ExpectationSpec) -> tuple[str, list[str]]:
    """SQL predicate on metric_id for the metrics/units/exclude_metrics parameters."""
    metrics = [str(m) for m in spec.param("metrics", [])]
    units = [str(u) for u in spec.param("units", [])]
    exclude = [str(m) for m in spec.param("exclude_metrics", [])]
    if units:
        rows = ctx.con.execute(
            f"select metric_id from {ctx.catalogue()} where unit in {in_list(units)}"
        ).fetchall()
        metrics += [r[0] for r in rows]
    metrics = sorted({m for m in metrics if m not in exclude})
    return f"metric_id in {in_list(metrics)}", metrics


def _validate_metric_range(spec: ExpectationSpec) -> None:
    if not spec.param("metrics") and not spec.param("units"):
        raise SuiteError(f"{spec.id}: give 'metrics' or 'units'")
    if spec.param("min") is None and spec.param("max") is None:
        raise SuiteError(f"{spec.id}: give 'min' and/or 'max'")


@check("metric_range", _validate_metric_range)
def metric_range(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """Metric values within plausible bounds; one frame row per metric, provider, level,
    period type and bed-type group with its lowest and highest value."""
    mart = mart_relation(ctx)
    where, metrics = metric_filter(ctx, spec)
    if not metrics:
        raise CheckSkipped("no catalogue metric matches "
                           f"{spec.param('metrics') or spec.param('units')}")
    lo, hi = spec.param("min"), spec.param("max")
    lo_f = float(lo) if lo is not None else None
    hi_f = float(hi) if hi is not None else None
    tests = []
    if lo_f is not None:
        tests.append(f"value < {lo_f!r}")
    if hi_f is not None:
        tests.append(f"value > {hi_f!r}")
    bad = " or ".join(tests)
    dev = "greatest(" + ", ".join(
        ([f"{lo_f!r} - value"] if lo_f is not None else [])
        + ([f"value - {hi_f!r}"] if hi_f is not None else [])) + ", 0)"
    extra = spec.param("where")
    df = frame(ctx.con, f"""
        select metric_id, provider_code, level, period_type,
               coalesce(bed_type_group, 'all') as bed_type_group,
               count(value) as n_values, min(value) as lowest, max(value) as highest,
               count(*) filter (where {bad}) as rows_out_of_range,
               coalesce(max({dev}) filter (where {bad}), 0) as worst_deviation,
               array_to_string(list_slice(
                   list(metric_id || ' ' || {MART_LABEL} || ' = ' || {VALUE_TEXT}
                        order by {dev} desc) filter (where {bad}), 1, 5), chr(10)) as examples
        from {mart}
        where {where} {('and (' + extra + ')') if extra else ''}
        group by all
        order by worst_deviation desc, metric_id, provider_code, level, period_type""")
    df["violations"] = df["rows_out_of_range"].astype("int64")
    df["example"] = df["examples"].fillna("")
    df["rank"] = df["worst_deviation"].astype("float64")
    df = df.drop(columns=["examples"]).astype({"lowest": "float64", "highest": "float64"})
    probes = []
    if lo_f is not None:
        probes.append(Probe("ExpectColumnValuesToBeBetween",
                            {"column": "lowest", "min_value": lo_f}))
    if hi_f is not None:
        probes.append(Probe("ExpectColumnValuesToBeBetween",
                            {"column": "highest", "max_value": hi_f}))
    offending = sorted(df.loc[df["violations"] > 0, "metric_id"].unique())
    if len(offending) == 1:  # the headline names the metric: examples need not repeat it
        prefix = offending[0] + " "
        df["example"] = ["\n".join(x[len(prefix):] if x.startswith(prefix) else x
                                   for x in e.split("\n")) if e else ""
                         for e in df["example"]]
    bounds = (f"{fmt_num(lo_f)}-{fmt_num(hi_f)}" if lo_f is not None and hi_f is not None
              else f">= {fmt_num(lo_f)}" if lo_f is not None else f"<= {fmt_num(hi_f)}")
    head = ", ".join(offending) if offending else ", ".join(metrics)
    return Frame(df, probes, headline=f"{head} out of range {bounds}", noun="rows",
                 note=f"{len(metrics)} metrics: {', '.join(metrics)}")


def _validate_metric_coverage(spec: ExpectationSpec) -> None:
    if not isinstance(spec.param("domains", []), list):
        raise SuiteError(f"{spec.id}: 'domains' must be a list of catalogue domains")


@check("metric_coverage", _validate_metric_coverage)
def metric_coverage(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """Every expected catalogue metric has a row for every provider and month in range.

    The range of a provider runs from its first to its last month in the mart (gaps
    count) plus every month it submitted (intermediate.int_provider_months, when present).
    """
    mart = mart_relation(ctx)
    domains = [str(d) for d in spec.param("domains", [])]
    exempt = [str(m) for m in spec.param("exempt_metrics", [])]
    cond = ["true"]
    if domains:
        cond.append(f"domain in {in_list(domains)}")
    if exempt:
        cond.append(f"metric_id not in {in_list(exempt)}")
    where = spec.param("where", "level = 'provider' and period_type = 'month'")
    submitted = ""
    if ctx.has("intermediate", "int_provider_months"):
        submitted = ("union select provider_code, period_start "
                     "from intermediate.int_provider_months "
                     "where period_start >= (select min(lo) from bounds)")
    df = frame(ctx.con, f"""
        with expected as (
            select distinct metric_id from {ctx.catalogue()} where {' and '.join(cond)}
        ),
        present as (
            select distinct provider_code, period_start, metric_id from {mart} where {where}
        ),
        bounds as (
            select provider_code, min(period_start) as lo, max(period_start) as hi
            from present group by 1
        ),
        months as (
            select provider_code,
                   cast(unnest(generate_series(lo, hi, interval 1 month)) as date)
                       as period_start
            from bounds
            {submitted}
        ),
        grid as (select * from months cross join expected)
        select g.provider_code, strftime(g.period_start, '%Y-%m') as month,
               count(*) as metrics_expected, count(p.metric_id) as metrics_present,
               coalesce(string_agg(g.metric_id, ', ' order by g.metric_id)
                        filter (where p.metric_id is null), '') as missing
        from grid as g
        left join present as p using (provider_code, period_start, metric_id)
        group by 1, 2
        order by metrics_expected - metrics_present desc, 1, 2""")
    if df.empty:
        raise CheckUnavailable(f"no rows in marts.mart_metric_values where {where} "
                               "(or no expected metrics in the catalogue)")
    missing_n = df["metrics_expected"] - df["metrics_present"]
    df["violations"] = (missing_n > 0).astype("int64")
    df["example"] = [f"{p}/{m} missing {_shorten_list(x)}" if n else ""
                     for p, m, x, n in zip(df["provider_code"], df["month"], df["missing"],
                                           missing_n, strict=True)]
    df["rank"] = missing_n.astype("float64")
    return Frame(
        df,
        [Probe("ExpectColumnPairValuesToBeEqual",
               {"column_A": "metrics_present", "column_B": "metrics_expected"})],
        headline="catalogue metrics missing",
        noun="provider-month(s)",
        note=f"{int(df['metrics_expected'].max())} metrics expected per provider-month",
    )


def _shorten_list(text: str, keep: int = 4) -> str:
    items = [t for t in text.split(", ") if t]
    if len(items) <= keep:
        return ", ".join(items)
    return ", ".join(items[:keep]) + f" and {len(items) - keep} more"


def _validate_bed_days(spec: ExpectationSpec) -> None:
    spec.require("metric")
    spec.require("fact_table")
    spec.require("fact_column")


@check("fact_reconciliation", _validate_bed_days)
def fact_reconciliation(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """A mart metric at provider/month level equals the sum over its intermediate fact."""
    mart = mart_relation(ctx)
    schema, _, name = str(spec.require("fact_table")).partition(".")
    fact = ctx.require(schema, name)
    metric = str(spec.require("metric"))
    col = quote(str(spec.require("fact_column")))
    digits = int(spec.param("round_digits", 6))
    where = spec.param("where", "level = 'provider' and period_type = 'month'")
    df = frame(ctx.con, f"""
        with m as (
            select provider_code, period_start, sum(value) as v
            from {mart} where metric_id = {literal(metric)} and ({where})
            group by 1, 2
        ),
        f as (
            select provider_code, period_start, sum({col})::double as v
            from {fact}
            where period_start >= (select coalesce(min(period_start), date '1900-01-01')
                                   from {mart})
            group by 1, 2
        )
        select coalesce(m.provider_code, f.provider_code) as provider_code,
               strftime(coalesce(m.period_start, f.period_start), '%Y-%m') as month,
               round(m.v, {digits}) as mart_value, round(f.v, {digits}) as fact_total
        from m full join f using (provider_code, period_start)
        order by abs(coalesce(m.v, 0) - coalesce(f.v, 0)) desc, 1, 2""")
    df = df.astype({"mart_value": "float64", "fact_total": "float64"})
    bad = ~((df["mart_value"] == df["fact_total"])
            | (df["mart_value"].isna() & df["fact_total"].isna()))
    df["violations"] = bad.astype("int64")
    df["example"] = [
        f"{p}/{m} mart {fmt_num(a) if pd.notna(a) else 'missing'} vs "
        f"{fmt_num(b) if pd.notna(b) else 'missing'} in {name}" if x else ""
        for p, m, a, b, x in zip(df["provider_code"], df["month"], df["mart_value"],
                                 df["fact_total"], bad, strict=True)]
    df["rank"] = (df["mart_value"].fillna(0) - df["fact_total"].fillna(0)).abs()
    return Frame(
        df,
        [Probe("ExpectColumnPairValuesToBeEqual",
               {"column_A": "mart_value", "column_B": "fact_total"})],
        headline=f"{metric} (mart, provider/month) does not reconcile with {schema}.{name}",
        noun="provider-month(s)",
    )


@check("manifest_reconciliation")
def manifest_reconciliation(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """rows_loaded + rows_quarantined == rows_in for every loaded file."""
    manifest = ctx.require("meta", "manifest")
    df = frame(ctx.con, f"""
        select relpath, coalesce(rows_in, 0) as rows_in,
               coalesce(rows_loaded, 0) as rows_loaded,
               coalesce(rows_quarantined, 0) as rows_quarantined,
               coalesce(rows_loaded, 0) + coalesce(rows_quarantined, 0) as rows_accounted
        from {manifest} where status = 'loaded'
        order by abs(rows_accounted - rows_in) desc, relpath""")
    bad = df["rows_accounted"] != df["rows_in"]
    df["violations"] = bad.astype("int64")
    df["example"] = [f"{p}: {a} loaded + {q} quarantined != {n} read" if b else ""
                     for p, a, q, n, b in zip(df["relpath"], df["rows_loaded"],
                                              df["rows_quarantined"], df["rows_in"], bad,
                                              strict=True)]
    df["rank"] = (df["rows_accounted"] - df["rows_in"]).abs().astype("float64")
    return Frame(
        df,
        [Probe("ExpectColumnPairValuesToBeEqual",
               {"column_A": "rows_accounted", "column_B": "rows_in"})],
        headline="loaded + quarantined rows differ from rows read",
        noun="file(s)",
    )


def _validate_unmapped_codes(spec: ExpectationSpec) -> None:
    for name in ("table", "code_column", "amount_column", "condition"):
        if not isinstance(spec.require(name), str):
            raise SuiteError(f"{spec.id}: {name!r} must be a string")
    if "." not in str(spec.require("table")):
        raise SuiteError(f"{spec.id}: 'table' must be schema.name")


@check("unmapped_codes", _validate_unmapped_codes)
def unmapped_codes(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """Codes a mapping leaves unresolved (``condition`` true), each with the money it carries.

    One frame row per provider and unmapped code (rows, amount, first and last month),
    plus one per provider for all its resolved rows, so Data Docs show what was checked
    even when nothing is missing. Each unmapped code is one offence: the fix is one row
    in the mapping file.
    """
    schema, _, name = str(spec.require("table")).partition(".")
    rel = ctx.require(schema, name)
    code = quote(str(spec.require("code_column")))
    amount = quote(str(spec.require("amount_column")))
    unmapped = f"coalesce(({spec.require('condition')}), false)"
    period = quote(str(spec.param("period_column", "period_start")))
    df = frame(ctx.con, f"""
        select provider_code,
               case when {unmapped} then cast({code} as varchar) end as unmapped_code,
               count(*) as ledger_rows,
               count(*) filter (where {unmapped}) as unmapped_rows,
               coalesce(sum(cast({amount} as double)), 0) as amount_gbp,
               strftime(min({period}), '%Y-%m') as first_month,
               strftime(max({period}), '%Y-%m') as last_month
        from {rel}
        group by 1, 2
        order by unmapped_code nulls first, provider_code""")
    if df.empty:
        raise CheckSkipped(f"no rows in {schema}.{name}")
    bad = df["unmapped_rows"] > 0
    df["violations"] = bad.astype("int64")
    months = [f if f == last else f"{f} to {last}"
              for f, last in zip(df["first_month"], df["last_month"], strict=True)]
    df["example"] = [f"{p} {c}: GBP {a:,.2f} in {n} row(s), {m}" if b else ""
                     for p, c, a, n, m, b in zip(df["provider_code"], df["unmapped_code"],
                                                 df["amount_gbp"], df["unmapped_rows"], months,
                                                 bad, strict=True)]
    df["rank"] = df["amount_gbp"].abs().where(bad, 0.0).astype("float64")
    total = df.loc[bad, "amount_gbp"].sum()
    return Frame(
        df,
        [Probe("ExpectColumnValuesToBeBetween",
               {"column": "unmapped_rows", "min_value": 0, "max_value": 0})],
        headline=f"{spec.param('label', 'codes')} not mapped (GBP {total:,.2f} in all)",
        noun="unmapped code(s)",
    )
