"""The local-metric bugs of issue #15, each on hand-worked figures.

One provider, four monthly submissions (Nov 2023 - Feb 2024), latest month
February 2024 (last day 29 Feb). Two wards, both adult acute (200), locality North:
W1 holds the discharges that drive the readmission rate, W2 the spells with leave.

1. Leave versioned on its start date: S1's home leave is sent in December as open
   from 10 Dec and re-sent in January with the start corrected to 12 Dec (ending
   5 Jan). Before the fix both records were live: December leave 22 + 20 = 42 days
   on a 31-day stay, bed days less leave -11.
2. MHS518: a corrected start date keeps its MHS518UniqID, so it stays one period.
3. Readmission within 30 days: a month is complete only when its last day + 30
   days <= 29 Feb; January (31 Jan + 30 = 1 Mar) and February are not. Incomplete
   months stay out of the SPC limits and the quality-adjusted productivity index.
4. The catalogue claims a national measure ID only where the definition is
   identical, and its value_kind agrees with how the mart computes the value.
"""

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.catalogue import VALUE_KINDS, load_catalogue
from pipelines.dbt_project import run_dbt
from pipelines.ingest.load import ingest
from tests.rawfiles import month_end, tmp_settings, write_header, write_table

P = "RXQ"
MONTHS = ["2023-11", "2023-12", "2024-01", "2024-02"]

# (spell, person, admitted, method, discharged, ward): every spell with a ward stay
# from admission to discharge (open spells R* have no ward stay)
SPELLS = [
    # November: D1 readmitted (R1, emergency, 10 days later), D2 not -> 1 / 2 = 50%
    ("D1", "P1", "2023-11-01", "11", "2023-11-10", "W1"),
    ("R1", "P1", "2023-11-20", "21", None, None),
    ("D2", "P2", "2023-11-02", "11", "2023-11-12", "W1"),
    # December: D4 (R4 after 14 days) and D5 (R5 after 20 days) readmitted, D3 and S3
    # not -> 2 / 4 = 50%
    ("D3", "P3", "2023-12-01", "11", "2023-12-05", "W1"),
    ("D4", "P4", "2023-12-01", "11", "2023-12-06", "W1"),
    ("R4", "P4", "2023-12-20", "21", None, None),
    ("D5", "P5", "2023-12-01", "11", "2023-12-07", "W1"),
    ("R5", "P5", "2023-12-27", "22", None, None),
    # January: D6 readmitted (R6 on 10 Feb, 10 days after 31 Jan), D7 not -> 1 / 2
    ("D6", "P6", "2024-01-02", "11", "2024-01-31", "W1"),
    ("R6", "P6", "2024-02-10", "21", None, None),
    ("D7", "P7", "2024-01-03", "11", "2024-01-15", "W1"),
    # February: D8 not (yet) readmitted -> 0 / 1 = 0%
    ("D8", "P8", "2024-02-01", "11", "2024-02-05", "W1"),
    # the leave spells on W2
    ("S1", "PL1", "2023-12-01", "11", None, "W2"),
    ("S2", "PL2", "2023-12-01", "11", None, "W2"),
    ("S3", "PL3", "2023-12-20", "11", "2023-12-25", "W2"),
]

# leave records as each month's submission sends them: (table, spell, start, end)
LEAVE = {
    "2023-12": [
        ("mhs509_home_leave", "S1", "2023-12-10", None),  # open at the month end
        ("mhs509_home_leave", "S2", "2023-12-05", "2023-12-08"),  # ended: not re-sent
        # S3 on home leave and leave of absence over the same days of its 5-day stay
        ("mhs509_home_leave", "S3", "2023-12-20", "2023-12-25"),
        ("mhs510_leave_of_absence", "S3", "2023-12-20", "2023-12-25"),
    ],
    "2024-01": [
        ("mhs509_home_leave", "S1", "2023-12-12", "2024-01-05"),  # start corrected
        ("mhs509_home_leave", "S2", "2024-01-10", "2024-01-12"),  # a second leave
    ],
}
LEAVE_COLUMNS = {
    "mhs509_home_leave": ("StartDateHomeLeave", "EndDateHomeLeave"),
    "mhs510_leave_of_absence": ("StartDateMHLeaveAbs", "EndDateMHLeaveAbs"),
}

# MHS518: one period, its start corrected from 20 to 22 Dec in January's submission
CRFD = {
    "2023-12": [("C1", "S1", "2023-12-20", None)],
    "2024-01": [("C1", "S1", "2023-12-22", "2024-01-03")],
}


def _active(start: str, end: str | None, period: str) -> bool:
    return start <= month_end(period) and (end is None or end >= f"{period}-01")


def _as_of(end: str | None, period: str) -> str | None:
    """An end date as the month's submission knows it (empty if after the month)."""
    return end if end is not None and end <= month_end(period) else None


def month_tables(period: str) -> dict[str, list[dict]]:
    spells, stays, people = [], [], set()
    for sid, person, adm, meth, disch, ward in SPELLS:
        if not _active(adm, disch, period):
            continue
        people.add(person)
        end = _as_of(disch, period)
        spells.append({
            "OrgIDProv": P, "UniqHospProvSpellID": sid, "UniqServReqID": f"REF-{person}",
            "LocalPatientId": person, "StartDateHospProvSpell": adm,
            "MethAdmMHHospProvSpell": meth, "SourceAdmMHHospProvSpell": "19",
            "DischDateHospProvSpell": end,
            "MethOfDischMHHospProvSpell": "1" if end else None,
            "DestOfDischHospProvSpell": "19" if end else None,
        })
        if ward:
            stays.append({
                "OrgIDProv": P, "UniqWardStayID": f"WS-{sid}", "UniqHospProvSpellID": sid,
                "LocalPatientId": person, "StartDateWardStay": adm, "EndDateWardStay": end,
                "WardCode": ward, "MHAdmittedPatientClass": "200", "WardSecLevel": "0",
            })
    tables: dict[str, list[dict]] = {
        "mhs501_hosp_prov_spell": spells,
        "mhs502_ward_stay": stays,
        "mhs001_mpi": [
            {"OrgIDProv": P, "LocalPatientId": p, "NHSNumber": "9434765919",
             "PersonBirthDate": "1980-05-05", "Gender": "1"}
            for p in sorted(people)
        ],
    }
    for table, sid, start, end in LEAVE.get(period, []):
        start_col, end_col = LEAVE_COLUMNS[table]
        tables.setdefault(table, []).append(
            {"OrgIDProv": P, "UniqHospProvSpellID": sid, start_col: start, end_col: end})
    for uid, sid, start, end in CRFD.get(period, []):
        tables.setdefault("mhs518_clin_ready_for_discharge", []).append({
            "OrgIDProv": P, "MHS518UniqID": uid, "UniqHospProvSpellID": sid,
            "StartDateClinReadyforDisch": start, "EndDateClinReadyforDisch": end,
            "ClinReadyforDischDelayReason": "01", "AttribToIndic": "05",
        })
    return tables


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("issue15")
    s = tmp_settings(tmp)
    raw: Path = s.raw_dir
    write_table(raw, "wards", [
        {"OrgIDProv": P, "WardCode": w, "WardName": f"Ward {w}", "Locality": "North",
         "MHAdmittedPatientClass": "200", "CommissionedBeds": "10",
         "EffectiveFrom": "2020-01-01"}
        for w in ("W1", "W2")
    ])
    for period in MONTHS:
        y, m = (int(x) for x in period.split("-"))
        write_header(raw, P, period, datetime(y + (m == 12), m % 12 + 1, 10, 9))
        for table, rows in month_tables(period).items():
            write_table(raw, table, rows, P, period)
    assert not ingest(s).problems
    # the marts these fixes touch, with their tests (bed_days_less_leave_never_negative)
    run_dbt(s, ["build", "--select", "+mart_spc", "+mart_productivity", "+dim_units",
                "int_crfd_days", "--indirect-selection", "cautious"])
    con = duckdb.connect(str(s.warehouse), read_only=True)
    yield con
    con.close()


def metric(con, metric_id: str, period: str, level: str = "provider", unit: str = P,
           group: str = "all") -> tuple:
    rows = con.execute(
        "select value, numerator, denominator, is_complete from marts.mart_metric_values "
        "where metric_id = ? and period_start = ? and period_type = 'month' and level = ? "
        "and unit_code = ? and bed_type_group = ?",
        [metric_id, date.fromisoformat(f"{period}-01"), level, unit, group],
    ).fetchall()
    assert len(rows) == 1, (metric_id, period, rows)
    return rows[0]


# ---- 1. leave follows the record, never its dates -------------------------------------

def test_corrected_leave_start_date_leaves_one_record(wh) -> None:
    rows = wh.execute(
        "select leave_type, start_date, end_excl, recorded_start_date "
        "from intermediate.int_leave_periods where uniq_hosp_prov_spell_id = 'S1'"
    ).fetchall()
    # only January's corrected record: 12 Dec -> 5 Jan (December's open 10 Dec record,
    # which January re-sent with another start date, is gone)
    assert rows == [("home_leave", date(2023, 12, 12), date(2024, 1, 5), date(2023, 12, 12))]


def test_bed_days_less_leave_per_stay(wh) -> None:
    got = dict(
        ((sid, str(p)), (occ, leave, bdll)) for sid, p, occ, leave, bdll in wh.execute(
            "select uniq_hosp_prov_spell_id, period_start, occupied_bed_days, leave_days, "
            "bed_days_less_leave from intermediate.int_ward_stay_bed_days "
            "where ward_code = 'W2'").fetchall()
    )
    # S1, December: stay 1 Dec -> 1 Jan = 31 days; leave 12 Dec -> 1 Jan = 20 -> 11.
    # Before the fix: 10 Dec -> 1 Jan (22) + 12 Dec -> 1 Jan (20) = 42 leave days -> -11.
    assert got[("S1", "2023-12-01")] == (31, 20, 11)
    # S1, January: 31 days, leave 1 -> 5 Jan = 4 -> 27
    assert got[("S1", "2024-01-01")] == (31, 4, 27)
    # S2: its December leave (5 -> 8 Dec, 3 days) is kept although January's
    # submission sends only its January leave (10 -> 12 Jan, 2 days): an ended leave
    # is not re-sent, so "only the spell's latest submission" would lose it.
    assert got[("S2", "2023-12-01")] == (31, 3, 28)
    assert got[("S2", "2024-01-01")] == (31, 2, 29)
    # S3: home leave and leave of absence over the same 5 days of a 5-day stay count
    # once: 5 - 5 = 0 (before: 5 - 10 = -5)
    assert got[("S3", "2023-12-01")] == (5, 5, 0)
    negative = wh.execute("select count(*) from intermediate.int_ward_stay_bed_days "
                          "where bed_days_less_leave < 0").fetchall()[0][0]
    assert negative == 0


def test_ward_bed_days_less_leave(wh) -> None:
    # W2, December: occupied 31 + 31 + 5 = 67; leave 20 + 3 + 5 = 28 -> 39
    assert metric(wh, "occupied_bed_days", "2023-12", "ward", "W2")[0] == 67
    assert metric(wh, "bed_days_less_leave", "2023-12", "ward", "W2")[0] == 39
    # W2, January: 31 + 31 = 62; leave 4 + 2 = 6 -> 56
    assert metric(wh, "bed_days_less_leave", "2024-01", "ward", "W2")[0] == 56
    # W2, February: 29 + 29, no leave
    assert metric(wh, "bed_days_less_leave", "2024-02", "ward", "W2")[0] == 58


# ---- 2. MHS518: keyed on its own id, a corrected start date is the same period ----------

def test_crfd_period_with_corrected_start_is_one_period(wh) -> None:
    rows = wh.execute(
        "select start_date_clin_readyfor_disch from staging.stg_mhsds__clin_ready_for_discharge"
    ).fetchall()
    assert rows == [(date(2023, 12, 22),)]
    days = dict(wh.execute(
        "select cast(period_start as varchar), sum(crfd_days) from intermediate.int_crfd_days "
        "group by all").fetchall())
    # December: 22 Dec, the day of becoming ready not counted -> 23 Dec to 1 Jan = 9
    # (a duplicate 20 Dec record would add 21 Dec -> 1 Jan = 11 more); January: 1 -> 3 = 2
    assert days == {"2023-12-01": 9, "2024-01-01": 2}


# ---- 3. readmission windows that have not closed ------------------------------------------

def test_readmission_months_marked_incomplete(wh) -> None:
    # last day + 30 days vs 29 Feb (the latest submitted month's last day):
    # Nov 30 + 30 = 30 Dec: complete; Dec 31 + 30 = 30 Jan: complete;
    # Jan 31 + 30 = 1 Mar: not; Feb 29 + 30 = 30 Mar: not
    assert metric(wh, "readmission_30d_pct", "2023-11") == (50.0, 1, 2, True)
    assert metric(wh, "readmission_30d_pct", "2023-12") == (50.0, 2, 4, True)
    assert metric(wh, "readmission_30d_pct", "2024-01") == (50.0, 1, 2, False)
    assert metric(wh, "readmission_30d_pct", "2024-02") == (0.0, 0, 1, False)
    # every other metric is complete (72-hour follow-up reports discharges up to the
    # month end - 4 days: complete at the month end)
    other = wh.execute("select count(*) from marts.mart_metric_values where not is_complete "
                       "and metric_id <> 'readmission_30d_pct'").fetchall()[0][0]
    assert other == 0


def test_spc_limits_leave_incomplete_points_out(wh) -> None:
    rows = wh.execute(
        "select cast(period_start as varchar), value, is_complete, mean, mean_moving_range, "
        "lower_process_limit, upper_process_limit, outside_limits, special_cause, point_type, "
        "variation_icon, n_points, n_baseline_points, too_few_points from marts.mart_spc "
        "where metric_id = 'readmission_30d_pct' and level = 'provider' "
        "and bed_type_group = 'all' order by period_start").fetchall()
    assert [r[:3] for r in rows] == [
        ("2023-11-01", 50.0, True), ("2023-12-01", 50.0, True),
        ("2024-01-01", 50.0, False), ("2024-02-01", 0.0, False),
    ]
    for r in rows:
        # baseline = Nov, Dec: mean (50 + 50) / 2 = 50 (all four: 37.5); one baseline
        # moving range |50 - 50| = 0 (all four: (0 + 0 + 50) / 3 = 16.7); limits 50 +/- 0
        assert r[3:7] == (50.0, 0.0, 50.0, 50.0)
        assert r[11:14] == (4, 2, True)  # 2 complete points < 12
    feb = rows[3]
    # February's 0% is plotted below the lower limit but is no special cause
    assert feb[7:10] == (False, False, "common_cause")
    assert feb[10] == "common_cause"  # icon of the latest complete point (December)
    raw = wh.execute(
        "select outside_limits from intermediate.int_spc_points where metric_id = "
        "'readmission_30d_pct' and level = 'provider' and bed_type_group = 'all' "
        "and period_start = date '2024-02-01'").fetchall()
    assert raw == [(True,)]


def test_quality_adjusted_index_uses_complete_readmission_rates(wh) -> None:
    rows = wh.execute(
        "select cast(period_start as varchar), quality_factor, cast(readmission_rate_month "
        "as varchar), quality_adjustment_complete from marts.mart_productivity "
        "where level = 'provider' and period_type = 'month' order by period_start").fetchall()
    # base readmission rate pooled over the complete base months only: (1 + 2) / (2 + 4)
    # = 0.5 (with January and February: 4 / 9). 72-hour follow-up: nobody followed up
    # in the base period, so that component is 1.
    # Nov, Dec: (1 - 0.5) / (1 - 0.5) = 1 -> factor 0.5 x 1 + 0.5 x 1 = 1.
    # Jan, Feb: December's rate 0.5 instead of their own -> 1. Before: February
    # (1 - 0) / (1 - 4/9) = 1.8 -> 1.4, November 0.5 / (5/9) = 0.9 -> 0.95.
    assert [(p, round(q, 9), m, c) for p, q, m, c in rows] == [
        ("2023-11-01", 1.0, "2023-11-01", True),
        ("2023-12-01", 1.0, "2023-12-01", True),
        ("2024-01-01", 1.0, "2023-12-01", False),
        ("2024-02-01", 1.0, "2023-12-01", False),
    ]
    periods = dict(wh.execute(
        "select cast(period_start as varchar), readmission_window_complete "
        "from intermediate.int_productivity_periods").fetchall())
    assert periods == {"2023-11-01": True, "2023-12-01": True,
                       "2024-01-01": False, "2024-02-01": False}


# ---- 4. the catalogue ---------------------------------------------------------------------

IDENTICAL = {
    "occupied_bed_days": "MHS24", "admissions": "MHS27", "discharges": "MHS28",
    "attended_contacts": "MHS30", "new_referrals": "MHS32",
}


def test_national_ids_only_on_identical_definitions() -> None:
    cat = load_catalogue()
    claimed = {m.metric_id: m.national_measure_id for m in cat if m.national_measure_id}
    assert claimed == IDENTICAL
    for m in cat:
        if m.national_measure_id:
            assert m.national_relation.startswith(f"identical to {m.national_measure_id} ")
        else:
            assert not m.national_relation.startswith("identical"), m.metric_id
    rel = {m.metric_id: m.national_relation for m in cat}
    # the ids the catalogue used to claim are now honest relations
    for metric_id, national in [
        ("bed_days_less_leave", "MHS25"), ("crfd_days", "MHS26"),
        ("los_mean_days", "MHS140a"), ("los_median_days", "MHS140b"),
        ("los_60plus_pct", "MHS100b"), ("los_90plus_pct", "MHS101b"),
        ("oap_new", "OAP01"), ("oap_bed_days", "OAP02"), ("oap_active_end", "OAP03"),
        ("oap_ended", "OAP04"), ("followup_72h_pct", "MHS80"),
    ]:
        assert rel[metric_id].startswith(f"similar to {national} (national: "), metric_id
    assert "MHS01" in rel["people_in_contact"]


def test_catalogue_value_kind_agrees_with_the_rollup(wh) -> None:
    cat = {m.metric_id: m.value_kind for m in load_catalogue()}
    assert set(cat.values()) <= set(VALUE_KINDS)
    assert cat["los_median_days"] == "median"
    rollup = wh.execute(
        "select distinct metric_id, value_kind from intermediate.int_metric_values_monthly "
        "union select distinct metric_id, value_kind from intermediate.int_metric_values_cost"
    ).fetchall()
    # one kind vocabulary (pipelines/metrics/metrics.yml): the rows carry the catalogue's kind
    wrong = [(m, cat.get(m), k) for m, k in rollup if k != cat.get(m)]
    assert wrong == []
