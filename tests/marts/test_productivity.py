"""Productivity index on a small hand-built data set, checked against a hand calculation.

One provider (RXA), one adult acute ward W1 (bed type 200) and one community
team T1 (team type A05), both in locality North, five months Jan-May 2024,
ledger costs only. The base period and the chain-link length are set to two
months (dbt var productivity_base_months = 2) so that chaining shows within
five months: link 0 = Jan-Feb (base), link 1 = Mar-Apr, link 2 = May. The
deflator is the seed's `illustrative_example` series: 100, then 105 from
March 2024 (invented figures, for tests only).

Activity and cost (ledger, GBP):

    month  bed days  ward cost  contacts  team cost  total cost  deflator
    Jan       41       20,500      10       1,000      21,500      100
    Feb       29       14,500      10       1,000      15,500      100
    Mar       31       18,600      10       1,000      19,600      105
    Apr       30       18,000      10       1,000      19,000      105
    May       35       24,500      20       2,000      26,500      105

Bed days: stay WS0 is open all along (31, 29, 31, 30, 31 days); WS1 5-10 Jan
and WS2 20-25 Jan add 5 + 5 in January; WS3 2-6 May adds 4 in May.

Unit costs per link period (sum of cost / sum of quantity):
    link 0: bed day 35,000 / 70 = 500; contact 2,000 / 20 = 100
    link 1: bed day 36,600 / 61 = 600; contact 2,000 / 20 = 100

Output V_t(w) = bed days x bed-day cost(w) + contacts x contact cost(w):
    V_Jan(0) = 41 x 500 + 10 x 100 = 21,500;  V_Feb(0) = 15,500;  A_0 = 18,500
    V_Mar(0) = 16,500;  V_Apr(0) = 16,000   (link 1 valued at link 0 costs)
    V_Mar(1) = 31 x 600 + 1,000 = 19,600;  V_Apr(1) = 19,000;  A_1 = 19,300
    V_May(1) = 35 x 600 + 20 x 100 = 23,000 (link 2 valued at link 1 costs)
Output index:
    Jan 100 x 21,500 / 18,500 = 116.2162;  Feb 100 x 15,500 / 18,500 = 83.7838
    Mar 100 x 16,500 / 18,500 = 89.1892;   Apr 100 x 16,000 / 18,500 = 86.4865
    chain level of link 1 = mean(89.1892, 86.4865) = 87.8378
    May 87.8378 x 23,000 / 19,300 = 104.6772
    (a fixed-base index would give 100 x (35 x 500 + 2,000) / 18,500 = 105.4054)
Input index (real cost = cost x 100 / deflator; base mean real cost 18,500):
    Jan 116.2162, Feb 83.7838, Mar 18,666.67 / 185 = 100.9009,
    Apr 18,095.24 / 185 = 97.8121, May 25,238.10 / 185 = 136.4222
Productivity index = 100 x output / input:
    Jan 100, Feb 100, Mar 88.3929, Apr 88.4211, May 76.7300
Quality adjustment: January has two index discharges (S1 readmitted as S2
within 30 days: r = 1/2) and two eligible follow-ups (S1 followed up on day
2, S2 not: f = 1/2), so the base rates are r0 = 0.5, f0 = 0.5. May has one
(S3: not readmitted, followed up next day), but May is the latest month, so its
30-day readmission window is unfinished (issue #15): the readmission part uses the
latest complete month's rate, which is the base rate (component 1), and
q = 0.5 x 1 + 0.5 x 1 / 0.5 = 1.5. The inpatient part of V_May(1) is 21,000, so
output_qa = 104.6772 x (2,000 + 1.5 x 21,000) / 23,000 = 152.4646 and
productivity_qa = 100 x 152.4646 / 136.4222 = 111.7595. Other months: q = 1.
"""

from datetime import datetime

import duckdb
import pytest

from pipelines.dbt_project import run_dbt
from pipelines.ingest.load import ingest
from tests.rawfiles import tmp_settings, write_header, write_table

P = "RXA"
MONTHS = ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]
WARD_COST = {
    "2024-01": 20500,
    "2024-02": 14500,
    "2024-03": 18600,
    "2024-04": 18000,
    "2024-05": 24500,
}
CONTACTS = {"2024-01": 10, "2024-02": 10, "2024-03": 10, "2024-04": 10, "2024-05": 20}


def spell(sid, person, start, disch=None):
    return {
        "OrgIDProv": P,
        "UniqHospProvSpellID": sid,
        "UniqServReqID": "R" + person[1:],
        "LocalPatientId": person,
        "StartDateHospProvSpell": start,
        "MethAdmMHHospProvSpell": "21",
        "SourceAdmMHHospProvSpell": "19",
        "DischDateHospProvSpell": disch,
        "MethOfDischMHHospProvSpell": "1" if disch else None,
        "DestOfDischHospProvSpell": "19" if disch else None,
    }


def stay(wid, sid, person, start, end=None):
    return {
        "OrgIDProv": P,
        "UniqWardStayID": wid,
        "UniqHospProvSpellID": sid,
        "LocalPatientId": person,
        "StartDateWardStay": start,
        "EndDateWardStay": end,
        "WardCode": "W1",
        "MHAdmittedPatientClass": "200",
        "WardSecLevel": "0",
    }


def contact(cid, person, day):
    return {
        "OrgIDProv": P,
        "UniqCareContID": cid,
        "UniqServReqID": "R" + person[1:],
        "LocalPatientId": person,
        "UniqCareProfTeamLocalID": "T1",
        "CareContDate": day,
        "ConsMechanismMH": "01",
        "AttendStatus": "5",
        "ClinContDurOfCareCont": "30",
    }


def month_tables(period: str) -> dict[str, list[dict]]:
    spells = [spell("S0", "P0", "2023-12-01")]
    stays = [stay("WS0", "S0", "P0", "2023-12-01")]
    contacts = []
    people = ["P0", "P9"]
    if period == "2024-01":
        spells += [
            spell("S1", "P1", "2024-01-05", "2024-01-10"),
            spell("S2", "P1", "2024-01-20", "2024-01-25"),
        ]
        stays += [
            stay("WS1", "S1", "P1", "2024-01-05", "2024-01-10"),
            stay("WS2", "S2", "P1", "2024-01-20", "2024-01-25"),
        ]
        contacts.append(contact("C-P1", "P1", "2024-01-12"))  # S1 followed up on day 2
        people.append("P1")
    if period == "2024-05":
        spells.append(spell("S3", "P2", "2024-05-02", "2024-05-06"))
        stays.append(stay("WS3", "S3", "P2", "2024-05-02", "2024-05-06"))
        contacts.append(contact("C-P2", "P2", "2024-05-07"))  # S3 followed up next day
        people.append("P2")
    # filler contacts of P9 (no hospital spells) up to the month's count
    for i in range(CONTACTS[period] - len(contacts)):
        contacts.append(contact(f"C{period}-{i}", "P9", f"{period}-{i % 9 + 1:02d}"))
    referrals = [
        {
            "OrgIDProv": P,
            "UniqServReqID": "R" + p[1:],
            "LocalPatientId": p,
            "ReferralRequestReceivedDate": "2023-11-01",
            "UniqCareProfTeamLocalID": "T1",
        }
        for p in people
    ]
    mpi = [
        {
            "OrgIDProv": P,
            "LocalPatientId": p,
            "NHSNumber": "9434765919",
            "PersonBirthDate": "1980-05-05",
            "Gender": "1",
        }
        for p in people
    ]
    return {
        "mhs501_hosp_prov_spell": spells,
        "mhs502_ward_stay": stays,
        "mhs201_care_contact": contacts,
        "mhs101_referral": referrals,
        "mhs001_mpi": mpi,
    }


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("productivity")
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
    write_table(
        raw,
        "localities",
        [{"OrgIDProv": P, "Locality": "North", "AgeBand": "all", "Population": "100000"}],
    )
    for i, period in enumerate(MONTHS):
        write_header(raw, P, period, datetime(2024, 2 + i, 15, 9))
        for table, rows in month_tables(period).items():
            write_table(raw, table, rows, P, period)
        write_table(
            raw,
            "ledger",
            [
                {
                    "CostCentre": "CC1",
                    "WardCode": "W1",
                    "Subjective": "pay_substantive",
                    "AmountGBP": str(WARD_COST[period]),
                },
                {
                    "CostCentre": "CC2",
                    "UniqCareProfTeamLocalID": "T1",
                    "Subjective": "pay_substantive",
                    "AmountGBP": str(100 * CONTACTS[period]),
                },
            ],
            P,
            period,
        )
    assert not ingest(s).problems
    # tests of staging models are left to the staging suite (they only cost time here)
    run_dbt(
        s,
        [
            "build",
            "--select",
            "+mart_productivity",
            "+mart_costs",
            "+int_metric_values_cost",
            "metric_catalogue",
            "--indirect-selection",
            "cautious",
            "--exclude",
            "resource_type:test,path:models/staging",
            "--vars",
            "{productivity_base_months: 2, deflator_series: illustrative_example}",
        ],
    )
    con = duckdb.connect(str(s.warehouse), read_only=True)
    yield con
    con.close()


def index_rows(con, level="provider", unit=P):
    rows = con.execute(
        "select strftime(period_start, '%Y-%m'), period_link, output_index, input_index, "
        "productivity_index, quality_factor, output_index_quality_adjusted, "
        "productivity_index_quality_adjusted from marts.mart_productivity "
        "where level = ? and unit_code = ? and period_type = 'month' order by period_start",
        [level, unit],
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_unit_costs_per_link_period(wh) -> None:
    rows = wh.execute(
        "select link_period, activity_type, category_code, quantity, unit_cost_gbp "
        "from intermediate.int_productivity_unit_costs order by 1, 2"
    ).fetchall()
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        (0, "attended_contact", "A05", 20),
        (0, "bed_day", "200", 70),
        (1, "attended_contact", "A05", 20),
        (1, "bed_day", "200", 61),
        (2, "attended_contact", "A05", 20),
        (2, "bed_day", "200", 35),
    ]
    costs = {(r[0], r[1]): r[4] for r in rows}
    assert costs[(0, "bed_day")] == pytest.approx(500)
    assert costs[(1, "bed_day")] == pytest.approx(600)
    assert costs[(0, "attended_contact")] == pytest.approx(100)


def test_output_input_and_productivity_index_match_hand_calculation(wh) -> None:
    got = index_rows(wh)
    assert [got[m][0] for m in MONTHS] == [0, 0, 1, 1, 2]  # link periods
    expected = {
        #          output     input      productivity
        "2024-01": (116.2162, 116.2162, 100.0),
        "2024-02": (83.7838, 83.7838, 100.0),
        "2024-03": (89.1892, 100.9009, 88.3929),
        "2024-04": (86.4865, 97.8121, 88.4211),
        "2024-05": (104.6772, 136.4222, 76.7300),
    }
    for month, (oi, ii, pi) in expected.items():
        assert got[month][1] == pytest.approx(oi, abs=1e-3), month
        assert got[month][2] == pytest.approx(ii, abs=1e-3), month
        assert got[month][3] == pytest.approx(pi, abs=1e-3), month
    # the base period averages 100
    assert (got["2024-01"][1] + got["2024-02"][1]) / 2 == pytest.approx(100)


def test_chain_linking_differs_from_fixed_base(wh) -> None:
    may = index_rows(wh)["2024-05"]
    assert may[1] == pytest.approx(100 * 16250 / 18500 * 23000 / 19300)
    assert may[1] != pytest.approx(100 * (35 * 500 + 2000) / 18500, abs=0.1)


def test_quality_adjustment(wh) -> None:
    got = index_rows(wh)
    for month in MONTHS[:4]:  # base rates, or no discharges: no adjustment
        assert got[month][4] == pytest.approx(1.0), month
        assert got[month][5] == pytest.approx(got[month][1]), month
    may = got["2024-05"]
    assert may[4] == pytest.approx(1.5)
    assert may[5] == pytest.approx(152.4646, abs=1e-3)
    assert may[6] == pytest.approx(111.7595, abs=1e-3)


def test_locality_equals_provider_when_everything_is_in_one_locality(wh) -> None:
    north, provider = index_rows(wh, "locality", "North"), index_rows(wh)
    assert north.keys() == provider.keys()
    for month in MONTHS:
        assert north[month] == pytest.approx(provider[month]), month


def test_metric_rows_for_mart_metric_values(wh) -> None:
    rows = wh.execute(
        "select metric_id, numerator, denominator, value, value_kind "
        "from intermediate.int_metric_values_cost where period_start = '2024-05-01' "
        "and level = 'provider' and period_type = 'month' and metric_id in "
        "('output_index', 'input_index', 'productivity_index', "
        "'productivity_index_quality_adjusted') order by metric_id"
    ).fetchall()
    got = {r[0]: r[1:] for r in rows}
    # output: chain-linked output in base-period GBP over the mean monthly base output
    num, den, value, kind = got["output_index"]
    assert (num, den, kind) == (pytest.approx(104.6772 * 185, abs=0.1), 18500, "ratio")
    assert value == pytest.approx(104.6772, abs=1e-3)
    num, den, value, _ = got["input_index"]
    assert (num, den) == (pytest.approx(26500 / 1.05), pytest.approx(18500))
    assert got["productivity_index"][2] == pytest.approx(76.7300, abs=1e-3)
    assert got["productivity_index_quality_adjusted"][2] == pytest.approx(111.7595, abs=1e-3)
    # five months only: no rolling 12-month rows
    assert (
        wh.execute(
            "select count(*) from marts.mart_productivity where period_type = 'rolling_12m'"
        ).fetchone()[0]
        == 0
    )


def test_cost_per_bed_day_uses_ledger(wh) -> None:
    row = wh.execute(
        "select cost_method, cost_total_gbp, occupied_bed_days, cost_per_occupied_bed_day "
        "from marts.mart_costs where unit_code = 'W1' and period_start = '2024-01-01'"
    ).fetchone()
    assert row == ("ledger", 20500, 41, pytest.approx(500))
