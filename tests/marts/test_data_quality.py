"""Data-quality mart on a small hand-built data set, expected figures worked out by hand.

Provider RXA, January and February 2024.

January (one delivery):
  MHS001MPI  P1 valid NHS number; P2 NHS number failing modulus 11; P3 no NHS
             number and no ethnic category; P4 Gender 'Q' (not a valid code):
             quarantined. rows_in 4, loaded 3.
  MHS101     R1 (P1), R2 (P2), both complete.
  MHS201     C1 (R1, 30 minutes); C2 (R9, a referral not in the submission; no
             duration). Both attended.
  MHS501     S1 (P1, open); S2 method of admission 'ZZ': quarantined.
  MHS502     WS1 (S1, W1); WS2 (S2: its spell was quarantined); WS3 (S1, ward
             WX not in wards.csv, no WardSecLevel).
  MHS518     delivered without a required column: the file is rejected.
February: a first delivery whose only spell has method 'ZZ' (quarantined),
then a refresh (later DateTimeDatSetCreate) with the spell corrected.

January DQ score (item = completeness x validity; items of tables with rows):
  MHS001 (7 items): LocalPatientId 1, NHSNumber 2/3, PersonBirthDate 1,
         Gender 1 x 3/4, EthnicCategory 2/3, OrgIDSubICBLocResidence 1,
         LSOA2011 1                                    -> 6.083333
  MHS101 (7 items): all 1                              -> 7
  MHS201 (8 items): ClinContDurOfCareCont 1/2, others 1 -> 7.5
  MHS501 (6 items; discharge method and destination do not apply to an
         open spell): MethAdmMHHospProvSpell 1 x 1/2, others 1 -> 5.5
  MHS502 (7 items): WardSecLevel 2/3, others 1          -> 6.666667
  MHS518 (5 items): rejected file                       -> 0
  score = 100 x 32.75 / 40 = 81.875
February: MHS001 7 items + MHS501 6 items, all 1 -> 100 (the first delivery's
quarantined row belongs to a superseded file and no longer counts).
"""

from datetime import datetime

import duckdb
import pytest

from pipelines.contract import load_contract
from pipelines.dbt_project import run_dbt
from pipelines.ingest.load import ingest
from tests.rawfiles import tmp_settings, write_header, write_table

P = "RXA"


def mpi(person, nhs, gender="1", ethnic="A"):
    return {
        "OrgIDProv": P,
        "LocalPatientId": person,
        "NHSNumber": nhs,
        "PersonBirthDate": "1980-05-05",
        "Gender": gender,
        "EthnicCategory": ethnic,
        "OrgIDSubICBLocResidence": "X1",
        "LSOA2011": "E01000001",
    }


def referral(rid, person):
    return {
        "OrgIDProv": P,
        "UniqServReqID": rid,
        "LocalPatientId": person,
        "ReferralRequestReceivedDate": "2023-12-01",
        "SourceOfReferralMH": "B1",
        "PrimReasonReferralMH": "01",
        "ClinRespPriorityType": "1",
        "UniqCareProfTeamLocalID": "T1",
    }


def contact(cid, ref, day, minutes):
    return {
        "OrgIDProv": P,
        "UniqCareContID": cid,
        "UniqServReqID": ref,
        "LocalPatientId": "P1",
        "UniqCareProfTeamLocalID": "T1",
        "CareContDate": day,
        "ConsMechanismMH": "01",
        "AttendStatus": "5",
        "ClinContDurOfCareCont": minutes,
    }


def spell(sid, person, ref, start, method):
    return {
        "OrgIDProv": P,
        "UniqHospProvSpellID": sid,
        "UniqServReqID": ref,
        "LocalPatientId": person,
        "StartDateHospProvSpell": start,
        "SourceAdmMHHospProvSpell": "19",
        "MethAdmMHHospProvSpell": method,
    }


def stay(wid, sid, person, start, ward, sec="0"):
    return {
        "OrgIDProv": P,
        "UniqWardStayID": wid,
        "UniqHospProvSpellID": sid,
        "LocalPatientId": person,
        "StartDateWardStay": start,
        "WardCode": ward,
        "MHAdmittedPatientClass": "200",
        "WardSecLevel": sec,
    }


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("dq")
    s = tmp_settings(tmp)
    raw = s.raw_dir
    write_table(
        raw,
        "wards",
        [
            {
                "OrgIDProv": P,
                "WardCode": "W1",
                "WardName": "Ash Ward",
                "Locality": "North",
                "MHAdmittedPatientClass": "200",
                "CommissionedBeds": "10",
                "EffectiveFrom": "2020-01-01",
            }
        ],
    )
    write_table(
        raw,
        "teams",
        [
            {
                "OrgIDProv": P,
                "UniqCareProfTeamLocalID": "T1",
                "TeamName": "North CMHT",
                "Locality": "North",
                "ServTeamTypeMH": "A05",
            }
        ],
    )
    # January
    jan = "2024-01"
    write_header(raw, P, jan, datetime(2024, 2, 15, 9))
    write_table(
        raw,
        "mhs001_mpi",
        [
            mpi("P1", "9434765919"),
            mpi("P2", "9434765918"),
            mpi("P3", None, ethnic=None),
            mpi("P4", "4010232137", gender="Q"),
        ],
        P,
        jan,
    )
    write_table(raw, "mhs101_referral", [referral("R1", "P1"), referral("R2", "P2")], P, jan)
    write_table(
        raw,
        "mhs201_care_contact",
        [contact("C1", "R1", "2024-01-05", "30"), contact("C2", "R9", "2024-01-06", None)],
        P,
        jan,
    )
    write_table(
        raw,
        "mhs501_hosp_prov_spell",
        [spell("S1", "P1", "R1", "2024-01-02", "21"), spell("S2", "P2", "R2", "2024-01-03", "ZZ")],
        P,
        jan,
    )
    write_table(
        raw,
        "mhs502_ward_stay",
        [
            stay("WS1", "S1", "P1", "2024-01-02", "W1"),
            stay("WS2", "S2", "P2", "2024-01-03", "W1"),
            stay("WS3", "S1", "P1", "2024-01-10", "WX", sec=None),
        ],
        P,
        jan,
    )
    crfd = load_contract().table("mhs518_clin_ready_for_discharge")
    write_table(
        raw,
        "mhs518_clin_ready_for_discharge",
        [
            {
                "OrgIDProv": P,
                "MHS518UniqID": "D1",
                "UniqHospProvSpellID": "S1",
                "StartDateClinReadyforDisch": "2024-01-20",
            }
        ],
        P,
        jan,
        columns=[c.source for c in crfd.columns if c.source != "EndDateClinReadyforDisch"],
    )
    # February, first delivery: the spell is quarantined
    feb = "2024-02"
    write_header(raw, P, feb, datetime(2024, 3, 15, 9))
    write_table(raw, "mhs001_mpi", [mpi("P1", "9434765919")], P, feb)
    write_table(
        raw, "mhs501_hosp_prov_spell", [spell("S1", "P1", "R1", "2024-01-02", "ZZ")], P, feb
    )
    ingest(s)
    # February refreshed: the spell corrected
    write_header(raw, P, feb, datetime(2024, 4, 2, 9))
    write_table(
        raw, "mhs501_hosp_prov_spell", [spell("S1", "P1", "R1", "2024-01-02", "21")], P, feb
    )
    ingest(s)
    run_dbt(
        s,
        [
            "build",
            "--select",
            "+mart_data_quality",
            "+mart_dq_score",
            "--indirect-selection",
            "cautious",
            "--exclude",
            "resource_type:test,path:models/staging",
        ],
    )
    con = duckdb.connect(str(s.warehouse), read_only=True)
    yield con
    con.close()


def dq(con, period, table, field, measure, detail=None):
    rows = con.execute(
        "select numerator, denominator, value from marts.mart_data_quality "
        "where provider_code = ? and period_start = ? and table_name = ? and field_name = ? "
        "and measure = ? and detail is not distinct from ?",
        [P, f"{period}-01", table, field, measure, detail],
    ).fetchall()
    assert len(rows) <= 1, rows
    return rows[0] if rows else None


def test_completeness_of_loaded_rows(wh) -> None:
    assert dq(wh, "2024-01", "mhs001_mpi", "NHSNumber", "completeness")[:2] == (2, 3)
    assert dq(wh, "2024-01", "mhs001_mpi", "EthnicCategory", "completeness")[2] == pytest.approx(
        100 * 2 / 3
    )
    assert dq(wh, "2024-01", "mhs001_mpi", "Gender", "completeness")[:2] == (3, 3)
    # duration only counts for attended contacts; C2 has none
    assert dq(wh, "2024-01", "mhs201_care_contact", "ClinContDurOfCareCont", "completeness")[
        :2
    ] == (1, 2)
    # discharge method does not apply to open spells: no row
    assert (
        dq(wh, "2024-01", "mhs501_hosp_prov_spell", "MethOfDischMHHospProvSpell", "completeness")
        is None
    )


def test_validity_counts_quarantined_rows_of_the_current_file(wh) -> None:
    assert dq(wh, "2024-01", "mhs001_mpi", "Gender", "validity") == (3, 4, 75)
    assert dq(wh, "2024-01", "mhs501_hosp_prov_spell", "MethAdmMHHospProvSpell", "validity") == (
        1,
        2,
        50,
    )
    # February's quarantined spell was in the superseded first delivery
    assert dq(wh, "2024-02", "mhs501_hosp_prov_spell", "MethAdmMHHospProvSpell", "validity") == (
        1,
        1,
        100,
    )
    assert dq(wh, "2024-02", "mhs501_hosp_prov_spell", "all", "rows_quarantined") == (0, 1, 0)


def test_rows_quarantined_by_reason(wh) -> None:
    assert dq(
        wh, "2024-01", "mhs001_mpi", "Gender", "rows_quarantined", "not a valid code of list gender"
    ) == (1, 4, 25)
    assert dq(wh, "2024-01", "mhs501_hosp_prov_spell", "all", "rows_quarantined") == (1, 2, 50)
    assert (
        wh.execute(
            "select count(*) from marts.mart_data_quality where period_start = '2024-02-01' "
            "and measure = 'rows_quarantined' and detail is not null"
        ).fetchone()[0]
        == 0
    )


def test_referential_integrity(wh) -> None:
    spells = "mhs501_hosp_prov_spell.UniqHospProvSpellID (same submission)"
    assert dq(
        wh, "2024-01", "mhs502_ward_stay", "UniqHospProvSpellID", "referential_integrity", spells
    )[:2] == (2, 3)  # WS2's spell was quarantined
    assert dq(
        wh,
        "2024-01",
        "mhs502_ward_stay",
        "WardCode",
        "referential_integrity",
        "reference wards.WardCode",
    )[:2] == (2, 3)  # WX
    assert dq(
        wh,
        "2024-01",
        "mhs201_care_contact",
        "UniqServReqID",
        "referential_integrity",
        "mhs101_referral.UniqServReqID (same submission)",
    )[:2] == (1, 2)  # R9
    assert dq(
        wh,
        "2024-01",
        "mhs101_referral",
        "LocalPatientId",
        "referential_integrity",
        "mhs001_mpi.LocalPatientId (same submission)",
    )[:2] == (2, 2)


def test_nhs_numbers_valid(wh) -> None:
    # present: P1 (valid), P2 (fails modulus 11); P3 has none; P4 was quarantined
    assert dq(wh, "2024-01", "mhs001_mpi", "NHSNumber", "nhs_number_valid") == (1, 2, 50)


def test_rejected_file(wh) -> None:
    assert dq(wh, "2024-01", "mhs518_clin_ready_for_discharge", "all", "file_rejected") == (
        1,
        1,
        100,
    )


def test_dq_score_per_submission(wh) -> None:
    num, den, value = dq(wh, "2024-01", "all", "all", "dq_score")
    assert den == 40
    assert num == pytest.approx(32.75)
    assert value == pytest.approx(81.875)
    scores = dict(
        wh.execute(
            "select strftime(period_start, '%Y-%m'), dq_score from marts.mart_dq_score "
            "where provider_code = ?",
            [P],
        ).fetchall()
    )
    assert scores == {"2024-01": pytest.approx(81.875), "2024-02": pytest.approx(100)}
