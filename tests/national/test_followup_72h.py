"""National 72-hour follow-up (MHS78, MHS79, MHS80) on a small hand-built data set.

Measure month June 2024 (window: RP start - 4 days .. RP end - 4 days = 28 May .. 26 June,
PrepViews.py lines 204-205). Provider RAA submits May and June; RBB submits June only (so it
"submits MHSDS" for June's onward-referral rule, PrepViews.py lines 113-119); RXX never submits.
Unless a comment says otherwise a spell is at RAA, starts 1 June, is discharged on 10 June
with method 1 and destination 19 from ward W1 (class 200, locality North), and its person is
in the same submission's MPI. Contacts are attended (5) face to face (01) unless stated.
Every expected figure is worked out by hand next to the case.
"""

from datetime import datetime

import duckdb
import pytest

from pipelines.dbt_project import run_dbt
from pipelines.ingest.load import ingest
from tests.rawfiles import tmp_settings, write_header, write_table

A, B = "RAA", "RBB"
MODEL = "int_nat_followup_72h_discharges"


def nhs_number(i: int) -> str:
    """A valid (modulus 11) NHS number, different for each i."""
    n = 400_000_000 + i * 7919
    while True:
        base = f"{n:09d}"
        check = 11 - sum(int(d) * w for d, w in zip(base, range(10, 1, -1), strict=True)) % 11
        if check == 11:
            return base + "0"
        if check != 10:
            return base + str(check)
        n += 1


def mpi(provider, person, nhs_of, death=None):
    return {
        "OrgIDProv": provider,
        "LocalPatientId": person,
        "NHSNumber": nhs_number(nhs_of),
        "PersonBirthDate": "1980-05-05",
        "Gender": "1",
        "PersDeathDate": death,
    }


def spell(sid, person, start="2024-06-01", disch="2024-06-10", meth="1", dest="19"):
    return {
        "OrgIDProv": A,
        "UniqHospProvSpellID": sid,
        "UniqServReqID": "R" + sid[1:],
        "LocalPatientId": person,
        "StartDateHospProvSpell": start,
        "MethAdmMHHospProvSpell": "21",
        "SourceAdmMHHospProvSpell": "19",
        "DischDateHospProvSpell": disch,
        "MethOfDischMHHospProvSpell": meth if disch else None,
        "DestOfDischHospProvSpell": dest if disch else None,
    }


def stay(sid, person, start="2024-06-01", end="2024-06-10", ward="W1", cls="200"):
    return {
        "OrgIDProv": A,
        "UniqWardStayID": "W" + sid,
        "UniqHospProvSpellID": sid,
        "LocalPatientId": person,
        "StartDateWardStay": start,
        "EndDateWardStay": end,
        "WardCode": ward,
        "MHAdmittedPatientClass": cls,
        "WardSecLevel": "0",
    }


def contact(cid, person, day, provider=A, status="5", mech="01"):
    return {
        "OrgIDProv": provider,
        "UniqCareContID": cid,
        "UniqServReqID": "R" + person,
        "LocalPatientId": person,
        "UniqCareProfTeamLocalID": "T1",
        "CareContDate": day,
        "ConsMechanismMH": mech,
        "AttendStatus": status,
        "ClinContDurOfCareCont": "30",
    }


def onward(ref, receiving, day="2024-06-05"):
    return {
        "OrgIDProv": A,
        "UniqServReqID": ref,
        "OnwardReferDate": day,
        "OrgIDReceiving": receiving,
    }


# discharged 10 June from W1 (class 200) unless given; (spell, person, spell kwargs, stay kwargs)
JUNE_SPELLS = [
    ("S1", "P1", {}, {}),
    ("S2", "P2", {}, {}),
    ("S3", "P3", {}, {}),
    ("S4", "P4", {}, {}),
    ("S5", "P5", {}, {}),
    ("S6", "P6", {}, {}),
    ("S7", "P7", {}, {}),
    ("S8", "P8", {}, {}),
    ("S9", "P9", {}, {}),
    ("S10", "P10", {}, {}),
    ("S22", "P22", {}, {}),
    ("S12", "P12", {"start": "2024-05-25"}, {"start": "2024-05-25"}),
    ("S13", "P13", {"disch": "2024-06-27"}, {"end": "2024-06-27"}),
    ("S14", "P14", {"disch": "2024-06-26"}, {"end": "2024-06-26"}),
    ("S17", "P17", {"meth": "4"}, {}),
    ("S18", "P18", {"dest": "37"}, {}),
    ("S19", "P19", {}, {"cls": "203"}),
    ("S20", "P20", {}, {"ward": "W2", "cls": "212"}),
    ("S21", "P21", {}, {}),
    # P6's readmission on 12 June (still open)
    ("S6b", "P6", {"start": "2024-06-12", "disch": None}, {"start": "2024-06-12", "end": None}),
]


def may() -> dict[str, list[dict]]:
    return {
        "mhs501_hosp_prov_spell": [
            spell("S15", "P15", "2024-05-20", "2024-05-29"),
            spell("S16", "P16", "2024-05-10", "2024-05-27"),
            spell("S11", "P11", "2024-05-15", "2024-05-30"),
            spell("S12", "P12", "2024-05-25", None),  # open in May's record
        ],
        "mhs502_ward_stay": [
            stay("S15", "P15", "2024-05-20", "2024-05-29"),
            stay("S16", "P16", "2024-05-10", "2024-05-27"),
            stay("S11", "P11", "2024-05-15", "2024-05-30"),
            stay("S12", "P12", "2024-05-25", None),
        ],
        "mhs201_care_contact": [contact("C16", "P16", "2024-05-28")],
        "mhs001_mpi": [mpi(A, p, int(p[1:])) for p in ("P11", "P12", "P15", "P16")],
    }


def june_a() -> dict[str, list[dict]]:
    people = sorted({p for _, p, _, _ in JUNE_SPELLS if p != "P21"} | {"P11", "P15"})
    return {
        "mhs501_hosp_prov_spell": [spell(s, p, **kw) for s, p, kw, _ in JUNE_SPELLS],
        "mhs502_ward_stay": [stay(s, p, **kw) for s, p, _, kw in JUNE_SPELLS],
        "mhs105_onward_referral": [
            onward("R1", B, "2024-06-11"),  # after S1's discharge: does not move it
            onward("R8", B),
            onward("R9", "RBB12"),  # a site code of RBB: first 3 characters
            onward("R10", "RXX"),  # RXX submits no MHSDS: S10 stays at RAA
            onward("R22", B),
        ],
        "mhs201_care_contact": [
            contact("C1", "P1", "2024-06-11"),
            contact("C2", "P2", "2024-06-10"),
            contact("C3", "P3", "2024-06-14"),
            contact("C4", "P4", "2024-06-13"),
            contact("C5a", "P5", "2024-06-11", mech="03"),
            contact("C5b", "P5", "2024-06-12", mech="05"),
            contact("C5c", "P5", "2024-06-13", mech=None),
            contact("C7", "P7", "2024-06-11", status="3"),
            contact("C8", "P8", "2024-06-11"),
            contact("C10", "P10", "2024-06-11"),
            contact("C14", "P14", "2024-06-29"),
            contact("C15", "P15", "2024-06-01"),
        ],
        "mhs001_mpi": [
            mpi(A, p, int(p[1:]), death={"P11": "2024-06-01", "P12": "2024-06-20"}.get(p))
            for p in people
        ],
    }


def june_b() -> dict[str, list[dict]]:
    return {
        # RBB's own pseudonyms for P8, P9, P22: linked by the NHS number only
        "mhs001_mpi": [mpi(B, "B8", 8), mpi(B, "B9", 9), mpi(B, "B22", 22)],
        "mhs201_care_contact": [
            contact("D9", "B9", "2024-06-12", provider=B, status="6", mech="02"),
            contact("D22", "B22", "2024-06-13", provider=B, mech="11"),
        ],
    }


def write_month(raw, provider, period, tables) -> None:
    write_header(raw, provider, period, datetime(2024, int(period[5:]) + 1, 5, 9))
    for table, rows in tables.items():
        write_table(raw, table, rows, provider, period)


def mart_built() -> bool:
    from pipelines.config import DBT_PROJECT_DIR

    return (DBT_PROJECT_DIR / "models" / "marts" / "mart_national_measures.sql").exists()


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("followup_72h")
    s = tmp_settings(tmp)
    raw = s.raw_dir
    write_table(
        raw,
        "wards",
        [
            {
                "OrgIDProv": A,
                "WardCode": "W1",
                "WardName": "Ash Ward",
                "Locality": "North",
                "MHAdmittedPatientClass": "200",
                "CommissionedBeds": "10",
                "EffectiveFrom": "2020-01-01",
            },
            {
                "OrgIDProv": A,
                "WardCode": "W2",
                "WardName": "Birch Ward",
                "Locality": "South",
                "MHAdmittedPatientClass": "212",
                "CommissionedBeds": "5",
                "EffectiveFrom": "2020-01-01",
            },
        ],
    )
    write_month(raw, A, "2024-05", may())
    write_month(raw, A, "2024-06", june_a())
    write_month(raw, B, "2024-06", june_b())
    report = ingest(s)
    assert not report.problems, report.problems
    select = "+mart_national_measures" if mart_built() else f"+{MODEL}"
    run_dbt(s, ["build", "--select", select])
    con = duckdb.connect(str(s.warehouse), read_only=True)
    yield con
    con.close()


def row(con, spell_id, month="2024-06-01", provider=None):
    sql = (
        f"select * from intermediate.{MODEL} where uniq_hosp_prov_spell_id = ? "
        "and submission_month = ?"
    )
    args = [spell_id, month]
    if provider:
        sql += " and provider_code = ?"
        args.append(provider)
    cur = con.execute(sql, args)
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    assert len(rows) <= 1, rows
    return rows[0] if rows else None


def counted(con, spell_id, month="2024-06-01"):
    """(provider, in MHS78, in MHS79) of the spell's rows in the month."""
    return sorted(
        con.execute(
            f"select provider_code, eligible_acute_discharge, followed_up_within_72h "
            f"from intermediate.{MODEL} where uniq_hosp_prov_spell_id = ? and submission_month = ?",
            [spell_id, month],
        ).fetchall()
    )


def prep_measures(con, month="2024-06-01"):
    """The YAML entries applied to the prep model by hand: {provider: (MHS78, MHS79, MHS80)}."""
    out = {}
    for prov, m78, m79 in con.execute(
        f"select provider_code, count(*) filter (where eligible_acute_discharge), "
        f"count(*) filter (where followed_up_within_72h) from intermediate.{MODEL} "
        f"where submission_month = ? group by provider_code",
        [month],
    ).fetchall():
        out[prov] = (m78, m79, 100.0 * m79 / m78 if m78 else None)
    return out


# ---- follow-up timing -----------------------------------------------------------------


def test_contact_one_day_after_discharge_follows_up(wh) -> None:
    # S1: discharged 10 June, attended face-to-face contact 11 June: 11 - 10 = 1 day
    assert counted(wh, "S1") == [(A, True, True)]
    assert str(row(wh, "S1")["first_follow_up_date"]) == "2024-06-11"


def test_same_day_contact_is_not_follow_up(wh) -> None:
    # S2: contact on the discharge day itself (10 June): NHS England needs ContDate >
    # DischDate (PrepViews.py line 317). The local rule (>= discharge date) would count it.
    assert counted(wh, "S2") == [(A, True, False)]
    assert row(wh, "S2")["first_follow_up_date"] is None


def test_contact_on_day_four_is_too_late(wh) -> None:
    # S3: contact 14 June: 14 - 10 = 4 > 3 (line 295): eligible, not followed up
    r = row(wh, "S3")
    assert (r["eligible_acute_discharge"], r["followed_up_3_days"]) == (True, False)
    assert str(r["first_follow_up_date"]) == "2024-06-14"


def test_contact_on_day_three_counts(wh) -> None:
    # S4: contact 13 June: 13 - 10 = 3 <= 3
    assert counted(wh, "S4") == [(A, True, True)]


def test_only_included_consultation_mechanisms(wh) -> None:
    # S5: contacts on 11 June by 03 (telemedicine, in the include list only until 2021),
    # 12 June by 05 (email, excluded) and 13 June with no mechanism: none is in the current
    # include list 01, 02, 04, 11 (00_version_change_tables.py lines 195-199). The local
    # rule (anything not in 05, 09, 10, 12, 13, 98) would have counted the 03 and blank ones.
    assert counted(wh, "S5") == [(A, True, False)]


def test_did_not_attend_is_not_follow_up(wh) -> None:
    # S7: contact 11 June with AttendStatus 3 (DNA): only 5 and 6 count (line 22)
    assert counted(wh, "S7") == [(A, True, False)]


def test_readmission_within_three_days_is_follow_up(wh) -> None:
    # S6: no contact, but P6 is readmitted (S6b) on 12 June: 12 - 10 = 2 days; a new spell's
    # start is a follow-up event (PrepViews.py lines 92-96). The local rule ignores it.
    assert counted(wh, "S6") == [(A, True, True)]
    assert str(row(wh, "S6")["first_follow_up_date"]) == "2024-06-12"
    # the readmission itself is open: no discharge row
    assert row(wh, "S6b") is None


# ---- window -------------------------------------------------------------------------


def test_window_is_rp_start_minus_4_to_rp_end_minus_4(wh) -> None:
    # June's window is 28 May .. 26 June (30 June - 4).
    # S14 discharged 26 June (RP end - 4): in; contact 29 June = day 3: followed up
    assert counted(wh, "S14") == [(A, True, True)]
    # S13 discharged 27 June (RP end - 3): outside June (it belongs to July's window,
    # which has no submission here). The local month-of-discharge rule would count it in June.
    assert counted(wh, "S13") == []
    assert wh.execute(
        f"select count(*) from intermediate.{MODEL} where uniq_hosp_prov_spell_id = 'S13'"
    ).fetchone() == (0,)


def test_discharge_in_last_days_of_previous_month_counts_from_its_submission(wh) -> None:
    # S15: discharged 29 May (RP start - 3), a record of May's submission only; contact 1 June
    # (June's submission): 1 June - 29 May = 3 days. It counts in June (Hosp reads M-1 and M,
    # PrepViews.py line 56); reading June's submission alone would lose it.
    r = row(wh, "S15")
    assert (r["provider_code"], r["eligible_acute_discharge"], r["followed_up_within_72h"]) == (
        A,
        True,
        True,
    )
    assert str(r["spell_record_month"]) == "2024-05-01"
    # S16: discharged 27 May = May's RP end - 4: May's window, not June's;
    # contact 28 May: followed up (May: MHS78 1, MHS79 1)
    assert counted(wh, "S16", "2024-05-01") == [(A, True, True)]
    assert counted(wh, "S16") == []
    assert prep_measures(wh, "2024-05-01") == {A: (1, 1, 100.0)}


def test_latest_record_of_the_spell_is_used(wh) -> None:
    # S12: open in May's record, discharged 10 June in June's (HospRN = 1 is June's)
    assert str(row(wh, "S12")["spell_record_month"]) == "2024-06-01"


# ---- eligibility --------------------------------------------------------------------


def test_discharge_method_and_destination_exclusions(wh) -> None:
    # S17: method 4 (died); S18: destination 37 (court): not eligible (lines 208-209)
    for s in ("S17", "S18"):
        r = row(wh, s)
        assert (r["eligible_discharge"], r["eligible_acute_discharge"]) == (False, False), s


def test_adult_acute_bed_types(wh) -> None:
    # S19: class 203: not adult acute; S20: class 212 (W2): adult acute as national (200, 201,
    # 202, 205, 212, 213, line 214), where the local rule (200-202) would drop it
    assert row(wh, "S19")["acute_bed"] is False
    assert row(wh, "S19")["eligible_acute_discharge"] is False
    r = row(wh, "S20")
    assert (r["acute_bed"], r["eligible_acute_discharge"], r["followed_up_within_72h"]) == (
        True,
        True,
        False,
    )


def test_death_within_three_days_excluded(wh) -> None:
    # S11: discharged 30 May (May's record), died 1 June (recorded in June's MPI, the month
    # after the spell record's: PrepViews.py line 265): 1 June - 30 May = 2 <= 3: excluded
    r = row(wh, "S11")
    assert (r["died_before_follow_up"], r["eligible_acute_discharge"]) == (True, False)
    # S12: died 20 June: 20 - 10 = 10 > 3: still counted (and not followed up)
    r = row(wh, "S12")
    assert (
        r["died_before_follow_up"],
        r["eligible_acute_discharge"],
        r["followed_up_within_72h"],
    ) == (False, True, False)


def test_person_without_mpi_record_in_the_submission_drops_out(wh) -> None:
    # S21: P21 is not in June's MPI: the residence filter's inner join (line 55) drops it
    assert counted(wh, "S21") == []


# ---- provider of responsibility ---------------------------------------------------------


def test_onward_referral_to_submitting_provider_moves_the_discharge(wh) -> None:
    # S8: onward referral to RBB on 5 June (during the spell); RBB submits June: the discharge
    # is RBB's. P8's contact on 11 June is at RAA, not at RBB: not followed up.
    # A naive rule (discharging provider) would count it at RAA, followed up.
    assert counted(wh, "S8") == [(B, True, False)]
    r = row(wh, "S8")
    assert (r["discharging_provider"], r["responsibility_moved"]) == (A, True)
    assert (r["locality"], r["ward_code"], r["ward_name"]) == (None, None, None)
    # S9: referral to 'RBB12' (site of RBB): RBB's contact with B9 (same NHS number) on
    # 12 June by telephone, status 6: 2 days: followed up at RBB
    assert counted(wh, "S9") == [(B, True, True)]
    # S22: to RBB, RBB's video contact on 13 June: 3 days: followed up at RBB
    assert counted(wh, "S22") == [(B, True, True)]


def test_onward_referral_to_non_submitting_provider_stays(wh) -> None:
    # S10: onward referral to RXX, which has no MHSDS header in May or June: stays at RAA,
    # whose contact on 11 June follows it up
    assert counted(wh, "S10") == [(A, True, True)]
    assert row(wh, "S10")["responsibility_moved"] is False


def test_onward_referral_after_discharge_does_not_move(wh) -> None:
    # S1: RBB referral dated 11 June, after the 10 June discharge (line 236: between the
    # spell's start and discharge): stays at RAA
    assert row(wh, "S1")["provider_code"] == A


# ---- measures --------------------------------------------------------------------------


def test_measures_from_the_prep_model(wh) -> None:
    # RAA June MHS78: S1 S2 S3 S4 S5 S6 S7 S10 S12 S14 S15 S20 = 12
    #   (not S8 S9 S22 moved; S11 died; S13 outside; S17 S18 not eligible; S19 not acute;
    #    S21 no MPI), MHS79: S1 S4 S6 S10 S14 S15 = 6, MHS80 = 6 / 12 x 100 = 50
    # RBB June MHS78: S8 S9 S22 = 3, MHS79: S9 S22 = 2, MHS80 = 2 / 3 x 100 = 66.67
    got = prep_measures(wh)
    assert got[A] == (12, 6, 50.0)
    assert got[B][:2] == (3, 2)
    assert got[B][2] == pytest.approx(200 / 3)


def measure(con, mid, breakdown, primary, secondary="NONE", month="2024-06-01"):
    rows = con.execute(
        "select measure_value from marts.mart_national_measures where measure_id = ? "
        "and breakdown = ? and primary_level = ? and secondary_level = ? "
        "and reporting_period_end = last_day(cast(? as date))",
        [mid, breakdown, primary, secondary, month],
    ).fetchall()
    assert len(rows) <= 1, rows
    return float(rows[0][0]) if rows else None


@pytest.mark.skipif(not mart_built(), reason="mart_national_measures not built yet")
def test_mart_values(wh) -> None:
    # as test_measures_from_the_prep_model
    assert measure(wh, "MHS78", "Provider of Responsibility", A) == 12
    assert measure(wh, "MHS79", "Provider of Responsibility", A) == 6
    assert measure(wh, "MHS80", "Provider of Responsibility", A) == 50
    assert measure(wh, "MHS78", "Provider of Responsibility", B) == 3
    assert measure(wh, "MHS79", "Provider of Responsibility", B) == 2
    assert measure(wh, "MHS80", "Provider of Responsibility", B) == pytest.approx(200 / 3)
    # May: S16 only
    assert measure(wh, "MHS78", "Provider of Responsibility", A, month="2024-05-01") == 1
    assert measure(wh, "MHS80", "Provider of Responsibility", A, month="2024-05-01") == 100
    # locality and ward (RAA): W1 North has all but S20 (11, of which 6 followed up);
    # W2 South has S20 (1, 0). Moved discharges have no ward: RBB is 'Unknown' locality
    # and has no ward rows.
    assert measure(wh, "MHS78", "Provider; Locality", A, "North") == 11
    assert measure(wh, "MHS79", "Provider; Locality", A, "North") == 6
    assert measure(wh, "MHS78", "Provider; Locality", A, "South") == 1
    assert measure(wh, "MHS78", "Provider; Locality", B, "Unknown") == 3
    assert measure(wh, "MHS78", "Provider; Ward", A, "W1") == 11
    assert measure(wh, "MHS80", "Provider; Ward", A, "W2") == 0
    assert wh.execute(
        "select count(*) from marts.mart_national_measures where breakdown = 'Provider; Ward' "
        "and primary_level = ? and measure_id like 'MHS7%'",
        [B],
    ).fetchone() == (0,)
