"""The BI tables of the session's demo publication: units (the ward/team -> locality ->
provider hierarchy), calendar (NHS financial year) and the analyst views as CSV."""

import json
from datetime import date
from pathlib import Path

import duckdb

from pipelines.config import Settings
from pipelines.publish.csv_export import BOM
from pipelines.publish.tables import ANALYST_VIEWS


def _sql(db: Path, query: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


def test_units_and_calendar_are_published(published_db: Path) -> None:
    tables = {r[0] for r in _sql(published_db, "select table_name from duckdb_tables()")}
    assert {"units", "calendar"} <= tables
    [(counts,)] = _sql(published_db, "select row_counts from publish_log")
    assert json.loads(counts)["units"] > 0 and json.loads(counts)["calendar"] >= 12
    parquet = published_db.parent / "parquet"
    assert (parquet / "units.parquet").is_file() and (parquet / "calendar.parquet").is_file()


def test_every_metric_unit_is_in_units(published_db: Path) -> None:
    missing = _sql(published_db, """
        select distinct m.provider_code, m.level, m.unit_code
        from metric_values as m
        left join units as u using (provider_code, level, unit_code)
        where u.unit_key is null
    """)
    assert missing == []
    [(n_keys, n_rows)] = _sql(published_db, "select count(distinct unit_key), count(*) "
                                            "from units")
    assert n_keys == n_rows
    [(dupes,)] = _sql(published_db, "select count(*) from (select provider_code, level, "
                                    "unit_code from units group by all having count(*) > 1)")
    assert dupes == 0


def test_ward_to_locality_to_provider_chain(published_db: Path) -> None:
    # the demo's reference/wards.csv: Ash Ward (RXAW01) is in Northfield, provider RXA
    [ward] = _sql(published_db, """
        select level, unit_name, locality_code, bed_type_code, bed_type_group,
               parent_level, parent_unit_code, parent_unit_key
        from units where provider_code = 'RXA' and unit_code = 'RXAW01'
    """)
    assert ward[:3] == ("ward", "Ash Ward", "Northfield")
    assert ward[3] is not None and ward[4] in ("adult_acute", "other")
    assert ward[5:] == ("locality", "Northfield", "RXA|locality|Northfield")
    [locality] = _sql(published_db, "select level, parent_level, parent_unit_key from units "
                                    "where unit_key = ?", [ward[7]])
    assert locality == ("locality", "provider", "RXA|provider|RXA")
    [provider] = _sql(published_db, "select level, parent_unit_key from units "
                                    "where unit_key = 'RXA|provider|RXA'")
    assert provider == ("provider", None)
    # every parent exists, and every ward and team has a team or ward column set
    assert _sql(published_db, """
        select u.unit_key from units as u left join units as p on p.unit_key = u.parent_unit_key
        where u.parent_unit_key is not null and p.unit_key is null
    """) == []
    assert _sql(published_db, "select count(*) from units where level = 'team' "
                              "and (team_code is null or team_code <> unit_code)") == [(0,)]
    assert _sql(published_db, "select count(*) from units where level = 'ward' "
                              "and (ward_code is null or ward_code <> unit_code)") == [(0,)]


def _financial(d: date) -> tuple[str, str, int]:
    start = d.year if d.month >= 4 else d.year - 1
    fin_month = (d.month - 4) % 12 + 1
    return f"{start}/{(start + 1) % 100:02d}", f"Q{(fin_month - 1) // 3 + 1}", fin_month


def test_calendar_financial_year(published_db: Path) -> None:
    rows = _sql(published_db, """
        select month_start, month_end, financial_year, financial_quarter,
               financial_month_number, calendar_year, month_number, is_latest_month
        from calendar order by month_start
    """)
    by_month = {r[0]: r for r in rows}
    # hand-picked months of the demo range (April 2023 to March 2024)
    assert by_month[date(2023, 4, 1)][2:5] == ("2023/24", "Q1", 1)
    assert by_month[date(2023, 9, 1)][2:5] == ("2023/24", "Q2", 6)
    assert by_month[date(2024, 1, 1)][2:5] == ("2023/24", "Q4", 10)
    assert by_month[date(2024, 3, 1)][1:5] == (date(2024, 3, 31), "2023/24", "Q4", 12)
    for month_start, _, fy, fq, fm, year, month, _ in rows:
        assert (fy, fq, fm) == _financial(month_start), month_start
        assert (year, month) == (month_start.year, month_start.month)
    # whole financial years, consecutive months, covering every period of the metrics
    assert rows[0][0].month == 4 and rows[-1][0].month == 3
    assert len(rows) % 12 == 0
    [(first, last)] = _sql(published_db, "select min(period_start), max(period_start) "
                                         "from metric_values")
    assert rows[0][0] <= first and last <= rows[-1][0]
    assert sum(1 for r in rows if r[7]) == 1


def test_dbt_unit_test_of_the_calendar_passed(analyst_settings: Settings) -> None:
    """dim_calendar_nhs_financial_year (dbt unit test in _marts.yml): March 2024 ->
    2023/24 Q4 month 12, April 2024 -> 2024/25 Q1 month 1, in the session's dbt build."""
    target = analyst_settings.dbt_target_path
    assert target is not None
    status: dict[str, str] = {}
    # dagster-dbt writes each invocation's run_results.json in its own sub-folder
    for path in sorted(target.rglob("run_results.json"), key=lambda p: p.stat().st_mtime):
        for r in json.loads(path.read_text(encoding="utf-8"))["results"]:
            status[r["unique_id"].split(".")[-1]] = r["status"]
    assert status.get("dim_calendar_nhs_financial_year") == "pass"
    assert status.get("dim_units") == "success" and status.get("dim_calendar") == "success"


def test_analyst_views_as_csv(published_db: Path) -> None:
    folder = published_db.parent / "csv"
    assert folder.is_symlink()
    # the analyst views, and national/ with NHS England's layout per month (tests/national)
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == sorted(
        f"{v}.csv" for v in ANALYST_VIEWS)
    assert [p.name for p in folder.iterdir() if p.is_dir()] in ([], ["national"])
    con = duckdb.connect()
    try:
        for view in ANALYST_VIEWS:
            f = folder / f"{view}.csv"
            assert f.read_bytes()[:3] == BOM, view
            [(n,)] = _sql(published_db, f"select count(*) from {view}")
            [(got,)] = con.execute(f"select count(*) from read_csv('{f}', header = true, "
                                   "all_varchar = true)").fetchall()
            assert got == n, view
    finally:
        con.close()
