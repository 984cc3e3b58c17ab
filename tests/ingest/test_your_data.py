"""A trust's own files load as they are (docs/your-data.md): reference files with or without
OrgIDProv or in reference/<OrgIDProv>/, dd/mm/yyyy dates behind MHP_DATE_FORMAT_<FAMILY>,
.xlsx and .csv.gz files, other files listed as ignored."""

import csv
import gzip
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.config import SettingError, Settings, load_settings
from pipelines.ingest.load import FileOutcome, IngestReport, ingest
from tests.rawfiles import tmp_settings, write_header, write_table

WARD_COLUMNS = ["OrgIDProv", "WardCode", "WardName", "SiteIDOfWard", "Locality",
                "MHAdmittedPatientClass", "CommissionedBeds", "EffectiveFrom", "EffectiveTo"]
WARDS = [
    {"WardCode": "W1", "WardName": "Ash", "Locality": "North", "MHAdmittedPatientClass": "200",
     "CommissionedBeds": "20", "EffectiveFrom": "2020-04-25"},
    {"WardCode": "W2", "WardName": "Elm", "Locality": "South", "MHAdmittedPatientClass": "201",
     "CommissionedBeds": "12", "EffectiveFrom": "2021-01-01", "EffectiveTo": "2030-12-31"},
]
LEDGER = [{"CostCentre": "CC1", "WardCode": "W1", "Subjective": "pay_bank", "AmountGBP": "10.00"}]


def write_csv(path: Path, columns: list[str], rows: list[dict[str, object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if r.get(c) is None else r.get(c) for c in columns])
    return path


def trust_folder(tmp_path: Path, *providers: str) -> Settings:
    """A drop folder with a month of ledger for each provider (so the folder has them)."""
    s = tmp_settings(tmp_path)
    for p in providers:
        write_table(s.raw_dir, "ledger", LEDGER, p, "2024-01")
    return s


def q(s: Settings, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(s.warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def outcome(report: IngestReport, relpath: str) -> FileOutcome:
    return next(o for o in report.outcomes if o.relpath == relpath)


def no_org(columns: list[str] = WARD_COLUMNS) -> list[str]:
    return [c for c in columns if c != "OrgIDProv"]


def shared_rows(*providers: str) -> list[dict[str, object]]:
    """WARDS of each provider in one file (ward codes are unique across a shared file: the
    contract's key has no OrgIDProv)."""
    return [{**w, "OrgIDProv": p, "WardCode": f"{p}-{w['WardCode']}"}
            for p in providers for w in WARDS]


# ------------------------------------------------------------ reference files and providers
def test_reference_without_orgidprov_is_the_one_providers(tmp_path: Path) -> None:
    s = trust_folder(tmp_path, "RXA")
    write_csv(s.raw_dir / "reference" / "wards.csv", no_org(), WARDS)
    report = ingest(s)
    assert not report.problems, report.summary()
    assert outcome(report, "reference/wards.csv").rows_loaded == 2
    assert q(s, "select distinct OrgIDProv, _provider from raw.wards") == [("RXA", "RXA")]
    assert q(s, "select provider from meta.manifest where relpath = 'reference/wards.csv'") \
        == [("RXA",)]


def test_reference_without_orgidprov_in_a_two_provider_folder_is_refused(tmp_path: Path) -> None:
    s = trust_folder(tmp_path, "RXA", "RXB")
    write_csv(s.raw_dir / "reference" / "wards.csv", no_org(), WARDS)
    report = ingest(s)
    [problem] = report.problems
    assert problem.relpath == "reference/wards.csv"
    assert problem.message == (
        "reference/wards.csv: no OrgIDProv column, and the drop folder has 2 providers (RXA, "
        "RXB), so which provider it is for cannot be told. Add an OrgIDProv column, or move "
        "the file to reference/<OrgIDProv>/wards.csv")
    assert q(s, "select count(*) from raw.wards") == [(0,)]
    assert q(s, "select count(*) from raw.ledger") == [(2,)]  # the rest still loads


def test_reference_provider_folders_each_replace_their_own_rows(tmp_path: Path) -> None:
    s = trust_folder(tmp_path, "RXA", "RXB")
    ref = s.raw_dir / "reference"
    write_csv(ref / "RXA" / "wards.csv", no_org(), WARDS)
    # an OrgIDProv column is allowed; a value that disagrees with the folder is quarantined
    write_csv(ref / "RXB" / "wards.csv", WARD_COLUMNS,
              [{**WARDS[0], "OrgIDProv": "RXB"}, {**WARDS[1], "OrgIDProv": "RXA"}])
    report = ingest(s)
    assert not report.problems, report.summary()
    assert outcome(report, "reference/RXB/wards.csv").rows_quarantined == 1
    assert q(s, "select line_no, field, reason, value from meta.quarantine") == [
        (3, "OrgIDProv", "OrgIDProv does not match the provider folder RXB", "RXA")]
    assert q(s, "select _provider, OrgIDProv, WardCode from raw.wards order by 1, 3") == [
        ("RXA", "RXA", "W1"), ("RXA", "RXA", "W2"), ("RXB", "RXB", "W1")]
    # RXA's new ward list replaces RXA's wards only
    write_csv(ref / "RXA" / "wards.csv", no_org(), WARDS[:1])
    assert not ingest(s).problems
    assert q(s, "select _provider, WardCode from raw.wards order by 1, 2") == [
        ("RXA", "W1"), ("RXB", "W1")]


def test_shared_reference_file_keeps_working_and_yields_to_a_providers_own(
    tmp_path: Path,
) -> None:
    s = trust_folder(tmp_path, "RXA", "RXB")
    shared = s.raw_dir / "reference" / "wards.csv"
    write_csv(shared, WARD_COLUMNS, shared_rows("RXA", "RXB"))
    assert not ingest(s).problems
    assert q(s, "select OrgIDProv, count(*) from raw.wards group by 1 order by 1") == [
        ("RXA", 2), ("RXB", 2)]
    # RXA's own file replaces RXA's rows of the shared file; the shared file, loaded again,
    # quarantines its RXA rows instead of loading them twice
    write_csv(s.raw_dir / "reference" / "RXA" / "wards.csv", no_org(), WARDS[:1])
    assert not ingest(s).problems
    assert q(s, "select OrgIDProv, count(*) from raw.wards group by 1 order by 1") == [
        ("RXA", 1), ("RXB", 2)]
    write_csv(shared, WARD_COLUMNS, shared_rows("RXB", "RXA"))
    report = ingest(s)
    assert not report.problems
    assert outcome(report, "reference/wards.csv").rows_quarantined == 2
    assert {r[0] for r in q(s, "select reason from meta.quarantine")} == {
        "RXA has its own file reference/RXA/wards.csv, which replaces its rows here"}
    assert q(s, "select OrgIDProv, count(*) from raw.wards group by 1 order by 1") == [
        ("RXA", 1), ("RXB", 2)]


def test_file_without_orgidprov_and_a_provider_folder_file_are_both_refused(
    tmp_path: Path,
) -> None:
    s = trust_folder(tmp_path, "RXA")
    write_csv(s.raw_dir / "reference" / "wards.csv", no_org(), WARDS)
    write_csv(s.raw_dir / "reference" / "RXA" / "wards.csv", no_org(), WARDS)
    report = ingest(s)
    assert {p.relpath for p in report.problems} == {"reference/wards.csv",
                                                    "reference/RXA/wards.csv"}
    assert all("it is not clear which one to load" in (p.message or "")
               for p in report.problems)


# ------------------------------------------------------------ dates
def dmy(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """``rows`` with their ISO dates written dd/mm/yyyy."""
    def flip(v: object) -> object:
        if isinstance(v, str) and len(v) == 10 and v[4] == "-":
            return f"{v[8:10]}/{v[5:7]}/{v[0:4]}"
        return v
    return [{k: flip(v) for k, v in r.items()} for r in rows]


def test_dmy_file_is_refused_once_naming_the_setting_and_loads_with_it(tmp_path: Path) -> None:
    s = trust_folder(tmp_path, "RXA")
    write_csv(s.raw_dir / "reference" / "wards.csv", no_org(), dmy(WARDS))
    report = ingest(s)
    [problem] = report.problems
    assert problem.message == (
        "reference/wards.csv: dates are written dd/mm/yyyy (a day above 12 comes first): "
        "EffectiveFrom '25/04/2020', EffectiveTo '31/12/2030'; the contract's dates are "
        "YYYY-MM-DD. Save the extract with YYYY-MM-DD dates, or set "
        "MHP_DATE_FORMAT_REFERENCE=dmy to read the reference files' dates as dd/mm/yyyy "
        "(and dd/mm/yyyy hh:mm[:ss])")
    assert q(s, "select count(*) from meta.quarantine") == [(0,)]  # one message, no rows

    with_setting = replace(s, dmy_families=frozenset({"reference"}))
    assert with_setting == load_settings({
        "MHP_RAW_DIR": str(s.raw_dir), "MHP_WAREHOUSE": str(s.warehouse),
        "MHP_PUBLISH_DIR": str(s.publish_dir), "MHP_DBT_TARGET_PATH": str(s.dbt_target_path),
        "MHP_DATE_FORMAT_REFERENCE": "dmy"})
    report = ingest(with_setting)
    assert not report.problems, report.summary()
    assert q(s, "select WardCode, EffectiveFrom, EffectiveTo from raw.wards order by 1") == [
        ("W1", date(2020, 4, 25), None), ("W2", date(2021, 1, 1), date(2030, 12, 31))]


def test_the_date_setting_is_per_family_and_checked() -> None:
    s = load_settings({"MHP_DATE_FORMAT_MHSDS": "DMY", "MHP_DATE_FORMAT_FINANCE": "iso"})
    assert [s.date_format(f) for f in ("mhsds", "finance", "reference")] == ["dmy", "iso", "iso"]
    with pytest.raises(SettingError, match="MHP_DATE_FORMAT_OAP must be one of iso, dmy, "
                                           "not 'uk'"):
        load_settings({"MHP_DATE_FORMAT_OAP": "uk"})


def test_ambiguous_dates_are_never_guessed(tmp_path: Path) -> None:
    s = trust_folder(tmp_path, "RXA")
    rows = [{**WARDS[0], "EffectiveFrom": "05/04/2020"}, {**WARDS[1], "EffectiveFrom": "1/2/2021"}]
    write_csv(s.raw_dir / "reference" / "wards.csv", no_org(), rows)
    [problem] = ingest(s).problems
    assert "every day and month is 12 or less" in (problem.message or "")
    assert "it is never guessed" in (problem.message or "")
    assert "MHP_DATE_FORMAT_REFERENCE=dmy" in (problem.message or "")
    # the user says dd/mm/yyyy: read so
    assert not ingest(replace(s, dmy_families=frozenset({"reference"}))).problems
    assert q(s, "select EffectiveFrom from raw.wards order by WardCode") == [
        (date(2020, 4, 5),), (date(2021, 2, 1),)]


def test_mixed_iso_and_dmy_dates_are_quarantined_with_the_reason(tmp_path: Path) -> None:
    s = trust_folder(tmp_path, "RXA")
    rows = [WARDS[0], {**WARDS[1], "EffectiveFrom": "01/02/2021"}]
    write_csv(s.raw_dir / "reference" / "wards.csv", no_org(), rows)
    assert not ingest(s).problems
    assert q(s, "select line_no, field, reason, value from meta.quarantine") == [
        (3, "EffectiveFrom", "date written DD/MM/YYYY in a column of YYYY-MM-DD dates: write "
         "every date of the file one way", "01/02/2021")]
    # with the setting the dd/mm/yyyy values are read, and the ISO one is the odd one out:
    # neither shape is ever reinterpreted as the other
    s2 = replace(s, warehouse=tmp_path / "dmy.duckdb", dmy_families=frozenset({"reference"}))
    rows = [WARDS[0], {**WARDS[1], "EffectiveFrom": "01/02/2021"}, {**WARDS[1],
            "WardCode": "W3", "EffectiveFrom": "13/02/2021"}]
    write_csv(s.raw_dir / "reference" / "wards.csv", no_org(), rows)
    assert not ingest(s2).problems
    assert q(s2, "select line_no, reason from meta.quarantine") == [
        (2, "date written YYYY-MM-DD in a column of DD/MM/YYYY dates: write every date of the "
         "file one way")]
    assert q(s2, "select WardCode, EffectiveFrom from raw.wards order by 1") == [
        ("W2", date(2021, 2, 1)), ("W3", date(2021, 2, 13))]


def test_mhsds_submission_in_dmy_with_timestamps(tmp_path: Path) -> None:
    s = replace(tmp_settings(tmp_path), dmy_families=frozenset({"mhsds"}))
    write_table(s.raw_dir, "mhs000_header", [{
        "OrgIDProv": "RXA", "ReportingPeriodStartDate": "01/01/2024",
        "ReportingPeriodEndDate": "31/01/2024", "DateTimeDatSetCreate": "15/02/2024 09:30"}],
        "RXA", "2024-01")
    spell = {"OrgIDProv": "RXA", "UniqHospProvSpellID": "S1", "LocalPatientId": "P1",
             "StartDateHospProvSpell": "3/1/2024", "DischDateHospProvSpell": "20/01/2024"}
    bad = {**spell, "UniqHospProvSpellID": "S2", "DischDateHospProvSpell": "02/01/2024"}
    write_table(s.raw_dir, "mhs501_hosp_prov_spell", [spell, bad], "RXA", "2024-01")
    report = ingest(s)
    assert not report.problems, report.summary()
    assert q(s, "select DateTimeDatSetCreate from raw.mhs000_header") == [
        (datetime(2024, 2, 15, 9, 30),)]
    assert q(s, "select StartDateHospProvSpell, DischDateHospProvSpell "
                "from raw.mhs501_hosp_prov_spell") == [(date(2024, 1, 3), date(2024, 1, 20))]
    # the row rules see the dates as dates too
    assert q(s, "select reason from meta.quarantine") == [("discharge date before admission "
                                                           "date",)]
    # without the setting, the header refuses the submission with the one message
    again = ingest(replace(s, dmy_families=frozenset(), warehouse=tmp_path / "iso.duckdb"))
    header = outcome(again, "mhsds/RXA/2024-01/MHS000Header.csv")
    assert "MHP_DATE_FORMAT_MHSDS=dmy" in (header.message or "")


# ------------------------------------------------------------ .xlsx, .csv.gz, other files
def loaded_wards(s: Settings) -> list[tuple]:
    return q(s, "select * exclude (_file_id, _loaded_at) from raw.wards order by _record_no")


def test_xlsx_and_csv_gz_load_the_same_rows_as_csv(tmp_path: Path) -> None:
    from openpyxl import Workbook

    rows = [{**w, "OrgIDProv": "RXA"} for w in WARDS] + [
        {**WARDS[0], "OrgIDProv": "RXA", "WardCode": "W9", "CommissionedBeds": "many"}]
    loaded = {}
    for kind in ("csv", "csv.gz", "xlsx"):
        s = replace(tmp_settings(tmp_path / kind), pseudonym_key="a-test-key")
        path = s.raw_dir / "reference" / f"wards.{kind}"
        path.parent.mkdir(parents=True)
        if kind == "csv":
            write_csv(path, WARD_COLUMNS, rows)
        elif kind == "csv.gz":
            text = write_csv(tmp_path / "plain.csv", WARD_COLUMNS, rows).read_bytes()
            path.write_bytes(gzip.compress(text))
        else:
            wb = Workbook()
            wb.active.title = "Notes"  # not the first sheet: the one named as the file is read
            wb.active.append(["These are our wards"])
            ws = wb.create_sheet("Wards")
            ws.append(WARD_COLUMNS)
            for r in rows:
                ws.append([
                    # Excel's own types: dates as date cells, whole numbers as numbers
                    datetime.fromisoformat(str(r[c])) if c.startswith("Effective") and r.get(c)
                    else int(str(r[c])) if c in {"CommissionedBeds", "MHAdmittedPatientClass"}
                    and str(r.get(c)).isdigit() else r.get(c)
                    for c in WARD_COLUMNS])
            ws.append([None] * len(WARD_COLUMNS))  # an empty row at the end of the used range
            wb.save(path)
        report = ingest(s)
        assert not report.problems, report.summary()
        got = outcome(report, f"reference/wards.{kind}")
        assert (got.rows_in, got.rows_loaded, got.rows_quarantined) == (3, 2, 1), kind
        loaded[kind] = (loaded_wards(s), q(s, "select record_no, line_no, field, value "
                                              "from meta.quarantine"))
        assert q(s, "select content_hash is not null, status from meta.manifest") == [
            (True, "loaded")]
    assert loaded["csv"][0] and loaded["csv"] == loaded["csv.gz"] == loaded["xlsx"]
    assert loaded["xlsx"][1] == [(3, 4, "CommissionedBeds", "many")]


def test_other_files_are_listed_as_ignored_with_the_reason(tmp_path: Path) -> None:
    s = trust_folder(tmp_path, "RXA")
    ref = s.raw_dir / "reference"
    ref.mkdir(parents=True, exist_ok=True)
    (ref / "wards.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (s.raw_dir / "finance" / "RXA" / "2024-01" / "notes.txt").write_text("read me")
    (ref / "~$wards.xlsx").write_bytes(b"owner")  # Excel's lock file: never data
    (ref / ".DS_Store").write_bytes(b"x")  # hidden
    report = ingest(s)
    assert not report.problems
    assert [(o.relpath, o.message) for o in report.skipped] == [
        ("finance/RXA/2024-01/notes.txt",
         "unsupported type .txt: not a data file; a CSV extract must end .csv"),
        ("reference/wards.xls", "unsupported type .xls: save as .xlsx or .csv"),
    ]
    assert ("IGNORED reference/wards.xls: unsupported type .xls: save as .xlsx or .csv"
            in report.summary())
    assert "2 ignored (not data files)" in report.summary()


def test_xlsx_cells_become_the_text_a_csv_export_holds(tmp_path: Path) -> None:
    from openpyxl import Workbook

    from pipelines.ingest.xlsx import cell_text, read_sheet

    assert [cell_text(v) for v in (None, 5.0, 24.6, 1e-05, 12, True, "W1 ",
                                   datetime(2024, 1, 31), datetime(2024, 1, 31, 9, 30),
                                   date(2024, 2, 1))] == [
        None, "5", "24.6", "0.00001", "12", "true", "W1 ", "2024-01-31", "2024-01-31 09:30:00",
        "2024-02-01"]
    wb = Workbook()
    wb.active.title = "Export"
    wb.active.append(["WardCode", "WardName", None])
    wb.active.append(["W1", "Ash", "a note right of the header"])
    wb.active.append([None, None])
    wb.active.append(["W2"])
    wb.save(tmp_path / "wards.xlsx")
    sheet = read_sheet(tmp_path / "wards.xlsx", "wards")  # no sheet named wards: the first
    assert (sheet.name, sheet.header) == ("Export", ["WardCode", "WardName"])
    assert (sheet.rows, sheet.row_numbers) == ([["W1", "Ash"], ["W2", None]], [2, 4])


def test_unreadable_gzip_and_xlsx_are_refused_naming_the_problem(tmp_path: Path) -> None:
    s = trust_folder(tmp_path, "RXA")
    ref = s.raw_dir / "reference"
    ref.mkdir(parents=True, exist_ok=True)
    (ref / "wards.csv.gz").write_bytes(b"not gzip at all")
    (ref / "teams.csv.gz").write_bytes(gzip.compress(
        "UniqCareProfTeamLocalID,TeamName,Locality,ServTeamTypeMH\nT1,Équipe,N,A05\n"
        .encode("latin-1")))
    (ref / "localities.xlsx").write_bytes(b"PK not a workbook")
    messages = {p.relpath: p.message for p in ingest(s).problems}
    assert "not a readable gzip file" in messages["reference/wards.csv.gz"]
    assert "not UTF-8 encoded: invalid byte 0xc9 on line 2" in messages["reference/teams.csv.gz"]
    assert "not a readable .xlsx workbook" in messages["reference/localities.xlsx"]


def test_a_gzip_submission_loads_and_names_its_missing_tables_alike(tmp_path: Path) -> None:
    s = tmp_settings(tmp_path)
    for path in (write_header(s.raw_dir, "RXA", "2024-01"),
                 write_table(s.raw_dir, "mhs501_hosp_prov_spell", [{
                     "OrgIDProv": "RXA", "UniqHospProvSpellID": "S1", "LocalPatientId": "P1",
                     "StartDateHospProvSpell": "2024-01-03"}], "RXA", "2024-01")):
        path.with_name(path.name + ".gz").write_bytes(gzip.compress(path.read_bytes()))
        path.unlink()
    report = ingest(s)
    assert not report.problems, report.summary()
    assert report.count("loaded") == 2
    assert "mhsds/RXA/2024-01/MHS101Referral.csv.gz" in {o.relpath for o in report.missing}
