"""Cost and workforce metrics on a small hand-built data set (January 2024).

RXA supplies PLICS, so its ward and team costs come from PLICS (cost_method
plics); RXB has only a ledger, allocated to activity (cost_method ledger).
Every expected figure is worked out by hand in the comments.

RXA: ward W1 (bed type 200, North), team T1 (A05, North)
  bed days: WS1 open all month = 31, WS2 10-20 Jan = 10 -> 41; one discharge (S2)
  PLICS ward stays: WS1 10,000 + 2,400, WS2 4,000 -> W1 = 16,400;
                    WSX (unknown stay) 500 -> unmapped 'plics_unmatched_ward_stays'
  PLICS contacts:   C1 (attended) 300, C2 (did not attend) 50 -> T1 = 350
  ledger: CC1 -> W1: substantive 15,000, agency 1,000, non-pay 2,000 (not used
          for cost: PLICS wins, but it gives the pay split); CC2 -> T1:
          substantive 900; CC9 (no ward or team) non-pay 700 -> unmapped
  staff (ESR staff groups): CC1 nursing substantive 10, nursing agency 1, medical
         bank 1, admin 2; CC2 psychology (Additional Professional Scientific and
         Technical) substantive 2
RXB: ward W2 (bed type 201, South), team T2 (A02, South)
  bed days: WS3 1-11 Jan = 10, WS4 from 21 Jan (open) = 11 -> 21; one discharge (S3)
  ledger: CC3 -> W2: substantive 8,400, bank 2,100 = 10,500; CC4 -> T2: 1,000
  contacts of T2: C3 60 min, C4 20 min, C5 no duration (counts as the mean
  positive duration, 40), C6 did not attend -> weights 60/20/40 of 120
  staff: CC3 nursing substantive 5; CC4 allied health agency 1
  OAP log: PL1 reason 10, bed type 200, from 20 Dec 2023, open, GBP 650 a day
           -> 31 days in January = 20,150;
           PL2 reason 10, bed type 202, from 22 Jan, no price -> configured
           default GBP 600 x 10 days = 6,000
"""

from datetime import datetime

import duckdb
import pytest

from pipelines.dbt_project import run_dbt
from pipelines.ingest.load import ingest
from tests.rawfiles import tmp_settings, write_header, write_table

PERIOD = "2024-01"
NURSES = "Nursing and Midwifery Registered"  # ESR staff groups (the contract's code list)


def spell(p, sid, person, start, disch=None):
    return {
        "OrgIDProv": p,
        "UniqHospProvSpellID": sid,
        "LocalPatientId": person,
        "StartDateHospProvSpell": start,
        "MethAdmMHHospProvSpell": "21",
        "DischDateHospProvSpell": disch,
        "MethOfDischMHHospProvSpell": "1" if disch else None,
        "DestOfDischHospProvSpell": "19" if disch else None,
    }


def stay(p, wid, sid, person, ward, cls, start, end=None):
    return {
        "OrgIDProv": p,
        "UniqWardStayID": wid,
        "UniqHospProvSpellID": sid,
        "LocalPatientId": person,
        "StartDateWardStay": start,
        "EndDateWardStay": end,
        "WardCode": ward,
        "MHAdmittedPatientClass": cls,
    }


def contact(p, cid, ref, person, team, status, minutes):
    return {
        "OrgIDProv": p,
        "UniqCareContID": cid,
        "UniqServReqID": ref,
        "LocalPatientId": person,
        "UniqCareProfTeamLocalID": team,
        "CareContDate": "2024-01-05",
        "ConsMechanismMH": "01",
        "AttendStatus": status,
        "ClinContDurOfCareCont": minutes,
    }


def referral(p, rid, person, team):
    return {
        "OrgIDProv": p,
        "UniqServReqID": rid,
        "LocalPatientId": person,
        "ReferralRequestReceivedDate": "2023-10-01",
        "UniqCareProfTeamLocalID": team,
    }


def ledger(cc, subjective, amount, ward=None, team=None):
    return {
        "CostCentre": cc,
        "WardCode": ward,
        "UniqCareProfTeamLocalID": team,
        "Subjective": subjective,
        "AmountGBP": str(amount),
    }


def staff(cc, group, contract, wte):
    return {"CostCentre": cc, "StaffGroup": group, "ContractType": contract, "WTE": str(wte)}


def plics(kind, activity, pool, cost):
    return {"ActivityType": kind, "ActivityID": activity, "CostPool": pool, "CostGBP": str(cost)}


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("costs")
    s = tmp_settings(tmp)
    raw = s.raw_dir
    write_table(
        raw,
        "wards",
        [
            {
                "OrgIDProv": "RXA",
                "WardCode": "W1",
                "WardName": "Ash Ward",
                "Locality": "North",
                "MHAdmittedPatientClass": "200",
                "CommissionedBeds": "5",
                "EffectiveFrom": "2020-01-01",
            },
            {
                "OrgIDProv": "RXB",
                "WardCode": "W2",
                "WardName": "Elm Ward",
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
                "OrgIDProv": "RXA",
                "UniqCareProfTeamLocalID": "T1",
                "TeamName": "North CMHT",
                "Locality": "North",
                "ServTeamTypeMH": "A05",
            },
            {
                "OrgIDProv": "RXB",
                "UniqCareProfTeamLocalID": "T2",
                "TeamName": "South Crisis",
                "Locality": "South",
                "ServTeamTypeMH": "A02",
            },
        ],
    )
    write_table(
        raw,
        "localities",
        [
            {"OrgIDProv": "RXA", "Locality": "North", "AgeBand": "all", "Population": "100000"},
            {"OrgIDProv": "RXB", "Locality": "South", "AgeBand": "all", "Population": "100000"},
        ],
    )
    a, b = "RXA", "RXB"
    tables = {
        a: {
            "mhs501_hosp_prov_spell": [
                spell(a, "S1", "P1", "2023-12-01"),
                spell(a, "S2", "P2", "2024-01-10", "2024-01-20"),
            ],
            "mhs502_ward_stay": [
                stay(a, "WS1", "S1", "P1", "W1", "200", "2023-12-01"),
                stay(a, "WS2", "S2", "P2", "W1", "200", "2024-01-10", "2024-01-20"),
            ],
            "mhs101_referral": [referral(a, "R5", "P5", "T1")],
            "mhs201_care_contact": [
                contact(a, "C1", "R5", "P5", "T1", "5", "30"),
                contact(a, "C2", "R5", "P5", "T1", "3", None),
            ],
            "mhs001_mpi": [{"OrgIDProv": a, "LocalPatientId": x} for x in ("P1", "P2", "P5")],
        },
        b: {
            "mhs501_hosp_prov_spell": [
                spell(b, "S3", "P3", "2024-01-01", "2024-01-11"),
                spell(b, "S4", "P4", "2024-01-21"),
            ],
            "mhs502_ward_stay": [
                stay(b, "WS3", "S3", "P3", "W2", "201", "2024-01-01", "2024-01-11"),
                stay(b, "WS4", "S4", "P4", "W2", "201", "2024-01-21"),
            ],
            "mhs101_referral": [
                referral(b, "R6", "P6", "T2"),
                referral(b, "R7", "P7", "T2"),
                referral(b, "R8", "P8", "T2"),
            ],
            "mhs201_care_contact": [
                contact(b, "C3", "R6", "P6", "T2", "5", "60"),
                contact(b, "C4", "R6", "P6", "T2", "6", "20"),
                contact(b, "C5", "R6", "P6", "T2", "5", None),
                contact(b, "C6", "R6", "P6", "T2", "2", None),
            ],
            "mhs001_mpi": [
                {"OrgIDProv": b, "LocalPatientId": x} for x in ("P3", "P4", "P6", "P7", "P8")
            ],
            "oap_log": [
                {
                    "PlacementID": "PL1",
                    "LocalPatientId": "P7",
                    "StartDate": "2023-12-20",
                    "OrgIDReceiving": "NXA01",
                    "ReasonOAT": "10",
                    "MHAdmittedPatientClass": "200",
                    "DailyCostGBP": "650",
                },
                {
                    "PlacementID": "PL2",
                    "LocalPatientId": "P8",
                    "StartDate": "2024-01-22",
                    "OrgIDReceiving": "NXA01",
                    "ReasonOAT": "10",
                    "MHAdmittedPatientClass": "202",
                },
            ],
            "ledger": [
                ledger("CC3", "pay_substantive", 8400, ward="W2"),
                ledger("CC3", "pay_bank", 2100, ward="W2"),
                ledger("CC4", "pay_substantive", 1000, team="T2"),
            ],
            "staff_in_post": [
                staff("CC3", NURSES, "substantive", 5),
                staff("CC4", "Allied Health Professionals", "agency", 1),
            ],
        },
    }
    tables[a]["plics"] = [
        plics("ward_stay_day", "WS1", "ward_nursing", 10000),
        plics("ward_stay_day", "WS1", "overheads", 2400),
        plics("ward_stay_day", "WS2", "ward_nursing", 4000),
        plics("ward_stay_day", "WSX", "ward_nursing", 500),
        plics("care_contact", "C1", "clinical_staff", 300),
        plics("care_contact", "C2", "clinical_staff", 50),
    ]
    tables[a]["ledger"] = [
        ledger("CC1", "pay_substantive", 15000, ward="W1"),
        ledger("CC1", "pay_agency", 1000, ward="W1"),
        ledger("CC1", "non_pay", 2000, ward="W1"),
        ledger("CC2", "pay_substantive", 900, team="T1"),
        ledger("CC9", "non_pay", 700),
    ]
    tables[a]["staff_in_post"] = [
        staff("CC1", NURSES, "substantive", 10),
        staff("CC1", NURSES, "agency", 1),
        staff("CC1", "Medical and Dental", "bank", 1),
        staff("CC1", "Administrative and Clerical", "substantive", 2),
        staff("CC2", "Additional Professional Scientific and Technical", "substantive", 2),
    ]
    for p, by_table in tables.items():
        write_header(raw, p, PERIOD, datetime(2024, 2, 15, 9))
        for table, rows in by_table.items():
            write_table(raw, table, rows, p, PERIOD)
    assert not ingest(s).problems
    run_dbt(
        s,
        [
            "build",
            "--select",
            "+mart_costs",
            "+int_metric_values_cost",
            "metric_catalogue",
            "--indirect-selection",
            "cautious",
            "--exclude",
            "resource_type:test,path:models/staging",
        ],
    )
    con = duckdb.connect(str(s.warehouse), read_only=True)
    yield con
    con.close()


def metric(con, metric_id, provider, level="provider", unit=None, group="all"):
    rows = con.execute(
        "select value, numerator, denominator from intermediate.int_metric_values_cost "
        "where metric_id = ? and provider_code = ? and level = ? and unit_code = ? "
        "and bed_type_group = ? and period_type = 'month' and period_start = '2024-01-01'",
        [metric_id, provider, level, unit or provider, group],
    ).fetchall()
    assert len(rows) <= 1, rows
    return rows[0] if rows else None


def cost_row(con, provider, unit):
    return con.execute(
        "select cost_method, cost_total_gbp, ledger_cost_gbp, occupied_bed_days, discharges, "
        "attended_contacts, cost_per_occupied_bed_day, cost_per_attended_contact, agency_pay_pct "
        "from marts.mart_costs where provider_code = ? and unit_code = ?",
        [provider, unit],
    ).fetchone()


def test_plics_provider_uses_plics(wh) -> None:
    method, total, ledger_total, obd, disch, _, per_obd, _, agency = cost_row(wh, "RXA", "W1")
    assert (method, total, ledger_total, obd, disch) == ("plics", 16400, 18000, 41, 1)
    assert per_obd == pytest.approx(400)  # 16,400 / 41
    assert agency == pytest.approx(100 * 1000 / 16000)  # pay split from the ledger
    # the DNA contact's PLICS cost stays in the team's cost: 350 / 1 attended
    method, total, *_, per_contact, _ = cost_row(wh, "RXA", "T1")
    assert (method, total, per_contact) == ("plics", 350, pytest.approx(350))


def test_ledger_provider_allocates_by_bed_days_and_duration(wh) -> None:
    method, total, *_ = cost_row(wh, "RXB", "W2")
    assert (method, total) == ("ledger", 10500)
    stays = dict(
        wh.execute(
            "select uniq_ward_stay_id, cost_gbp from intermediate.int_cost_ward_stay_days "
            "where provider_code = 'RXB'"
        ).fetchall()
    )
    assert stays == {"WS3": pytest.approx(5000), "WS4": pytest.approx(5500)}  # 10/21, 11/21
    contacts = dict(
        wh.execute(
            "select uniq_care_cont_id, cost_gbp from intermediate.int_cost_contacts "
            "where provider_code = 'RXB'"
        ).fetchall()
    )
    assert contacts == {
        "C3": pytest.approx(500),
        "C4": pytest.approx(1000 / 6),
        "C5": pytest.approx(1000 / 3),
        "C6": 0,
    }
    assert metric(wh, "cost_per_attended_contact", "RXB")[0] == pytest.approx(1000 / 3)


def test_unmapped_costs_count_at_provider_level_only(wh) -> None:
    unmapped = dict(
        wh.execute(
            "select unit_code, cost_total_gbp from marts.mart_costs "
            "where provider_code = 'RXA' and unit_type = 'unmapped'"
        ).fetchall()
    )
    assert unmapped == {"CC9": 700, "plics_unmatched_ward_stays": 500}
    # 16,400 + 350 + 700 + 500
    assert metric(wh, "cost_total", "RXA")[0] == pytest.approx(17950)
    assert metric(wh, "cost_total", "RXA", "locality", "North")[0] == pytest.approx(16750)


def test_cost_metrics(wh) -> None:
    assert metric(wh, "cost_per_occupied_bed_day", "RXA")[1:] == (16400, 41)
    assert metric(wh, "cost_per_occupied_bed_day", "RXA", group="adult_acute")[0] == 400
    assert metric(wh, "cost_per_occupied_bed_day", "RXB", "ward", "W2")[0] == 500
    assert metric(wh, "cost_per_discharge", "RXA")[0] == 16400
    assert metric(wh, "cost_per_discharge", "RXB")[0] == 10500
    assert metric(wh, "cost_per_attended_contact", "RXA", "team", "T1")[0] == 350
    # agency: 1,000 / (15,000 + 1,000 + 900)
    v, num, den = metric(wh, "agency_pay_pct", "RXA")
    assert (num, den) == (1000, 16900) and v == pytest.approx(100 * 1000 / 16900)
    assert metric(wh, "agency_pay_pct", "RXB")[0] == 0


def test_oap_cost_uses_log_price_else_configured_default(wh) -> None:
    prices = {
        r[0]: r[1:]
        for r in wh.execute(
            "select placement_id, oap_bed_days, daily_price_gbp, price_source, oap_cost_gbp "
            "from intermediate.int_cost_oap_months where provider_code = 'RXB'"
        ).fetchall()
    }
    assert prices["PL1"] == (31, 650, "oap_log", 20150)
    assert prices["PL2"] == (10, 600, "configured_default", 6000)
    assert metric(wh, "oap_cost", "RXB")[0] == 26150
    assert metric(wh, "oap_cost", "RXB", "locality", "South")[0] == 26150
    assert metric(wh, "oap_cost", "RXA")[0] == 0  # zero, not missing, in a submitted month


def test_workforce_metrics(wh) -> None:
    # RXA clinical: W1 10 + 1 + 1 (admin excluded), T1 2
    assert metric(wh, "clinical_wte", "RXA")[0] == pytest.approx(14)
    assert metric(wh, "clinical_wte", "RXA", "ward", "W1")[0] == pytest.approx(12)
    assert metric(wh, "clinical_wte_substantive", "RXA")[0] == pytest.approx(12)
    assert metric(wh, "clinical_wte_bank", "RXA")[0] == pytest.approx(1)
    assert metric(wh, "clinical_wte_agency", "RXA")[0] == pytest.approx(1)
    assert metric(wh, "clinical_wte_agency", "RXB", "team", "T2")[0] == pytest.approx(1)
    # 41 bed days / 11 nursing WTE; 1 attended contact / 2 clinical WTE
    assert metric(wh, "occupied_bed_days_per_nursing_wte", "RXA")[0] == pytest.approx(41 / 11)
    assert metric(wh, "attended_contacts_per_clinical_wte", "RXA")[0] == pytest.approx(0.5)
    # RXB: 3 attended contacts / 1 WTE; 21 bed days / 5 nurses
    assert metric(wh, "attended_contacts_per_clinical_wte", "RXB")[0] == pytest.approx(3)
    assert metric(wh, "occupied_bed_days_per_nursing_wte", "RXB")[0] == pytest.approx(21 / 5)
