"""The national measures in the published file and as national-layout CSVs.

The mart (``mart_national_measures``) holds each value exactly and as NHS England would
publish it below England level (``measure_value_rounded``: counts under 5 '*', else the
nearest 5; percentages, means and medians '*' when their count is under 5, else 0 dp).

* Internal publication: both columns, every row.
* Public publication: only the rounded value, as ``measure_value`` (text, '*' for
  suppressed), and, as NHS England does, no rows whose exact value is zero.

``export_national_csv`` writes ``<csv folder>/national/national_measures_<YYYY-MM>.csv``
per reporting month: the national breakdowns only, in NHS England's published column
layout (upper case), values rounded and suppressed as national, zero rows omitted; so a
trust can set its file beside the national publication line by line.
"""

from pathlib import Path

import duckdb

from pipelines.national.model import national_breakdown_names
from pipelines.publish.disclosure import q
from pipelines.publish.tables import Source

NATIONAL_COLUMNS = [
    "reporting_period_start", "reporting_period_end", "status", "breakdown", "primary_level",
    "primary_level_description", "secondary_level", "secondary_level_description",
    "measure_id", "measure_name",
]
# the breakdowns NHS England publishes (pipelines/national/breakdowns.yml, national: true);
# the others are ours (Provider; Locality, Provider; Ward)
NATIONAL_BREAKDOWNS = tuple(national_breakdown_names())
PUBLISHED = "national_measures"
CSV_FOLDER = "national"


# reconciliation columns that hold our exact figures: internal publication only
RECONCILIATION_EXACT = ("our_value", "difference")


def national_select(source: Source, *, public: bool) -> str:
    """The select that publishes a national table: national_measures or
    national_reconciliation (exact values internal only)."""
    if source.published == "national_reconciliation":
        order = "order by provider_code, period_month, measure_id, breakdown"
        if public:
            drop = ", ".join(RECONCILIATION_EXACT)
            return f"select * exclude ({drop}) from {source.relation} {order}"
        return f"select * from {source.relation} {order}"
    cols = ", ".join(q(c) for c in NATIONAL_COLUMNS)
    order = "order by period_month, measure_id, breakdown, primary_level, secondary_level"
    if public:
        return (f"select {cols}, measure_value_rounded as measure_value, period_month, "
                f"measure_frequency from {source.relation} where measure_value <> 0 {order}")
    return (f"select {cols}, measure_value, measure_value_rounded, period_month, "
            f"measure_frequency from {source.relation} {order}")


def _published(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute(
        "select count(*) from duckdb_tables() where database_name = current_database() "
        "and schema_name = 'main' and table_name = ?", [name]).fetchall()[0][0])


def _internal(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the file is an internal publication (its publish_log says so), i.e. its
    national_measures has the contract's exact measure_value beside the rounded one."""
    [(mode,)] = con.execute("select publication_mode from main.publish_log").fetchall()
    return mode != "public"


def export_national_csv(con: duckdb.DuckDBPyConnection, folder: Path, bom: bytes) -> dict[str, int]:
    """Write one national-layout CSV per reporting month of the published national_measures
    (``con`` is the finished published file); return rows per file, keyed
    ``national/<stem>``. Nothing is written when the file has no national measures."""
    if not _published(con, PUBLISHED):
        return {}
    internal = _internal(con)
    value = "measure_value_rounded" if internal else "measure_value"
    zero = "and measure_value <> 0" if internal else ""
    breakdowns = ", ".join(f"'{b}'" for b in NATIONAL_BREAKDOWNS)
    months = [r[0] for r in con.execute(
        f"select distinct strftime(period_month, '%Y-%m') from main.{PUBLISHED} order by 1"
    ).fetchall()]
    out = folder / CSV_FOLDER
    out.mkdir()
    counts: dict[str, int] = {}
    select_cols = ", ".join(f"{q(c)} as {q(c.upper())}" for c in NATIONAL_COLUMNS)
    for month in months:
        stem = f"national_measures_{month}"
        where = (f"strftime(period_month, '%Y-%m') = '{month}' and breakdown in ({breakdowns}) "
                 f"{zero}")
        query = (f"select {select_cols}, {q(value)} as MEASURE_VALUE from main.{PUBLISHED} "
                 f"where {where} order by MEASURE_ID, BREAKDOWN, PRIMARY_LEVEL, SECONDARY_LEVEL")
        part = out / f".{stem}.csv.part"
        con.execute(
            f"copy ({query}) to '{str(part).replace(chr(39), chr(39) * 2)}' (format csv, "
            "header true, delimiter ',', quote '\"', dateformat '%Y-%m-%d')"
        ).fetchall()
        with (out / f"{stem}.csv").open("wb") as dst, part.open("rb") as src:
            dst.write(bom)
            dst.write(src.read())
        part.unlink()
        counts[f"{CSV_FOLDER}/{stem}"] = int(con.execute(
            f"select count(*) from main.{PUBLISHED} where {where}").fetchall()[0][0])
    return counts


def reconciliation_summary(database: Path) -> dict[str, int]:
    """Rows of the published national_reconciliation by status ({} when the file has none)."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        if not _published(con, "national_reconciliation"):
            return {}
        rows = con.execute(
            "select status, count(*) from national_reconciliation group by status"
        ).fetchall()
    finally:
        con.close()
    return {str(k): int(n) for k, n in rows}


def reconciliation_line(counts: dict[str, int]) -> str:
    """``make run``'s one line: how many published measures match ours."""
    published = sum(n for k, n in counts.items() if k != "only_ours")
    if not published:
        return "no national publication loaded (raw/national/<YYYY-MM>/*.csv)"
    agree = counts.get("match", 0) + counts.get("suppressed", 0)
    words = {"differs": "differ", "only_published": "only published", "only_ours": "only ours"}
    extra = [f"{counts[k]:,} {words[k]}" for k in words if counts.get(k)]
    return (f"{agree:,} of {published:,} published measures match ours"
            + (f" ({', '.join(extra)})" if extra else ""))
