"""National length of stay measures (MHS140/140a/140b, MHS100/100b, MHS101/101b, MHS141/141a/
141b, MHS142, MHS156/156a/156b) on a small hand-built data set, as NHS England's menh_bbrb
computes them (measure_metadata.py los entries, 02_Specific_Prepare/01_los/los_prep.py).

Provider RLS submits Apr-Jul 2024, one delivery a month. Every expected figure is worked out
by hand in the comments; each rule has a case that the naive rule gets wrong. Ages: people are
born in January of (2024 - age), so their age is the same at the end of every month used,
except P11 (born 1959-06: 64 at the end of April, 65 from June) and P12 (born 2006-06: 17 at
the end of May, 18 from June). Length of stay = discharge date - admission date.

Spells discharged (submission month: spell person admitted -> discharged = LOS, bed type of
the ward stay ending on the discharge date, age):
  Apr: S8a P08 04-01 -> 04-11 = 10, 200, 30 | S11 P11 04-05 -> 04-20 = 15, 200, 64
       S14 P14 04-01 -> 04-15 = 14, 200, 35 | (S15 open, S7 open)
  May: S9  P09 04-02 -> 05-31 = 59, 200, 45 | S10 P10 03-01 -> 05-30 = 90, 200, 55
       S12 P12 05-01 -> 05-10 =  9, 200, 17 | S15 P15 04-10 -> 04-28 = 18, 200, 35 (late)
       S16 P16 05-01 -> 05-10 =  9, 200, 50 (May version) | (S7 open, S8b open)
  Jun: S1  P01 05-01 -> 06-10 = 40, 200, 40 | S2  P02 06-01 -> 06-11 = 10, 201, 40
       S3  P03 06-01 -> 06-13 = 12, 202, 30 | S4  P04 05-15 -> 06-14 = 30, 201, 70
       S5  P05 06-01 -> 06-15 = 14, 200, 70 | S6  P06 06-01 -> 06-20 = 19, none (stay ends 06-18)
       S7  P07 04-01 -> 06-05 = 65, 200 (admitted to a 201 ward, moved to 200 on 05-01), 50
       S8b P08 05-20 -> 06-09 = 20, 200, 30 | S13 P13 06-01 -> 06-08 = 7, 200, no MPI record
       S16 P16 04-30 -> 05-10 = 10, 201, 50 (June version corrects May's)
       S17 P17 06-01 -> 06-12 = 11, two stays ending 06-12: W1 200 and W5 200, 40
       S18 P18 06-01 -> 06-16 = 15, 205, 40
  Jul: S19 P19 07-01 -> 07-05 = 4, 200, 40
"""

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.config import DBT_PROJECT_DIR
from pipelines.dbt_project import run_dbt
from pipelines.ingest.load import ingest
from tests.rawfiles import tmp_settings, write_header, write_table

P = "RLS"
PREP = ["int_nat_los_discharges", "int_nat_los_spells"]


def mart_built() -> bool:
    return (DBT_PROJECT_DIR / "models" / "marts" / "mart_national_measures.sql").exists()


def mpi(person, born):
    return {"OrgIDProv": P, "LocalPatientId": person, "NHSNumber": "9434765919",
            "PersonBirthDate": born, "Gender": "1"}


def spell(sid, person, start, disch=None):
    return {"OrgIDProv": P, "UniqHospProvSpellID": sid, "LocalPatientId": person,
            "StartDateHospProvSpell": start, "MethAdmMHHospProvSpell": "21",
            "SourceAdmMHHospProvSpell": "19", "DischDateHospProvSpell": disch,
            "MethOfDischMHHospProvSpell": "1" if disch else None,
            "DestOfDischHospProvSpell": "19" if disch else None}


def stay(wid, sid, person, start, ward, cls, end=None):
    return {"OrgIDProv": P, "UniqWardStayID": wid, "UniqHospProvSpellID": sid,
            "LocalPatientId": person, "StartDateWardStay": start, "EndDateWardStay": end,
            "WardCode": ward, "MHAdmittedPatientClass": cls, "WardSecLevel": "0"}


AGE = {"P01": 40, "P02": 40, "P03": 30, "P04": 70, "P05": 70, "P06": 40, "P07": 50,
       "P08": 30, "P09": 45, "P10": 55, "P14": 35, "P15": 35, "P16": 50, "P17": 40,
       "P18": 40, "P19": 40}
BORN = {p: f"{2024 - a}-01-10" for p, a in AGE.items()} | {
    "P11": "1959-06-20",  # 64 at the end of April and May, 65 at the end of June
    "P12": "2006-06-20",  # 17 at the end of May, 18 at the end of June
}


def mpis(*people):
    return [mpi(p, BORN[p]) for p in people]


APR = {
    "mhs001_mpi": mpis("P07", "P08", "P11", "P14", "P15"),
    "mhs501_hosp_prov_spell": [
        spell("S8a", "P08", "2024-04-01", "2024-04-11"),
        spell("S11", "P11", "2024-04-05", "2024-04-20"),
        spell("S14", "P14", "2024-04-01", "2024-04-15"),
        spell("S15", "P15", "2024-04-10"),  # discharged on 04-28, reported only in May
        spell("S7", "P07", "2024-04-01"),
    ],
    "mhs502_ward_stay": [
        stay("WS8a", "S8a", "P08", "2024-04-01", "W1", "200", "2024-04-11"),
        stay("WS11", "S11", "P11", "2024-04-05", "W1", "200", "2024-04-20"),
        stay("WS14", "S14", "P14", "2024-04-01", "W1", "200", "2024-04-15"),
        stay("WS15", "S15", "P15", "2024-04-10", "W1", "200"),
        stay("WS7a", "S7", "P07", "2024-04-01", "W2", "201"),
    ],
}

MAY = {
    "mhs001_mpi": mpis("P07", "P08", "P09", "P10", "P12", "P15", "P16"),
    "mhs501_hosp_prov_spell": [
        spell("S9", "P09", "2024-04-02", "2024-05-31"),
        spell("S10", "P10", "2024-03-01", "2024-05-30"),
        spell("S12", "P12", "2024-05-01", "2024-05-10"),
        spell("S15", "P15", "2024-04-10", "2024-04-28"),
        spell("S16", "P16", "2024-05-01", "2024-05-10"),
        spell("S7", "P07", "2024-04-01"),
        spell("S8b", "P08", "2024-05-20"),
    ],
    "mhs502_ward_stay": [
        stay("WS9", "S9", "P09", "2024-04-02", "W1", "200", "2024-05-31"),
        stay("WS10", "S10", "P10", "2024-03-01", "W1", "200", "2024-05-30"),
        stay("WS12", "S12", "P12", "2024-05-01", "W1", "200", "2024-05-10"),
        stay("WS15", "S15", "P15", "2024-04-10", "W1", "200", "2024-04-28"),
        stay("WS16", "S16", "P16", "2024-05-01", "W1", "200", "2024-05-10"),
        stay("WS7a", "S7", "P07", "2024-04-01", "W2", "201", "2024-05-01"),
        stay("WS7b", "S7", "P07", "2024-05-01", "W1", "200"),
        stay("WS8b", "S8b", "P08", "2024-05-20", "W1", "200"),
    ],
}

JUN = {
    # P13 has no MPI record in June
    "mhs001_mpi": mpis("P01", "P02", "P03", "P04", "P05", "P06", "P07", "P08", "P16", "P17",
                       "P18"),
    "mhs501_hosp_prov_spell": [
        spell("S1", "P01", "2024-05-01", "2024-06-10"),
        spell("S2", "P02", "2024-06-01", "2024-06-11"),
        spell("S3", "P03", "2024-06-01", "2024-06-13"),
        spell("S4", "P04", "2024-05-15", "2024-06-14"),
        spell("S5", "P05", "2024-06-01", "2024-06-15"),
        spell("S6", "P06", "2024-06-01", "2024-06-20"),
        spell("S7", "P07", "2024-04-01", "2024-06-05"),
        spell("S8b", "P08", "2024-05-20", "2024-06-09"),
        spell("S13", "P13", "2024-06-01", "2024-06-08"),
        # the June submission carries S16 again, corrected: admitted 04-30, a 201 bed
        spell("S16", "P16", "2024-04-30", "2024-05-10"),
        spell("S17", "P17", "2024-06-01", "2024-06-12"),
        spell("S18", "P18", "2024-06-01", "2024-06-16"),
    ],
    "mhs502_ward_stay": [
        stay("WS1", "S1", "P01", "2024-05-01", "W1", "200", "2024-06-10"),
        stay("WS2", "S2", "P02", "2024-06-01", "W2", "201", "2024-06-11"),
        stay("WS3", "S3", "P03", "2024-06-01", "W3", "202", "2024-06-13"),
        stay("WS4", "S4", "P04", "2024-05-15", "W2", "201", "2024-06-14"),
        stay("WS5", "S5", "P05", "2024-06-01", "W1", "200", "2024-06-15"),
        stay("WS6", "S6", "P06", "2024-06-01", "W1", "200", "2024-06-18"),  # not the disch date
        stay("WS7a", "S7", "P07", "2024-04-01", "W2", "201", "2024-05-01"),
        stay("WS7b", "S7", "P07", "2024-05-01", "W1", "200", "2024-06-05"),
        stay("WS8b", "S8b", "P08", "2024-05-20", "W1", "200", "2024-06-09"),
        stay("WS13", "S13", "P13", "2024-06-01", "W1", "200", "2024-06-08"),
        stay("WS16", "S16", "P16", "2024-04-30", "W2", "201", "2024-05-10"),
        stay("WS17a", "S17", "P17", "2024-06-01", "W1", "200", "2024-06-12"),
        stay("WS17b", "S17", "P17", "2024-06-12", "W5", "200", "2024-06-12"),
        stay("WS18", "S18", "P18", "2024-06-01", "W4", "205", "2024-06-16"),
    ],
}

JUL = {
    "mhs001_mpi": mpis("P19"),
    "mhs501_hosp_prov_spell": [spell("S19", "P19", "2024-07-01", "2024-07-05")],
    "mhs502_ward_stay": [stay("WS19", "S19", "P19", "2024-07-01", "W1", "200", "2024-07-05")],
}


def ward(code, name, locality, cls):
    return {"OrgIDProv": P, "WardCode": code, "WardName": name, "Locality": locality,
            "MHAdmittedPatientClass": cls, "CommissionedBeds": "10",
            "EffectiveFrom": "2020-01-01"}


def write_month(raw: Path, period: str, tables: dict, created: datetime) -> None:
    write_header(raw, P, period, created)
    for table, rows in tables.items():
        write_table(raw, table, rows, P, period)


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("los")
    s = tmp_settings(tmp)
    raw = s.raw_dir
    write_table(raw, "wards", [
        ward("W1", "Ash Ward", "North", "200"),
        ward("W2", "Birch Ward", "North", "201"),
        ward("W3", "Cedar Ward", "South", "202"),
        ward("W4", "Damson Ward", "South", "205"),
        ward("W5", "Elm Ward", "South", "200"),
    ])
    for i, (period, tables) in enumerate(
        [("2024-04", APR), ("2024-05", MAY), ("2024-06", JUN), ("2024-07", JUL)]
    ):
        write_month(raw, period, tables, datetime(2024, 5 + i, 10, 9))
    report = ingest(s)
    assert not report.problems, report.problems
    select = [f"+{m}" for m in PREP] + (["+mart_national_measures"] if mart_built() else [])
    run_dbt(s, ["build", "--select", *select])
    c = duckdb.connect(str(s.warehouse), read_only=True)
    yield c
    c.close()


# --- the prep rows ---------------------------------------------------------------------

def prep(con, spell_id, month, model="int_nat_los_discharges"):
    cur = con.execute(
        f"select * from intermediate.{model} where uniq_hosp_prov_spell_id = ? "
        "and submission_month = ? order by uniq_ward_stay_id", [spell_id, month])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def test_bed_type_is_the_ward_stay_ending_on_the_discharge_date(con) -> None:
    # S7: admitted to W2 (201) on 04-01, moved to W1 (200) on 05-01, discharged 06-05 from W1
    [r] = prep(con, "S7", "2024-06-01")
    assert (r["uniq_ward_stay_id"], r["bed_type"], r["acute_bed"]) == ("WS7b", "200",
                                                                      "Adult Acute")
    assert (r["ward_code"], r["ward_name"], r["locality"]) == ("W1", "Ash Ward", "North")


def test_no_ward_stay_ending_on_the_discharge_date_is_invalid(con) -> None:
    # S6: its only ward stay ends 06-18, the spell 06-20: no bed type, 'Invalid' (the naive
    # "last ward stay" rule would give 200)
    [r] = prep(con, "S6", "2024-06-01")
    assert r["uniq_ward_stay_id"] is None and r["acute_bed"] == "Invalid"
    assert r["ward_code"] is None


def test_los_is_discharge_minus_spell_start_no_day_added(con) -> None:
    # S7: 2024-04-01 -> 2024-06-05 = 30 (Apr) + 31 (May) + 4 = 65 (the ward stay: 35)
    # S9: 2024-04-02 -> 2024-05-31 = 59 (+1 would make it 60); S10: 03-01 -> 05-30 = 90
    assert prep(con, "S7", "2024-06-01")[0]["los_days"] == 65
    assert prep(con, "S9", "2024-05-01")[0]["los_days"] == 59
    assert prep(con, "S10", "2024-05-01")[0]["los_days"] == 90


def test_age_at_the_end_of_the_submission_month(con) -> None:
    # P11 born June 1959: 64 at the end of April (the submission carrying the discharge)
    # P12 born June 2006: 17 at the end of May; P13 has no MPI record in June: null
    assert prep(con, "S11", "2024-04-01")[0]["age_at_period_end"] == 64
    assert prep(con, "S12", "2024-05-01")[0]["age_at_period_end"] == 17
    assert prep(con, "S13", "2024-06-01")[0]["age_at_period_end"] is None


def test_versions_and_late_discharges(con) -> None:
    # S16 in May's submission is superseded by June's; S15's discharge (04-28) is reported
    # in May; the open April/May versions of S7 and S15 are not discharges
    assert prep(con, "S16", "2024-05-01")[0]["superseded_month"].isoformat() == "2024-06-01"
    assert prep(con, "S16", "2024-06-01")[0]["superseded_month"] is None
    assert prep(con, "S15", "2024-05-01")[0]["disch_date"].isoformat() == "2024-04-28"
    assert prep(con, "S15", "2024-04-01") == [] and prep(con, "S7", "2024-05-01") == []


def test_two_ward_stays_ending_on_the_discharge_date(con) -> None:
    # S17 (same-day move W1 -> W5): two rows in `spells`, one in `distinct_spells`
    assert [r["ward_code"] for r in prep(con, "S17", "2024-06-01")] == ["W1", "W5"]
    [r] = prep(con, "S17", "2024-06-01", "int_nat_los_spells")
    assert r["has_acute_discharge_bed"] and r["los_days"] == 11


def test_mhs156_prep_any_acute_discharge_bed(con) -> None:
    # S18's discharge ward is 205 (not 200-202); S6 has none; S3 (202) counts
    flags = {sid: prep(con, sid, "2024-06-01", "int_nat_los_spells")[0]["has_acute_discharge_bed"]
             for sid in ("S18", "S6", "S3", "S2")}
    assert flags == {"S18": False, "S6": False, "S3": True, "S2": True}


# --- the measures ----------------------------------------------------------------------
# Windows: quarter ending April = Feb-Apr, May = Mar-May, June = Apr-Jun, July = May-Jul.

needs_mart = pytest.mark.skipif(not mart_built(), reason="mart_national_measures not built")


def value(con, measure, month, breakdown="Provider", level="NONE"):
    rows = con.execute(
        "select measure_value from marts.mart_national_measures where measure_id = ? "
        "and reporting_period_end = last_day(cast(? as date)) and breakdown = ? "
        "and primary_level = ? and secondary_level = ?",
        [measure, month, breakdown, P, level]).fetchall()
    assert len(rows) <= 1, rows
    return rows[0][0] if rows else None


@needs_mart
def test_mhs140_adult_acute_200_only_18_to_64_distinct_people(con) -> None:
    # Quarter ending June (Apr-Jun), 200 beds aged 18-64:
    #   Apr: P08 (S8a), P11 (64 at the end of April), P14
    #   May: P09, P10, P15 (discharged 04-28, in the quarter); S16's May version is
    #        superseded by June's (201): out; P12 is 17
    #   Jun: P01, P07, P08 again (S8b: one person), P17
    #   out: P02 (201, 40) and P03 (202, 30): naive "adult acute 200-202" would add them;
    #        P05 is 70; P06 has no ward stay ending on the discharge date; P13 no MPI age
    # = P01 P07 P08 P09 P10 P11 P14 P15 P17 = 9 (11 discharge rows)
    assert value(con, "MHS140", "2024-06-01") == 9
    # reporting_period_start is the quarter's first day
    start = con.execute(
        "select distinct reporting_period_start from marts.mart_national_measures "
        "where measure_id = 'MHS140' and reporting_period_end = '2024-06-30'").fetchall()
    assert [r[0].isoformat() for r in start] == ["2024-04-01"]


@needs_mart
def test_mhs140a_mean_and_mhs140b_median_per_discharge_row(con) -> None:
    # LOS of the 11 rows: 10 15 14 | 59 90 18 | 40 65 20 11 11 (S17 twice: two ward stays
    # ending on the discharge date, as NHS England's `spells`); sum 353
    # mean = 353 / 11 = 32.0909..; median of 10 11 11 14 15 18 20 40 59 65 90 = 18
    assert value(con, "MHS140a", "2024-06-01") == pytest.approx(353 / 11)
    assert value(con, "MHS140b", "2024-06-01") == 18


@needs_mart
def test_mhs100_mhs101_and_proportions(con) -> None:
    # 60+: S10 (90) and S7 (65; its ward stay alone is 35); S9 is 59 (60 if a day were
    # added): MHS100 = 2, MHS100b = 2 / 9 x 100; 90+: S10 only: MHS101 = 1, 1 / 9 x 100
    assert value(con, "MHS100", "2024-06-01") == 2
    assert value(con, "MHS100b", "2024-06-01") == pytest.approx(200 / 9)
    assert value(con, "MHS101", "2024-06-01") == 1
    assert value(con, "MHS101b", "2024-06-01") == pytest.approx(100 / 9)


@needs_mart
def test_mhs141_older_adult_201_only_65_plus(con) -> None:
    # Apr-Jun: P04 (201, 70) only. P05 (200, 70): naive "65+ in any acute bed" adds him;
    # P02 (201, 40) and S16's June version (201, 50) are under 65; P11 is 64 at the end of
    # April (naive "age at the quarter end" makes him 65 and moves him here from MHS140)
    assert value(con, "MHS141", "2024-06-01") == 1
    assert value(con, "MHS141a", "2024-06-01") == 30
    assert value(con, "MHS141b", "2024-06-01") == 30


@needs_mart
def test_mhs142_children_by_age_at_the_submission_month_end(con) -> None:
    # P12 is 17 at the end of May (18 at the quarter end): 0-17, LOS 9
    assert value(con, "MHS142", "2024-06-01") == 1
    assert value(con, "MHS142a", "2024-06-01") == 9


@needs_mart
def test_mhs156_spells_200_to_202_aged_18_plus(con) -> None:
    # Apr-Jun spells with a 200-202 ward stay ending on the discharge date, age 18+:
    #   Apr: S8a 10, S11 15, S14 14                          = 3 spells,  39 days
    #   May: S9 59, S10 90, S15 18 (S12: 17; S16 superseded) = 3 spells, 167 days
    #   Jun: S1 40, S2 10, S3 12, S4 30, S5 14, S7 65, S8b 20, S16 10, S17 11 (once)
    #                                                        = 9 spells, 212 days
    #   out: S6 (no ward stay ending on the discharge date), S13 (no age), S18 (205)
    # MHS156 = 15 (P08's two spells both count), MHS156a = 418, MHS156b = 418 / 15
    assert value(con, "MHS156", "2024-06-01") == 15
    assert value(con, "MHS156a", "2024-06-01") == 418
    assert value(con, "MHS156b", "2024-06-01") == pytest.approx(418 / 15)


@needs_mart
def test_rolling_quarter_window(con) -> None:
    # April (Feb-Apr): P08, P11, P14 = 3
    # July (May-Jul): S14 (discharged April = M-3) drops out; S15 (discharged 04-28, reported
    #   in May's submission) drops out too, though its submission is in the quarter (the
    #   naive "three submissions" union would keep it); S16's June version is 201.
    #   P09, P10 (May), P01, P07, P08, P17 (June), P19 (July) = 7
    assert value(con, "MHS140", "2024-04-01") == 3
    assert value(con, "MHS140", "2024-07-01") == 7
    # MHS156 July: May S9 59, S10 90; June 9 spells 212 days; July S19 4 = 12, 365
    assert value(con, "MHS156", "2024-07-01") == 12
    assert value(con, "MHS156a", "2024-07-01") == 365


@needs_mart
def test_a_later_submission_does_not_change_an_earlier_month(con) -> None:
    # Quarter ending May (Mar-May): S16's May version (200, LOS 9) counts; June's correction
    # (201, LOS 10) is not yet part of May's figure. MHS140 = P08 P11 P14 P09 P10 P15 P16 = 7;
    # MHS156 = S8a S11 S14 S9 S10 S15 S16 = 7 spells, 10+15+14+59+90+18+9 = 215 days.
    # June's quarter counts S16 once, from June's version (201: in MHS156 with 10 days, see
    # above; not in MHS140): a union of both versions would count it twice in MHS156a.
    assert value(con, "MHS140", "2024-05-01") == 7
    assert value(con, "MHS156", "2024-05-01") == 7
    assert value(con, "MHS156a", "2024-05-01") == 215


@needs_mart
def test_ward_and_locality_of_the_discharge(con) -> None:
    # June quarter, MHS140 by ward: W1 (Ash, North) has all 9 people (P07 counts at W1, his
    # discharge ward, not at W2 where he was admitted); W5 (Elm, South) P17 (his same-day
    # second stay). By locality: North 9, South 1.
    assert value(con, "MHS140", "2024-06-01", "Provider; Ward", "W1") == 9
    assert value(con, "MHS140", "2024-06-01", "Provider; Ward", "W5") == 1
    assert value(con, "MHS140", "2024-06-01", "Provider; Ward", "W2") is None
    assert value(con, "MHS141", "2024-06-01", "Provider; Ward", "W2") == 1
    assert value(con, "MHS140", "2024-06-01", "Provider; Locality", "North") == 9
    assert value(con, "MHS140", "2024-06-01", "Provider; Locality", "South") == 1
    # MHS156 by ward: S17 is one spell, given to one ward (the latest started: W5)
    assert value(con, "MHS156", "2024-06-01", "Provider; Ward", "W5") == 1


@needs_mart
def test_public_rounding_follows_the_count_measure(con) -> None:
    # MHS140 = 9 -> 10; MHS140a is published because MHS140 >= 5 (32.09 -> 32);
    # MHS141a is suppressed because MHS141 = 1 < 5
    rows = dict(con.execute(
        "select measure_id, measure_value_rounded from marts.mart_national_measures "
        "where breakdown = 'Provider' and reporting_period_end = '2024-06-30' "
        "and measure_id in ('MHS140', 'MHS140a', 'MHS141a', 'MHS100b')").fetchall())
    assert rows == {"MHS140": "10", "MHS140a": "32", "MHS141a": "*", "MHS100b": "*"}
