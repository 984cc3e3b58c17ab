"""National monthly activity and inpatient measures (MHS01, MHS07, MHS21, MHS24, MHS25, MHS26,
MHS27, MHS28, MHS30, MHS32) on a small hand-built data set, each month from its own
submission as NHS England's menh_analysis computes them.

Provider RXM submits Jan-Mar 2024 (February delivered twice: the refresh replaces the first
delivery); provider RYB submits March only. Every expected figure is worked out by hand in
the comments; each rule has a case that the naive (latest-version, local) rule gets wrong.
RP end + 1 is the first day of the next month (Feb 2024 has 29 days).
"""

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.dbt_project import run_dbt
from pipelines.ingest.load import ingest
from tests.rawfiles import tmp_settings, write_header, write_table

P = "RXM"
Q = "RYB"
PREP = [
    "int_nat_monthly_ward_stays",
    "int_nat_monthly_spell_events",
    "int_nat_monthly_crfd_periods",
    "int_nat_monthly_referrals",
    "int_nat_monthly_care_contacts",
]


def mpi(person, prov=P):
    return {"OrgIDProv": prov, "LocalPatientId": person, "NHSNumber": "9434765919",
            "PersonBirthDate": "1970-06-15", "Gender": "1"}


def spell(sid, person, start, ref=None, disch=None, prov=P):
    return {"OrgIDProv": prov, "UniqHospProvSpellID": sid, "UniqServReqID": ref,
            "LocalPatientId": person, "StartDateHospProvSpell": start,
            "MethAdmMHHospProvSpell": "21", "SourceAdmMHHospProvSpell": "19",
            "DischDateHospProvSpell": disch,
            "MethOfDischMHHospProvSpell": "1" if disch else None,
            "DestOfDischHospProvSpell": "19" if disch else None}


def stay(wid, sid, person, start, ward, end=None, prov=P):
    return {"OrgIDProv": prov, "UniqWardStayID": wid, "UniqHospProvSpellID": sid,
            "LocalPatientId": person, "StartDateWardStay": start, "EndDateWardStay": end,
            "WardCode": ward, "MHAdmittedPatientClass": "200", "WardSecLevel": "0"}


def home_leave(sid, start, end=None):
    return {"OrgIDProv": P, "UniqHospProvSpellID": sid, "StartDateHomeLeave": start,
            "EndDateHomeLeave": end}


def loa(sid, start, end=None):
    return {"OrgIDProv": P, "UniqHospProvSpellID": sid, "StartDateMHLeaveAbs": start,
            "EndDateMHLeaveAbs": end}


def crfd(uid, sid, start, end=None):
    return {"OrgIDProv": P, "MHS518UniqID": uid, "UniqHospProvSpellID": sid,
            "StartDateClinReadyforDisch": start, "EndDateClinReadyforDisch": end,
            "ClinReadyforDischDelayReason": "01", "AttribToIndic": "05"}


def referral(rid, person, team, received, closed=None):
    return {"OrgIDProv": P, "UniqServReqID": rid, "LocalPatientId": person,
            "ReferralRequestReceivedDate": received, "UniqCareProfTeamLocalID": team,
            "ServDischDate": closed}


def contact(cid, rid, person, team, day, status, mech="01"):
    return {"OrgIDProv": P, "UniqCareContID": cid, "UniqServReqID": rid,
            "LocalPatientId": person, "UniqCareProfTeamLocalID": team, "CareContDate": day,
            "ConsMechanismMH": mech, "AttendStatus": status, "ClinContDurOfCareCont": "30"}


JAN = {
    "mhs001_mpi": [mpi("P1"), mpi("P2"), mpi("P3"), mpi("P5")],  # P9 has no MPI record
    "mhs501_hosp_prov_spell": [
        spell("S1", "P1", "2023-12-20", "R1"),
        spell("S2", "P2", "2024-01-10", "R2", "2024-01-31"),
        spell("S3", "P3", "2024-01-05", "R3", "2024-01-20"),
        spell("S9", "P9", "2024-01-03", "R9"),
        spell("S5", "P5", "2023-11-01", "R5"),  # open, but its referral closed on 15 Jan
    ],
    "mhs502_ward_stay": [
        stay("WS1", "S1", "P1", "2023-12-20", "W1"),
        stay("WS2", "S2", "P2", "2024-01-10", "W1", "2024-01-31"),
        stay("WS3", "S3", "P3", "2024-01-05", "W2", "2024-01-20"),
        stay("WS9", "S9", "P9", "2024-01-03", "W2"),
    ],
    "mhs509_home_leave": [home_leave("S1", "2023-12-28", "2024-01-04")],
    "mhs510_leave_of_absence": [loa("S1", "2024-01-25")],
    "mhs518_clin_ready_for_discharge": [
        crfd("C1", "S1", "2024-01-05", "2024-01-05"),
        crfd("C2", "S1", "2024-01-06", "2024-01-10"),
        crfd("C3", "S1", "2024-01-11", "2024-01-15"),
        crfd("C4", "S1", "2024-01-20"),
    ],
    "mhs101_referral": [
        referral("R1", "P1", "T1", "2023-12-01"),
        referral("R2", "P2", "T1", "2024-01-08", "2024-01-31"),
        referral("R3", "P3", "T2", "2024-01-02"),
        referral("R5", "P5", "T2", "2023-10-01", "2024-01-15"),
        referral("R9", "P9", "T2", "2024-01-03"),
        referral("R7", "P1", "T2", "2024-01-20"),
    ],
    "mhs201_care_contact": [
        contact("CC1", "R3", "P3", "T2", "2024-01-10", "5"),
        contact("CC2", "R3", "P3", "T2", "2024-01-11", "6"),
        contact("CC3", "R3", "P3", "T2", "2024-01-12", "7"),
        contact("CC4", "R3", "P3", "T2", "2024-01-13", "2"),
        contact("CC5", "R9", "P9", "T2", "2024-01-14", "5"),
        contact("CC6", "R1", "P1", None, "2024-01-15", "5", "02"),
    ],
}


def feb(refresh: bool) -> dict[str, list[dict]]:
    contacts = [
        contact("CC7", "R3", "P3", "T2", "2024-01-30", "5"),  # dated in January
        contact("CC8", "R4", "P4", "T1", "2024-02-20", "5"),
    ]
    if not refresh:  # the first delivery also had CC9; the refresh drops it
        contacts.append(contact("CC9", "R4", "P4", "T1", "2024-02-21", "5"))
    return {
        "mhs001_mpi": [mpi("P1"), mpi("P2"), mpi("P3"), mpi("P4"), mpi("P8"), mpi("P9")],
        "mhs501_hosp_prov_spell": [
            spell("S1", "P1", "2023-12-20", "R1"),
            spell("S4", "P4", "2024-02-15", "R4"),
            # a correction of S2's admission date, sent with February
            spell("S2", "P2", "2023-12-28", "R2", "2024-01-31"),
        ],
        "mhs502_ward_stay": [
            stay("WS1", "S1", "P1", "2023-12-20", "W1", "2024-02-10"),
            stay("WS1b", "S1", "P1", "2024-02-10", "W2"),
            stay("WS4", "S4", "P4", "2024-02-15", "W1"),
        ],
        "mhs509_home_leave": [home_leave("S1", "2024-02-20", "2024-02-22")],
        "mhs510_leave_of_absence": [loa("S1", "2024-01-25", "2024-02-12")],
        # C4 (open in January's submission) closed on 31 Jan and is not resubmitted
        "mhs518_clin_ready_for_discharge": [
            crfd("C5", "S1", "2024-02-01", "2024-02-05"),
            crfd("C6", "S1", "2024-02-06"),
        ],
        "mhs101_referral": [
            referral("R1", "P1", "T1", "2023-12-01"),
            referral("R3", "P3", "T2", "2024-01-02"),
            referral("R7", "P1", "T2", "2024-01-20"),
            referral("R9", "P9", "T2", "2024-01-03", "2024-02-10"),
            referral("R4", "P4", "T1", "2024-02-14"),
            referral("R8", "P8", "T1", "2024-01-25"),  # received in Jan, first sent in Feb
        ],
        "mhs201_care_contact": contacts,
    }


MAR = {
    "mhs001_mpi": [mpi("P1"), mpi("P3"), mpi("P4"), mpi("P6")],
    "mhs501_hosp_prov_spell": [
        spell("S1", "P1", "2023-12-20", "R1", "2024-03-31"),
        spell("S4", "P4", "2024-02-18", "R4"),  # admission date corrected 15 -> 18 Feb
        spell("S6", "P6", "2024-03-31", "R6"),
    ],
    "mhs502_ward_stay": [
        stay("WS1b", "S1", "P1", "2024-02-10", "W2", "2024-03-31"),
        stay("WS4", "S4", "P4", "2024-02-18", "W1"),
        stay("WS6", "S6", "P6", "2024-03-31", "W1"),
    ],
    "mhs518_clin_ready_for_discharge": [
        crfd("C6", "S1", "2024-02-06", "2024-03-05"),
        crfd("C8", "S1", "2024-03-20", "2024-03-25"),
        crfd("C9", "S1", "2024-03-26"),
        crfd("C10", "S1", "2024-03-28"),
    ],
    "mhs101_referral": [
        referral("R1", "P1", "T1", "2023-12-01", "2024-03-31"),
        referral("R3", "P3", "T2", "2024-01-02"),
        referral("R4", "P4", "T1", "2024-02-14"),
        referral("R6", "P6", "T1", "2024-03-30"),
    ],
}

RYB_MAR = {
    "mhs001_mpi": [mpi("Q1", Q)],
    "mhs501_hosp_prov_spell": [
        spell("QS1", "Q1", "2024-03-01", prov=Q),
        spell("QS2", "Q1", "2024-02-01", disch="2024-02-20", prov=Q),
    ],
    "mhs502_ward_stay": [
        stay("WQ1", "QS1", "Q1", "2024-03-01", "X1", prov=Q),
        # a stay that ended in February, carried in March's submission
        stay("WQ2", "QS2", "Q1", "2024-02-01", "X1", "2024-02-20", prov=Q),
    ],
}


def write_month(raw: Path, prov: str, period: str, tables: dict, created: datetime) -> None:
    write_header(raw, prov, period, created)
    for table, rows in tables.items():
        write_table(raw, table, rows, prov, period)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("nat_monthly")
    s = tmp_settings(tmp)
    raw = s.raw_dir
    write_table(raw, "wards", [
        {"OrgIDProv": P, "WardCode": "W1", "WardName": "Ash Ward", "Locality": "North",
         "MHAdmittedPatientClass": "200", "CommissionedBeds": "10",
         "EffectiveFrom": "2020-01-01"},
        {"OrgIDProv": P, "WardCode": "W2", "WardName": "Birch Ward", "Locality": "South",
         "MHAdmittedPatientClass": "200", "CommissionedBeds": "10",
         "EffectiveFrom": "2020-01-01"},
    ])
    write_table(raw, "teams", [
        {"OrgIDProv": P, "UniqCareProfTeamLocalID": "T1", "TeamName": "North CMHT",
         "Locality": "North", "ServTeamTypeMH": "A05"},
        {"OrgIDProv": P, "UniqCareProfTeamLocalID": "T2", "TeamName": "South CMHT",
         "Locality": "South", "ServTeamTypeMH": "A05"},
    ])
    write_month(raw, P, "2024-01", JAN, datetime(2024, 2, 15, 9))
    write_month(raw, P, "2024-02", feb(refresh=False), datetime(2024, 3, 15, 9))
    write_month(raw, P, "2024-03", MAR, datetime(2024, 4, 15, 9))
    write_month(raw, Q, "2024-03", RYB_MAR, datetime(2024, 4, 15, 9))
    assert not ingest(s).problems
    # February refreshed (a later delivery of the same month replaces the whole submission)
    write_month(raw, P, "2024-02", feb(refresh=True), datetime(2024, 4, 2, 9))
    assert not ingest(s).problems
    run_dbt(s, ["build", "--select", *[f"+{m}" for m in PREP]])
    con = duckdb.connect(str(s.warehouse), read_only=True)
    yield s, con
    con.close()


@pytest.fixture(scope="module")
def con(built):
    return built[1]


def measure(con, source, agg, flt="true", month="2024-01", prov=P, by=None, level=None):
    """A measure as the YAML entry defines it, on the prep model (one month, one provider)."""
    extra = f" and coalesce({by}, 'Unknown') = '{level}'" if by else ""
    return con.execute(
        f"select {agg} from intermediate.{source} where provider_code = ? "
        f"and submission_month = ? and ({flt}){extra}",
        [prov, f"{month}-01"],
    ).fetchone()[0] or 0


def mhs24(con, month, prov=P, **kw):
    return measure(con, "int_nat_monthly_ward_stays", "sum(bed_days)", month=month, prov=prov, **kw)


def mhs25(con, month, **kw):
    return measure(con, "int_nat_monthly_ward_stays", "sum(bed_days_less_leave)", month=month, **kw)


def mhs21(con, month, **kw):
    return measure(con, "int_nat_monthly_ward_stays", "count(distinct uniq_ward_stay_id)",
                   "is_open_at_period_end and person_in_mpi", month, **kw)


def mhs26(con, month, **kw):
    return measure(con, "int_nat_monthly_crfd_periods", "sum(crfd_days)", month=month, **kw)


def events(con, event, month, agg="count(*)", flt="true", **kw):
    return measure(con, "int_nat_monthly_spell_events", agg, f"event = '{event}' and {flt}",
                   month, **kw)


def mhs07(con, month, **kw):
    return events(con, "open_at_end", month, "count(distinct person_key)",
                  "referral_open_at_period_end and person_in_mpi", **kw)


def mhs01(con, month, **kw):
    return measure(con, "int_nat_monthly_referrals", "count(distinct person_key)",
                   "is_open_at_period_end", month, **kw)


def mhs32(con, month, **kw):
    return measure(con, "int_nat_monthly_referrals", "count(distinct uniq_serv_req_id)",
                   "is_received_in_period", month, **kw)


def mhs30(con, month, **kw):
    return measure(con, "int_nat_monthly_care_contacts", "count(distinct uniq_care_cont_id)",
                   "is_attended", month, **kw)


# ---------------------------------------------------------------- bed days (MHS24, MHS25)


def test_bed_days_admission_day_counts_discharge_day_not(con) -> None:
    # January: WS1 from 20 Dec, open: 1 Jan -> 1 Feb = 31; WS2 10 Jan -> 31 Jan = 21 (the
    # discharge day is not a bed day); WS3 5 -> 20 Jan = 15; WS9 (P9, no MPI record in
    # January's submission: NHS England puts it under a null provider) = 0
    assert mhs24(con, "2024-01") == 31 + 21 + 15
    days = dict(con.execute(
        "select uniq_ward_stay_id, ward_stay_days from intermediate.int_nat_monthly_ward_stays"
        " where submission_month = '2024-01-01'").fetchall())
    assert days == {"WS1": 31, "WS2": 21, "WS3": 15, "WS9": 29}
    # by ward: W1 (Ash, North) 31 + 21, W2 (Birch, South) 15
    assert mhs24(con, "2024-01", by="ward_code", level="W1") == 52
    assert mhs24(con, "2024-01", by="locality", level="South") == 15


def test_bed_days_from_the_months_own_submission(con) -> None:
    # February: WS1 1 -> 10 Feb = 9 (transfer), WS1b 10 Feb -> 1 Mar = 20, WS4 15 Feb -> 1 Mar
    # = 15. March's submission corrects WS4's start to 18 Feb; February keeps its own 15
    # (the latest-version rule would give 12 and a total of 41)
    assert mhs24(con, "2024-02") == 9 + 20 + 15
    # March: WS1b 1 -> 31 Mar = 30 (discharged on the last day), WS4 open 31, WS6 admitted on
    # the last day and open: 31 Mar -> 1 Apr = 1
    assert mhs24(con, "2024-03") == 30 + 31 + 1


def test_bed_days_stay_ended_before_the_month_counts_negative(con) -> None:
    # RYB's March submission carries WQ2, ended 20 Feb: NHS England's DATEDIFF(end, RP start)
    # with no date filter gives 20 Feb - 1 Mar = -10; WQ1 open from 1 Mar = 31
    assert mhs24(con, "2024-03", prov=Q) == 31 - 10


def test_bed_days_less_leave(con) -> None:
    # January: home leave 28 Dec -> 4 Jan clipped to 1 -> 4 Jan = 3; leave of absence from
    # 25 Jan, open: 25 Jan -> 1 Feb = 7: 67 - 3 - 7 = 57
    assert mhs25(con, "2024-01") == 67 - 3 - 7
    # February: the leave of absence (25 Jan -> 12 Feb) crosses the month boundary: 1 -> 12
    # Feb = 11, given once to WS1 (W1), the stay its start date falls in, although S1 has two
    # ward stays in the submission (joining on the spell would subtract it twice); home leave
    # 20 -> 22 Feb = 2 on WS1b (W2): 44 - 11 - 2 = 31
    assert mhs25(con, "2024-02") == 44 - 11 - 2
    assert mhs25(con, "2024-02", by="ward_code", level="W1") == 9 + 15 - 11
    assert mhs25(con, "2024-02", by="ward_code", level="W2") == 20 - 2


# ---------------------------------------------------------------- open at end (MHS21, MHS07)


def test_open_ward_stays_at_period_end(con) -> None:
    # January: WS1 open; WS2 ends on 31 Jan (the RP end: not after it, so not open); WS9 is
    # open but P9 has no MPI record in January's submission
    assert mhs21(con, "2024-01") == 1
    # February: WS1b, WS4; March: WS4, WS6 (WS1b ended 31 Mar)
    assert mhs21(con, "2024-02") == 2
    assert mhs21(con, "2024-03") == 2
    assert mhs21(con, "2024-03", by="ward_code", level="W1") == 2


def test_people_with_open_spell_need_open_referral_and_mpi(con) -> None:
    # January open spells: S1 (P1, R1 open) counts; S9 (P9: no MPI record) and S5 (P5: its
    # referral R5 closed on 15 Jan) do not
    assert events(con, "open_at_end", "2024-01") == 3
    assert mhs07(con, "2024-01") == 1
    # February: P1 (S1), P4 (S4); March: P4 (S4), P6 (S6); S1 discharged 31 Mar
    assert mhs07(con, "2024-02") == 2
    assert mhs07(con, "2024-03") == 2
    # by the ward the spell is on at the month end: February P1 on W2 (WS1b), P4 on W1
    assert mhs07(con, "2024-02", by="ward_code", level="W2") == 1


# ---------------------------------------------------------------- admissions, discharges


def test_admissions_and_discharges_from_the_months_own_submission(con) -> None:
    # January admissions: S2 (10 Jan), S3 (5 Jan), S9 (3 Jan; no MPI condition). February's
    # submission moves S2's admission to 28 Dec: January keeps 3 (latest version: 2)
    assert events(con, "admission", "2024-01") == 3
    assert events(con, "discharge", "2024-01") == 2  # S2 (31 Jan, the RP end), S3
    assert events(con, "admission", "2024-02") == 1  # S4
    assert events(con, "discharge", "2024-02") == 0
    assert events(con, "admission", "2024-03") == 1  # S6 on the last day
    assert events(con, "discharge", "2024-03") == 1  # S1 on the last day
    # admission ward = the stay starting on the admission date: S3 and S9 on W2 (South)
    assert events(con, "admission", "2024-01", by="locality", level="South") == 2
    # discharge ward = the stay ending on the discharge date: S1 from WS1b (W2)
    assert events(con, "discharge", "2024-03", by="ward_code", level="W2") == 1


# ---------------------------------------------------------------- CRFD (MHS26)


def test_crfd_same_day_period_dropped_before_ranking(con) -> None:
    # January: C1 (5 -> 5 Jan) dropped first, so C2 (6 -> 10 Jan) ranks first: counted from
    # the day after its start, 7 -> 10 Jan = 3 (ranked after C1 it would be contiguous and
    # count 4); C3 (11 -> 15 Jan) starts the day after C2 ended: contiguous, counted from its
    # own start, 11 -> 15 = 4; C4 (from 20 Jan, open) starts more than a day after C3 ended:
    # from 21 Jan -> 1 Feb = 11
    rows = con.execute(
        "select mhs518_uniq_id, period_rank, crfd_days from intermediate."
        "int_nat_monthly_crfd_periods where submission_month = '2024-01-01'"
        " order by period_rank").fetchall()
    assert rows == [("C2", 1, 3), ("C3", 2, 4), ("C4", 3, 11)]
    assert mhs26(con, "2024-01") == 3 + 4 + 11


def test_crfd_ranked_within_the_months_own_submission(con) -> None:
    # February: C4 ended 31 Jan and is not in February's submission, so C5 (1 -> 5 Feb) ranks
    # first there and its first day is not counted: 2 -> 5 Feb = 3 (contiguity across
    # submissions would count 4); C6 (from 6 Feb, open) contiguous with C5: 6 Feb -> 1 Mar = 24
    assert mhs26(con, "2024-02") == 3 + 24
    # by the ward of the spell's stay open at the month end (WS1b, W2)
    assert mhs26(con, "2024-02", by="ward_code", level="W2") == 27


def test_crfd_started_before_month_and_previous_open(con) -> None:
    # March: C6 (6 Feb -> 5 Mar) from the RP start: 1 -> 5 Mar = 4; C8 (20 -> 25 Mar) not
    # contiguous: 21 -> 25 = 4; C9 (from 26 Mar, open) contiguous with C8: 26 Mar -> 1 Apr = 6;
    # C10 (from 28 Mar, open) follows an open period (no previous end date), so NHS England's
    # contiguity test is not true and it counts from its own start: 28 Mar -> 1 Apr = 4
    assert mhs26(con, "2024-03") == 4 + 4 + 6 + 4


# ---------------------------------------------------------------- community (MHS01, MHS32, MHS30)


def test_people_in_contact(con) -> None:
    # January open referrals: R1 (P1), R3 (P3), R9 (P9: no MPI condition), R7 (P1); R2 closed
    # on 31 Jan (the RP end) and R5 on 15 Jan are not open: {P1, P3, P9} = 3
    assert mhs01(con, "2024-01") == 3
    # by the referral team's locality: P1 (R1, T1) in North; P3, P9, P1 (R7, T2) in South
    assert mhs01(con, "2024-01", by="locality", level="North") == 1
    assert mhs01(con, "2024-01", by="locality", level="South") == 3
    # February: P1, P3, P4, P8 (R9 closed 10 Feb); March: P3, P4, P6 (R1 closed 31 Mar)
    assert mhs01(con, "2024-02") == 4
    assert mhs01(con, "2024-03") == 3


def test_referrals_starting(con) -> None:
    # January: R2, R3, R9, R7 received in January
    assert mhs32(con, "2024-01") == 4
    # R8, received 25 Jan, is first sent with February: counted in neither month (the
    # latest-version rule counts it in January); February: R4 only
    assert mhs32(con, "2024-02") == 1
    assert mhs32(con, "2024-03") == 1  # R6


def test_attended_contacts(con) -> None:
    # January: CC1 (5) and CC2 (6) attended; CC3 (7) and CC4 (2) not; CC5 attended but P9 has
    # no MPI record in January's submission; CC6 attended by telephone (no consultation
    # mechanism condition), on its referral's team T1 (North)
    assert mhs30(con, "2024-01") == 3
    assert mhs30(con, "2024-01", by="locality", level="North") == 1
    # February (the refresh, which dropped CC9): CC8; CC7 is dated in January, so February
    # does not count it and January's submission never had it
    assert mhs30(con, "2024-02") == 1


# ---------------------------------------------------------------- mart_national_measures


@pytest.fixture(scope="module")
def mart(built):
    s, con = built
    con.close()  # the warehouse is written again
    # models and seeds only: the other families' data tests are not this module's business
    run_dbt(s, ["build", "--select", "+mart_national_measures", "--exclude-resource-type", "test"])
    mcon = duckdb.connect(str(s.warehouse), read_only=True)
    yield mcon
    mcon.close()


def national(mart, mid, month, prov=P, breakdown="Provider", level="NONE"):
    rows = mart.execute(
        "select measure_value, measure_name from marts.mart_national_measures"
        " where measure_id = ? and period_month = ? and breakdown = ? and primary_level = ?"
        " and secondary_level = ?",
        [mid, f"{month}-01", breakdown, prov, level],
    ).fetchall()
    assert len(rows) <= 1, rows
    return rows[0][0] if rows else None


def test_mart_values_from_the_yaml_definitions(mart) -> None:
    # the figures worked out above, through the generated SQL
    expected = {
        "2024-01": {"MHS01": 3, "MHS07": 1, "MHS21": 1, "MHS24": 67, "MHS25": 57, "MHS26": 18,
                    "MHS27": 3, "MHS28": 2, "MHS30": 3, "MHS32": 4},
        "2024-02": {"MHS01": 4, "MHS07": 2, "MHS21": 2, "MHS24": 44, "MHS25": 31, "MHS26": 27,
                    "MHS27": 1, "MHS28": 0, "MHS30": 1, "MHS32": 1},
        "2024-03": {"MHS01": 3, "MHS07": 2, "MHS21": 2, "MHS24": 62, "MHS25": 62, "MHS26": 18,
                    "MHS27": 1, "MHS28": 1, "MHS30": 0, "MHS32": 1},
    }
    got = {m: {k: national(mart, k, m) for k in v} for m, v in expected.items()}
    assert got == expected
    # RYB submitted March only: its counts are zero-filled, bed days 31 - 10
    assert national(mart, "MHS30", "2024-03", Q) == 0
    assert national(mart, "MHS24", "2024-03", Q) == 21
    assert national(mart, "MHS24", "2024-02", Q) is None


def test_mart_local_breakdowns_and_names(mart) -> None:
    assert national(mart, "MHS24", "2024-01", breakdown="Provider; Ward", level="W1") == 52
    assert national(mart, "MHS30", "2024-01", breakdown="Provider; Locality", level="North") == 1
    # RYB's ward X1 is not in reference/wards.csv: its locality is reported as Unknown
    assert national(mart, "MHS24", "2024-03", Q, "Provider; Locality", "Unknown") == 21
    name = mart.execute(
        "select distinct measure_name from marts.mart_national_measures where measure_id = 'MHS26'"
    ).fetchone()[0]
    assert name == ("Days of delayed discharge, for patients clinically ready for discharge, "
                    "in the Reporting Period")
