"""MHS903WardDetails is optional in a submission (contract `optional: true`)."""

from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.contract import load_contract
from pipelines.ingest.load import ingest
from tests.rawfiles import tmp_settings, write_header, write_table

TABLE = "mhs903_ward_details"
STAY = {"OrgIDProv": "RXA", "UniqWardStayID": "WS1", "UniqHospProvSpellID": "S1",
        "LocalPatientId": "P1", "StartDateWardStay": "2024-01-03", "WardCode": "W1"}


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def test_contract_marks_mhs903_optional_and_per_month() -> None:
    table = load_contract().table("MHS903WardDetails")
    assert (table.family, table.optional, table.per_month) == ("mhsds", True, True)
    assert [t.name for t in load_contract().tables if t.optional] == [TABLE]


def test_absent_mhs903_is_not_a_missing_table(tmp_path: Path) -> None:
    s = tmp_settings(tmp_path)
    write_header(s.raw_dir, "RXA", "2024-01", datetime(2024, 2, 10, 9))
    write_table(s.raw_dir, "mhs502_ward_stay", [STAY], "RXA", "2024-01")
    report = ingest(s)
    assert not report.problems
    missing = {o.table for o in report.missing}
    assert TABLE not in missing and "mhs501_hosp_prov_spell" in missing
    with duckdb.connect(str(s.warehouse), read_only=True) as con:
        assert rows(con, "select count(*) from meta.manifest where table_name = ?",
                    [TABLE]) == [(0,)]


def test_refresh_without_mhs903_keeps_the_earlier_rows(tmp_path: Path) -> None:
    """As for any table left out of a refresh: raw keeps the month's earlier delivery."""
    s = tmp_settings(tmp_path)
    raw = s.raw_dir
    write_header(raw, "RXA", "2024-01", datetime(2024, 2, 10, 9))
    write_table(raw, "mhs502_ward_stay", [STAY], "RXA", "2024-01")
    # SiteIDOfWard is not required: a file without the column loads
    path = write_table(raw, TABLE, [{"OrgIDProv": "RXA", "WardCode": "W1", "AvailBedDays": 300,
                                     "ClosedBedDays": 10}], "RXA", "2024-01",
                       columns=["OrgIDProv", "WardCode", "AvailBedDays", "ClosedBedDays"])
    assert not ingest(s).problems
    path.unlink()
    write_header(raw, "RXA", "2024-01", datetime(2024, 3, 10, 9))
    report = ingest(s)
    assert not report.problems and TABLE not in {o.table for o in report.missing}
    with duckdb.connect(str(s.warehouse), read_only=True) as con:
        assert rows(con, "select WardCode, SiteIDOfWard, AvailBedDays, ClosedBedDays "
                         f"from raw.{TABLE}") == [("W1", None, 300, 10)]


def test_implausible_bed_days_are_quarantined(tmp_path: Path) -> None:
    s = tmp_settings(tmp_path)
    write_header(s.raw_dir, "RXA", "2024-01")
    write_table(s.raw_dir, TABLE, [
        {"OrgIDProv": "RXA", "WardCode": "W1", "AvailBedDays": 300, "ClosedBedDays": 10},
        {"OrgIDProv": "RXA", "WardCode": "W2", "AvailBedDays": -1, "ClosedBedDays": 0},
        {"OrgIDProv": "RXA", "WardCode": "W3", "AvailBedDays": 15000, "ClosedBedDays": 600},
        {"OrgIDProv": "RXA", "WardCode": "W4", "AvailBedDays": None, "ClosedBedDays": None},
    ], "RXA", "2024-01")
    report = ingest(s)
    [outcome] = [o for o in report.outcomes if o.table == TABLE]
    assert (outcome.rows_in, outcome.rows_loaded, outcome.rows_quarantined) == (4, 2, 2)
    with duckdb.connect(str(s.warehouse), read_only=True) as con:
        assert rows(con, "select field, reason from meta.quarantine order by line_no") == [
            ("AvailBedDays", "below the plausible minimum 0"),
            ("AvailBedDays", "available plus closed bed days exceed 500 beds for a 31-day month"),
        ]
