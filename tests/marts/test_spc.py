"""mart_spc (XmR charts, Making Data Count / NHSRplotthedots rules) on hand-made series.

The real dbt models run against a hand-made ``intermediate.int_metric_values``: the
catalogue is seeded, the table is created by hand, then only the SPC models are
built. Every expected figure is worked out by hand in the comments; a last test
compares many random series with a line-by-line Python port of NHSRplotthedots.
"""

import math
import random
from datetime import date

import duckdb
import pytest

from pipelines.config import load_settings
from pipelines.dbt_project import run_dbt

P = "RXA"
MONTHS = [date(2023 + (m - 1) // 12, (m - 1) % 12 + 1, 1) for m in range(1, 21)]  # 1/23-8/24

# (metric, level, unit) -> values of the last len(values) months
SERIES = {
    # A: admissions (better: neither). 10, 12 alternating for 19 points, then 30.
    # mean = (9 x 22 + 10 + 30) / 20 = 238 / 20 = 11.9
    # moving ranges: 18 x 2 and one of 20 -> unscreened mean = 56 / 19 = 2.947;
    # 20 >= 3.267 x 2.947 = 9.63 is screened out -> mean MR = 36 / 18 = 2
    # limits 11.9 -/+ 2.66 x 2 = 6.58 / 17.22; 30 is above the upper limit
    ("admissions", "provider", P): [10, 12] * 9 + [10, 30],
    # B: follow-up 72h % (higher is better, target at least 80).
    # 54, 46 x 6 then 53 x 8: mean = (12 x 50 + 8 x 53) / 20 = 1024 / 20 = 51.2
    # MRs: 11 x 8, 7, 7 x 0 = 95 / 19 = 5 (none screened: 3.267 x 5 = 16.3)
    # limits 51.2 -/+ 13.3 = 37.9 / 64.5; two-thirds 51.2 -/+ 8.867 = 42.33 / 60.07
    # points 13-20 (53) are 8 in a row above the mean: run of 7+ -> improvement, high
    # upper limit 64.5 < target 80 -> consistently fails the target
    ("followup_72h_pct", "locality", "North"): [54, 46] * 6 + [53] * 8,
    # C: occupancy % (lower is better, target at most 85).
    # 80, 84 x 6, 80, then 76, 78, 80, 82, 84, 86, 88 (6 rises = NHSRplotthedots' 7-point trend)
    # mean = (7 x 80 + 6 x 84 + 574) / 20 = 1638 / 20 = 81.9
    # MRs: 12 x 4, 4, 6 x 2 = 64 / 19 = 3.368 -> limits 81.9 -/+ 8.96 = 72.94 / 90.86
    # two-thirds 81.9 -/+ 5.973 = 75.93 / 87.87: only 88 is beyond (no 2 of 3)
    # points 14-20 flagged as a trend, all 'high' (rising) -> concern; hit or miss (85 inside)
    ("occupancy_pct", "ward", "W-TREND"): [80, 84] * 6 + [80, 76, 78, 80, 82, 84, 86, 88],
    # D: mean LOS (lower is better, no target).
    # 20, 22 x 8, 20, then 26, 22, 26: mean = (9 x 20 + 8 x 22 + 74) / 20 = 430 / 20 = 21.5
    # MRs: 16 x 2, 6, 4, 4 = 46 / 19 = 2.421 (6 < 3.267 x 2.421 = 7.9 kept)
    # limits 21.5 -/+ 6.44 = 15.06 / 27.94; two-thirds 21.5 -/+ 4.293 = 17.21 / 25.79
    # 26, 22, 26 all above the mean, two beyond 25.79 (inside 27.94): points 18 and 20
    # are two of three (concern, high); 22 (point 19) is not flagged
    ("los_mean_days", "ward", "W-2OF3"): [20, 22] * 8 + [20, 26, 22, 26],
    # F: occupancy %, 60, 64 x 9, 60, then 40.
    # mean = (10 x 60 + 9 x 64 + 40) / 20 = 1216 / 20 = 60.8
    # MRs: 18 x 4 and 20 -> unscreened 92 / 19 = 4.842; 20 >= 15.82 screened -> MR 4
    # limits 60.8 -/+ 10.64 = 50.16 / 71.44; 40 below the lower limit -> improvement, low
    # upper limit 71.44 < target 85 -> consistently passes
    ("occupancy_pct", "ward", "W-LOW"): [60, 64] * 9 + [60, 40],
    # G: occupancy %, 95, 97 x 6 (12 points: not too few). mean 96, MR 2
    # limits 96 -/+ 5.32 = 90.68 / 101.32: lower limit above the target 85 -> fails
    ("occupancy_pct", "ward", "W-FAIL"): [95, 97] * 6,
    # H: occupancy %, 8 points 80, 90: too few points (< 12) but still computed:
    # mean 85, MR 10, limits 85 -/+ 26.6 = 58.4 / 111.6 -> hit or miss
    ("occupancy_pct", "ward", "W-FEW"): [80, 90] * 4,
    # I: a point on the mean breaks a run: mean = 70 / 14 = 5 exactly;
    # sides - - - 0 - - -  + + + 0 + + + : no run of 7 (MRs 16 / 13 = 1.23,
    # limits 5 -/+ 3.27, two-thirds 2.82 / 7.18: nothing beyond) -> all common cause
    ("admissions_unplanned_pct", "ward", "W-MEAN"): [3, 4, 3, 5, 4, 3, 4, 6, 7, 6, 5, 7, 6, 7],
    # J: only 5 rises (6 points 38..48) is not a trend:
    # mean = 594 / 14 = 42.43, MR 44 / 13 = 3.385, limits 33.43 / 51.43,
    # two-thirds 36.43 / 48.43 (48 is not beyond) -> all common cause
    ("admissions_unplanned_pct", "ward", "W-SIX"): [40, 44] * 4 + [38, 40, 42, 44, 46, 48],
    # L: a flat series: every moving range 0 -> limits = mean = 50 (NHSRplotthedots
    # would screen every moving range out and give no limits); passes the 85 target
    ("occupancy_pct", "ward", "W-FLAT"): [50] * 12,
}

# K: attended contacts (a count) in months 5-20 except month 10: the gap is charted as 0
GAP_VALUES = {m: 100 + m for m in range(5, 21) if m != 10}

RANDOM_SERIES = 60


def random_series(rng: random.Random) -> list[float]:
    """Short series of small integers (ties, runs, trends) with occasional shifts."""
    n = rng.randint(2, 30)
    level, out = rng.randint(3, 7), []
    for _ in range(n):
        if rng.random() < 0.1:
            level += rng.choice([-3, 3])
        if rng.random() < 0.15:
            level += 1
        out.append(float(level + rng.randint(-2, 2)))
    return out


def months_to_aug_2024(n: int) -> list[date]:
    """The n months ending with August 2024 (MONTHS for n <= 20)."""
    first = 2024 * 12 + 7 - n + 1  # months counted from year 0, 0-based
    return [date(k // 12, k % 12 + 1, 1) for k in range(first, first + n)]


def rows_for(metric, level, unit, values):
    months = months_to_aug_2024(len(values))
    return [(metric, m, "month", P, level, unit, f"{unit} name", "all", None, None, float(v))
            for m, v in zip(months, values, strict=True)]


@pytest.fixture(scope="module")
def spc(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("spc")
    s = load_settings({"MHP_WAREHOUSE": str(tmp / "wh.duckdb"),
                       "MHP_DBT_TARGET_PATH": str(tmp / "target")})
    rows = []
    for (metric, level, unit), values in SERIES.items():
        rows += rows_for(metric, level, unit, values)
    rows += [("attended_contacts", MONTHS[m - 1], "month", P, "team", "T-GAP", "Gap team",
              "all", v, None, v) for m, v in GAP_VALUES.items()]
    # a quarter row is not a monthly point
    rows.append(("admissions", MONTHS[0], "quarter", P, "provider", P, P, "all", 99.0, None, 99.0))
    rng = random.Random(20240801)
    randoms = {}
    for i in range(RANDOM_SERIES):
        metric = rng.choice(["admissions_unplanned_pct", "followup_72h_pct", "los_mean_days"])
        values = random_series(rng)
        randoms[(metric, f"R{i:02d}")] = values
        rows += rows_for(metric, "ward", f"R{i:02d}", values)

    con = duckdb.connect(str(s.warehouse))
    con.execute("create schema if not exists intermediate")
    con.execute("""
        create table intermediate.int_metric_values (
            metric_id varchar, period_start date, period_type varchar, provider_code varchar,
            level varchar, unit_code varchar, unit_name varchar, bed_type_group varchar,
            numerator double, denominator double, value double)""")
    con.executemany("insert into intermediate.int_metric_values "
                    "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows)
    # every point final (int_metric_values.is_complete, issue #15)
    con.execute("alter table intermediate.int_metric_values "
                "add column is_complete boolean default true")
    con.close()
    run_dbt(s, ["build", "--select",
                "metric_catalogue spc_process_changes int_spc_points int_spc_rules mart_spc",
                "--indirect-selection", "cautious"])
    con = duckdb.connect(str(s.warehouse), read_only=True)
    yield con, randoms
    con.close()


def chart(con, metric, level, unit) -> list[dict]:
    cur = con.execute(
        "select * from marts.mart_spc where metric_id = ? and level = ? and unit_code = ? "
        "order by period_start", [metric, level, unit])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def flagged(points, col) -> list[int]:
    return [p["point_index"] for p in points if p[col]]


def test_limits_screening_and_outside_point(spc) -> None:
    con, _ = spc
    pts = chart(con, "admissions", "provider", P)
    assert len(pts) == 20  # the quarter row is ignored
    first, last = pts[0], pts[-1]
    assert first["mean"] == pytest.approx(11.9)
    assert first["moving_range"] is None
    assert last["moving_range"] == 20 and last["moving_range_excluded"]
    assert not any(p["moving_range_excluded"] for p in pts[:-1])
    assert first["mean_moving_range_unscreened"] == pytest.approx(56 / 19)
    assert first["mean_moving_range"] == pytest.approx(2.0)
    assert first["lower_process_limit"] == pytest.approx(6.58)
    assert first["upper_process_limit"] == pytest.approx(17.22)
    assert first["lower_two_thirds"] == pytest.approx(11.9 - 2 / 3 * 2.66 * 2)
    assert first["upper_two_thirds"] == pytest.approx(11.9 + 2 / 3 * 2.66 * 2)
    assert flagged(pts, "outside_limits") == [20]
    assert flagged(pts, "special_cause") == [20]
    assert last["point_type"] == "special_cause_neither"  # admissions: neither is better
    assert last["special_cause_side"] == "high"
    assert {p["variation_icon"] for p in pts} == {"neither_high"}
    assert {p["assurance_icon"] for p in pts} == {None}  # no target
    assert last["is_latest_point"] and not first["is_latest_point"]
    assert last["n_points"] == 20 and not last["too_few_points"]


def test_run_of_seven_improvement_and_assurance_fail(spc) -> None:
    con, _ = spc
    pts = chart(con, "followup_72h_pct", "locality", "North")
    assert pts[0]["mean"] == pytest.approx(51.2)
    assert pts[0]["mean_moving_range"] == pytest.approx(5.0)
    assert (pts[0]["lower_process_limit"], pts[0]["upper_process_limit"]) == (
        pytest.approx(37.9), pytest.approx(64.5))
    assert flagged(pts, "run_of_seven") == list(range(13, 21))
    assert flagged(pts, "special_cause") == list(range(13, 21))
    assert {p["point_type"] for p in pts[12:]} == {"special_cause_improvement"}
    assert pts[-1]["special_cause_rule"] == "run_above_mean"
    assert pts[-1]["variation_icon"] == "improvement_high"
    assert pts[-1]["target_value"] == 80 and pts[-1]["target_type"] == "min"
    assert pts[-1]["assurance_icon"] == "fail"


def test_trend_of_six_rises_is_concern_when_lower_is_better(spc) -> None:
    con, _ = spc
    pts = chart(con, "occupancy_pct", "ward", "W-TREND")
    assert pts[0]["mean"] == pytest.approx(81.9)
    assert pts[0]["mean_moving_range"] == pytest.approx(64 / 19)
    assert flagged(pts, "trend_of_six") == list(range(14, 21))
    assert flagged(pts, "run_of_seven") == [] and flagged(pts, "two_of_three") == []
    assert flagged(pts, "outside_limits") == []
    assert flagged(pts, "beyond_two_thirds") == [20]  # 88 > 87.87, alone
    # the whole trend is 'high' (rising), even the points below the mean
    assert {p["special_cause_side"] for p in pts[13:]} == {"high"}
    assert pts[13]["side_of_mean"] == "below"
    assert {p["point_type"] for p in pts[13:]} == {"special_cause_concern"}
    assert pts[-1]["variation_icon"] == "concern_high"
    assert pts[-1]["assurance_icon"] == "hit_or_miss"  # 72.94 < 85 < 90.86


def test_five_rises_are_not_a_trend(spc) -> None:
    con, _ = spc
    pts = chart(con, "admissions_unplanned_pct", "ward", "W-SIX")
    assert pts[0]["mean"] == pytest.approx(594 / 14)
    assert flagged(pts, "special_cause") == []
    assert pts[-1]["variation_icon"] == "common_cause"


def test_two_of_three_beyond_two_thirds(spc) -> None:
    con, _ = spc
    pts = chart(con, "los_mean_days", "ward", "W-2OF3")
    assert pts[0]["mean"] == pytest.approx(21.5)
    assert pts[0]["mean_moving_range"] == pytest.approx(46 / 19)
    assert pts[0]["upper_two_thirds"] == pytest.approx(21.5 + 2 / 3 * 2.66 * 46 / 19)
    assert flagged(pts, "two_of_three") == [18, 20]
    assert flagged(pts, "special_cause") == [18, 20]
    assert pts[18]["point_type"] == "common_cause"
    assert pts[17]["point_type"] == pts[19]["point_type"] == "special_cause_concern"
    assert pts[-1]["special_cause_rule"] == "two_of_three_high"
    assert pts[-1]["variation_icon"] == "concern_high"
    assert pts[-1]["assurance_icon"] is None  # no target for LOS


def test_point_on_the_mean_breaks_a_run(spc) -> None:
    con, _ = spc
    pts = chart(con, "admissions_unplanned_pct", "ward", "W-MEAN")
    assert pts[0]["mean"] == 5
    assert [p["side_of_mean"] for p in pts].count("on") == 2
    assert flagged(pts, "run_of_seven") == []
    assert flagged(pts, "special_cause") == []


def test_improvement_low_and_assurance_pass(spc) -> None:
    con, _ = spc
    pts = chart(con, "occupancy_pct", "ward", "W-LOW")
    assert pts[0]["mean_moving_range_unscreened"] == pytest.approx(92 / 19)
    assert pts[0]["mean_moving_range"] == pytest.approx(4.0)
    assert pts[0]["lower_process_limit"] == pytest.approx(50.16)
    assert flagged(pts, "outside_limits") == [20]
    assert pts[-1]["special_cause_rule"] == "below_lower_limit"
    assert pts[-1]["point_type"] == "special_cause_improvement"
    assert pts[-1]["variation_icon"] == "improvement_low"
    assert pts[-1]["assurance_icon"] == "pass"  # upper limit 71.44 < 85


def test_assurance_fail_and_twelve_points_is_enough(spc) -> None:
    con, _ = spc
    pts = chart(con, "occupancy_pct", "ward", "W-FAIL")
    assert pts[0]["lower_process_limit"] == pytest.approx(90.68)
    assert pts[-1]["assurance_icon"] == "fail"
    assert pts[-1]["n_points"] == 12 and not pts[-1]["too_few_points"]


def test_too_few_points_still_computed(spc) -> None:
    con, _ = spc
    pts = chart(con, "occupancy_pct", "ward", "W-FEW")
    assert len(pts) == 8
    assert all(p["too_few_points"] and p["n_points"] == 8 for p in pts)
    assert (pts[0]["lower_process_limit"], pts[0]["upper_process_limit"]) == (
        pytest.approx(58.4), pytest.approx(111.6))
    assert pts[-1]["assurance_icon"] == "hit_or_miss"
    assert pts[-1]["variation_icon"] == "common_cause"


def test_flat_series_has_limits_on_the_mean(spc) -> None:
    con, _ = spc
    pts = chart(con, "occupancy_pct", "ward", "W-FLAT")
    assert {(p["mean"], p["mean_moving_range"], p["lower_process_limit"],
             p["upper_process_limit"]) for p in pts} == {(50, 0, 50, 50)}
    assert flagged(pts, "special_cause") == []
    assert pts[-1]["assurance_icon"] == "pass"


def test_count_gaps_are_zero_filled(spc) -> None:
    con, _ = spc
    pts = chart(con, "attended_contacts", "team", "T-GAP")
    # months 5-20 of the provider's 20 submitted months; nothing before the first row
    assert [p["period_start"] for p in pts] == MONTHS[4:]
    gap = [p for p in pts if p["is_zero_filled"]]
    assert [(p["period_start"], p["value"]) for p in gap] == [(MONTHS[9], 0)]
    assert pts[0]["n_points"] == 16
    # the zero is far below the mean of ~110: outside the limits, concern (higher is better)
    assert gap[0]["outside_limits"] and gap[0]["point_type"] == "special_cause_concern"


# ---- cross-check: a line-by-line port of NHSRplotthedots (ptd_spc_standard and
# ptd_calculate_point_type, CRAN 0.2) ---------------------------------------------

def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def ptd_port(y: list[float], direction: int) -> dict[str, list]:
    n = len(y)
    mean = sum(y) / n
    mr = [None] + [abs(y[i] - y[i - 1]) for i in range(1, n)]
    amr = sum(m for m in mr if m is not None) / max(n - 1, 1)
    kept = [m for m in mr if m is not None and m < 3.267 * amr]
    amr = sum(kept) / len(kept) if kept else float("nan")
    lpl, upl = mean - 2.66 * amr, mean + 2.66 * amr
    nlpl, nupl = mean - 2 * 2.66 / 3 * amr, mean + 2 * 2.66 / 3 * amr
    outside = [v > upl or v < lpl for v in y]
    rtm = [_sign(v - mean) for v in y]
    close = [not o and (v < nlpl or v > nupl) for v, o in zip(y, outside, strict=True)]

    def part_of_seven(v):
        vp = v + [0] * 6
        return [any(abs(vp[i + k]) == 1 for k in range(7)) for i in range(n)]

    vp = [0] * 6 + rtm
    seven_side = [int(vp[i] != 0 and all(vp[i] == vp[i - k] for k in range(1, 7)))
                  for i in range(6, 6 + n)]
    trend = [0] * min(n, 6)
    for i in range(6, n):
        d = [_sign(y[i - k] - y[i - k - 1]) for k in range(6)]
        trend.append(1 if all(x == 1 for x in d) else -1 if all(x == -1 for x in d) else 0)
    cp, rp = [0, 0] + [int(c) for c in close] + [0, 0], [0, 0] + rtm + [0, 0]
    two = [any(sum(cp[i + a:i + a + 3]) >= 2 and abs(sum(rp[i + a:i + a + 3])) == 3
               for a in range(3)) and close[i] for i in range(n)]
    p_trend, p_run = part_of_seven(trend), part_of_seven(seven_side)
    sdy = [_sign(y[i + 1] - y[i]) for i in range(n - 1)]
    right, left = sdy + sdy[-1:], [0] + sdy
    side = []
    for i in range(n):
        if outside[i]:
            side.append("high" if rtm[i] == 1 else "low")
        elif p_trend[i]:
            nxt = p_trend[i + 1] if i + 1 < n else False
            side.append("high" if (right[i] if nxt else left[i]) == 1 else "low")
        elif two[i] or p_run[i]:
            side.append("high" if rtm[i] > 0 else "low")
        else:
            side.append(None)
    ptype = ["common_cause" if s is None else "special_cause_neither" if direction == 0
             else "special_cause_improvement" if (1 if s == "high" else -1) * direction > 0
             else "special_cause_concern" for s in side]
    return {"amr": amr, "outside_limits": outside, "run_of_seven": p_run,
            "trend_of_six": p_trend, "two_of_three": two, "special_cause_side": side,
            "point_type": ptype}


def test_random_series_match_nhsrplotthedots_port(spc) -> None:
    con, randoms = spc
    direction = {"admissions_unplanned_pct": -1, "followup_72h_pct": 1, "los_mean_days": -1}
    checked = 0
    for (metric, unit), values in randoms.items():
        pts = chart(con, metric, "ward", unit)
        assert [p["value"] for p in pts] == values
        expected = ptd_port(values, direction[metric])
        if len(values) > 1 and not math.isnan(expected["amr"]):
            assert pts[0]["mean_moving_range"] == pytest.approx(expected["amr"])
        for col in ("outside_limits", "run_of_seven", "trend_of_six", "two_of_three",
                    "special_cause_side", "point_type"):
            assert [p[col] for p in pts] == [bool(x) if isinstance(x, (bool, int)) else x
                                            for x in expected[col]], (metric, unit, col, values)
        checked += 1
    assert checked == RANDOM_SERIES
