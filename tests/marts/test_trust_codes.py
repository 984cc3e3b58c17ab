"""A trust's own codes, loaded as they come: an ESR staff-in-post export with the national
staff group names (any case and spacing) and a ledger of account codes resolved by
reference/subjective_map.csv. One provider (RXA), January 2024; every expected figure is
worked out by hand below.

subjective_map.csv (RXA; RXB has a row of its own that must not leak into RXA's ledger):
  5A1*                 prefix  pay_bank
  5A11*                prefix  pay_agency       (longer prefix: beats 5A1*)
  5A119                exact   non_pay          (exact: beats both prefixes)
  50000000-59999999    range   non_pay
  51000000-51999999    range   pay_substantive  (nested, starts later: beats the wide one)
  519*                 prefix  excluded         (a prefix beats any range)
  900-1100             range   pay_bank         (codes of unequal length: 1000 lies inside)
ledger, CC1 -> ward W1:
  pay_substantive 1,000 (a category, used as it is)   5A119    100 -> non_pay (exact)
  5a115    200 -> pay_agency (5A11*, any case)          5A120    300 -> pay_bank (5A1*)
  51200000 4,000 -> pay_substantive (nested range)      51900000 500 -> excluded (519*)
  52000000 600 -> non_pay (wide range)                  1000      50 -> pay_bank (range)
  ZZ999     70 -> unmapped
  W1: substantive 5,000, bank 350, agency 200, non-pay 700, pay 5,550,
      unmapped 70, excluded 500 (not costed) -> ledger cost 6,320
ledger, CC2 -> team T1: Non_Pay 10 (a category, any case), ZZ999 30 (unmapped) -> cost 40
staff_in_post.csv (ESR export), CC1 (W1):
  Nursing and Midwifery Registered substantive 10, 'nursing and midwifery  registered'
  agency 1, 'MEDICAL AND DENTAL' bank 1, ' Additional Clinical Services ' substantive 4,
  Administrative and Clerical 2, Estates and Ancillary 3, Students 1.5,
  'NURSING AND MIDWIFERY REGISTERED' substantive 5 (the first row again: quarantined)
  -> clinical 16 (substantive 14, bank 1, agency 1), nursing 11, all 22.5
CC2 (T1): Add Prof Scientific and Technic 2 (ESR's own spelling), Allied Health
  Professionals 1, Healthcare Scientists bank 0.5, Psychology 1 (not an ESR staff group:
  quarantined) -> clinical 3.5
Ward stay: one patient on W1 all January -> 31 occupied bed days.
"""

from datetime import datetime

import duckdb
import pytest

from pipelines.dbt_project import run_dbt
from pipelines.ingest.load import ingest
from pipelines.quality.checks import CHECKS, CheckContext
from pipelines.quality.suites import load_suite
from tests.rawfiles import tmp_settings, write_header, write_table

PERIOD = "2024-01"
NATIONAL_GROUPS = (
    "Nursing and Midwifery Registered", "Medical and Dental", "Allied Health Professionals",
    "Additional Clinical Services", "Additional Professional Scientific and Technical",
    "Administrative and Clerical", "Estates and Ancillary", "Healthcare Scientists",
    "Students",
)  # fmt: skip


def ledger(cc, subjective, amount, ward=None, team=None):
    return {"CostCentre": cc, "WardCode": ward, "UniqCareProfTeamLocalID": team,
            "Subjective": subjective, "AmountGBP": str(amount)}


def staff(cc, group, contract, wte):
    return {"CostCentre": cc, "StaffGroup": group, "ContractType": contract, "WTE": str(wte)}


def map_row(code, category, code_to=None, provider="RXA", description=None):
    return {"OrgIDProv": provider, "SubjectiveCode": code, "CodeTo": code_to,
            "Category": category, "Description": description}


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("trust_codes")
    s = tmp_settings(tmp)
    raw = s.raw_dir
    write_table(raw, "wards", [{
        "OrgIDProv": "RXA", "WardCode": "W1", "WardName": "Ash Ward", "Locality": "North",
        "MHAdmittedPatientClass": "200", "CommissionedBeds": "5", "EffectiveFrom": "2020-01-01",
    }])
    write_table(raw, "teams", [{
        "OrgIDProv": "RXA", "UniqCareProfTeamLocalID": "T1", "TeamName": "North CMHT",
        "Locality": "North", "ServTeamTypeMH": "A05",
    }])
    write_table(raw, "localities", [
        {"OrgIDProv": "RXA", "Locality": "North", "AgeBand": "all", "Population": "100000"},
    ])
    write_table(raw, "subjective_map", [
        map_row("5A1*", "pay_bank", description="Bank staff"),
        map_row("5A11*", "pay_agency", description="Agency staff"),
        map_row("5A119", "Non_Pay ", description="Agency booking fees"),  # any case
        map_row("50000000", "non_pay", "59999999", description="Operating expenditure"),
        map_row("51000000", "pay_substantive", "51999999", description="Substantive pay"),
        map_row("519*", "excluded", description="Pension revaluation (non-cash)"),
        map_row("900", "pay_bank", "1100"),
        map_row("ZZ999", "excluded", provider="RXB"),  # another provider's map
    ])
    write_header(raw, "RXA", PERIOD, datetime(2024, 2, 15, 9))
    tables = {
        "mhs001_mpi": [{"OrgIDProv": "RXA", "LocalPatientId": "P1"}],
        "mhs501_hosp_prov_spell": [{
            "OrgIDProv": "RXA", "UniqHospProvSpellID": "S1", "LocalPatientId": "P1",
            "StartDateHospProvSpell": "2023-12-01", "MethAdmMHHospProvSpell": "21",
        }],
        "mhs502_ward_stay": [{
            "OrgIDProv": "RXA", "UniqWardStayID": "WS1", "UniqHospProvSpellID": "S1",
            "LocalPatientId": "P1", "StartDateWardStay": "2023-12-01", "WardCode": "W1",
            "MHAdmittedPatientClass": "200",
        }],
        "ledger": [
            ledger("CC1", "pay_substantive", 1000, ward="W1"),
            ledger("CC1", "5A119", 100, ward="W1"),
            ledger("CC1", "5a115", 200, ward="W1"),
            ledger("CC1", "5A120", 300, ward="W1"),
            ledger("CC1", "51200000", 4000, ward="W1"),
            ledger("CC1", "51900000", 500, ward="W1"),
            ledger("CC1", "52000000", 600, ward="W1"),
            ledger("CC1", "1000", 50, ward="W1"),
            ledger("CC1", "ZZ999", 70, ward="W1"),
            ledger("CC2", "ZZ999", 30, team="T1"),
            ledger("CC2", "Non_Pay", 10, team="T1"),
        ],
        "staff_in_post": [
            staff("CC1", "Nursing and Midwifery Registered", "substantive", 10),
            staff("CC1", "nursing and midwifery  registered", "agency", 1),
            staff("CC1", "MEDICAL AND DENTAL", "bank", 1),
            staff("CC1", " Additional Clinical Services ", "substantive", 4),
            staff("CC1", "Administrative and Clerical", "substantive", 2),
            staff("CC1", "Estates and Ancillary", "substantive", 3),
            staff("CC1", "Students", "substantive", 1.5),
            staff("CC1", "NURSING AND MIDWIFERY REGISTERED", "substantive", 5),
            staff("CC2", "Add Prof Scientific and Technic", "substantive", 2),
            staff("CC2", "Allied Health Professionals", "substantive", 1),
            staff("CC2", "Healthcare Scientists", "bank", 0.5),
            staff("CC2", "Psychology", "substantive", 1),
        ],
    }
    for table, rows in tables.items():
        write_table(raw, table, rows, "RXA", PERIOD)
    report = ingest(s)
    assert not report.problems
    run_dbt(s, [
        "build", "--select", "+mart_costs", "+int_metric_values_cost", "metric_catalogue",
        "--indirect-selection", "cautious",
        "--exclude", "resource_type:test,path:models/staging",
    ])
    con = duckdb.connect(str(s.warehouse), read_only=True)
    yield s, con
    con.close()


def metric(con, metric_id, level="provider", unit="RXA"):
    rows = con.execute(
        "select value from intermediate.int_metric_values_cost where metric_id = ? "
        "and provider_code = 'RXA' and level = ? and unit_code = ? and bed_type_group = 'all' "
        "and period_type = 'month' and period_start = date '2024-01-01'",
        [metric_id, level, unit]).fetchall()
    assert len(rows) == 1, rows
    return rows[0][0]


def test_esr_groups_load_in_any_case_and_spacing_as_the_contract_spells_them(wh) -> None:
    _, con = wh
    stored = {r[0] for r in con.execute(
        "select distinct staff_group from staging.stg_workforce__staff_in_post").fetchall()}
    assert stored == {
        "Nursing and Midwifery Registered", "Medical and Dental",
        "Additional Clinical Services", "Administrative and Clerical", "Estates and Ancillary",
        "Students", "Add Prof Scientific and Technic", "Allied Health Professionals",
        "Healthcare Scientists",
    }
    quarantined = con.execute(
        "select line_no, field, reason, value from meta.quarantine "
        "where table_name = 'staff_in_post' order by line_no").fetchall()
    assert [(q[0], q[1]) for q in quarantined] == [
        (9, "CostCentre, StaffGroup, ContractType"),  # the nurses' first row again
        (13, "StaffGroup"),
    ]
    assert quarantined[0][2].startswith("duplicate key within file (first at record 1)")
    reason, value = quarantined[1][2], quarantined[1][3]
    assert value == "Psychology"
    assert reason.startswith("not a valid code of list staff_group (accepted, in any case")
    for name in NATIONAL_GROUPS:
        assert name in reason, name


def test_workforce_metrics_count_the_esr_groups_as_the_seed_says(wh) -> None:
    _, con = wh
    w1 = con.execute(
        "select wte_total, clinical_wte, clinical_wte_substantive, clinical_wte_bank, "
        "clinical_wte_agency, nursing_wte, admin_wte from intermediate.int_workforce_units "
        "where unit_code = 'W1'").fetchone()
    # clinical: nurses 10 + 1, medical 1, support 4; not admin 2, estates 3, students 1.5
    assert w1 == pytest.approx((22.5, 16, 14, 1, 1, 11, 2))
    t1 = con.execute("select wte_total, clinical_wte from intermediate.int_workforce_units "
                     "where unit_code = 'T1'").fetchone()
    assert t1 == pytest.approx((3.5, 3.5))  # psychology, AHP and healthcare science
    assert metric(con, "clinical_wte") == pytest.approx(19.5)
    assert metric(con, "clinical_wte_bank") == pytest.approx(1.5)
    assert metric(con, "occupied_bed_days_per_nursing_wte") == pytest.approx(31 / 11)


def test_subjective_map_precedence_exact_then_longest_prefix_then_range(wh) -> None:
    _, con = wh
    got = {r[0]: r[1:] for r in con.execute(
        "select subjective, category, matched_by, map_code "
        "from intermediate.int_ledger_subjectives where cost_centre = 'CC1'").fetchall()}
    assert got == {
        "pay_substantive": ("pay_substantive", "category", None),
        "5A119": ("non_pay", "exact", "5A119"),
        "5a115": ("pay_agency", "prefix", "5A11*"),
        "5A120": ("pay_bank", "prefix", "5A1*"),
        "51200000": ("pay_substantive", "range", "51000000"),
        "51900000": ("excluded", "prefix", "519*"),
        "52000000": ("non_pay", "range", "50000000"),
        "1000": ("pay_bank", "range", "900"),
        "ZZ999": ("unmapped", "unmapped", None),  # RXB's map row does not apply to RXA
    }


def test_excluded_money_is_reported_not_costed_and_unmapped_money_is_visible(wh) -> None:
    _, con = wh
    cols = ("pay_substantive_gbp, pay_bank_gbp, pay_agency_gbp, non_pay_gbp, pay_gbp, "
            "ledger_unmapped_gbp, ledger_excluded_gbp, ledger_cost_gbp, cost_total_gbp")
    w1 = con.execute(f"select cost_method, {cols} from marts.mart_costs "
                     "where unit_code = 'W1'").fetchone()
    assert w1 == ("ledger", 5000, 350, 200, 700, 5550, 70, 500, 6320, 6320)
    t1 = con.execute(f"select {cols} from marts.mart_costs where unit_code = 'T1'").fetchone()
    assert t1 == (0, 0, 0, 10, 0, 30, 0, 40, 40)
    assert metric(con, "cost_per_occupied_bed_day") == pytest.approx(6320 / 31)
    assert metric(con, "cost_total") == pytest.approx(6360)
    assert metric(con, "agency_pay_pct") == pytest.approx(100 * 200 / 5550)


def test_unmapped_codes_are_a_warning_listing_each_code_and_its_money(wh) -> None:
    settings, con = wh
    spec = load_suite("marts").get("ledger_subjectives_mapped")
    assert spec.severity == "warning"
    result = CHECKS[spec.check].run(CheckContext(con, settings, "marts"), spec)
    count, text = result.describe()
    assert count == 1
    assert "ledger subjective codes not mapped (GBP 100.00 in all)" in text
    assert "RXA ZZ999: GBP 100.00 in 2 row(s), 2024-01" in text
