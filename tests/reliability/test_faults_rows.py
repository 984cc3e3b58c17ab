"""Row-level faults: quarantined with file, line, field and reason, or loaded and flagged."""

from pipelines.contract import load_contract
from tests.rawfiles import write_table

from .helpers import JAN, NHS_BAD, NHS_OK, Case, mpi, read_csv, stay
from .helpers import spell as make_spell
from .test_faults_files import outcome

SPELLS = "mhs501_hosp_prov_spell"


def quarantine(case: Case) -> list[tuple]:
    return case.q("select relpath, line_no, field, reason, value from meta.quarantine "
                  "order by line_no, field")


def load_spells(case: Case, *extra: dict) -> tuple:
    rows = [make_spell("S1", "RXALP00000001", "2023-12-28"), *extra]
    write_table(case.raw, SPELLS, rows, "RXA", JAN)
    out = outcome(case.ingest(), case.relpath(SPELLS))
    assert out.status == "loaded", out
    return out


def test_fault_duplicate_keys_in_file(case: Case) -> None:
    s2 = make_spell("S2", "RXALP00000002", "2024-01-03")
    out = load_spells(case, s2, {**s2, "MethAdmMHHospProvSpell": "22"})
    assert (out.rows_in, out.rows_loaded, out.rows_quarantined) == (3, 2, 1)
    assert [(r[1], r[2], r[3]) for r in quarantine(case)] == [
        (4, "UniqHospProvSpellID", "duplicate key within file (first at record 2)")]


def test_fault_discharge_before_admission(case: Case) -> None:
    out = load_spells(case, make_spell("S2", "RXALP00000002", "2024-01-10", "2024-01-05"))
    assert out.rows_quarantined == 1
    assert [(r[1], r[2], r[3], r[4]) for r in quarantine(case)] == [
        (3, "DischDateHospProvSpell", "discharge date before admission date", "2024-01-05")]
    # the same rule for ward stays (and leave, CRFD periods, OAP placements)
    write_table(case.raw, "mhs502_ward_stay",
                [stay("WS1", "S1", "RXALP00000001", "2024-01-10", "2024-01-02")], "RXA", JAN)
    out = outcome(case.ingest(), case.relpath("mhs502_ward_stay"))
    assert out.rows_quarantined == 1
    assert "ward stay ends before it starts" in {r[3] for r in quarantine(case)}


def test_fault_date_in_future(case: Case) -> None:
    out = load_spells(
        case,
        make_spell("S2", "RXALP00000002", "2024-01-03", "2031-05-01"),  # after period end
        make_spell("S3", "RXALP00000003", "2024-02-01"),  # starts after January
        make_spell("S4", "RXALP00000003", "2024-01-03",
                   PlannedDischDateHospProvSpell="2024-06-30",  # planned: may lie ahead
                   EstimatedDischDateHospProvSpell="2024-05-31"))
    assert (out.rows_in, out.rows_loaded, out.rows_quarantined) == (4, 2, 2)
    reasons = {(r[1], r[2], r[3]) for r in quarantine(case)}
    end = "date after the end of the reporting period (2024-01-31)"
    assert reasons == {(3, "DischDateHospProvSpell", end), (4, "StartDateHospProvSpell", end)}
    assert case.q("select cast(PlannedDischDateHospProvSpell as varchar) from "
                  "raw.mhs501_hosp_prov_spell where UniqHospProvSpellID = 'S4'") == \
        [("2024-06-30",)]


def test_fault_date_1900_01_01(case: Case) -> None:
    write_table(case.raw, "mhs001_mpi", [mpi("RXALP00000001", NHS_OK[0]),
                                         mpi("RXALP00000002", NHS_OK[1], born="1900-01-01")],
                "RXA", JAN)
    out = outcome(case.ingest(), case.relpath("mhs001_mpi"))
    assert out.rows_quarantined == 1
    assert [(r[2], r[3], r[4]) for r in quarantine(case)] == [
        ("PersonBirthDate", "implausible date before 1900-01-02", "<redacted>")]
    out = load_spells(case, make_spell("S2", "RXALP00000002", "1900-01-01"))
    assert out.rows_quarantined == 1
    assert ("StartDateHospProvSpell", "implausible date before 1990-01-01") in {
        (r[2], r[3]) for r in quarantine(case)}


def test_fault_invalid_codes(case: Case) -> None:
    out = load_spells(
        case,
        make_spell("S2", "RXALP00000002", "2024-01-03", MethAdmMHHospProvSpell="ZZ"),
        make_spell("S3", "RXALP00000003", "2024-01-03", "2024-01-09",
                   DestOfDischHospProvSpell="77", SourceAdmMHHospProvSpell="19 "))
    assert (out.rows_loaded, out.rows_quarantined) == (1, 2)  # "19 " is trimmed: valid
    got = {(r[1], r[2], r[3], r[4]) for r in quarantine(case)}
    assert got == {(3, "MethAdmMHHospProvSpell", "not a valid code of list adm_method", "ZZ"),
                   (4, "DestOfDischHospProvSpell", "not a valid code of list disch_dest", "77")}


def test_fault_nhs_number_fails_modulus_11(case: Case) -> None:
    write_table(case.raw, "mhs001_mpi", [
        mpi("RXALP00000001", NHS_OK[0]),
        mpi("RXALP00000002", NHS_BAD),  # 10 digits, wrong check digit: loaded, flagged
        mpi("RXALP00000003", "943 476 5919"),  # spaced: valid
        mpi("RXALP00000004", "94347659"),  # too short: quarantined
    ], "RXA", JAN)
    out = outcome(case.ingest(), case.relpath("mhs001_mpi"))
    assert (out.rows_in, out.rows_loaded, out.rows_quarantined) == (4, 3, 1)
    assert case.q("select nhs_numbers_total, nhs_numbers_valid from meta.manifest "
                  "where relpath = ? and status = 'loaded'", [case.relpath("mhs001_mpi")]) == \
        [(3, 2)]
    assert case.q("select count(*) filter (where not nhs_number_valid), "
                  "count(distinct nhs_number_key) from raw.mhs001_mpi") == [(1, 2)]
    assert [(r[2], r[3], r[4]) for r in quarantine(case)] == [
        ("NHSNumber", "NHS number is not 10 digits", "<redacted>")]
    # the numbers themselves are never stored
    assert not case.q("select * from raw.mhs001_mpi where nhs_number_key in (?, ?)",
                      [NHS_BAD, NHS_OK[0]])


def test_fault_negative_cost(case: Case) -> None:
    cols, rows = read_csv(case.path("plics"))
    rows[1]["CostGBP"] = "-180.00"
    write_table(case.raw, "plics", rows, "RXA", JAN, columns=cols)
    out = outcome(case.ingest(), case.relpath("plics"))
    assert (out.rows_loaded, out.rows_quarantined) == (1, 1)
    assert [(r[1], r[2], r[3], r[4]) for r in quarantine(case)] == [
        (3, "CostGBP", "below the plausible minimum 0", "-180.00")]
    # the baseline ledger has a credit of -500: legitimate, loaded
    assert case.q("select count(*) from raw.ledger where AmountGBP < 0") == [(1,)]


def test_fault_absurd_cost(case: Case) -> None:
    cols, rows = read_csv(case.path("ledger"))
    rows[0]["AmountGBP"] = "999999999999.99"
    rows[2]["AmountGBP"] = "1e30"
    write_table(case.raw, "ledger", rows, "RXA", JAN, columns=cols)
    cols_p, plics = read_csv(case.path("plics"))
    plics[0]["CostGBP"] = "25000000"
    write_table(case.raw, "plics", plics, "RXA", JAN, columns=cols_p)
    report = case.ingest()
    assert outcome(report, case.relpath("ledger")).rows_quarantined == 2
    assert outcome(report, case.relpath("plics")).rows_quarantined == 1
    got = {(r[0].split("/")[0], r[2], r[3]) for r in quarantine(case)}
    assert got == {("finance", "AmountGBP", "above the plausible maximum 100000000"),
                   ("finance", "AmountGBP", "not a valid number"),
                   ("costing", "CostGBP", "above the plausible maximum 10000000")}


def test_fault_sql_in_code_value(case: Case) -> None:
    evil = "'; drop table x; --"
    out = load_spells(
        case,
        make_spell("S2", "RXALP00000002", "2024-01-03", MethAdmMHHospProvSpell=evil),
        make_spell("S3", "RXALP00000003", "2024-01-03", UniqServReqID=evil))
    assert (out.rows_loaded, out.rows_quarantined) == (2, 1)
    assert [(r[2], r[4]) for r in quarantine(case)] == [("MethAdmMHHospProvSpell", evil)]
    assert case.q("select UniqServReqID from raw.mhs501_hosp_prov_spell where "
                  "UniqHospProvSpellID = 'S3'") == [(evil,)]
    tables = {r[0] for r in case.q("select table_name from duckdb_tables() "
                                   "where schema_name = 'raw'")}
    assert tables == {t.name for t in load_contract().tables}
    # in a folder name (the provider literal of the row check) as well
    write_table(case.raw, "ledger", [{"CostCentre": evil, "Subjective": "non_pay",
                                      "AmountGBP": "1.00"}], "R'X", JAN)
    out = outcome(case.ingest(), "finance/R'X/2024-01/ledger.csv")
    assert out.status == "loaded" and out.rows_loaded == 1
    case.assert_kept((SPELLS, JAN))


def test_fault_provider_disagrees_with_folder(case: Case) -> None:
    # a data row of another provider inside RXA's file: that row is quarantined
    out = load_spells(case, make_spell("S2", "RXALP00000002", "2024-01-03", OrgIDProv="RXB"))
    assert out.rows_quarantined == 1
    assert [(r[2], r[3], r[4]) for r in quarantine(case)] == [
        ("OrgIDProv", "OrgIDProv does not match the provider folder RXA", "RXB")]
    # the header of another provider: the whole submission is refused
    header = case.path("mhs000_header")
    text = header.read_text(encoding="utf-8")
    header.write_text(text.replace("RXA,2024-01-01", "RXB,2024-01-01"), encoding="utf-8")
    before = case.rows(SPELLS)
    report = case.ingest()
    msg = outcome(report, case.relpath("mhs000_header")).message or ""
    assert "OrgIDProv 'RXB' in MHS000Header does not match the provider folder 'RXA'" in msg
    assert {o.status for o in report.outcomes if o.relpath.startswith("mhsds/")} == {
        "rejected", "unchanged"}  # the other files were loaded before and stay so
    assert case.rows(SPELLS) == before
