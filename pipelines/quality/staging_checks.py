"""Staging check kinds that need a threshold: completeness and validity shares,
references with a tolerated share of orphans, and the share of each file quarantined at
ingest. Rules that hold for every row (keys, codes, not-null, dates in order, periods
inside their parent, no overlaps) are dbt tests generated from the raw contract
(docs/quality-gates.md)."""

import pandas as pd

from pipelines.quality.frames import Frame, Probe, fmt_share, frame, quote
from pipelines.quality.kinds import (
    CheckContext,
    check,
    check_columns,
    family_filter,
    fraction,
    staging_table,
    unit_column,
    validate_families,
)
from pipelines.quality.spec import ExpectationSpec, SuiteError


# ====================================================================== staging
def _validate_completeness(spec: ExpectationSpec) -> None:
    cols = spec.require("columns")
    if not isinstance(cols, list) or not cols:
        raise SuiteError(f"{spec.id}: 'columns' must be a non-empty list")
    check_columns(spec, "table", [str(c) for c in cols])
    fraction(spec, "min_share")


def _share_frame(ctx: CheckContext, spec: ExpectationSpec, tests: dict[str, str],
                 what: str) -> Frame:
    rel, model, table = ctx.staging(str(spec.require("table")))
    min_share = fraction(spec, "min_share")
    unit = unit_column(table)
    where = spec.param("where")
    selects = ", ".join(f"count(*) filter (where {sql}) as {quote('ok_' + str(i))}"
                        for i, sql in enumerate(tests.values()))
    wide = frame(ctx.con, f"select {quote(unit)} as unit, count(*) as total_rows, {selects} "
                          f"from {rel} {'where ' + where if where else ''} group by 1 order by 1")
    rows = []
    for rec in wide.itertuples(index=False):
        for i, label in enumerate(tests):
            total = int(rec.total_rows)
            ok = int(getattr(rec, f"ok_{i}"))
            share = ok / total if total else 1.0
            bad = share < min_share
            rows.append({
                "provider_code": rec.unit, "column_name": label, "total_rows": total,
                "ok_rows": ok, "share": share,
                "violations": 1 if bad else 0,
                "example": (f"{rec.unit} {label} {fmt_share(share)} ({ok}/{total})"
                            if bad else ""),
                "rank": min_share - share,
            })
    df = pd.DataFrame(rows, columns=["provider_code", "column_name", "total_rows", "ok_rows",
                                     "share", "violations", "example", "rank"])
    df = df.astype({"share": "float64", "rank": "float64", "violations": "int64"})
    scope = f" ({where})" if where else ""
    return Frame(
        df,
        [Probe("ExpectColumnValuesToBeBetween",
               {"column": "share", "min_value": min_share, "max_value": 1.0})],
        headline=f"{model}{scope}: {what} below {fmt_share(min_share)}",
        noun="provider field(s)",
    )


@check("completeness", _validate_completeness)
def completeness(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """Share of non-null values per provider and field >= min_share."""
    tests = {str(c): f"{quote(str(c))} is not null" for c in spec.require("columns")}
    return _share_frame(ctx, spec, tests, "share of non-null values")


def _validate_valid_share(spec: ExpectationSpec) -> None:
    staging_table(str(spec.require("table")))
    if not isinstance(spec.require("condition"), str):
        raise SuiteError(f"{spec.id}: 'condition' must be an SQL boolean expression")
    fraction(spec, "min_share")


@check("valid_share", _validate_valid_share)
def valid_share(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """Share of rows meeting an SQL condition, per provider, >= min_share."""
    label = str(spec.param("label", spec.require("condition")))
    return _share_frame(ctx, spec, {label: f"coalesce({spec.require('condition')}, false)"},
                        "share of valid values")


def _validate_references(spec: ExpectationSpec) -> None:
    cols = [str(c) for c in spec.require("columns")]
    check_columns(spec, "table", cols)
    check_columns(spec, "parent", [str(c) for c in spec.param("parent_columns", cols)])
    fraction(spec, "max_share")


@check("references", _validate_references)
def references(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """Share of child rows whose key has no parent row, per provider, <= max_share."""
    rel, model, table = ctx.staging(str(spec.require("table")))
    prel, pmodel, _ = ctx.staging(str(spec.require("parent")))
    cols = [str(c) for c in spec.require("columns")]
    pcols = [str(c) for c in spec.param("parent_columns", cols)]
    max_share = fraction(spec, "max_share")
    keys = ", ".join(f"{quote(p)} as k{i}" for i, p in enumerate(pcols))
    join = " and ".join(f"c.{quote(c)} = p.k{i}" for i, c in enumerate(cols))
    present = " and ".join(f"c.{quote(c)} is not null" for c in cols)
    df = frame(ctx.con, f"""
        select c.{quote(unit_column(table))} as provider_code, count(*) as rows_checked,
               count(*) filter (where p.k0 is null) as orphan_rows
        from {rel} as c left join (select distinct {keys} from {prel}) as p on {join}
        where {present}
        group by 1 order by 1""")
    df["orphan_share"] = (df["orphan_rows"] / df["rows_checked"]).astype("float64")
    bad = df["orphan_share"] > max_share
    df["violations"] = df["orphan_rows"].where(bad, 0).astype("int64")
    df["example"] = [f"{p} {fmt_share(s)} ({n}/{t})" if b else ""
                     for p, s, n, t, b in zip(df["provider_code"], df["orphan_share"],
                                              df["orphan_rows"], df["rows_checked"], bad,
                                              strict=True)]
    df["rank"] = df["orphan_share"]
    return Frame(
        df,
        [Probe("ExpectColumnValuesToBeBetween",
               {"column": "orphan_share", "min_value": 0.0, "max_value": max_share})],
        headline=f"{model} rows without a {pmodel} row ({', '.join(cols)}) "
                 f"above {fmt_share(max_share)}",
        noun="rows",
    )



def _validate_max_share(spec: ExpectationSpec) -> None:
    fraction(spec, "max_share")
    validate_families(spec)


@check("quarantine_share", _validate_max_share)
def quarantine_share(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """Rows quarantined at ingest as a share of rows read, per loaded file, <= max_share.
    ``families`` / ``exclude_families``: only (or all but) the files of those families (the
    national publication has its own warning-level expectation)."""
    manifest = ctx.require("meta", "manifest")
    max_share = fraction(spec, "max_share")
    which, scope = family_filter(spec, "m.family")
    reasons = "cast(null as varchar)"
    join = ""
    if ctx.has("meta", "quarantine"):
        join = """left join (
            select file_id, string_agg(field || ': ' || reason || ' x' || n, '; '
                                       order by n desc, field) as reasons
            from (select file_id, field, reason, count(*) as n,
                         row_number() over (partition by file_id
                                            order by count(*) desc, field, reason) as rk
                  from meta.quarantine group by file_id, field, reason)
            where rk <= 2 group by file_id) as q using (file_id)"""
        reasons = "q.reasons"
    df = frame(ctx.con, f"""
        select m.relpath, m.provider, m.table_name,
               strftime(m.period_start, '%Y-%m') as period,
               coalesce(m.rows_in, 0) as rows_in,
               coalesce(m.rows_quarantined, 0) as rows_quarantined,
               case when coalesce(m.rows_in, 0) = 0 then 0.0
                    else m.rows_quarantined::double / m.rows_in end as quarantined_share,
               {reasons} as top_reasons
        from {manifest} as m {join}
        where m.status = 'loaded' and {which}
        order by quarantined_share desc, m.relpath""")
    bad = df["quarantined_share"] > max_share
    df["violations"] = bad.astype("int64")
    df["example"] = [
        f"{p} {fmt_share(s)} ({q}/{n} rows{'; ' + r if isinstance(r, str) and r else ''})"
        if b else "" for p, s, q, n, r, b in zip(df["relpath"], df["quarantined_share"],
                                                 df["rows_quarantined"], df["rows_in"],
                                                 df["top_reasons"], bad, strict=True)]
    df["rank"] = df["quarantined_share"].astype("float64")
    return Frame(
        df,
        [Probe("ExpectColumnValuesToBeBetween",
               {"column": "quarantined_share", "min_value": 0.0, "max_value": max_share})],
        headline=f"quarantined rows above {fmt_share(max_share)} of the file{scope}",
        noun="file(s)",
    )

