"""Flow, quality and community metrics on a small hand-built data set.

Every expected figure is worked out by hand in the comments. The data set
has three monthly submissions (Jan-Mar 2024) of one provider; February is
delivered twice (a refresh that corrects a discharge date).
"""

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.dbt_project import run_dbt
from pipelines.ingest.load import ingest
from tests.rawfiles import tmp_settings, write_header, write_table

P = "RXA"
MONTHS = ["2024-01", "2024-02", "2024-03"]


def spell(sid, person, start, method, ref, disch=None, dmeth=None, dest=None):
    return {
        "OrgIDProv": P,
        "UniqHospProvSpellID": sid,
        "UniqServReqID": ref,
        "LocalPatientId": person,
        "StartDateHospProvSpell": start,
        "MethAdmMHHospProvSpell": method,
        "SourceAdmMHHospProvSpell": "19",
        "DischDateHospProvSpell": disch,
        "MethOfDischMHHospProvSpell": dmeth,
        "DestOfDischHospProvSpell": dest,
    }


def stay(wid, sid, person, start, ward, cls, end=None):
    return {
        "OrgIDProv": P,
        "UniqWardStayID": wid,
        "UniqHospProvSpellID": sid,
        "LocalPatientId": person,
        "StartDateWardStay": start,
        "EndDateWardStay": end,
        "WardCode": ward,
        "MHAdmittedPatientClass": cls,
        "WardSecLevel": "0",
    }


def referral(rid, person, team, received, closed=None):
    return {
        "OrgIDProv": P,
        "UniqServReqID": rid,
        "LocalPatientId": person,
        "ReferralRequestReceivedDate": received,
        "UniqCareProfTeamLocalID": team,
        "ServDischDate": closed,
    }


def contact(cid, rid, person, team, day, status, mech="01"):
    return {
        "OrgIDProv": P,
        "UniqCareContID": cid,
        "UniqServReqID": rid,
        "LocalPatientId": person,
        "UniqCareProfTeamLocalID": team,
        "CareContDate": day,
        "ConsMechanismMH": mech,
        "AttendStatus": status,
        "ClinContDurOfCareCont": "30",
    }


def mpi(person):
    return {
        "OrgIDProv": P,
        "LocalPatientId": person,
        "NHSNumber": "9434765919",
        "PersonBirthDate": "1980-05-05",
        "Gender": "1",
    }


def submissions(feb_s5_discharge: str) -> dict[str, dict[str, list[dict]]]:
    return {
        "2024-01": {
            "mhs501_hosp_prov_spell": [
                spell("S1", "P1", "2024-01-10", "21", "R1"),
                spell("S2", "P2", "2024-01-05", "11", "R2", "2024-01-31", "1", "19"),
                spell("S4", "P3", "2024-01-02", "22", "R3", "2024-01-15", "1", "19"),
            ],
            "mhs502_ward_stay": [
                stay("WS1a", "S1", "P1", "2024-01-10", "W1", "200"),
                stay("WS2", "S2", "P2", "2024-01-05", "W1", "200", "2024-01-31"),
                stay("WS4", "S4", "P3", "2024-01-02", "W1", "200", "2024-01-15"),
            ],
            "mhs509_home_leave": [
                {"OrgIDProv": P, "UniqHospProvSpellID": "S1", "StartDateHomeLeave": "2024-01-28"}
            ],
            "mhs101_referral": [
                referral("R1", "P1", "T1", "2023-12-01"),
                referral("R2", "P2", "T1", "2023-11-01"),
                referral("R3", "P3", "T1", "2023-12-15", "2024-01-31"),
                referral("R4", "P4", "T2", "2024-01-15"),
            ],
            "mhs201_care_contact": [
                contact("C1", "R4", "P4", "T2", "2024-01-16", "5"),
                contact("C2", "R4", "P4", "T2", "2024-01-20", "3"),
                contact("C3", "R4", "P4", "T2", "2024-01-25", "4"),
                contact("C4", "R3", "P3", "T1", "2024-01-19", "5"),  # disch + 4: too late
            ],
            "mhs001_mpi": [mpi("P1"), mpi("P2"), mpi("P3"), mpi("P4")],
        },
        "2024-02": {
            "mhs501_hosp_prov_spell": [
                spell("S1", "P1", "2024-01-10", "21", "R1"),
                spell("S5", "P3", "2024-02-15", "22", "R3", feb_s5_discharge, "1", "19"),
            ],
            "mhs502_ward_stay": [
                stay("WS1a", "S1", "P1", "2024-01-10", "W1", "200", "2024-02-05"),
                stay("WS1b", "S1", "P1", "2024-02-05", "W2", "201"),
                stay("WS5", "S5", "P3", "2024-02-15", "W1", "200", feb_s5_discharge),
            ],
            "mhs509_home_leave": [
                {
                    "OrgIDProv": P,
                    "UniqHospProvSpellID": "S1",
                    "StartDateHomeLeave": "2024-01-28",
                    "EndDateHomeLeave": "2024-02-03",
                }
            ],
            "mhs101_referral": [
                referral("R1", "P1", "T1", "2023-12-01"),
                referral("R2", "P2", "T1", "2023-11-01"),
                referral("R4", "P4", "T2", "2024-01-15", "2024-02-10"),
            ],
            "mhs201_care_contact": [
                contact("C5", "R2", "P2", "T1", "2024-02-03", "6"),  # S2 disch + 3: counts
                contact("C6", "R3", "P3", "T1", "2024-02-22", "5", "02"),
            ],
            "mhs001_mpi": [mpi("P1"), mpi("P2"), mpi("P3"), mpi("P4")],
            "oap_log": [
                {
                    "PlacementID": "PL1",
                    "LocalPatientId": "P2",
                    "NHSNumber": "9434765919",
                    "StartDate": "2024-02-20",
                    "OrgIDReceiving": "NXA01",
                    "ReasonOAT": "10",
                    "MHAdmittedPatientClass": "200",
                    "DailyCostGBP": "600",
                },
                {
                    "PlacementID": "PL2",
                    "LocalPatientId": "P4",
                    "NHSNumber": "9434765919",
                    "StartDate": "2024-02-01",
                    "OrgIDReceiving": "NXA01",
                    "ReasonOAT": "14",
                    "MHAdmittedPatientClass": "200",
                },
            ],
        },
        "2024-03": {
            "mhs501_hosp_prov_spell": [
                spell("S1", "P1", "2024-01-10", "21", "R1", "2024-03-31", "1", "19"),
                spell("S3", "P2", "2024-03-01", "25", "R2"),
            ],
            "mhs502_ward_stay": [
                stay("WS1b", "S1", "P1", "2024-02-05", "W2", "201", "2024-03-31"),
                stay("WS3", "S3", "P2", "2024-03-01", "W1", "200"),
            ],
            "mhs518_clin_ready_for_discharge": [
                {
                    "OrgIDProv": P,
                    "MHS518UniqID": "C1",
                    "UniqHospProvSpellID": "S1",
                    "StartDateClinReadyforDisch": "2024-03-10",
                    "EndDateClinReadyforDisch": "2024-03-10",
                    "AttribToIndic": "05",
                },
                {
                    "OrgIDProv": P,
                    "MHS518UniqID": "C2",
                    "UniqHospProvSpellID": "S1",
                    "StartDateClinReadyforDisch": "2024-03-15",
                    "EndDateClinReadyforDisch": "2024-03-20",
                    "AttribToIndic": "05",
                },
                {
                    "OrgIDProv": P,
                    "MHS518UniqID": "C3",
                    "UniqHospProvSpellID": "S1",
                    "StartDateClinReadyforDisch": "2024-03-21",
                    "EndDateClinReadyforDisch": "2024-03-31",
                    "AttribToIndic": "04",
                },
            ],
            "mhs101_referral": [
                referral("R1", "P1", "T1", "2023-12-01"),
                referral("R2", "P2", "T1", "2023-11-01"),
            ],
            "mhs001_mpi": [mpi("P1"), mpi("P2")],
            "oap_log": [
                {
                    "PlacementID": "PL1",
                    "LocalPatientId": "P2",
                    "NHSNumber": "9434765919",
                    "StartDate": "2024-02-20",
                    "OrgIDReceiving": "NXA01",
                    "ReasonOAT": "10",
                    "MHAdmittedPatientClass": "200",
                    "DailyCostGBP": "600",
                },
            ],
        },
    }


def write_month(raw: Path, period: str, tables: dict[str, list[dict]], created: datetime) -> None:
    write_header(raw, P, period, created)
    for table, rows in tables.items():
        write_table(raw, table, rows, P, period)


@pytest.fixture(scope="module")
def marts(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("flow")
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
            },
            {
                "OrgIDProv": P,
                "WardCode": "W2",
                "WardName": "Birch Ward",
                "Locality": "South",
                "MHAdmittedPatientClass": "201",
                "CommissionedBeds": "5",
                "EffectiveFrom": "2020-01-01",
            },
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
            },
            {
                "OrgIDProv": P,
                "UniqCareProfTeamLocalID": "T2",
                "TeamName": "South CMHT",
                "Locality": "South",
                "ServTeamTypeMH": "A05",
            },
        ],
    )
    write_table(
        raw,
        "localities",
        [
            {"OrgIDProv": P, "Locality": "North", "AgeBand": "all", "Population": "100000"},
            {"OrgIDProv": P, "Locality": "South", "AgeBand": "all", "Population": "50000"},
        ],
    )
    # first delivery of each month; February's S5 discharge is wrong (21st)
    first = submissions("2024-02-21")
    for i, period in enumerate(MONTHS):
        write_month(raw, period, first[period], datetime(2024, 2 + i, 15, 9))
    assert not ingest(s).problems
    # February refreshed: S5 discharged on the 20th
    write_month(raw, "2024-02", submissions("2024-02-20")["2024-02"], datetime(2024, 4, 2, 9))
    assert not ingest(s).problems
    run_dbt(s, ["build"])
    con = duckdb.connect(str(s.warehouse), read_only=True)
    yield con
    con.close()


def value(con, metric, period, level="provider", unit=P, group="all", ptype="month"):
    rows = con.execute(
        "select value, numerator, denominator from marts.mart_metric_values where metric_id = ? "
        "and period_start = ? and level = ? and unit_code = ? and bed_type_group = ? "
        "and period_type = ?",
        [metric, f"{period}-01", level, unit, group, ptype],
    ).fetchall()
    assert len(rows) <= 1, rows
    return rows[0] if rows else None


def test_spell_in_three_submissions_counted_once(marts) -> None:
    rows = marts.execute(
        "select disch_date_hosp_prov_spell from staging.stg_mhsds__hosp_prov_spell"
        " where uniq_hosp_prov_spell_id = 'S1'"
    ).fetchall()
    assert [str(r[0]) for r in rows] == ["2024-03-31"]
    assert value(marts, "admissions", "2024-01")[0] == 3  # S1, S2, S4 (not 3 x S1)


def test_occupied_bed_days_and_leave(marts) -> None:
    # Jan: WS1a 10th->Feb 1 = 22, WS2 5th->31st = 26, WS4 2nd->15th = 13
    assert value(marts, "occupied_bed_days", "2024-01")[0] == 61
    # Feb (29 days): WS1a 1st->5th = 4 (transfer), WS1b 5th->Mar 1 = 25,
    # WS5 15th->20th = 5 (the refresh corrected the 21st to the 20th)
    assert value(marts, "occupied_bed_days", "2024-02")[0] == 34
    # Mar: WS1b 1st->31st = 30 (discharged on the last day), WS3 open: 1st->Apr 1 = 31
    assert value(marts, "occupied_bed_days", "2024-03")[0] == 61
    # leave 28 Jan -> 3 Feb spans two months: 4 days in Jan, 2 in Feb
    assert value(marts, "bed_days_less_leave", "2024-01")[0] == 57
    assert value(marts, "bed_days_less_leave", "2024-02")[0] == 32
    # ward level: Birch (W2) in Feb = 25
    assert value(marts, "occupied_bed_days", "2024-02", "ward", "W2")[0] == 25


def test_available_beds_and_occupancy(marts) -> None:
    assert value(marts, "available_bed_days", "2024-02")[0] == 10 * 29 + 5 * 29
    v, num, den = value(marts, "occupancy_pct", "2024-01")
    assert (num, den) == (61, 465)
    assert v == pytest.approx(100 * 61 / 465)
    v, num, den = value(marts, "occupancy_excl_leave_pct", "2024-01", "ward", "W1")
    assert (num, den) == (57, 310)


def test_admissions_split(marts) -> None:
    assert value(marts, "admissions_planned", "2024-01")[0] == 1
    assert value(marts, "admissions_emergency", "2024-01")[0] == 2
    assert value(marts, "admissions_unplanned_pct", "2024-01")[0] == pytest.approx(200 / 3)
    assert value(marts, "admissions_emergency_via_crisis", "2024-03")[0] == 1


def test_discharges_and_length_of_stay(marts) -> None:
    assert value(marts, "discharges", "2024-01")[0] == 2
    assert value(marts, "los_mean_days", "2024-01")[0] == pytest.approx(19.5)  # 26, 13
    assert value(marts, "los_median_days", "2024-01")[0] == pytest.approx(19.5)
    # S1: 10 Jan -> 31 Mar = 81 days, not net of leave; bed type at discharge 201 (W2)
    assert value(marts, "los_mean_days", "2024-03")[0] == 81
    assert value(marts, "los_60plus_pct", "2024-03")[0] == 100
    assert value(marts, "los_90plus_pct", "2024-03")[0] == 0
    assert value(marts, "discharges", "2024-03", "locality", "South")[0] == 1
    assert value(marts, "los_mean_days", "2024-03", group="adult_acute")[0] == 81
    # refresh corrected S5 discharge 21st -> 20th: LOS 5 not 6
    assert value(marts, "los_mean_days", "2024-02")[0] == 5


def test_readmission_day_30_counts_day_31_does_not(marts) -> None:
    # S2 discharged 31 Jan, S3 emergency on 1 Mar = day 30 -> readmitted
    # S4 discharged 15 Jan, S5 emergency on 15 Feb = day 31 -> not
    v, num, den = value(marts, "readmission_30d_pct", "2024-01")
    assert (num, den) == (1, 2) and v == 50


def test_followup_72h_window_boundaries(marts) -> None:
    # Jan (discharges 28 Dec - 27 Jan): S4 15 Jan, contact on day 4 -> not followed up
    assert value(marts, "followup_72h_pct", "2024-01")[1:] == (0, 1)
    # Feb (28 Jan - 25 Feb): S2 31 Jan with contact on day 3, S5 20 Feb with phone on day 2
    assert value(marts, "followup_72h_pct", "2024-02")[1:] == (2, 2)
    # S1 discharged 31 Mar falls in April's window: no March row
    assert value(marts, "followup_72h_pct", "2024-03") is None


def test_crfd_days_rule(marts) -> None:
    # C1 start = end dropped; C2 15-20 Mar counts 16th-20th = 4 days;
    # C3 21-31 Mar contiguous with C2 (starts the day after it ended) counts from 21st = 10
    assert value(marts, "crfd_days", "2024-03")[0] == 14
    v, num, den = value(marts, "crfd_bed_days_pct", "2024-03")
    assert (num, den) == (14, 61)


def test_out_of_area_placements(marts) -> None:
    # PL1 (reason 10) from 20 Feb, open: Feb (leap year) 10 bed days, Mar 31; PL2 is reason 14
    assert value(marts, "oap_new", "2024-02")[0] == 1
    assert value(marts, "oap_bed_days", "2024-02")[0] == 10
    assert value(marts, "oap_bed_days", "2024-03")[0] == 31
    assert value(marts, "oap_active_end", "2024-03")[0] == 1
    assert value(marts, "oap_ended", "2024-03")[0] == 0
    assert value(marts, "oap_new", "2024-02", group="adult_acute")[0] == 1
    # Q1 2024: complete quarter, bed days 0 + 10 + 31
    assert value(marts, "oap_bed_days", "2024-01", ptype="quarter")[0] == 41


def test_community_activity(marts) -> None:
    # open at 31 Jan: R1 (P1), R2 (P2), R4 (P4); R3 closed on 31 Jan
    assert value(marts, "people_in_contact", "2024-01")[0] == 3
    # open at 29 Feb: R1, R2 (R4 closed 10 Feb)
    assert value(marts, "people_in_contact", "2024-02")[0] == 2
    assert value(marts, "people_in_contact", "2024-01", "team", "T2")[0] == 1
    assert value(marts, "new_referrals", "2024-01")[0] == 1
    # Jan contacts: C1 attended, C2 DNA, C3 cancelled by provider, C4 attended
    assert value(marts, "attended_contacts", "2024-01")[0] == 2
    v, num, den = value(marts, "dna_rate_pct", "2024-01")
    assert (num, den) == (1, 3)
