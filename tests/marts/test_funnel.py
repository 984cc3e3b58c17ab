"""mart_funnel (95% / 99.8% funnel limits between units) on hand-made inputs.

The real dbt models run against a hand-made ``intermediate.int_metric_values`` and
``intermediate.int_discharges`` (the LOS spread of the normal-approximation
funnel): the catalogue is seeded, the two tables are created by hand, then only
the funnel models are built. Expected limits are worked out by hand in comments.
"""

import math
import statistics
from datetime import date

import duckdb
import pytest

from pipelines.config import load_settings
from pipelines.dbt_project import run_dbt

A, B = "RXA", "RXB"
MONTHS_A = [date(2024, m, 1) for m in range(1, 13)]  # RXA: 12 months -> rolling_12m too
MONTHS_B = [date(2024, m, 1) for m in range(10, 13)]  # RXB: 3 months -> month only
DEC = date(2024, 12, 1)
Z95, Z998 = 1.959964, 3.090232

# LOS of RXA's discharges in December: W1 10, 10, 20, 20, 30 (mean 18); W2 30, 40,
# 50, 50, 50 (mean 44); all ten: mean 310 / 10 = 31, squares about it 2290 ->
# sample sd = sqrt(2290 / 9) = 15.95. One more in June (100 days, W1) counts in the
# rolling 12 months only; one in December 2023 is outside every window.
LOS_DEC_W1, LOS_DEC_W2 = [10, 10, 20, 20, 30], [30, 40, 50, 50, 50]


def mv(metric, month, provider, level, unit, num, den, value=None):
    if value is None and num is not None and den != 0:
        value = num if den is None else (100.0 * num / den if metric.endswith("_pct")
                                         else num / den)
    return (metric, month, "month", provider, level, unit, f"{unit} name", "all",
            None if num is None else float(num), None if den is None else float(den), value)


def metric_rows() -> list[tuple]:
    rows = []
    for m in MONTHS_A:
        # provider-level readmissions: 100 of 1000 every month -> p = 0.1
        rows.append(mv("readmission_30d_pct", m, A, "provider", A, 100, 1000))
        # North: 12 of 100 every month
        rows.append(mv("readmission_30d_pct", m, A, "locality", "North", 12, 100))
        rows.append(mv("admissions", m, A, "provider", A, 50, None))
    for m in MONTHS_B:
        rows.append(mv("readmission_30d_pct", m, B, "provider", B, 10, 100))
        rows.append(mv("readmission_30d_pct", m, B, "locality", "Hill", 5, 50))
    rows += [
        # December only
        mv("readmission_30d_pct", DEC, A, "locality", "South", 30, 100),
        mv("readmission_30d_pct", DEC, A, "locality", "East", 54, 400),
        mv("readmission_30d_pct", DEC, A, "locality", "West", 0, 4),
        mv("readmission_30d_pct", DEC, A, "ward", "W0", 0, 0),  # nothing to plot
        mv("admissions", DEC, A, "locality", "North", 20, None),  # a count: no funnel
        # DNA rate by team, no provider-level row: overall = teams pooled 40 / 200
        mv("dna_rate_pct", DEC, A, "team", "T1", 10, 50),
        mv("dna_rate_pct", DEC, A, "team", "T2", 30, 150),
        # mean LOS (normal); the median is never pooled
        mv("los_mean_days", DEC, A, "provider", A, 310, 10),
        mv("los_mean_days", DEC, A, "ward", "W1", 90, 5),
        mv("los_mean_days", DEC, A, "ward", "W2", 220, 5),
        mv("los_mean_days", date(2024, 6, 1), A, "provider", A, 100, 1),
        mv("los_mean_days", date(2024, 6, 1), A, "ward", "W1", 100, 1),
        mv("los_median_days", DEC, A, "ward", "W1", 20, 5, 20.0),
        # a count with an exposure denominator (placements per head of population)
        mv("oap_new", DEC, A, "provider", A, 20, 200000, 20.0),
        mv("oap_new", DEC, A, "locality", "North", 15, 50000, 15.0),
        # a rate: contacts per clinical WTE (Poisson)
        mv("attended_contacts_per_clinical_wte", DEC, A, "provider", A, 1000, 20),
        mv("attended_contacts_per_clinical_wte", DEC, A, "team", "T1", 300, 5),
        # no funnel: a cost per unit (no spread), a percentage of money
        mv("cost_per_occupied_bed_day", DEC, A, "provider", A, 50000, 100),
        mv("cost_per_occupied_bed_day", DEC, A, "ward", "W1", 30000, 50),
        mv("agency_pay_pct", DEC, A, "provider", A, 10000, 100000),
        mv("agency_pay_pct", DEC, A, "ward", "W1", 5000, 40000),
    ]
    return rows


def discharge_rows() -> list[tuple]:
    rows = [(A, DEC, float(d), True, 40) for d in LOS_DEC_W1 + LOS_DEC_W2]
    rows.append((A, date(2024, 6, 1), 100.0, True, 70))
    rows.append((A, date(2023, 12, 1), 500.0, True, 40))
    return rows


@pytest.fixture(scope="module")
def funnel(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("funnel")
    s = load_settings({"MHP_WAREHOUSE": str(tmp / "wh.duckdb"),
                       "MHP_DBT_TARGET_PATH": str(tmp / "target")})
    con = duckdb.connect(str(s.warehouse))
    con.execute("create schema if not exists intermediate")
    con.execute("""
        create table intermediate.int_metric_values (
            metric_id varchar, period_start date, period_type varchar, provider_code varchar,
            level varchar, unit_code varchar, unit_name varchar, bed_type_group varchar,
            numerator double, denominator double, value double)""")
    con.executemany("insert into intermediate.int_metric_values "
                    "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    metric_rows())
    # every period final (int_metric_values.is_complete, issue #15)
    con.execute("alter table intermediate.int_metric_values "
                "add column is_complete boolean default true")
    con.execute("""
        create table intermediate.int_discharges (
            provider_code varchar, period_start date, los_days double,
            is_adult_acute boolean, age_at_discharge integer)""")
    con.executemany("insert into intermediate.int_discharges values (?, ?, ?, ?, ?)",
                    discharge_rows())
    con.close()
    run_dbt(s, ["build", "--select",
                "metric_catalogue int_funnel_periods int_funnel_los_sd mart_funnel",
                "--indirect-selection", "cautious"])
    con = duckdb.connect(str(s.warehouse), read_only=True)
    yield con
    con.close()


def row(con, metric, unit, period_type="month", provider=A, group="all") -> dict:
    cur = con.execute(
        "select * from marts.mart_funnel where metric_id = ? and unit_code = ? and "
        "period_type = ? and provider_code = ? and bed_type_group = ?",
        [metric, unit, period_type, provider, group])
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    assert len(rows) == 1, rows
    return rows[0]


def limits(r: dict) -> tuple:
    return tuple(pytest.approx(r[c], abs=1e-6) for c in ("lower_95", "upper_95", "lower_998",
                                                         "upper_998"))


def test_periods(funnel) -> None:
    got = funnel.execute("select provider_code, period_type, period_start, window_start "
                         "from intermediate.int_funnel_periods order by 1, 2").fetchall()
    assert got == [(A, "month", DEC, DEC), (A, "rolling_12m", DEC, date(2024, 1, 1)),
                   (B, "month", DEC, DEC)]  # RXB has 3 months: no rolling 12 months


def test_binomial_limits_inside_and_outside(funnel) -> None:
    # overall p = 100 / 1000 = 0.1; n = 100: se = sqrt(0.1 x 0.9 / 100) = 0.03
    #   95%:   10 -/+ 1.959964 x 3 = 4.120108 / 15.879892
    #   99.8%: 10 -/+ 3.090232 x 3 = 0.729304 / 19.270696
    north = row(funnel, "readmission_30d_pct", "North")
    assert north["method"] == "binomial"
    assert (north["numerator"], north["denominator"], north["value"]) == (12, 100, 12)
    assert (north["overall_numerator"], north["overall_denominator"]) == (100, 1000)
    assert north["overall_value"] == pytest.approx(10)
    assert (4.120108, 15.879892, 0.729304, 19.270696) == limits(north)
    assert north["outside_95"] is False and north["outside_998"] is False  # 12: inside
    south = row(funnel, "readmission_30d_pct", "South")
    assert limits(south) == limits(north)  # same n, same limits
    assert south["outside_95"] and south["outside_998"]  # 30 > 19.27
    # East: n = 400, se = 0.015: 95% 7.060054 / 12.939946, 99.8% 5.364652 / 14.635348;
    # 54 / 400 = 13.5% is outside 95% only
    east = row(funnel, "readmission_30d_pct", "East")
    assert (7.060054, 12.939946, 5.364652, 14.635348) == limits(east)
    assert east["outside_95"] and not east["outside_998"]
    # West: n = 4, se = 0.15: lower limits 10 - 29.4 and 10 - 46.4 clamp to 0;
    # 0% is not below 0
    west = row(funnel, "readmission_30d_pct", "West")
    assert (west["lower_95"], west["lower_998"]) == (0, 0)
    assert west["upper_998"] == pytest.approx(10 + Z998 * 15)
    assert not west["outside_95"] and not west["outside_998"]


def test_rolling_12_months_sums_the_window(funnel) -> None:
    # North 12 x (12 / 100) = 144 / 1200 = 12%; overall 1200 / 12000 = 10%;
    # se = 0.3 / sqrt(1200) = 0.0086603: 95% 8.302621 / 11.697379 (outside),
    # 99.8% 7.323781 / 12.676219 (inside)
    north = row(funnel, "readmission_30d_pct", "North", "rolling_12m")
    assert (north["numerator"], north["denominator"]) == (144, 1200)
    assert (north["overall_numerator"], north["overall_denominator"]) == (1200, 12000)
    assert north["period_start"] == DEC and north["window_start"] == date(2024, 1, 1)
    assert (8.302621, 11.697379, 7.323781, 12.676219) == limits(north)
    assert north["outside_95"] and not north["outside_998"]
    # RXB: only its latest month
    hill = row(funnel, "readmission_30d_pct", "Hill", provider=B)
    assert hill["overall_value"] == pytest.approx(10)
    assert funnel.execute("select count(*) from marts.mart_funnel where provider_code = ? "
                          "and period_type = 'rolling_12m'", [B]).fetchone()[0] == 0


def test_overall_falls_back_to_pooled_units(funnel) -> None:
    # no provider-level DNA row: overall = (10 + 30) / (50 + 150) = 20%
    t1 = row(funnel, "dna_rate_pct", "T1")
    assert (t1["overall_numerator"], t1["overall_denominator"]) == (40, 200)
    assert t1["overall_value"] == pytest.approx(20)
    se = math.sqrt(0.2 * 0.8 / 50)  # 0.056569 -> 95% 20 -/+ 11.0874
    assert t1["lower_95"] == pytest.approx(100 * (0.2 - Z95 * se))
    assert t1["level"] == "team"


def test_normal_limits_for_mean_los(funnel) -> None:
    # overall mean 31, sd = sqrt(2290 / 9) = 15.951; n = 5: se = 7.1336
    # 95%: 31 -/+ 13.982 = 17.018 / 44.982 -> W1 (18) and W2 (44) just inside
    # 99.8%: 31 -/+ 22.045 = 8.955 / 53.045
    sd = math.sqrt(2290 / 9)
    assert statistics.stdev(LOS_DEC_W1 + LOS_DEC_W2) == pytest.approx(sd)
    w1 = row(funnel, "los_mean_days", "W1")
    assert w1["method"] == "normal"
    assert (w1["value"], w1["overall_value"]) == (18, 31)
    assert w1["overall_sd"] == pytest.approx(sd)
    se = sd / math.sqrt(5)
    assert (31 - Z95 * se, 31 + Z95 * se, 31 - Z998 * se, 31 + Z998 * se) == limits(w1)
    assert w1["lower_95"] == pytest.approx(17.018, abs=1e-3)
    assert not w1["outside_95"]
    w2 = row(funnel, "los_mean_days", "W2")
    assert w2["value"] == 44 and not w2["outside_95"]
    # rolling 12 months: W1 has 6 spells (190 days), overall 410 / 11, sd of all 11
    # discharges in the window (the December 2023 one is outside it)
    r = row(funnel, "los_mean_days", "W1", "rolling_12m")
    sd12 = statistics.stdev(LOS_DEC_W1 + LOS_DEC_W2 + [100])
    assert (r["numerator"], r["denominator"]) == (190, 6)
    assert r["overall_value"] == pytest.approx(410 / 11)
    assert r["overall_sd"] == pytest.approx(sd12)
    assert r["upper_998"] == pytest.approx(410 / 11 + Z998 * sd12 / math.sqrt(6))


def test_poisson_for_a_count_with_exposure(funnel) -> None:
    # rate r = 20 / 200000 = 1e-4 per head; North n = 50000: se = sqrt(1e-4 / 50000)
    # = 4.4721e-5; 99.8% upper = 1e-4 + 3.090232 x 4.4721e-5 = 2.382e-4 < 15 / 50000 = 3e-4
    north = row(funnel, "oap_new", "North")
    se = math.sqrt(1e-4 / 50000)
    assert north["method"] == "poisson"
    assert north["value"] == pytest.approx(3e-4)
    assert north["upper_998"] == pytest.approx(1e-4 + Z998 * se)
    assert north["lower_998"] == 0  # 1e-4 - 1.38e-4 clamps to 0
    assert north["outside_998"]


def test_poisson_for_a_rate(funnel) -> None:
    # 1000 contacts / 20 WTE = 50 per WTE; T1 300 / 5 = 60: se = sqrt(50 / 5) = 3.1623,
    # 99.8% upper = 50 + 3.090232 x 3.1623 = 59.77 < 60 -> outside
    t1 = row(funnel, "attended_contacts_per_clinical_wte", "T1")
    assert (t1["method"], t1["value"], t1["overall_value"]) == ("poisson", 60, 50)
    assert t1["upper_998"] == pytest.approx(50 + Z998 * math.sqrt(10))
    assert t1["outside_998"]


def test_what_is_left_out(funnel) -> None:
    metrics = {r[0] for r in funnel.execute(
        "select distinct metric_id from marts.mart_funnel").fetchall()}
    # not: admissions (count, no exposure), los_median_days (median),
    # cost_per_occupied_bed_day (mean without a spread), agency_pay_pct (% of money)
    assert metrics == {"readmission_30d_pct", "dna_rate_pct", "los_mean_days", "oap_new",
                       "attended_contacts_per_clinical_wte"}
    # no provider level, no zero denominators, no count without exposure, no medians
    assert funnel.execute("select count(*) from marts.mart_funnel where level = 'provider' "
                          "or unit_code = 'W0' or denominator <= 0").fetchone()[0] == 0
