"""File-level faults, on hand-made files, through ``pipelines.ingest.load.ingest``.

Each test breaks one file of an ingested baseline (January 2024, provider RXA), ingests
again and checks the promised behaviour (docs/reliability.md) plus the invariants in
``Case.ingest``: the manifest reconciles and no earlier data is lost.
"""

import os
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest import load as load_mod
from pipelines.ingest import reader as reader_mod
from pipelines.ingest.load import FileOutcome, IngestReport
from tests.rawfiles import write_table

from .helpers import FEB, JAN, Case, make_case, month_tables, read_csv, write_submission
from .helpers import spell as make_spell

SPELLS = "mhs501_hosp_prov_spell"


def outcome(report: IngestReport, relpath: str) -> FileOutcome:
    found = [o for o in report.outcomes if o.relpath == relpath]
    assert len(found) == 1, (relpath, [o.relpath for o in report.outcomes])
    return found[0]


def rewrite(path: Path, text_from: str, text_to: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text_from in text
    path.write_text(text.replace(text_from, text_to), encoding="utf-8")


def assert_rejected(case: Case, report: IngestReport, table: str, *phrases: str) -> str:
    rel = case.relpath(table)
    out = outcome(report, rel)
    assert out.status == "rejected", out
    msg = out.message or ""
    assert msg.startswith(rel), msg
    for p in phrases:
        assert p in msg, msg
    # recorded too, with the same message, and nothing of the file loaded
    rows = case.q("select status, message, rows_loaded from meta.manifest where relpath = ? "
                  "order by file_id desc limit 1", [rel])
    assert rows[0] == ("rejected", msg, 0)
    case.assert_kept()  # the slot keeps its previous rows, and so does everything else
    return msg


def test_fault_missing_required_column(case: Case) -> None:
    cols, rows = read_csv(case.path(SPELLS))
    keep = [c for c in cols if c != "DischDateHospProvSpell"]
    write_table(case.raw, SPELLS, rows, "RXA", JAN, columns=keep)
    report = case.ingest()
    msg = assert_rejected(case, report, SPELLS, "missing required column(s) DischDateHospProv"
                          "Spell for MHS501HospProvSpell", "header has: OrgIDProv")
    assert [p.relpath for p in report.problems] == [case.relpath(SPELLS)], msg


def test_fault_extra_column(case: Case) -> None:
    cols, rows = read_csv(case.path(SPELLS))
    write_table(case.raw, SPELLS, [{**r, "Comments": "x"} for r in rows], "RXA", JAN,
                columns=[*cols, "Comments"])
    report = case.ingest()
    out = outcome(report, case.relpath(SPELLS))
    assert out.status == "loaded" and "extra column(s) ignored: Comments" in (out.message or "")
    assert not report.problems
    case.assert_kept()  # same values: the extra column changed nothing


def test_fault_reordered_columns(case: Case) -> None:
    cols, rows = read_csv(case.path(SPELLS))
    write_table(case.raw, SPELLS, rows, "RXA", JAN, columns=list(reversed(cols)))
    report = case.ingest()
    assert outcome(report, case.relpath(SPELLS)).status == "loaded"
    case.assert_kept()  # byte-different file, identical rows field by field


def test_fault_wrong_delimiter(case: Case) -> None:
    rewrite(case.path(SPELLS), ",", ";")
    report = case.ingest()
    assert_rejected(case, report, SPELLS, "wrong delimiter", "semicolons", "not commas")


def test_fault_utf8_bom(case: Case) -> None:
    p = case.path(SPELLS)
    p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes().replace(b"S2", b"S9"))
    report = case.ingest()
    assert outcome(report, case.relpath(SPELLS)).status == "loaded"
    got = case.q("select OrgIDProv, UniqHospProvSpellID from raw.mhs501_hosp_prov_spell "
                 "order by 2")
    assert got == [("RXA", "S1"), ("RXA", "S9")]
    case.assert_kept((SPELLS, JAN))


def test_fault_latin1_file(case: Case) -> None:
    table = "mhs902_service_team_details"
    p = case.path(table)
    p.write_bytes(p.read_text(encoding="utf-8").replace("adult", "adultes âgés")
                  .encode("latin-1"))
    report = case.ingest()
    assert_rejected(case, report, table, "not UTF-8 encoded: invalid byte 0xe2 on line 2",
                    "save the extract as UTF-8")


def test_fault_empty_file(case: Case) -> None:
    case.path(SPELLS).write_bytes(b"")
    report = case.ingest()
    assert_rejected(case, report, SPELLS, "empty file: no header row")


def test_fault_header_only(case: Case) -> None:
    write_submission(case.raw, FEB, {**month_tables(FEB), "mhs105_onward_referral": []})
    report = case.ingest()
    out = outcome(report, case.relpath("mhs105_onward_referral", FEB))
    assert (out.status, out.rows_in, out.rows_loaded) == ("loaded", 0, 0)
    assert "header only: no data rows" in (out.message or "")
    assert not report.problems
    case.assert_kept()
    # a header-only file replacing one with rows says how many fewer
    cols, _ = read_csv(case.path(SPELLS))
    write_table(case.raw, SPELLS, [], "RXA", JAN, columns=cols)
    out = outcome(case.ingest(), case.relpath(SPELLS))
    assert out.status == "loaded" and "header only" in (out.message or "")
    assert "fewer rows than the file it replaces: 0 now, 2 in file" in (out.message or "")
    case.assert_kept((SPELLS, JAN))


def test_fault_truncated_last_line(case: Case) -> None:
    p = case.path(SPELLS)
    data = p.read_bytes()
    p.write_bytes(data[: data.rindex(b",2024-01-03,") + 4])  # cut inside the last row
    report = case.ingest()
    out = outcome(report, case.relpath(SPELLS))
    assert (out.status, out.rows_in, out.rows_loaded, out.rows_quarantined) == \
        ("loaded", 2, 1, 1)
    q = case.q("select line_no, reason from meta.quarantine")
    assert len(q) == 1 and q[0][0] == 3 and q[0][1].startswith("malformed row: MISSING COLUMNS")
    case.assert_kept((SPELLS, JAN))


def test_fault_unterminated_quote(case: Case) -> None:
    p = case.path(SPELLS)
    p.write_bytes(p.read_bytes() + b'RXA,S3,"R-S3 never closed,RXALP00000003\n')
    out = outcome(case.ingest(), case.relpath(SPELLS))
    assert (out.rows_in, out.rows_loaded, out.rows_quarantined) == (3, 2, 1)
    q = case.q("select line_no, reason from meta.quarantine")
    assert q[0][0] == 4 and "malformed row: UNQUOTED VALUE" in q[0][1]
    case.assert_kept()


def test_fault_quoted_newlines(case: Case) -> None:
    rows = [make_spell("S1", "RXALP00000001", "2023-12-28", UniqServReqID="R-S1\nsecond line"),
            make_spell("S2", "RXALP00000002", "2024-01-03", MethAdmMHHospProvSpell="ZZ")]
    write_table(case.raw, SPELLS, rows, "RXA", JAN)
    out = outcome(case.ingest(), case.relpath(SPELLS))
    assert (out.rows_in, out.rows_loaded, out.rows_quarantined) == (2, 1, 1)
    assert case.q("select UniqServReqID from raw.mhs501_hosp_prov_spell") == \
        [("R-S1\nsecond line",)]
    # S2 starts on physical line 4 (the first record spans lines 2 and 3)
    assert case.q("select line_no, field from meta.quarantine") == \
        [(4, "MethAdmMHHospProvSpell")]


def test_fault_duplicate_column_names(case: Case) -> None:
    p = case.path(SPELLS)
    text = p.read_text(encoding="utf-8").splitlines()
    text[0] = text[0].replace("UniqServReqID", "UniqHospProvSpellID")
    p.write_text("\n".join(text) + "\n", encoding="utf-8")
    assert_rejected(case, case.ingest(), SPELLS, "duplicate column name(s) in header: "
                    "uniqhospprovspellid")


def test_fault_crlf_line_endings(case: Case) -> None:
    p = case.path(SPELLS)
    p.write_bytes(p.read_bytes().replace(b"\n", b"\r\n").replace(b"S2", b"S9"))
    assert outcome(case.ingest(), case.relpath(SPELLS)).status == "loaded"
    assert not case.q("select * from raw.mhs501_hosp_prov_spell where "
                      "contains(DestOfDischHospProvSpell, chr(13)) or "
                      "contains(MethAdmMHHospProvSpell, chr(13))")
    assert [r[0] for r in case.q("select UniqHospProvSpellID from raw.mhs501_hosp_prov_spell "
                                 "order by 1")] == ["S1", "S9"]


def test_fault_parquet_delivery(case: Case, tmp_path: Path) -> None:
    # February delivered as Parquet, same columns; ward stays missing a required column
    write_submission(case.raw, FEB)
    feb = case.raw / "mhsds" / "RXA" / FEB
    con = duckdb.connect()
    for csv_path in sorted(feb.glob("*.csv")):
        if csv_path.stem == "MHS000Header":
            continue
        out = csv_path.with_suffix(".parquet")
        drop = " exclude (WardCode)" if csv_path.stem == "MHS502WardStay" else ""
        con.execute(f"copy (select *{drop} from read_csv(?, all_varchar = true)) "
                    f"to '{str(out).replace(chr(39), chr(39) * 2)}' (format parquet)",
                    [str(csv_path)]).fetchall()
        csv_path.unlink()
    con.close()
    report = case.ingest()
    by = {o.relpath: o for o in report.outcomes}
    stays = by["mhsds/RXA/2024-02/MHS502WardStay.parquet"]
    assert stays.status == "rejected" and "missing required column(s) WardCode" in (
        stays.message or "")
    spells = by["mhsds/RXA/2024-02/MHS501HospProvSpell.parquet"]
    assert (spells.status, spells.rows_loaded, spells.message) == ("loaded", 2, None)
    feb_rows = case.rows(SPELLS, FEB)
    jan_rows = case.rows(SPELLS, JAN)
    assert len(feb_rows) == 2 and [r[1] for r in feb_rows] == [r[1] for r in jan_rows]
    case.assert_kept()


def test_fault_file_name_with_spaces_and_quotes(baseline_template: Path,
                                                tmp_path: Path) -> None:
    odd = tmp_path / "drop folder 'with' \"quotes\"; drop table x; --"
    case = make_case(baseline_template, odd)
    write_submission(case.raw, FEB, {**month_tables(FEB), SPELLS: [
        make_spell("S1", "RXALP00000001", "2023-12-28"),
        make_spell("S2", "RXALP00000002", "2024-02-03", MethAdmMHHospProvSpell="ZZ")]})
    stray = case.raw / "mhsds" / "RXA" / FEB / "it's \"odd\" name.csv"
    stray.write_text("a,b\n1,2\n", encoding="utf-8")
    report = case.ingest()
    rel = case.relpath(SPELLS, FEB)
    assert outcome(report, rel).rows_quarantined == 1
    assert case.q("select relpath, line_no from meta.quarantine") == [(rel, 3)]
    ignored = outcome(report, "mhsds/RXA/2024-02/it's \"odd\" name.csv")
    assert ignored.status == "ignored"
    assert ignored.message == ("mhsds/RXA/2024-02/it's \"odd\" name.csv: 'it\\'s \"odd\" name' "
                               "is not a mhsds table of the contract")
    assert len(report.problems) == 1
    case.assert_kept()


# ------------------------------------------------------------ changing files
def test_fault_file_changes_while_read(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file rewritten between hashing and the end of its load is never committed as a mix."""
    path = case.path(SPELLS)
    real_read = reader_mod.read_into
    changes = {"left": 1, "n": 0}

    def read_then_change(con, p, table, target="_in"):
        result = real_read(con, p, table, target)
        if p == path and target == "_in" and changes["left"]:
            changes["left"] -= 1
            changes["n"] += 1
            # the provider's copy finishes while we are reading: one more row appears
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(f"RXA,S{changes['n'] + 2},R-S3,RXALP00000003,,2024-01-20,19,21,,,,,\n")
        return result

    monkeypatch.setattr(load_mod.reader, "read_into", read_then_change)
    write_table(case.raw, SPELLS, [make_spell("S1", "RXALP00000001", "2023-12-28"),
                                   make_spell("S2", "RXALP00000002", "2024-01-04")], "RXA", JAN)
    report = case.ingest()
    out = outcome(report, case.relpath(SPELLS))
    # changed once: rolled back, read again, loaded whole (3 rows, not 2 + a stale hash)
    assert (out.status, out.rows_in, out.rows_loaded) == ("loaded", 3, 3)
    h = case.q("select content_hash from meta.manifest where relpath = ? and status = 'loaded'",
               [case.relpath(SPELLS)])
    assert h == [(reader_mod.file_facts(path, True).content_hash,)]
    assert case.q("select count(*) from meta.manifest where relpath = ?",
                  [case.relpath(SPELLS)]) == [(2,)]  # baseline + this load, no rejected row

    # still changing on every attempt: rejected, nothing loaded, old rows kept
    rewrite(path, "2024-01-04", "2024-01-05")
    changes["left"] = 99
    before = case.rows(SPELLS)
    report = case.ingest()
    out = outcome(report, case.relpath(SPELLS))
    assert out.status == "rejected"
    assert "changed size while it was being read" in (out.message or "")
    assert "tried 3 times" in (out.message or "")
    assert case.rows(SPELLS) == before
    # the next run (file stable again) loads it: nothing was remembered as 'rejected content'
    changes["left"] = 0
    out = outcome(case.ingest(), case.relpath(SPELLS))
    assert out.status == "loaded" and out.rows_loaded == 6  # 3 rows + one per attempt


def test_file_rewritten_by_a_real_concurrent_writer(case: Case, tmp_path: Path) -> None:
    """The same with a real concurrent writer: the load is the old or the new file, whole."""
    import threading

    path = case.path(SPELLS)
    versions = []
    for n in (40, 400):
        rows = [make_spell(f"S{i}", "RXALP00000001", "2024-01-02") for i in range(n)]
        write_table(tmp_path, SPELLS, rows, "RXA", JAN)
        versions.append(tmp_path.joinpath("mhsds/RXA/2024-01/MHS501HospProvSpell.csv")
                        .read_bytes())
    path.write_bytes(versions[0])
    stop = threading.Event()

    def writer() -> None:  # rewrite in place (not atomically), alternating the versions
        i = 0
        while not stop.is_set():
            i += 1
            with open(path, "r+b") as fh:
                fh.truncate(0)
                fh.write(versions[i % 2])
            time.sleep(0.001)

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    try:
        report = case.ingest()
    finally:
        stop.set()
        t.join()
    out = outcome(report, case.relpath(SPELLS))
    if out.status == "loaded":
        assert out.rows_in in (40, 400) and out.rows_quarantined == 0, out
    else:
        # caught mid-rewrite: either the change is seen while reading, or the file is read
        # in the instant the writer has truncated it (an empty file); never a partial load
        message = out.message or ""
        assert out.status == "rejected", out
        assert "while it was being read" in message or "empty file" in message, out
    # whatever happened, the next run with a stable file loads exactly that file
    os.utime(path)
    out = outcome(case.ingest(), case.relpath(SPELLS))
    assert out.status in ("loaded", "unchanged")
    assert len(case.rows(SPELLS)) == path.read_bytes().count(b"\n") - 1


def test_fault_same_file_delivered_twice(case: Case) -> None:
    n = case.q("select count(*), max(last_seen_at) from meta.manifest")[0]
    os.utime(case.path(SPELLS), (time.time() + 60, time.time() + 60))  # touched, same bytes
    report = case.ingest()
    assert {o.status for o in report.outcomes} == {"unchanged"}
    assert report.rows_loaded == 0
    assert case.q("select count(*) from meta.manifest")[0][0] == n[0]
    case.assert_kept()
    # the same bytes delivered again as another month's ledger: loaded, with a warning
    src = case.path("ledger")
    dst = case.path("ledger", FEB)
    dst.parent.mkdir(parents=True)
    shutil.copyfile(src, dst)
    out = outcome(case.ingest(), case.relpath("ledger", FEB))
    assert out.status == "loaded"
    assert f"identical content to {case.relpath('ledger')}" in (out.message or "")
    assert "the same file delivered twice?" in (out.message or "")
    case.assert_kept()


def test_fault_same_table_twice_in_folder(case: Case) -> None:
    csv_path = case.path(SPELLS)
    pq = csv_path.with_suffix(".parquet")
    con = duckdb.connect()
    con.execute(f"copy (select * from read_csv(?, all_varchar = true)) to "
                f"'{str(pq).replace(chr(39), chr(39) * 2)}' (format parquet)",
                [str(csv_path)]).fetchall()
    con.close()
    report = case.ingest()
    for rel in (case.relpath(SPELLS), case.relpath(SPELLS).replace(".csv", ".parquet")):
        out = outcome(report, rel)
        assert out.status == "rejected"
        assert ("2 files for MHS501HospProvSpell in mhsds/RXA/2024-01/ (MHS501HospProvSpell.csv,"
                " MHS501HospProvSpell.parquet): it is not clear which one to load" in
                (out.message or ""))
    assert not report.missing  # refused, not missing
    case.assert_kept()
    pq.unlink()
    report = case.ingest()
    assert not report.problems and outcome(report, case.relpath(SPELLS)).status == "loaded"
    case.assert_kept()


def test_file_reverted_to_earlier_content_is_loaded_again(case: Case) -> None:
    """Not a catalogue entry: content that was superseded is current again when it returns."""
    original = case.path(SPELLS).read_bytes()
    rewrite(case.path(SPELLS), "2024-01-21", "2024-01-22")
    assert outcome(case.ingest(), case.relpath(SPELLS)).status == "loaded"
    case.path(SPELLS).write_bytes(original)
    assert outcome(case.ingest(), case.relpath(SPELLS)).status == "loaded"
    case.assert_kept()
