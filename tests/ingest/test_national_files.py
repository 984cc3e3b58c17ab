"""The national publication (NHS England's monthly MHSDS data file) as a raw family:
national/<YYYY-MM>/<any name>.csv through the same ingest as every other file, advisory
(a refused or partly quarantined file is a warning and never blocks the trust's own
publication), each file a slot of its own, superseding applied by int_national_published."""

import csv
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from pipelines.config import Settings, load_settings
from pipelines.ingest.check import check, render
from pipelines.ingest.discover import SYNTHETIC_MARKER
from pipelines.ingest.load import ingest
from tests.conftest import PipelineRun, e2e_env
from tests.rawfiles import month_end, tmp_settings

HEADER = ["REPORTING_PERIOD_START", "REPORTING_PERIOD_END", "STATUS", "BREAKDOWN",
          "PRIMARY_LEVEL", "PRIMARY_LEVEL_DESCRIPTION", "SECONDARY_LEVEL",
          "SECONDARY_LEVEL_DESCRIPTION", "MEASURE_ID", "MEASURE_NAME", "MEASURE_VALUE"]
NAME = {"MHS01": "People in contact with services at the end of the reporting period",
        "MHS32": "Referrals starting in RP", "MHS80": "Proportion followed up"}


def row(start: str, end: str, status: str, breakdown: str, level: str, measure: str,
        value: str, secondary: str = "NONE") -> list[str]:
    return [start, end, status, breakdown, level, f"{level} name", secondary, secondary,
            measure, NAME.get(measure, measure), value]


def write_national(raw: Path, month: str, name: str, rows: list[list[str]],
                   header: list[str] | None = None) -> Path:
    path = raw / "national" / month / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header or HEADER)
        w.writerows(rows)
    (raw / SYNTHETIC_MARKER).touch()
    return path


def q(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


# NHS England's own file for March 2024: Performance February and Provisional March, dates
# y-M-dd as menh_publications 94_Round_output.py writes them
MARCH = [
    row("2024-2-01", "2024-2-29", "Performance", "England", "England", "MHS01", "412345"),
    row("2024-2-01", "2024-2-29", "Performance", "Provider", "RXA", "MHS01", "1235"),
    row("2024-2-01", "2024-2-29", "Performance", "Provider", "RXB", "MHS01", "*"),
    row("2024-3-01", "2024-3-31", "Provisional", "England", "England", "MHS01", "410001"),
    row("2024-3-01", "2024-3-31", "Provisional", "Provider", "RXA", "MHS01", "1230"),
    row("2024-3-01", "2024-3-31", "Provisional", "Provider", "RXA", "MHS80", "76"),
    row("2024-1-01", "2024-3-31", "Provisional", "Sub ICB - GP Practice or Residence", "00L",
        "MHS01", "55"),
]


def test_valid_file_loads_with_nhs_england_dates(tmp_path: Path) -> None:
    s = tmp_settings(tmp_path)
    write_national(s.raw_dir, "2024-03", "MHSDS Data_Mar2024.csv", MARCH)
    report = ingest(s)
    assert not report.problems and not report.advisory_problems
    (out,) = report.outcomes
    assert (out.status, out.table, out.rows_in, out.rows_loaded, out.rows_quarantined) == (
        "loaded", "national_publication", 7, 7, 0)
    got = q(s, "select REPORTING_PERIOD_START, REPORTING_PERIOD_END, STATUS, PRIMARY_LEVEL, "
               "MEASURE_VALUE, _provider, _period_start from raw.national_publication "
               "order by _record_no")
    assert [str(g[0]) for g in got[:2]] == ["2024-02-01", "2024-02-01"]
    assert str(got[0][1]) == "2024-02-29" and str(got[6][0]) == "2024-01-01"
    assert got[2][4] == "*"  # kept as published: int_national_published types it
    assert {g[5] for g in got} == {None}  # one file covers every provider in England
    assert {str(g[6]) for g in got} == {"2024-03-01"}  # the publication's month folder
    assert q(s, "select family, provider, table_name, status from meta.manifest") == [
        ("national", None, "national_publication", "loaded")]


def test_iso_and_dd_mm_yyyy_dates_need_no_setting(tmp_path: Path) -> None:
    s = tmp_settings(tmp_path)
    write_national(s.raw_dir, "2024-03", "resaved in excel.csv", [
        row("01/03/2024", "31/03/2024", "Provisional", "Provider", "RXA", "MHS01", "1230"),
        row("1/2/2024", "29/2/2024", "performance", "provider", "RXA", "MHS01", "1235"),
        row("2024-01-01", "2024-03-31", "PROVISIONAL", "England", "England", "MHS01", "9"),
        # month first (US): 3/31 is not a date, 3/1 is the 3rd of January
        row("3/1/2024", "3/31/2024", "Provisional", "Provider", "RXB", "MHS01", "10"),
    ])
    report = ingest(s)
    assert not report.problems
    got = q(s, "select REPORTING_PERIOD_START, REPORTING_PERIOD_END, STATUS "
               "from raw.national_publication order by _record_no")
    assert [(str(a), str(b), c) for a, b, c in got] == [
        ("2024-03-01", "2024-03-31", "Provisional"),
        ("2024-02-01", "2024-02-29", "Performance"),  # the code list's spelling is stored
        ("2024-01-01", "2024-03-31", "Provisional"),
    ]
    reasons = q(s, "select field, reason, value from meta.quarantine order by field")
    assert ("REPORTING_PERIOD_END", "not a valid date (expected YYYY-M-D (2024-3-01 or "
            "2024-03-01) or DD/MM/YYYY)", "3/31/2024") in reasons
    assert any(f == "REPORTING_PERIOD_START" and r == "not the first day of a month"
               for f, r, _ in reasons)


def test_wrong_header_is_refused_naming_the_file_and_never_fails_the_run(
        tmp_path: Path) -> None:
    s = tmp_settings(tmp_path)
    write_national(s.raw_dir, "2024-03", "MHSDS Data_Mar2024.csv", MARCH)
    bad = write_national(s.raw_dir, "2024-04", "MHSDS Data_Apr2024.csv",
                         [["2024-4-01", "2024-4-30", "Provisional", "England", "MHS01", "5"]],
                         header=["PERIOD_START", "PERIOD_END", "STATUS", "BREAKDOWN",
                                 "MEASURE_ID", "VALUE"])
    report = ingest(s)
    assert report.problems == []  # the ingest step does not fail
    (refused,) = report.advisory_problems
    assert refused.relpath == "national/2024-04/MHSDS Data_Apr2024.csv"
    assert refused.status == "rejected"
    assert refused.message.startswith("national/2024-04/MHSDS Data_Apr2024.csv: ")
    assert "missing required column(s) REPORTING_PERIOD_START" in refused.message
    assert "header has: PERIOD_START, PERIOD_END" in refused.message
    assert "REJECTED (a warning" in report.summary()
    assert report.count("loaded") == 1  # the good file loaded all the same
    assert q(s, "select status from meta.manifest where relpath = ?",
             [refused.relpath]) == [("rejected",)]
    # make check-raw lists it as refused, as a warning, with exit code 0
    result = check(s)
    text = "\n".join(render(result))
    assert f"REFUSED     {refused.relpath}: missing required column(s)" in text
    assert "national publication never blocks the run" in text
    assert result.exit_code == 0
    # fixed: the next run loads it
    bad.unlink()
    write_national(s.raw_dir, "2024-04", "MHSDS Data_Apr2024.csv", [
        row("2024-4-01", "2024-4-30", "Provisional", "England", "England", "MHS01", "5")])
    report = ingest(s)
    assert not report.advisory_problems and report.count("loaded") == 1


def test_bad_rows_are_quarantined_with_reasons(tmp_path: Path) -> None:
    s = tmp_settings(tmp_path)
    write_national(s.raw_dir, "2024-03", "MHSDS Data_Mar2024.csv", [
        *MARCH,
        row("2024-3-01", "2024-3-31", "Provisional", "Provider", "RXC", "MHS01", "n/a"),
        row("2024-3-01", "2024-3-31", "Provisional", "Provider", "RXD", "MHS01", "1,234"),
        row("2024-3-01", "2024-3-31", "Provisional", "Hospital", "RXC", "MHS01", "10"),
        row("2024-3-01", "2024-3-31", "Provisional", "Provider", "RXE", "MHS01", ""),
        row("2024-3-01", "2024-3-31", "Draft", "Provider", "RXF", "MHS01", "10"),
        row("2024-4-01", "2024-4-30", "Provisional", "Provider", "RXG", "MHS01", "10"),
        row("2024-3-01", "2024-3-31", "Provisional", "CCG; Age", "00L", "MHS01", "15", "18-64"),
        MARCH[1],  # the same key twice in one file
    ])
    report = ingest(s)
    assert not report.problems
    (out,) = report.outcomes
    assert (out.rows_in, out.rows_loaded, out.rows_quarantined) == (15, 8, 7)
    got = q(s, "select line_no, field, reason, value from meta.quarantine order by line_no")
    by_line = {}
    for line, fld, reason, value in got:
        by_line.setdefault(line, []).append((fld, reason, value))
    assert by_line[9] == [("MEASURE_VALUE", "not a number or '*' (suppressed)", "n/a")]
    assert by_line[10] == [("MEASURE_VALUE", "not a number or '*' (suppressed)", "1,234")]
    (fld, reason, value), = by_line[11]
    assert (fld, value) == ("BREAKDOWN", "Hospital")
    assert reason.startswith("unknown breakdown: NHS England's are England, Provider, "
                             "Sending Provider")
    assert by_line[12] == [("MEASURE_VALUE", "missing value (required field)", None)]
    assert by_line[13][0][:2] == ("STATUS", "not a valid code of list national_status "
                                  "(accepted, in any case and spacing: Provisional; "
                                  "Performance; Final)")
    assert {f for f, _, _ in by_line[14]} == {"REPORTING_PERIOD_START", "REPORTING_PERIOD_END"}
    assert "date after the end of the reporting period (2024-03-31)" in by_line[14][0][1]
    assert by_line[16][0][0].startswith("REPORTING_PERIOD_START, REPORTING_PERIOD_END")
    assert "duplicate key within file" in by_line[16][0][1]
    # the CCG breakdown with a secondary level loaded
    assert q(s, "select count(*) from raw.national_publication where BREAKDOWN = 'CCG; Age'"
             ) == [(1,)]


def test_national_breakdown_names_are_accepted(tmp_path: Path) -> None:
    names = ["England", "England; Ethnicity", "England;Gender", "Provider", "Provider; Age Group",
             "Sending Provider", "Receiving Provider", "Provider of Responsibility",
             "Provider type", "CASSR", "CASSR; Provider", "CCG - GP Practice or Residence",
             "CCG of Residence", "Sub ICB - GP Practice or Residence; Provider of Responsibility",
             "Sub ICB / CCG of GP Practice or Residence", "ICB - GP Practice or Residence",
             "STP", "STP of GP Practice or Residence", "Region", "Commissioning Region",
             "Local Authority of Responsibility or Residence", "  sub   icb  of residence "]
    s = tmp_settings(tmp_path)
    write_national(s.raw_dir, "2024-03", "x.csv", [
        row("2024-3-01", "2024-3-31", "Provisional", b, f"L{i}", "MHS01", "10")
        for i, b in enumerate([*names, "Ward", "Trust", "Regional", "ICBx", "Ethnicity"])])
    (out,) = ingest(s).outcomes
    assert (out.rows_loaded, out.rows_quarantined) == (len(names), 5)
    assert {r[0] for r in q(s, "select value from meta.quarantine")} == {
        "Ward", "Trust", "Regional", "ICBx", "Ethnicity"}


def test_rerun_is_idempotent_and_a_redelivered_path_replaces_its_rows(tmp_path: Path) -> None:
    s = tmp_settings(tmp_path)
    write_national(s.raw_dir, "2024-03", "MHSDS Data_Mar2024.csv", MARCH)
    write_national(s.raw_dir, "2024-03", "MHSDS Data_Mar2024_reissued.csv", MARCH[:3])
    first = ingest(s)
    assert first.count("loaded") == 2  # two files of one month folder load side by side
    before = q(s, "select * exclude (_loaded_at) from raw.national_publication order by all")
    manifest = q(s, "select file_id, status, message from meta.manifest order by file_id")
    again = ingest(s)
    assert again.count("unchanged") == 2 and again.rows_loaded == 0
    assert q(s, "select * exclude (_loaded_at) from raw.national_publication order by all"
             ) == before
    assert q(s, "select file_id, status, message from meta.manifest order by file_id"
             ) == manifest
    # the same path delivered again with new content replaces only that file's rows
    write_national(s.raw_dir, "2024-03", "MHSDS Data_Mar2024_reissued.csv", MARCH[:2])
    third = ingest(s)
    assert third.count("loaded") == 1 and third.count("unchanged") == 1
    counts = dict(q(s, "select m.relpath, count(r._file_id) from meta.manifest m left join "
                       "raw.national_publication r on r._file_id = m.file_id "
                       "where m.status = 'loaded' group by 1"))
    assert counts == {"national/2024-03/MHSDS Data_Mar2024.csv": 7,
                      "national/2024-03/MHSDS Data_Mar2024_reissued.csv": 2}
    assert q(s, "select count(*) from meta.manifest where status = 'superseded'") == [(1,)]


def test_manifest_says_which_file_supersedes_which(tmp_path: Path) -> None:
    s = tmp_settings(tmp_path)
    write_national(s.raw_dir, "2024-03", "MHSDS Data_Mar2024.csv", MARCH)
    ingest(s)
    # NHS England's April file: Performance March, Provisional April; a re-issue of the
    # February Performance figures arrives with it
    write_national(s.raw_dir, "2024-04", "MHSDS Data_Apr2024.csv", [
        row("2024-3-01", "2024-3-31", "Performance", "Provider", "RXA", "MHS01", "1240"),
        row("2024-4-01", "2024-4-30", "Provisional", "Provider", "RXA", "MHS01", "1250"),
        row("2024-2-01", "2024-2-29", "Performance", "Provider", "RXA", "MHS01", "1240"),
    ])
    ingest(s)
    (msg,) = q(s, "select message from meta.manifest where relpath like '%Apr2024%'")[0]
    assert msg == ("supersedes file 1 (national/2024-03/MHSDS Data_Mar2024.csv) for "
                   "Performance 2024-02")
    # an older publication delivered late is superseded, and says so
    write_national(s.raw_dir, "2024-02", "MHSDS Data_Feb2024.csv", [
        row("2024-2-01", "2024-2-29", "Provisional", "Provider", "RXA", "MHS01", "1200"),
        row("2024-2-01", "2024-2-29", "Performance", "Provider", "RXA", "MHS01", "1190"),
    ])
    ingest(s)
    (msg,) = q(s, "select message from meta.manifest where relpath like '%Feb2024%'")[0]
    assert "superseded for Performance 2024-02 by file 1 (national/2024-03/" in msg
    assert "superseded for Performance 2024-02 by file 2 (national/2024-04/" in msg


# ------------------------------------------------------------------ int_national_published
@dataclass
class Built:
    settings: Settings
    rows: dict[tuple[str, str, str, str], tuple]
    n_rows: int


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Three deliveries over two runs, then the national models built by dbt once."""
    from pipelines.dbt_project import run_dbt

    s = tmp_settings(tmp_path_factory.mktemp("national_published"))
    write_national(s.raw_dir, "2024-03", "MHSDS Data_Mar2024.csv", MARCH)
    write_national(s.raw_dir, "2024-04", "MHSDS Data_Apr2024.csv", [
        row("2024-3-01", "2024-3-31", "Performance", "Provider", "RXA", "MHS01", "1240"),
        row("2024-3-01", "2024-3-31", "Performance", "England", "England", "MHS01", "411000"),
        row("2024-4-01", "2024-4-30", "Provisional", "Provider", "RXA", "MHS01", "1250"),
    ])
    ingest(s)
    # a re-issue of the March publication, delivered later: it supersedes the first March
    # file for Provisional March (RXA only: England and the Sub ICB row are gone with it)
    # but leaves its Performance February alone
    write_national(s.raw_dir, "2024-03", "MHSDS Data_Mar2024 reissued.csv", [
        row("2024-3-01", "2024-3-31", "Provisional", "Provider", "RXA", "MHS01", "1225"),
        row("2024-3-01", "2024-3-31", "Provisional", "Provider", "RXA", "MHS32", "*"),
    ])
    ingest(s)
    run_dbt(s, ["build", "--select", "stg_national__national_publication",
                "int_national_published"])
    got = q(s, "select status, strftime(reporting_period_end, '%Y-%m'), primary_level, "
               "measure_id, reporting_period_start, measure_value, is_suppressed, "
               "measure_value_published, publication_month, files_for_period, "
               "breakdown from intermediate.int_national_published")
    return Built(s, {(g[0], g[1], g[2], g[3]): g[4:] for g in got}, len(got))


def test_published_values_typed_and_suppressed(built: Built) -> None:
    r = built.rows
    assert r[("Performance", "2024-02", "RXA", "MHS01")][1:4] == (1235.0, False, "1235")
    assert r[("Performance", "2024-02", "RXB", "MHS01")][1:4] == (None, True, "*")
    assert r[("Performance", "2024-02", "England", "MHS01")][1] == 412345.0
    assert r[("Provisional", "2024-03", "RXA", "MHS32")][1:4] == (None, True, "*")


def test_a_later_file_supersedes_the_same_period_and_status_only(built: Built) -> None:
    r = built.rows
    # Provisional March: the re-issue (same month folder, loaded later) replaces the whole
    # period and status of the first March file: its England, MHS80 and Sub ICB rows go
    march_prov = {k for k in r if k[:2] == ("Provisional", "2024-03")}
    assert march_prov == {("Provisional", "2024-03", "RXA", "MHS01"),
                          ("Provisional", "2024-03", "RXA", "MHS32")}
    assert r[("Provisional", "2024-03", "RXA", "MHS01")][1] == 1225.0
    assert r[("Provisional", "2024-03", "RXA", "MHS01")][5] == 2  # two files hold it
    # Performance February stays from the first March file (nothing superseded it)
    assert {k[2] for k in r if k[:2] == ("Performance", "2024-02")} == {"RXA", "RXB", "England"}
    # Performance March from April's file, Provisional April too
    assert r[("Performance", "2024-03", "RXA", "MHS01")][1] == 1240.0
    assert str(r[("Performance", "2024-03", "RXA", "MHS01")][4]) == "2024-04-01"
    assert r[("Provisional", "2024-04", "RXA", "MHS01")][1] == 1250.0
    # one row per period, status, breakdown, levels and measure
    assert built.n_rows == len(r)


# ------------------------------------------------------------------ the real pipeline
@pytest.mark.e2e
def test_a_malformed_national_file_never_blocks_publication(
        pipeline_run: PipelineRun, tmp_path: Path) -> None:
    """The session's published pipeline, run again with one national file of the wrong
    layout and one with bad rows: the run succeeds, a new version is published, and the
    gates report both as warnings."""
    from pipelines.publish.versions import list_versions
    from pipelines.quality.gate import gate_summary
    from pipelines.run import run_pipeline

    assert pipeline_run.success
    src = pipeline_run.settings
    env = e2e_env(tmp_path)
    shutil.copytree(src.raw_dir, env["MHP_RAW_DIR"])
    shutil.copytree(src.warehouse.parent, Path(env["MHP_WAREHOUSE"]).parent)
    shutil.copytree(src.publish_dir, env["MHP_PUBLISH_DIR"], symlinks=True)
    raw = Path(env["MHP_RAW_DIR"])
    month = sorted(p.name for p in (raw / "mhsds").glob("*/*"))[-1]
    wrong = write_national(raw, month, "wrong layout.csv", [["x", "y"]], header=["A", "B"])
    end = month_end(month)
    write_national(raw, month, "bad rows.csv", [
        row(f"{month}-01", end, "Provisional", "Provider", "R1A", "MHS01", "12"),
        row(f"{month}-01", end, "Provisional", "Provider", "R1C", "MHS01", "lots"),
        row(f"{month}-01", end, "Provisional", "Hospital", "R1F", "MHS01", "10"),
    ])
    before = len(list_versions(Path(env["MHP_PUBLISH_DIR"])))
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        settings = load_settings()
        ok = run_pipeline(settings)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    assert ok, "a malformed national file must not block the trust's publication"
    assert len(list_versions(settings.publish_dir)) == before + 1
    summary = gate_summary(settings)
    assert summary["passed"] and summary["errors"] == 0
    warned = {f["expectation"]: f["details"] for f in summary["failed_checks"]
              if f["severity"] == "warning"}
    assert str(wrong.relative_to(raw)) in warned["national_publication_files_loaded"]
    assert "bad rows.csv" in warned["national_publication_rows_quarantined"]
    status = q(settings, "select relpath, status, rows_quarantined from meta.manifest "
                         "where family = 'national' and relpath like ? order by 1",
               [f"national/{month}/%"])
    assert ("national/" + month + "/bad rows.csv", "loaded", 2) in status
    assert ("national/" + month + "/wrong layout.csv", "rejected", 0) in status
