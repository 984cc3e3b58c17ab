"""National inappropriate out-of-area placements (OAP01-OAP04, M/Q/Y, and the 'a' variants)
on a small hand-built data set, against NHS England's menh_bbrb oaps_prep.py.

Receiving provider RX1 submits April, May and June 2024; RX2 submits May and June. Sending
providers (OrgIDReferringOrg) RS1 and RS2 never submit. Every referral is ReasonOAT 10 unless
stated. Day counts: a spell's bed days run from its start (or the window start) up to the
discharge date, which is not counted, or up to the day after the window.

RX1 referrals (person in brackets; A5 at RX1 and B5 at RX2 share one NHS number):
  R1 (A1) RS1, received 10 May, open, NO hospital spell                      (May, Jun)
  R2 (A2) RS1, received 5 May, ReasonOAT 14, spell S2 + ward stay from 5 May  (May, Jun)
  R3 (A3) RS2, received 20 Mar (before the data), open; spell S3 from 20 Mar, ward stay
     WS3a class 200 from 20 Mar (open; in June ended 10 Jun), WS3b class 205 from 10 Jun
                                                                            (Apr, May, Jun)
  R4 (A4) RS1, received 2 May, open; TWO spells: S4a 2-12 May (WS4a 200, 2-12 May) and
     S4b from 20 May (WS4b 200, open; S4a is not in June's submission)       (May, Jun)
  R5a (A5) RS2, received 3 May, referral left open; spell S5a 3-25 May (WS5a 200), then
     the person's referral R5b at RX2 (B5, RS2) received 25 May, spell T5 from 25 May (T5W 200)
                                                                            (May, Jun)
  R7 (A7) RS1, received 25 Apr; spell S7 and ward stay WS7 class 201 from 25 Apr, open in
     April's submission, closed (referral, spell, stay) on 6 May in May's       (Apr, May)
  R8 (A8) no OrgIDReferringOrg, received 15 May, open; spell S8 + WS8 200 from 15 May, open
                                                                            (May, Jun)
  R9 (A9) RS1, received 10 Apr, open in April's submission; May's submission closes it on
     28 Apr (reported late); no spell                                        (Apr, May)
"""

from datetime import datetime

import duckdb
import pytest

from pipelines.config import DBT_PROJECT_DIR
from pipelines.dbt_project import run_dbt
from pipelines.ingest.load import ingest
from tests.rawfiles import tmp_settings, write_header, write_table

X1, X2 = "RX1", "RX2"
MODEL = "int_nat_oaps_referrals"


def mart_built() -> bool:
    return (DBT_PROJECT_DIR / "models" / "marts" / "mart_national_measures.sql").exists()


def nhs_number(i: int) -> str:
    """A valid (modulus 11) NHS number, different for each i."""
    n = 500_000_000 + i * 7919
    while True:
        base = f"{n:09d}"
        check = 11 - sum(int(d) * w for d, w in zip(base, range(10, 1, -1), strict=True)) % 11
        if check == 11:
            return base + "0"
        if check != 10:
            return base + str(check)
        n += 1


NHS = {"A1": 1, "A2": 2, "A3": 3, "A4": 4, "A5": 5, "B5": 5, "A7": 7, "A8": 8, "A9": 9}


def mpi(provider, person):
    return {
        "OrgIDProv": provider,
        "LocalPatientId": person,
        "NHSNumber": nhs_number(NHS[person]),
        "PersonBirthDate": "1980-05-05",
        "Gender": "1",
    }


def referral(rid, person, sender, received, closed=None, reason="10", provider=X1):
    return {
        "OrgIDProv": provider,
        "UniqServReqID": rid,
        "LocalPatientId": person,
        "OrgIDReferringOrg": sender,
        "ReferralRequestReceivedDate": received,
        "ServDischDate": closed,
        "ReasonOAT": reason,
    }


def spell(sid, rid, person, start, disch=None, provider=X1):
    return {
        "OrgIDProv": provider,
        "UniqHospProvSpellID": sid,
        "UniqServReqID": rid,
        "LocalPatientId": person,
        "StartDateHospProvSpell": start,
        "MethAdmMHHospProvSpell": "21",
        "SourceAdmMHHospProvSpell": "19",
        "DischDateHospProvSpell": disch,
        "MethOfDischMHHospProvSpell": "1" if disch else None,
        "DestOfDischHospProvSpell": "19" if disch else None,
    }


def stay(wid, sid, person, start, cls, end=None, provider=X1):
    return {
        "OrgIDProv": provider,
        "UniqWardStayID": wid,
        "UniqHospProvSpellID": sid,
        "LocalPatientId": person,
        "StartDateWardStay": start,
        "EndDateWardStay": end,
        "WardCode": "W1",
        "MHAdmittedPatientClass": cls,
        "WardSecLevel": "0",
    }


R3 = referral("R3", "A3", "RS2", "2024-03-20")
S3 = spell("S3", "R3", "A3", "2024-03-20")
R4 = referral("R4", "A4", "RS1", "2024-05-02")
S4B = spell("S4b", "R4", "A4", "2024-05-20")
WS4B = stay("WS4b", "S4b", "A4", "2024-05-20", "200")
R8 = referral("R8", "A8", None, "2024-05-15")
S8 = spell("S8", "R8", "A8", "2024-05-15")
WS8 = stay("WS8", "S8", "A8", "2024-05-15", "200")
R2 = referral("R2", "A2", "RS1", "2024-05-05", reason="14")
S2 = spell("S2", "R2", "A2", "2024-05-05")
WS2 = stay("WS2", "S2", "A2", "2024-05-05", "200")
R5B = referral("R5b", "B5", "RS2", "2024-05-25", provider=X2)

SUBMISSIONS: dict[tuple[str, str], dict[str, list[dict]]] = {
    (X1, "2024-04"): {
        "mhs101_referral": [
            R3,
            referral("R7", "A7", "RS1", "2024-04-25"),
            referral("R9", "A9", "RS1", "2024-04-10"),
        ],
        "mhs501_hosp_prov_spell": [S3, spell("S7", "R7", "A7", "2024-04-25")],
        "mhs502_ward_stay": [
            stay("WS3a", "S3", "A3", "2024-03-20", "200"),
            stay("WS7", "S7", "A7", "2024-04-25", "201"),
        ],
        "mhs001_mpi": [mpi(X1, p) for p in ("A3", "A7", "A9")],
    },
    (X1, "2024-05"): {
        "mhs101_referral": [
            referral("R1", "A1", "RS1", "2024-05-10"),
            R2,
            R3,
            R4,
            referral("R5a", "A5", "RS2", "2024-05-03"),
            referral("R7", "A7", "RS1", "2024-04-25", "2024-05-06"),
            R8,
            referral("R9", "A9", "RS1", "2024-04-10", "2024-04-28"),
        ],
        "mhs501_hosp_prov_spell": [
            S2,
            S3,
            spell("S4a", "R4", "A4", "2024-05-02", "2024-05-12"),
            S4B,
            spell("S5a", "R5a", "A5", "2024-05-03", "2024-05-25"),
            spell("S7", "R7", "A7", "2024-04-25", "2024-05-06"),
            S8,
        ],
        "mhs502_ward_stay": [
            WS2,
            stay("WS3a", "S3", "A3", "2024-03-20", "200"),
            stay("WS4a", "S4a", "A4", "2024-05-02", "200", "2024-05-12"),
            WS4B,
            stay("WS5a", "S5a", "A5", "2024-05-03", "200", "2024-05-25"),
            stay("WS7", "S7", "A7", "2024-04-25", "201", "2024-05-06"),
            WS8,
        ],
        "mhs001_mpi": [mpi(X1, p) for p in ("A1", "A2", "A3", "A4", "A5", "A7", "A8", "A9")],
    },
    (X1, "2024-06"): {
        "mhs101_referral": [
            referral("R1", "A1", "RS1", "2024-05-10"),
            R2,
            R3,
            R4,
            referral("R5a", "A5", "RS2", "2024-05-03"),
            R8,
        ],
        "mhs501_hosp_prov_spell": [S2, S3, S4B, S8],
        "mhs502_ward_stay": [
            WS2,
            stay("WS3a", "S3", "A3", "2024-03-20", "200", "2024-06-10"),
            stay("WS3b", "S3", "A3", "2024-06-10", "205"),
            WS4B,
            WS8,
        ],
        "mhs001_mpi": [mpi(X1, p) for p in ("A1", "A2", "A3", "A4", "A5", "A8")],
    },
    (X2, "2024-05"): {
        "mhs101_referral": [R5B],
        "mhs501_hosp_prov_spell": [spell("T5", "R5b", "B5", "2024-05-25", provider=X2)],
        "mhs502_ward_stay": [stay("T5W", "T5", "B5", "2024-05-25", "200", provider=X2)],
        "mhs001_mpi": [mpi(X2, "B5")],
    },
    (X2, "2024-06"): {
        "mhs101_referral": [R5B],
        "mhs501_hosp_prov_spell": [spell("T5", "R5b", "B5", "2024-05-25", provider=X2)],
        "mhs502_ward_stay": [stay("T5W", "T5", "B5", "2024-05-25", "200", provider=X2)],
        "mhs001_mpi": [mpi(X2, "B5")],
    },
}


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("oaps")
    s = tmp_settings(tmp)
    raw = s.raw_dir
    for (provider, period), tables in SUBMISSIONS.items():
        y, m = (int(x) for x in period.split("-"))
        write_header(raw, provider, period, datetime(y, m + 1, 15, 9))
        for table, rows in tables.items():
            write_table(raw, table, rows, provider, period)
    assert not ingest(s).problems
    select = [f"+{MODEL}"] + (["+mart_national_measures"] if mart_built() else [])
    run_dbt(s, ["build", "--select", *select])
    con = duckdb.connect(str(s.warehouse), read_only=True)
    yield con
    con.close()


def prep(con, month: str, window: int, provider: str = X1) -> dict[str, tuple]:
    """The prep rows of one window, by referral."""
    rows = con.execute(
        f"select uniq_serv_req_id, cast(submission_month as varchar), received_in_window, "
        f"active_at_end, ended_in_window, cast(oap_end_date as varchar), hospital_spells, "
        f"start_acute_bed, active_acute_bed, end_acute_bed, bed_days, acute_bed_days, "
        f"sending_provider from intermediate.{MODEL} "
        f"where window_end_month = ? and window_months = ? and provider_code = ?",
        [f"{month}-01", window, provider],
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


# the YAML entries (pipelines/national/measures/oaps.yml) as SQL on the prep model, to check
# the prep on its own; the mart tests below check the generated measures
WINDOW = {"M": 1, "Q": 3, "Y": 12}
RULE = {
    "OAP01": ("count(distinct referral_key)", "received_in_window"),
    "OAP01a": ("count(distinct referral_key)", "received_in_window and start_acute_bed = 'Y'"),
    "OAP02": ("coalesce(sum(bed_days), 0)", "true"),
    "OAP02a": ("coalesce(sum(acute_bed_days), 0)", "true"),
    "OAP03": ("count(distinct referral_key)", "active_at_end"),
    "OAP03a": ("count(distinct referral_key)", "active_at_end and active_acute_bed = 'Y'"),
    "OAP04": ("count(distinct referral_key)", "ended_in_window"),
    "OAP04a": ("count(distinct referral_key)", "ended_in_window and end_acute_bed = 'Y'"),
}


def measure(con, mid: str, month: str, provider: str = X1, by: str = "provider_code"):
    base, freq = mid[:-1], mid[-1]
    window = 1 if base.startswith("OAP03") else WINDOW[freq]
    agg, cond = RULE[base]
    row = con.execute(
        f"select {agg} from intermediate.{MODEL} where window_end_month = ? "
        f"and window_months = ? and {by} = ? and ({cond})",
        [f"{month}-01", window, provider],
    ).fetchone()
    return row[0]


def test_reason_14_never_counts(wh) -> None:
    # R2 is ReasonOAT 14 in every submission: no row at all (naive "any OAT reason": 1 more
    # new placement in May, 27 more bed days in May)
    n = wh.execute(f"select count(*) from intermediate.{MODEL} where uniq_serv_req_id = 'R2'")
    assert n.fetchone()[0] == 0


def test_referral_without_spell_counts(wh) -> None:
    # R1: received 10 May, no hospital spell; a new and active placement with 0 bed days,
    # bed type 'No Hospital Spell' (a spell-based count would miss it)
    r1 = prep(wh, "2024-05", 1)["R1"]
    assert r1[1:3] == (True, True) and r1[5] == 0 and r1[9:11] == (0, 0)
    assert r1[6:9] == ("No Hospital Spell",) * 3
    # May new placements at RX1: R1, R4, R5a, R8 (R2 is reason 14; R3, R7, R9 received
    # earlier) = 4
    assert measure(wh, "OAP01M", "2024-05") == 4


def test_two_spells_one_placement(wh) -> None:
    # R4 has spells S4a (2-12 May) and S4b (from 20 May): one placement, bed days added:
    # May: 12 - 2 = 10 and 1 Jun - 20 May = 12 -> 22 (counting spells would give 2 new OAPs)
    r4 = prep(wh, "2024-05", 1)["R4"]
    assert r4[5] == 2 and r4[9] == 22
    assert wh.execute(
        f"select count(*) from intermediate.{MODEL} where uniq_serv_req_id = 'R4' "
        f"and window_months = 1 and window_end_month = '2024-05-01'"
    ).fetchone()[0] == 1
    # OAP01aM: the ward stay holding the received date (WS4a, 2-12 May) is class 200 -> 'Y'
    assert r4[6] == "Y"


def test_received_before_period_still_open(wh) -> None:
    # R3 received 20 Mar, open: active at the end of every month, never new in Apr-Jun
    for month in ("2024-04", "2024-05", "2024-06"):
        r3 = prep(wh, month, 1)["R3"]
        assert r3[1] is False and r3[2] is True, month
    # ... but new in the 12 months to June (20 Mar is after 1 Jul 2023)
    assert prep(wh, "2024-06", 12)["R3"][1] is True


def test_bed_days_across_month_boundary(wh) -> None:
    # R7: spell 25 Apr -> discharged 6 May. April (open in April's submission):
    # 1 May - 25 Apr = 6; May: 6 May - 1 May = 5 (discharge day not counted; an inclusive
    # count would give 6 + 6)
    assert prep(wh, "2024-04", 1)["R7"][9] == 6
    assert prep(wh, "2024-05", 1)["R7"][9] == 5
    # R3 open all along: April 30, May 31, June 30
    assert [prep(wh, m, 1)["R3"][9] for m in ("2024-04", "2024-05", "2024-06")] == [30, 31, 30]


def test_monthly_values(wh) -> None:
    # April, RX1 (R3, R7, R9): new R7, R9 = 2; none in adult acute: WS7 (holding 25 Apr)
    # has no end date in April's submission, and NHS England's BETWEEN needs one
    # (oaps_prep.py line 417); active R3, R7, R9 = 3, in acute beds R3 (WS3a 200),
    # R7 (WS7 201) = 2; bed days R3 30 + R7 6 = 36, all acute
    april = {"OAP01M": 2, "OAP01aM": 0, "OAP03M": 3, "OAP03aM": 2, "OAP04M": 0,
             "OAP02M": 36, "OAP02aM": 36}
    # May, RX1: new 4 (above); adult acute at start: R4 (WS4a), R5a (WS5a 3-25 May) = 2
    # (R8's WS8 is open: 'UNKNOWN'); active R1, R3, R4, R8 = 4 (R5a ends 25 May: see
    # test_next_referral_ends_placement; R7 6 May; R9 28 Apr), acute R3, R4 (WS4b), R8 = 3;
    # ended R5a (25 May), R7 (6 May) = 2, both in acute stays (WS5a, WS7) = 2;
    # bed days R3 31 + R4 22 + R5a (25 - 3) 22 + R7 5 + R8 (1 Jun - 15 May) 17 = 97
    may = {"OAP01M": 4, "OAP01aM": 2, "OAP03M": 4, "OAP03aM": 3, "OAP04M": 2, "OAP04aM": 2,
           "OAP02M": 97, "OAP02aM": 97}
    # June, RX1: new 0; active R1, R3, R4, R8 = 4; acute R4, R8 = 2 (R3's open stay WS3b is
    # class 205); ended 0; bed days R3 30 + R4 (S4b) 30 + R8 30 = 90; acute: R3's spell's
    # highest UniqWardStayID is WS3b (205), so 60
    june = {"OAP01M": 0, "OAP03M": 4, "OAP03aM": 2, "OAP04M": 0, "OAP02M": 90, "OAP02aM": 60}
    for month, expected in (("2024-04", april), ("2024-05", may), ("2024-06", june)):
        got = {mid: measure(wh, mid, month) for mid in expected}
        assert got == expected, month
    # RX2 (R5b, 25 May, open): May new 1, active 1, bed days 1 Jun - 25 May = 7
    assert [measure(wh, m, "2024-05", X2) for m in ("OAP01M", "OAP03M", "OAP02M")] == [1, 1, 7]


def test_next_referral_ends_placement(wh) -> None:
    # oaps_prep.py lines 224-249: A5's referral R5a at RX1 (3 May, left open) ends on
    # 25 May, when the same person (same NHS number) is received by RX2 (R5b): ended in
    # May, not active at the end of May or June (naive: active, never ended)
    r5 = prep(wh, "2024-05", 1)["R5a"]
    assert r5[4] == "2024-05-25" and r5[3] is True and r5[2] is False
    assert r5[8] == "Y"  # WS5a (3-25 May, class 200) holds the end date
    assert prep(wh, "2024-06", 1)["R5a"][2] is False
    assert prep(wh, "2024-05", 1, X2)["R5b"][4] is None


def test_quarter_uses_latest_version_in_window(wh) -> None:
    # Quarter to June (Apr-Jun): each referral's latest submission in the quarter:
    # R7 and R9 from May, the rest from June
    q = prep(wh, "2024-06", 3)
    assert {k: v[0] for k, v in q.items()} == {
        "R1": "2024-06-01", "R3": "2024-06-01", "R4": "2024-06-01", "R5a": "2024-06-01",
        "R7": "2024-05-01", "R8": "2024-06-01", "R9": "2024-05-01",
    }
    # R9's discharge on 28 Apr was first reported in May: it ends in the quarter (OAP04Q)
    # though no month counts it (April: open; May: ended before May)
    assert q["R9"][3] is True
    assert [measure(wh, "OAP04M", m) for m in ("2024-04", "2024-05", "2024-06")] == [0, 2, 0]
    # OAP04Q = R5a, R7, R9 = 3 (sum of months: 2); OAP04aQ: R5a, R7 (R9 has no spell) = 2
    assert measure(wh, "OAP04Q", "2024-06") == 3
    assert measure(wh, "OAP04aQ", "2024-06") == 2
    # OAP01Q: received Apr-Jun: R1, R4, R5a, R7, R8, R9 = 6, each once though in two or
    # three submissions; OAP01aQ: R4, R5a and now R7 (its stay WS7 closed on 6 May in the
    # May version holds 25 Apr) = 3, while OAP01aM was 0 in April
    assert measure(wh, "OAP01Q", "2024-06") == 6
    assert measure(wh, "OAP01aQ", "2024-06") == 3
    # OAP03Q/OAP03aQ read the month (measure_metadata.py lines 3017-3038): June's 4 and 2
    assert measure(wh, "OAP03Q", "2024-06") == 4
    assert measure(wh, "OAP03aQ", "2024-06") == 2


def test_quarter_and_year_bed_days_from_received_date(wh) -> None:
    # Quarter to June (1 Apr - 30 Jun): NHS England counts from the referral's received date
    # (oaps_prep.py lines 590-591), clipped to the quarter, to the spell's discharge:
    #   R3 received 20 Mar, open: 1 Apr -> 1 Jul = 91
    #   R4 received 2 May: S4a 2 -> 12 May = 10; S4b also from 2 May (not its 20 May start)
    #      -> 1 Jul = 60; together 70 (from the spells' own starts: 10 + 42 = 52)
    #   R5a received 3 May: S5a -> 25 May = 22;  R7: 25 Apr -> 6 May = 11
    #   R8 received 15 May: -> 1 Jul = 47;  R1, R9: no spell
    # OAP02Q = 91 + 70 + 22 + 11 + 47 = 241 (the months add up to 36 + 97 + 90 = 223)
    assert prep(wh, "2024-06", 3)["R4"][9] == 70
    assert measure(wh, "OAP02Q", "2024-06") == 241
    # OAP02aQ: R3's spell's highest ward stay ID in the quarter is WS3b (205): 241 - 91 = 150
    assert measure(wh, "OAP02aQ", "2024-06") == 150
    # 12 months to June (1 Jul 2023 - 30 Jun 2024): R3 from its received date 20 Mar:
    # 12 + 91 = 103; OAP02Y = 103 + 70 + 22 + 11 + 47 = 253, OAP02aY = 150
    assert measure(wh, "OAP02Y", "2024-06") == 253
    assert measure(wh, "OAP02aY", "2024-06") == 150
    # OAP01Y: the six of the quarter and R3 = 7
    assert measure(wh, "OAP01Y", "2024-06") == 7
    # RX2's R5b received 25 May: 25 May -> 1 Jul = 37
    assert measure(wh, "OAP02Q", "2024-06", X2) == 37


def test_sending_provider(wh) -> None:
    # OrgIDReferringOrg of the receiving providers' referrals, 'UNKNOWN' when empty.
    # May new OAPs: RS1: R1, R4 (R2 is reason 14) = 2; RS2: R5a at RX1 and R5b at RX2 = 2;
    # UNKNOWN: R8 = 1
    got = {sp: measure(wh, "OAP01M", "2024-05", sp, by="sending_provider")
           for sp in ("RS1", "RS2", "UNKNOWN")}
    assert got == {"RS1": 2, "RS2": 2, "UNKNOWN": 1}
    # May bed days: RS1: R4 22 + R7 5 = 27; RS2: R3 31 + R5a 22 + R5b 7 = 60; UNKNOWN R8 17
    got = {sp: measure(wh, "OAP02M", "2024-05", sp, by="sending_provider")
           for sp in ("RS1", "RS2", "UNKNOWN")}
    assert got == {"RS1": 27, "RS2": 60, "UNKNOWN": 17}


# ---------------------------------------------------------------- the generated measures

needs_mart = pytest.mark.skipif(not mart_built(), reason="mart_national_measures not built")


def mart(con, mid, month, breakdown="Receiving Provider", level=X1):
    rows = con.execute(
        "select measure_value, cast(reporting_period_start as varchar) "
        "from marts.mart_national_measures where measure_id = ? and period_month = ? "
        "and breakdown = ? and primary_level = ?",
        [mid, f"{month}-01", breakdown, level],
    ).fetchall()
    assert len(rows) <= 1, rows
    return rows[0] if rows else None


@needs_mart
def test_mart_values(wh) -> None:
    # the same figures through pipelines/national/measures/oaps.yml and the generator
    assert mart(wh, "OAP01M", "2024-05") == (4, "2024-05-01")
    assert mart(wh, "OAP01aM", "2024-05") == (2, "2024-05-01")
    assert mart(wh, "OAP02M", "2024-05") == (97, "2024-05-01")
    assert mart(wh, "OAP02aM", "2024-06") == (60, "2024-06-01")
    assert mart(wh, "OAP03M", "2024-05") == (4, "2024-05-01")
    assert mart(wh, "OAP04M", "2024-05") == (2, "2024-05-01")
    assert mart(wh, "OAP01Q", "2024-06") == (6, "2024-04-01")
    assert mart(wh, "OAP01aQ", "2024-06") == (3, "2024-04-01")
    assert mart(wh, "OAP02Q", "2024-06") == (241, "2024-04-01")
    assert mart(wh, "OAP02aQ", "2024-06") == (150, "2024-04-01")
    assert mart(wh, "OAP03Q", "2024-06") == (4, "2024-04-01")
    assert mart(wh, "OAP04Q", "2024-06") == (3, "2024-04-01")
    assert mart(wh, "OAP04aQ", "2024-06") == (2, "2024-04-01")
    assert mart(wh, "OAP02Y", "2024-06") == (253, "2023-07-01")
    assert mart(wh, "OAP01Y", "2024-06") == (7, "2023-07-01")
    assert mart(wh, "OAP03aY", "2024-06") == (2, "2023-07-01")
    # zero-filled at Provider for a month the provider submitted
    assert mart(wh, "OAP01M", "2024-06") == (0, "2024-06-01")
    assert mart(wh, "OAP01M", "2024-05", level=X2) == (1, "2024-05-01")
    # Sending Provider across both receiving providers
    assert mart(wh, "OAP01M", "2024-05", "Sending Provider", "RS2") == (2, "2024-05-01")
    assert mart(wh, "OAP01M", "2024-05", "Sending Provider", "UNKNOWN") == (1, "2024-05-01")
    assert mart(wh, "OAP02M", "2024-05", "Sending Provider", "RS1") == (27, "2024-05-01")
    assert mart(wh, "OAP02Q", "2024-06", "Sending Provider", "RS2") == (91 + 22 + 37, "2024-04-01")


@needs_mart
def test_mart_has_every_oap_measure(wh) -> None:
    ids = {r[0] for r in wh.execute(
        "select distinct measure_id from marts.mart_national_measures where measure_id like 'OAP%'"
    ).fetchall()}
    assert ids == {f"OAP0{n}{a}{f}" for n in range(1, 5) for a in ("", "a") for f in "MQY"}
