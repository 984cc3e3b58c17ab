"""Occupancy on MHS903WardDetails (MHSDS v6) available bed days, commissioned beds otherwise.

Hand-worked figures. Two providers, January and February 2024 (31 and 29 days):

RXA sends MHS903 (not for every ward):
  wards.csv: W1 Ash (North, 200) 10 beds; W2 Birch (South, 201) 5 beds; W3 Cedar (South,
  201) 4 beds.
  Jan MHS903: W1 AvailBedDays 280, ClosedBedDays 30; W3 both empty; W2 no row.
      -> W1 280 (mhs903); W2 5 x 31 = 155 and W3 4 x 31 = 124 (commissioned_beds)
  Feb MHS903: W1 261 / 29; W2 9000 / 9000 (quarantined: more than 500 beds for 31 days,
      so commissioned 5 x 29 = 145); W3 100 / 16; W9 58 / 0 (not in wards.csv).
  Ward stays: WS1 W1 20 Dec-21 Jan (Jan 20 days); WS2 W2 10 Jan-10 Feb (Jan 22, Feb 9);
      WS3 W1 1-15 Feb (Feb 14); WS4 W3 30 Jan-4 Feb (Jan 2, Feb 3).
  Jan: occupied 20 + 22 + 2 = 44, available 280 + 155 + 124 = 559; closed 30 of 310.
  Feb: occupied 14 + 9 + 3 = 26, available 261 + 145 + 100 + 58 = 564;
      closed 29 + 16 + 0 = 45 of 290 + 116 + 58 = 464.

RXB sends no MHS903 at all: V1 Elm (East, 200) 8 beds; WS9 5-25 Jan (20 days).
  Jan: 20 / (8 x 31 = 248); Feb: 0 / 232; closed bed days unknown (empty).
"""

from datetime import datetime

import duckdb
import pytest

from pipelines.dbt_project import run_dbt
from pipelines.ingest.load import ingest
from tests.rawfiles import tmp_settings, write_header, write_table

MHS903 = "mhs903_ward_details"


def spell(p: str, sid: str, start: str, disch: str | None = None) -> dict:
    return {"OrgIDProv": p, "UniqHospProvSpellID": sid, "UniqServReqID": f"R{sid}",
            "LocalPatientId": f"P{sid}", "StartDateHospProvSpell": start,
            "MethAdmMHHospProvSpell": "21", "SourceAdmMHHospProvSpell": "19",
            "DischDateHospProvSpell": disch, "MethOfDischMHHospProvSpell": "1" if disch else None,
            "DestOfDischHospProvSpell": "19" if disch else None}


def stay(p: str, wid: str, sid: str, ward: str, cls: str, start: str,
         end: str | None = None) -> dict:
    return {"OrgIDProv": p, "UniqWardStayID": wid, "UniqHospProvSpellID": sid,
            "LocalPatientId": f"P{sid}", "StartDateWardStay": start, "EndDateWardStay": end,
            "WardCode": ward, "MHAdmittedPatientClass": cls, "WardSecLevel": "0"}


def details(ward: str, avail: int | None, closed: int | None, p: str = "RXA") -> dict:
    return {"OrgIDProv": p, "WardCode": ward, "SiteIDOfWard": f"{p}01",
            "AvailBedDays": avail, "ClosedBedDays": closed}


def ward(p: str, code: str, name: str, loc: str, cls: str, beds: int) -> dict:
    return {"OrgIDProv": p, "WardCode": code, "WardName": name, "Locality": loc,
            "MHAdmittedPatientClass": cls, "CommissionedBeds": str(beds),
            "EffectiveFrom": "2020-01-01"}


SUBMISSIONS: dict[tuple[str, str], dict[str, list[dict]]] = {
    ("RXA", "2024-01"): {
        "mhs501_hosp_prov_spell": [spell("RXA", "S1", "2023-12-20", "2024-01-21"),
                                   spell("RXA", "S2", "2024-01-10"),
                                   spell("RXA", "S4", "2024-01-30")],
        "mhs502_ward_stay": [stay("RXA", "WS1", "S1", "W1", "200", "2023-12-20", "2024-01-21"),
                             stay("RXA", "WS2", "S2", "W2", "201", "2024-01-10"),
                             stay("RXA", "WS4", "S4", "W3", "201", "2024-01-30")],
        MHS903: [details("W1", 280, 30), details("W3", None, None)],
    },
    ("RXA", "2024-02"): {
        "mhs501_hosp_prov_spell": [spell("RXA", "S2", "2024-01-10", "2024-02-10"),
                                   spell("RXA", "S3", "2024-02-01", "2024-02-15"),
                                   spell("RXA", "S4", "2024-01-30", "2024-02-04")],
        "mhs502_ward_stay": [stay("RXA", "WS2", "S2", "W2", "201", "2024-01-10", "2024-02-10"),
                             stay("RXA", "WS3", "S3", "W1", "200", "2024-02-01", "2024-02-15"),
                             stay("RXA", "WS4", "S4", "W3", "201", "2024-01-30", "2024-02-04")],
        MHS903: [details("W1", 261, 29), details("W2", 9000, 9000), details("W3", 100, 16),
                 details("W9", 58, 0)],
    },
    ("RXB", "2024-01"): {
        "mhs501_hosp_prov_spell": [spell("RXB", "S9", "2024-01-05", "2024-01-25")],
        "mhs502_ward_stay": [stay("RXB", "WS9", "S9", "V1", "200", "2024-01-05", "2024-01-25")],
    },
    ("RXB", "2024-02"): {"mhs501_hosp_prov_spell": [], "mhs502_ward_stay": []},
}


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("ward_details")
    s = tmp_settings(tmp)
    raw = s.raw_dir
    write_table(raw, "wards", [ward("RXA", "W1", "Ash Ward", "North", "200", 10),
                               ward("RXA", "W2", "Birch Ward", "South", "201", 5),
                               ward("RXA", "W3", "Cedar Ward", "South", "201", 4),
                               ward("RXB", "V1", "Elm Ward", "East", "200", 8)])
    for (p, period), tables in SUBMISSIONS.items():
        write_header(raw, p, period, datetime(2024, 3, 5, 9))
        for table, rows in tables.items():
            write_table(raw, table, rows, p, period)
    report = ingest(s)
    run_dbt(s, ["build"])
    con = duckdb.connect(str(s.warehouse), read_only=True)
    yield con, report
    con.close()


def metric(con, metric_id: str, period: str, level: str = "provider", unit: str = "RXA"):
    provider = "RXB" if unit in ("RXB", "V1", "East") else "RXA"
    rows = con.execute(
        "select value, numerator, denominator from marts.mart_metric_values "
        "where metric_id = ? and period_start = ? and period_type = 'month' and level = ? "
        "and unit_code = ? and provider_code = ? and bed_type_group = 'all'",
        [metric_id, f"{period}-01", level, unit, provider],
    ).fetchall()
    assert len(rows) == 1, (metric_id, period, level, unit, rows)
    return rows[0]


def capacity(con, period: str, level: str, unit: str, provider: str = "RXA"):
    rows = con.execute(
        "select capacity_basis, available_bed_days, closed_bed_days, commissioned_bed_days, "
        "unit_name, locality from marts.mart_bed_capacity where provider_code = ? "
        "and level = ? and unit_code = ? and period_start = ?",
        [provider, level, unit, f"{period}-01"]).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def test_ward_month_with_mhs903_uses_its_available_bed_days(wh) -> None:
    con, _ = wh
    value, num, den = metric(con, "occupancy_pct", "2024-01", "ward", "W1")
    assert (num, den) == (20, 280)  # not 10 beds x 31 days = 310
    assert value == pytest.approx(100 * 20 / 280)
    assert metric(con, "available_bed_days", "2024-02", "ward", "W3")[0] == 100
    assert capacity(con, "2024-01", "ward", "W1")[:4] == ("mhs903", 280, 30, 310)


def test_ward_month_without_mhs903_uses_commissioned_beds(wh) -> None:
    con, _ = wh
    # no MHS903 row (W2 in January), an empty AvailBedDays (W3 in January) and a row
    # quarantined by the plausibility rule (W2 in February)
    assert metric(con, "occupancy_pct", "2024-01", "ward", "W2")[1:] == (22, 155)
    assert metric(con, "occupancy_pct", "2024-01", "ward", "W3")[1:] == (2, 124)
    assert metric(con, "occupancy_pct", "2024-02", "ward", "W2")[1:] == (9, 145)
    assert capacity(con, "2024-01", "ward", "W3")[:4] == ("commissioned_beds", 124, None, 124)
    assert capacity(con, "2024-02", "ward", "W2")[:4] == ("commissioned_beds", 145, None, 145)
    rules = con.execute(
        "select field, reason from meta.quarantine where relpath like '%MHS903WardDetails%'"
    ).fetchall()
    assert rules == [("AvailBedDays",
                      "available plus closed bed days exceed 500 beds for a 31-day month")]


def test_provider_and_locality_occupancy_mix_the_bases(wh) -> None:
    con, _ = wh
    value, num, den = metric(con, "occupancy_pct", "2024-01")
    assert (num, den) == (44, 280 + 155 + 124)
    assert value == pytest.approx(100 * 44 / 559)
    assert metric(con, "occupancy_pct", "2024-02")[1:] == (26, 261 + 145 + 100 + 58)
    assert metric(con, "occupancy_pct", "2024-01", "locality", "South")[1:] == (24, 279)
    assert metric(con, "available_bed_days", "2024-02", "locality", "Unknown")[0] == 58
    assert capacity(con, "2024-01", "provider", "RXA")[:4] == ("mixed", 559, 30, 589)
    assert capacity(con, "2024-01", "locality", "North")[0] == "mhs903"
    assert capacity(con, "2024-01", "locality", "South")[0] == "commissioned_beds"
    assert capacity(con, "2024-02", "locality", "South")[:3] == ("mixed", 245, 16)
    # an MHS903 ward missing from wards.csv still counts, under 'Unknown'
    assert capacity(con, "2024-02", "ward", "W9") == ("mhs903", 58, 0, None, "W9", "Unknown")


def test_closed_bed_days(wh) -> None:
    con, _ = wh
    assert metric(con, "closed_bed_days", "2024-01")[0] == 30
    assert metric(con, "closed_bed_days", "2024-02")[0] == 29 + 16 + 0
    assert metric(con, "closed_bed_days", "2024-02", "locality", "South")[0] == 16
    assert metric(con, "closed_bed_days", "2024-01", "ward", "W1")[0] == 30
    # unknown, not zero, where the ward-month has no MHS903 figure
    assert metric(con, "closed_bed_days", "2024-01", "ward", "W2")[0] is None
    value, num, den = metric(con, "closed_bed_days_pct", "2024-01")
    assert (num, den) == (30, 280 + 30)
    assert value == pytest.approx(100 * 30 / 310)
    assert metric(con, "closed_bed_days_pct", "2024-02")[1:] == (45, 261 + 29 + 100 + 16 + 58)


def test_provider_without_mhs903_loads_on_commissioned_beds(wh) -> None:
    con, report = wh
    assert not report.problems
    # the table may be left out: not recorded as missing (MHS105 etc. still are)
    assert not [o for o in report.missing if o.table == MHS903]
    assert [o for o in report.missing if o.table == "mhs105_onward_referral"]
    assert con.execute(
        "select count(*) from meta.manifest where table_name = ? and provider = 'RXB'", [MHS903]
    ).fetchone()[0] == 0
    assert metric(con, "occupancy_pct", "2024-01", unit="RXB")[1:] == (20, 248)
    assert metric(con, "occupancy_pct", "2024-02", unit="RXB")[1:] == (0, 232)
    assert capacity(con, "2024-01", "provider", "RXB", "RXB")[:3] == (
        "commissioned_beds", 248, None)
    # the closed-bed-days metrics have a row (the gate's coverage check) but no value
    assert metric(con, "closed_bed_days", "2024-01", unit="RXB")[0] is None
    assert metric(con, "closed_bed_days_pct", "2024-02", unit="RXB")[0] is None


def test_staging_keeps_every_month(wh) -> None:
    """MHS903 is a fact of its month (per_month): not the latest version of each ward."""
    con, _ = wh
    rows = con.execute(
        "select reporting_period_start, avail_bed_days from staging.stg_mhsds__ward_details "
        "where ward_code = 'W1' order by 1").fetchall()
    assert [r[1] for r in rows] == [280, 261]
