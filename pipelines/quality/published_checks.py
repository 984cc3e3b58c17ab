"""Mart check kind against the last publication: row volume and history revisions."""

import duckdb

from pipelines.quality.frames import (
    CheckSkipped,
    Frame,
    Probe,
    fmt_num,
    frame,
    in_list,
    literal,
    quote,
)
from pipelines.quality.kinds import (
    PREV_DB,
    PUBLISHED_FILE,
    PUBLISHED_TABLE,
    CheckContext,
    check,
    fraction,
)
from pipelines.quality.mart_checks import mart_relation
from pipelines.quality.spec import ExpectationSpec, SuiteError


def _validate_published(spec: ExpectationSpec) -> None:
    if spec.param("measure", "rows") not in ("rows", "value_sum"):
        raise SuiteError(f"{spec.id}: measure must be 'rows' or 'value_sum'")
    fraction(spec, "tolerance")


def _attach_published(ctx: CheckContext) -> str:
    path = ctx.settings.publish_dir / PUBLISHED_FILE
    if not path.exists():
        raise CheckSkipped(f"no previously published file at {path}")
    attached = {r[0] for r in ctx.con.execute(
        "select database_name from duckdb_databases()").fetchall()}
    if PREV_DB not in attached:
        try:
            ctx.con.execute(f"attach {literal(str(path))} as {PREV_DB} (read_only)").fetchall()
        except duckdb.Error as exc:
            raise CheckSkipped(f"cannot open the published file {path}: {exc}") from exc
    rows = ctx.con.execute(
        "select schema_name from duckdb_tables() where database_name = ? and table_name = ?",
        [PREV_DB, PUBLISHED_TABLE]).fetchall()
    if not rows:
        raise CheckSkipped(f"the published file {path} has no table {PUBLISHED_TABLE}")
    return f"{PREV_DB}.{quote(rows[0][0])}.{quote(PUBLISHED_TABLE)}"


@check("published_change", _validate_published)
def published_change(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """Change against the previous published run, per metric and provider, within tolerance.

    measure rows: number of mart rows; measure value_sum: sum of values over the months
    both runs have (restated history), for metrics of the given value kinds.
    """
    mart = mart_relation(ctx)
    prev = _attach_published(ctx)
    tol = fraction(spec, "tolerance")
    measure = spec.param("measure", "rows")
    where = spec.param("where")
    cond = f"where {where}" if where else ""
    if measure == "rows":
        sql = f"""
            with c as (select metric_id, provider_code, count(*) as n from {mart} {cond}
                       group by 1, 2),
                 p as (select metric_id, provider_code, count(*) as n from {prev} {cond}
                       group by 1, 2)
            select metric_id, provider_code, coalesce(p.n, 0)::double as previous,
                   coalesce(c.n, 0)::double as current
            from c full join p using (metric_id, provider_code)"""
        noun = "rows"
    else:
        kinds = [str(k) for k in spec.param("value_kinds", ["count"])]
        metrics = f"(select metric_id from {ctx.catalogue()} where value_kind in {in_list(kinds)})"
        both = (f"{where + ' and ' if where else ''}value is not null "
                f"and metric_id in {metrics}")
        sql = f"""
            with c as (select metric_id, provider_code, period_start, value from {mart}
                       where {both}),
                 p as (select metric_id, provider_code, period_start, value from {prev}
                       where {both})
            select metric_id, provider_code, sum(p.value)::double as previous,
                   sum(c.value)::double as current
            from c join p using (metric_id, provider_code, period_start)
            group by 1, 2"""
        noun = "sum of values"
    df = frame(ctx.con, f"""
        select *, case when previous = 0 then null
                       else 100.0 * (current - previous) / abs(previous) end as change_pct
        from ({sql}) order by abs(coalesce(change_pct, 0)) desc, metric_id, provider_code""")
    df = df.astype({"previous": "float64", "current": "float64", "change_pct": "float64"})
    bad = df["change_pct"].abs() > 100.0 * tol
    df["violations"] = bad.astype("int64")
    df["example"] = [f"{m} {p}: {fmt_num(a)} -> {fmt_num(b)} {noun} ({c:+.0f}%)" if x else ""
                     for m, p, a, b, c, x in zip(df["metric_id"], df["provider_code"],
                                                 df["previous"], df["current"],
                                                 df["change_pct"], bad, strict=True)]
    df["rank"] = df["change_pct"].abs().fillna(0)
    return Frame(
        df,
        [Probe("ExpectColumnValuesToBeBetween",
               {"column": "change_pct", "min_value": -100.0 * tol, "max_value": 100.0 * tol})],
        headline=f"{noun} changed by more than {100 * tol:.0f}% since the last published run",
        noun="metric/provider pair(s)",
    )

