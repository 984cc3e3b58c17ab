"""Submission-level faults: headers, refreshes, missing tables, stale deliveries."""

import shutil
from datetime import datetime

from tests.rawfiles import write_header, write_table

from .helpers import FEB, JAN, Case, month_tables, write_submission
from .helpers import spell as make_spell
from .test_faults_files import outcome

SPELLS = "mhs501_hosp_prov_spell"
STAYS = "mhs502_ward_stay"


def test_fault_month_folder_disagrees_with_header(case: Case) -> None:
    # February folder, header says March
    write_submission(case.raw, FEB)
    header = case.path("mhs000_header", FEB)
    text = header.read_text(encoding="utf-8")
    header.write_text(text.replace("2024-02-01,2024-02-29", "2024-03-01,2024-03-31"),
                      encoding="utf-8")
    report = case.ingest()
    feb = [o for o in report.outcomes if "/2024-02/" in o.relpath]
    assert len(feb) == 11 and {o.status for o in feb} == {"rejected"}
    assert "ReportingPeriodStartDate 2024-03-01 in MHS000Header does not match the month " \
           "folder 2024-02" in (outcome(report, case.relpath("mhs000_header", FEB)).message or "")
    spells = outcome(report, case.relpath(SPELLS, FEB)).message or ""
    assert spells.startswith(case.relpath(SPELLS, FEB))
    assert "submission rejected because its MHS000Header is invalid" in spells
    assert case.q("select count(*) from raw.mhs501_hosp_prov_spell where _period_start = "
                  "date '2024-02-01'") == [(0,)]
    case.assert_kept()
    # the right start but the wrong end date
    header.write_text(text.replace("2024-02-01,2024-02-29", "2024-02-01,2024-03-31"),
                      encoding="utf-8")
    msg = outcome(case.ingest(), case.relpath("mhs000_header", FEB)).message or ""
    assert "ReportingPeriodEndDate 2024-03-31 in MHS000Header does not match the month " \
           "folder 2024-02 (expected 2024-02-29)" in msg
    case.assert_kept()
    # fixed: it loads
    header.write_text(text, encoding="utf-8")
    report = case.ingest()
    assert not report.problems
    assert len(case.rows(SPELLS, FEB)) == 2


def test_fault_refresh_with_fewer_rows(case: Case) -> None:
    first = case.q("select file_id, rows_in from meta.manifest where relpath = ?",
                   [case.relpath(SPELLS)])[0]
    tables = month_tables(JAN)
    tables[SPELLS] = tables[SPELLS][:1]  # the refresh lost a spell
    write_submission(case.raw, JAN, tables, created=datetime(2024, 3, 1, 9))
    report = case.ingest()
    out = outcome(report, case.relpath(SPELLS))
    assert (out.status, out.rows_loaded) == ("loaded", 1)
    assert (f"fewer rows than the file it replaces: 1 now, 2 in file {first[0]} (1 fewer)"
            in (out.message or ""))
    assert not report.problems
    # the newer delivery replaced the older one; the older stays in the manifest
    assert case.q("select status, rows_in, superseded_by is not null from meta.manifest "
                  "where file_id = ?", [first[0]]) == [("superseded", 2, True)]
    assert [r[1] for r in case.rows(SPELLS)] == ["S1"]
    case.assert_kept(*((t, JAN) for t in tables), ("mhs000_header", JAN))
    # the other tables of the refresh were reloaded with identical rows
    for t in tables:
        if t != SPELLS:
            assert case.rows(t) == case.baseline[t][("RXA", "2024-01-01")], t


def test_fault_table_missing_from_submission(case: Case) -> None:
    tables = month_tables(FEB)
    del tables[STAYS]
    write_submission(case.raw, FEB, tables)
    report = case.ingest()
    assert not report.problems
    rel = case.relpath(STAYS, FEB)
    out = outcome(report, rel)
    assert out.status == "missing"
    assert out.message == (f"{rel}: table MHS502WardStay is missing from the submission created "
                           f"2024-03-15 09:00:00; no MHS502WardStay records for RXA 2024-02")
    assert f"MISSING {rel}" in report.summary()
    row = case.q("select file_id, status, rows_in, message from meta.manifest where relpath = ?",
                 [rel])
    assert [(r[1], r[2], r[3]) for r in row] == [("missing", 0, out.message)]
    # recorded once: a rerun touches the row
    again = case.ingest()
    assert outcome(again, rel).status == "missing"
    assert case.q("select count(*) from meta.manifest where relpath = ?", [rel]) == [(1,)]
    # the table arrives later: it loads at that path, after the 'missing' row
    write_table(case.raw, STAYS, month_tables(FEB)[STAYS], "RXA", FEB)
    out = outcome(case.ingest(), rel)
    assert out.status == "loaded"
    assert [r[0] for r in case.q("select status from meta.manifest where relpath = ? "
                                 "order by file_id", [rel])] == ["missing", "loaded"]
    # a refresh of January without ward stays: the earlier delivery's rows stay, and it says so
    tables = month_tables(JAN)
    del tables[STAYS]
    write_submission(case.raw, JAN, tables, created=datetime(2024, 3, 1, 9))
    case.path(STAYS).unlink()
    out = outcome(case.ingest(), case.relpath(STAYS))
    assert out.status == "missing"
    assert "raw.mhs502_ward_stay keeps the 2 row(s) of file" in (out.message or "")
    assert case.rows(STAYS) == case.baseline[STAYS][("RXA", "2024-01-01")]


def test_fault_missing_header_file(case: Case) -> None:
    write_submission(case.raw, FEB)
    case.path("mhs000_header", FEB).unlink()
    report = case.ingest()
    feb = [o for o in report.outcomes if "/2024-02/" in o.relpath]
    assert len(feb) == 10 and {o.status for o in feb} == {"rejected"}
    assert all("submission has no MHS000Header file" in (o.message or "") for o in feb)
    case.assert_kept()


def test_fault_stale_delivery(case: Case) -> None:
    newer = datetime(2024, 3, 1, 9)
    write_submission(case.raw, JAN, created=newer)
    assert not case.ingest().problems
    loaded = case.rows(SPELLS)
    # an older delivery (created before the loaded one) arrives afterwards
    tables = month_tables(JAN)
    tables[SPELLS] = [make_spell("S1", "RXALP00000001", "2023-12-28")]
    write_submission(case.raw, JAN, tables, created=datetime(2024, 2, 20, 9))
    report = case.ingest()
    statuses = {o.status for o in report.outcomes if "/2024-01/" in o.relpath
                and o.relpath.startswith("mhsds/")}
    assert "stale" in statuses
    msg = outcome(report, case.relpath(SPELLS)).message or ""
    assert "stale delivery: DateTimeDatSetCreate 2024-02-20 09:00:00 is older than the loaded " \
           "submission (2024-03-01 09:00:00)" in msg
    assert case.rows(SPELLS) == loaded
    case.assert_kept(("mhs000_header", JAN))  # only the (newer) header was loaded in between


def test_submission_copied_into_another_month(case: Case) -> None:
    """Not a catalogue entry: a whole January folder copied as February is refused."""
    src = case.raw / "mhsds" / "RXA" / JAN
    shutil.copytree(src, case.raw / "mhsds" / "RXA" / FEB)
    report = case.ingest()
    assert "ReportingPeriodStartDate 2024-01-01 in MHS000Header does not match the month " \
           "folder 2024-02" in (outcome(report, case.relpath("mhs000_header", FEB)).message or "")
    write_header(case.raw, "RXA", FEB)
    assert not case.ingest().problems
