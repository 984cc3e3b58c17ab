"""The analyst views and the comments in the published file (pipelines/publish/analyst_views.py)."""

import json
import subprocess
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.publish.analyst_views import add_analyst_surface, dbt_descriptions
from pipelines.publish.errors import VerificationError
from pipelines.publish.storage_format import STORAGE_VERSION
from pipelines.publish.tables import ANALYST_VIEWS
from pipelines.publish.verify import verify_database


def _sql(db: Path, query: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


def test_views_are_published_with_rows(published_db: Path) -> None:
    views = {r[0] for r in _sql(published_db, "select view_name from duckdb_views() "
                                              "where not internal")}
    assert views == set(ANALYST_VIEWS)  # the demo publishes spc, so spc_latest too
    for view in ANALYST_VIEWS:
        [(n,)] = _sql(published_db, f"select count(*) from {view}")
        assert n > 0, view
    # views are not tables: not counted in publish_log nor exported to Parquet
    [(counts,)] = _sql(published_db, "select row_counts from publish_log")
    assert not set(json.loads(counts)) & set(ANALYST_VIEWS)
    parquet = published_db.parent / "parquet"
    assert not {p.stem for p in parquet.glob("*.parquet")} & set(ANALYST_VIEWS)


def test_every_table_view_and_column_has_a_comment(published_db: Path) -> None:
    objects = _sql(published_db,
                   "select table_name, comment from duckdb_tables() union all "
                   "select view_name, comment from duckdb_views() where not internal")
    assert objects and all(c and c.strip() for _, c in objects), objects
    cols = _sql(published_db, "select table_name, column_name, comment from duckdb_columns() "
                              "where not internal")
    missing = [f"{t}.{c}" for t, c, text in cols if not (text and text.strip())]
    assert not missing, missing


def test_comments_come_from_dbt_and_the_catalogue(published_db: Path) -> None:
    dbt = dbt_descriptions()
    comments = {(t, c): text for t, c, text in _sql(
        published_db, "select table_name, column_name, comment from duckdb_columns()")}
    tables = dict(_sql(published_db, "select table_name, comment from duckdb_tables() "
                                     "union all select view_name, comment from duckdb_views()"))
    sources = {"metric_values": "mart_metric_values", "spc": "mart_spc",
               "funnel": "mart_funnel", "costs": "mart_costs",
               "productivity": "mart_productivity", "data_quality": "mart_data_quality",
               "metric_catalogue": "metric_catalogue"}
    for table, model in sources.items():
        if table not in tables:
            continue
        assert tables[table].startswith(dbt[model].description), table
        for column, text in dbt[model].columns.items():
            if (table, column) in comments:
                assert comments[(table, column)].startswith(text), (table, column)
    # metric-related text from the catalogue: a costs column that is a metric
    [(definition,)] = _sql(published_db, "select description from metric_catalogue "
                                         "where metric_id = 'agency_pay_pct'")
    assert definition in comments[("costs", "agency_pay_pct")]
    # views inherit their columns' text; their own columns have theirs
    assert comments[("latest_values", "value")] == comments[("metric_values", "value")]
    assert "Data-quality score" in comments[("latest_values", "dq_score")]
    assert comments[("latest_values", "target_value")].startswith(
        dbt["metric_catalogue"].columns["target_value"])
    assert "suppressed" in tables["metric_values"]
    assert comments[("publish_log", "run_id")].startswith("Dagster run id")


def test_views_and_comments_read_in_duckdb_1_5(published_db: Path, duckdb15_cli: Path) -> None:
    """BI drivers bundle duckdb 1.5.x: every view binds and returns the same rows there."""
    queries = [f"select '{v}' as view, count(*) as n from {v}" for v in ANALYST_VIEWS]
    queries.append("select 'version' as view, 0 as n, version() as v")
    queries.append("select 'comments' as view, count(*) filter (where comment is null) as n "
                   "from duckdb_columns() where not internal")
    results = {}
    for q in queries:
        proc = subprocess.run([str(duckdb15_cli), "-readonly", "-json", str(published_db),
                               "-c", q], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        [row] = json.loads(proc.stdout)
        results[row["view"]] = row
    assert results["version"]["v"].startswith("v1.5.")
    assert results["comments"]["n"] == 0
    for view in ANALYST_VIEWS:
        [(n,)] = _sql(published_db, f"select count(*) from {view}")
        assert results[view]["n"] == n, view


def test_view_semantics_on_the_demo(published_db: Path) -> None:
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        # latest_values: one row per series, at its latest period
        [(dup,)] = con.execute(
            "select count(*) from (select metric_id, period_type, provider_code, level, "
            "unit_code, bed_type_group from latest_values group by all having count(*) > 1)"
        ).fetchall()
        assert dup == 0
        [(stale,)] = con.execute("""
            select count(*) from latest_values as l join metric_values as m
              on m.metric_id = l.metric_id and m.period_type = l.period_type
             and m.provider_code = l.provider_code and m.level = l.level
             and m.unit_code = l.unit_code
             and m.bed_type_group is not distinct from l.bed_type_group
             and m.period_start > l.period_start""").fetchall()
        assert stale == 0
        # monthly_trend: change = value - previous value
        [(bad,)] = con.execute(
            "select count(*) from monthly_trend where previous_value is not null "
            "and abs(change_from_previous - (value - previous_value)) > 1e-9").fetchall()
        assert bad == 0
        # locality_comparison: provider_value is the provider row of the same figure
        [(n, mismatched)] = con.execute("""
            select count(*), count(*) filter (where l.provider_value is distinct from p.value)
            from locality_comparison as l join metric_values as p
              on p.level = 'provider' and p.metric_id = l.metric_id
             and p.provider_code = l.provider_code and p.period_type = l.period_type
             and p.period_start = l.period_start and p.bed_type_group = l.bed_type_group
        """).fetchall()
        assert n > 0 and mismatched == 0
        # dq_score in the views is the data_quality dq_score row of that provider/month
        [(n, wrong)] = con.execute("""
            select count(*), count(*) filter (where abs(t.dq_score - d.value) > 1e-9)
            from monthly_trend as t join data_quality as d
              on d.measure = 'dq_score' and d.provider_code = t.provider_code
             and d.period_start = t.period_start""").fetchall()
        assert n > 0 and wrong == 0
        # spc_latest: one row per SPC series, its latest point
        [(series,)] = con.execute(
            "select count(*) from (select distinct metric_id, provider_code, level, "
            "unit_code, bed_type_group from spc)").fetchall()
        [(latest,)] = con.execute("select count(*) from spc_latest").fetchall()
        assert series == latest
    finally:
        con.close()


# ---------------------------------------------------------------- small built files

CATALOGUE = [("occupancy_pct", "Bed occupancy (%)", "flow", "Occupied / available.", "percent",
              "lower", 85.0, "max", "ratio"),
             ("admissions", "Admissions", "flow", "Spells started.", "count", "neither", None,
              None, "count")]


def _build(path: Path, *, dq: str | None, spc: bool = True) -> duckdb.DuckDBPyConnection:
    """A tiny published-like file, attached as ``pub`` in an in-memory session."""
    con = duckdb.connect()
    con.execute(f"attach '{path}' as pub (storage_version '{STORAGE_VERSION}')")
    con.execute("""create table pub.main.metric_catalogue (metric_id varchar, metric_name
        varchar, domain varchar, description varchar, unit varchar, better_direction varchar,
        target_value double, target_type varchar, value_kind varchar)""")
    con.executemany("insert into pub.main.metric_catalogue values (?,?,?,?,?,?,?,?,?)",
                    CATALOGUE)
    con.execute("""create table pub.main.metric_values (metric_id varchar,
        period_start date, period_type varchar, provider_code varchar, level varchar,
        unit_code varchar, unit_name varchar, bed_type_group varchar, numerator double,
        denominator double, value double, suppressed boolean)""")
    rows = []
    for month, p, l1, l2 in [(1, 80.0, 70.0, 90.0), (2, 86.0, 75.0, 95.0)]:
        d = date(2024, month, 1)
        rows += [("occupancy_pct", d, "month", "RXX", "provider", "RXX", "RXX", "all",
                  p, 100.0, p, False),
                 ("occupancy_pct", d, "month", "RXX", "locality", "L1", "North", "all",
                  l1, 100.0, l1, False),
                 ("occupancy_pct", d, "month", "RXX", "locality", "L2", "South", "all",
                  l2, 100.0, l2, False)]
    rows.append(("occupancy_pct", date(2024, 1, 1), "quarter", "RXX", "provider", "RXX",
                 "RXX", "all", 83.0, 100.0, 83.0, False))
    con.executemany("insert into pub.main.metric_values values (?,?,?,?,?,?,?,?,?,?,?,?)",
                    rows)
    if dq == "data_quality":
        con.execute("create table pub.main.data_quality as select * from (values "
                    "('RXX', date '2024-02-01', 'all', 'all', 'dq_score', 50.0), "
                    "('RXX', date '2024-02-01', 'mhs001', 'NHSNumber', 'completeness', 1.0))"
                    " t(provider_code, period_start, table_name, field_name, measure, value)")
    if spc:  # an spc table out of step with its contract: the view cannot bind
        con.execute("create table pub.main.spc as select 'occupancy_pct' as metric_id, "
                    "1.0 as value")
    return con


@pytest.mark.parametrize(("dq", "expected"), [
    (None, (None, None, None)),              # no score published: null, views still work
    ("data_quality", (50.0, 50.0, 50.0)),    # data_quality rows with measure = 'dq_score'
])
def test_dq_score_source(tmp_path: Path, dq: str | None,
                         expected: tuple[float | None, ...]) -> None:
    path = tmp_path / "marts.duckdb"
    con = _build(path, dq=dq)
    try:
        result = add_analyst_surface(con, "pub")
        assert set(result.views) == {"data_quality_scores", "latest_values", "monthly_trend",
                                     "locality_comparison"}
        assert "spc_latest" in result.skipped_views  # spc lacks the contract's columns
        month = con.execute(
            "select dq_score from pub.main.latest_values where level = 'provider' "
            "and period_type = 'month'").fetchall()[0][0]
        quarter = con.execute(
            "select dq_score from pub.main.latest_values where period_type = 'quarter'"
        ).fetchall()[0][0]
        local = {r[0] for r in con.execute(
            "select dq_score from pub.main.locality_comparison where period_type = 'month'"
        ).fetchall()}
        got = (month, quarter, local.pop())
        assert got == pytest.approx(expected) if dq else got == expected
        lc = con.execute(
            "select locality, value, provider_value, difference_from_provider, "
            "rank_highest_first, rank_best_first from pub.main.locality_comparison "
            "where period_type = 'month' order by locality").fetchall()
        assert lc == [("L1", 75.0, 86.0, -11.0, 2, 1), ("L2", 95.0, 86.0, 9.0, 1, 2)]
        trend = con.execute(
            "select previous_value, change_from_previous from pub.main.monthly_trend "
            "where unit_code = 'L2' and period_start = date '2024-02-01'").fetchall()
        assert trend == [(90.0, 5.0)]
        [(nulls,)] = con.execute("select count(*) from duckdb_columns() where "
                                 "database_name = 'pub' and comment is null").fetchall()
        assert nulls == 0
    finally:
        con.close()


def test_views_skipped_not_failing_when_a_table_breaks_its_contract(tmp_path: Path) -> None:
    con = _build(tmp_path / "marts.duckdb", dq=None)
    try:
        con.execute("alter table pub.main.metric_values drop column bed_type_group")
        result = add_analyst_surface(con, "pub")
        assert result.views == ["data_quality_scores"]
        assert "bed_type_group" in result.skipped_views["latest_values"]
        [(n,)] = con.execute("select count(*) from duckdb_tables() where database_name = 'pub' "
                             "and comment is null").fetchall()
        assert n == 0
    finally:
        con.close()


def test_verify_accepts_analyst_views_only(tmp_path: Path) -> None:
    path = tmp_path / "marts.duckdb"
    con = _build(path, dq=None, spc=False)
    add_analyst_surface(con, "pub")
    con.execute("use pub")
    counts = {t: con.execute(f"select count(*) from {t}").fetchall()[0][0]
              for t in ("metric_catalogue", "metric_values")}
    con.execute("use memory")
    con.execute("detach pub")
    con.close()
    with duckdb.connect(str(path), read_only=True) as ro:
        verify_database(ro, path, counts)  # views are allowed and not counted
    con = duckdb.connect(str(path))
    con.execute("create view sneaky as select * from metric_values")
    con.close()
    with duckdb.connect(str(path), read_only=True) as ro, \
            pytest.raises(VerificationError, match="sneaky"):
        verify_database(ro, path, counts)
