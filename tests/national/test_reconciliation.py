"""Reconciliation with NHS England's publication (mart_national_reconciliation) and the peer
comparison (mart_peer_comparison), end to end on hand-built data (issue #16, Tests): raw
MHSDS submissions and hand-written national files in NHS England's layout, through the
ingest and the dbt build, every expected figure worked out by hand in the comments.

Our side. Two providers, one referral per person (and RXM's spells), each month's
submission carrying every referral and spell so far (no referral is closed):

  RXM  Jan: referrals R01-R07 received in January (people A01-A07)
       Feb: + R08-R10 received in February; spells S1-S6 (A01-A06) admitted 10 Feb, open
       Mar: + R11-R12 received in March; S1-S3 discharged 15 Mar, S4-S6 still open
  RYB  Feb: referrals Q01-Q03 received in February (people B01-B03)
       Mar: + Q04-Q08 received in March

so (MHS01 people with an open referral at the month end, MHS32 referrals received in the
month, MHS27 admissions, MHS28 discharges; int_nat_monthly_*.sql):

           MHS01  MHS32  MHS27  MHS28
  RXM Jan      7      7      0      0
  RXM Feb     10      3      6      0     (MHS07, people in an open spell at the month
  RXM Mar     12      2      0      3      end: 6 in Feb, 3 in Mar)
  RYB Feb      3      3      0      0
  RYB Mar      8      5      0      0

rounded as NHS England publishes a count below England: under 5 '*', else the nearest 5
(7 -> 5, 10 -> 10, 12 -> 10, 6 -> 5, 8 -> 10, 5 -> 5, 3 and 2 -> '*').

The publication. Three national files and a malformed one, over two ingest runs:

  run 1  F2 national/2024-03/MHSDS Data_Mar2024.csv      Performance Jan (a re-issue) and
                                                          Feb, Provisional Mar, the peers
  run 2  F1 national/2024-02/MHSDS Data_Feb2024.csv      Performance Jan, Provisional Feb:
                                                          an older publication delivered late
                                                          (and December, Final and Provisional)
         F3 national/2024-03/MHSDS Data_Mar2024_v2.csv   a re-issue of Provisional Mar, with
                                                          a non-numeric value and an unknown
                                                          breakdown (both quarantined)
         F4 national/2024-03/MHSDS Data_Mar2024_v3.csv   the wrong header: refused

Which published rows count (int_national_published, int_national_published_compared):
  Performance Jan  F2 (publication March beats F1's February, though F1 loaded later)
  Feb              Performance from F2, preferred over F1's Provisional
  Provisional Mar  F3 (same publication month as F2, loaded later); F4 never loaded
  Dec              Final, preferred over Provisional

The peers (Performance February, in F2) are set out above peer_rows().
"""

from pathlib import Path

import duckdb
import pytest

from pipelines.dbt_project import run_dbt
from pipelines.ingest.load import IngestReport, ingest
from tests.ingest.test_national_files import HEADER, write_national
from tests.rawfiles import tmp_settings, write_header, write_table

P = "RXM"
Q = "RYB"


# ------------------------------------------------------------------ our submissions
def mpi(person, prov):
    return {"OrgIDProv": prov, "LocalPatientId": person, "NHSNumber": "9434765919",
            "PersonBirthDate": "1970-06-15", "Gender": "1"}


def referral(rid, person, received, prov):
    return {"OrgIDProv": prov, "UniqServReqID": rid, "LocalPatientId": person,
            "ReferralRequestReceivedDate": received, "UniqCareProfTeamLocalID": "T1"}


def spell(sid, person, rid, start, disch=None):
    return {"OrgIDProv": P, "UniqHospProvSpellID": sid, "UniqServReqID": rid,
            "LocalPatientId": person, "StartDateHospProvSpell": start,
            "MethAdmMHHospProvSpell": "21", "SourceAdmMHHospProvSpell": "19",
            "DischDateHospProvSpell": disch,
            "MethOfDischMHHospProvSpell": "1" if disch else None,
            "DestOfDischHospProvSpell": "19" if disch else None}


def referrals(prov, prefix, person_prefix, received):
    """One open referral per person; ``received`` lists each referral's received date."""
    people = [f"{person_prefix}{i:02d}" for i in range(1, len(received) + 1)]
    return people, [referral(f"{prefix}{i:02d}", person, day, prov)
                    for i, (person, day) in enumerate(zip(people, received, strict=True), 1)]


RXM_RECEIVED = {
    "2024-01": [f"2024-01-{d:02d}" for d in range(2, 9)],  # R01-R07
    "2024-02": [f"2024-02-{d:02d}" for d in range(5, 8)],  # R08-R10
    "2024-03": ["2024-03-04", "2024-03-05"],  # R11-R12
}
RYB_RECEIVED = {
    "2024-02": ["2024-02-12", "2024-02-13", "2024-02-14"],  # Q01-Q03
    "2024-03": [f"2024-03-{d:02d}" for d in range(11, 16)],  # Q04-Q08
}


def submission(prov, month):
    """The month's submission: every referral received so far (and, for RXM, the spells)."""
    received_by = RXM_RECEIVED if prov == P else RYB_RECEIVED
    received = [d for m, days in received_by.items() if m <= month for d in days]
    people, refs = referrals(prov, "R" if prov == P else "Q", "A" if prov == P else "B",
                             received)
    tables = {"mhs001_mpi": [mpi(p, prov) for p in people], "mhs101_referral": refs}
    if prov == P and month >= "2024-02":
        tables["mhs501_hosp_prov_spell"] = [
            spell(f"S{i}", f"A{i:02d}", f"R{i:02d}", "2024-02-10",
                  "2024-03-15" if month == "2024-03" and i <= 3 else None)
            for i in range(1, 7)]
    return tables


# ------------------------------------------------------------------ national files
NAMES = {
    "MHS01": "People in contact with services at the end of the reporting period",
    "MHS07": "People with an open hospital spell at the end of the reporting period",
    "MHS27": "Admissions to hospital in the RP",
    "MHS28": "Discharges from hospital in the RP",
    "MHS32": "Referrals starting in RP",
    "MHS78": "Discharges from adult acute beds eligible for 72 hour follow up in the "
             "reporting period",
    "MHS79": "Discharges from adult acute beds followed up within 72 hours in the reporting "
             "period",
    "MHS80": "Proportion of discharges from adult acute beds eligible for 72 hour follow up - "
             "followed up in the reporting period",
    "MHS100": "The number of people discharged in the RP from adult acute beds aged 18 to 64 "
              "with a length of stay of 60+ days",
    "MHS100b": "Proportion of people discharged in the RP from adult acute beds aged 18 to 64 "
               "with a length of stay of 60+ days",
    "MHS140": "The number of people discharged in the RP from adult acute beds aged 18 to 64",
    "MHS140a": "The mean length of stay in days of people discharged in the RP from adult "
               "acute beds aged 18 to 64",
}
# NHS England writes dates y-M-dd (menh_publications 94_Round_output.py)
PERIOD = {"Dec": ("2023-12-01", "2023-12-31"), "Jan": ("2024-1-01", "2024-1-31"),
          "Feb": ("2024-2-01", "2024-2-29"), "Mar": ("2024-3-01", "2024-3-31")}


def nat(month, status, breakdown, level, measure, value, start=None):
    """One row of NHS England's file; ``start`` for a rolling quarter's window start."""
    first, end = PERIOD[month]
    return [start or first, end, status, breakdown, level,
            "ENGLAND" if level == "England" else f"{level} NHS TRUST", "NONE", "NONE",
            measure, NAMES[measure], value]


PERF, PROV = "Performance", "Provisional"
POR = "Provider of Responsibility"

# Peers, Performance February (MHS78/79/80 at Provider of Responsibility: menh_publications
# 72hours_Aggregate.py). England: 6000 of 8000 followed up = 75 (England unrounded, and it
# includes providers not listed here). Below England MHS78/MHS79 are rounded to the nearest
# 5, and MHS80 (0 dp) is NHS England's, from the unrounded counts.
#          MHS78  MHS79  MHS80
PEERS_72H = {
    "R1A": ("75", "60", "80"),
    "R1B": ("300", "245", "82"),
    "R1C": ("1200", "840", "70"),
    "R1D": ("1875", "750", "40"),
    "R1E": ("300", "205", "69"),
    "R1F": ("*", "*", "*"),  # fewer than 5 discharges: all suppressed
    "R1G": ("75", "70", "95"),
    "R1H": ("1875", "1500", "80"),
    "R1J": ("5", "5", "100"),
}
# MHS140a (mean length of stay, rolling quarter Dec-Feb, Provider breakdown, 0 dp)
PEERS_LOS = {P: "30", "R1A": "25", "R1B": "40", "R1C": "25", "R1D": "60"}
# MHS100b (per cent of MHS140 discharges with a stay of 60+ days, lower is better, rolling
# quarter): England 100 of 5000 = 2. Every numerator at least 5 (else NHS England
# suppresses the percentage)
#          MHS140  MHS100  MHS100b
PEERS_60D = {
    "R1A": ("400", "12", "3"),
    "R1B": ("100", "8", "8"),
    "R1C": ("25", "5", "20"),
}


def peer_rows():
    rows = [nat("Feb", PERF, "England", "England", "MHS78", "8000"),
            nat("Feb", PERF, "England", "England", "MHS79", "6000"),
            nat("Feb", PERF, "England", "England", "MHS80", "75"),
            nat("Feb", PERF, "England", "England", "MHS140a", "35.2", "2023-12-01")]
    for prov, values in PEERS_72H.items():
        rows += [nat("Feb", PERF, POR, prov, m, v)
                 for m, v in zip(("MHS78", "MHS79", "MHS80"), values, strict=True)]
    rows += [nat("Feb", PERF, "Provider", prov, "MHS140a", v, "2023-12-01")
             for prov, v in PEERS_LOS.items()]
    rows += [nat("Feb", PERF, "England", "England", m, v, "2023-12-01")
             for m, v in (("MHS140", "5000"), ("MHS100", "100"), ("MHS100b", "2"))]
    for prov, values in PEERS_60D.items():
        rows += [nat("Feb", PERF, "Provider", prov, m, v, "2023-12-01")
                 for m, v in zip(("MHS140", "MHS100", "MHS100b"), values, strict=True)]
    return rows


# England totals: a month's file carries a measure when it publishes it for anyone; only
# those measures are reconciled (a measure the file does not publish is not a difference)
def england(month, status, *measures):
    return [nat(month, status, "England", "England", m, "4321") for m in measures]


F2 = [  # NHS England's March publication, delivered in run 1
    # a re-issue of the Performance January figures, published with March
    *england("Jan", PERF, "MHS27", "MHS28", "MHS07"),
    *england("Feb", PERF, "MHS27", "MHS28", "MHS07"),
    nat("Jan", PERF, "Provider", P, "MHS01", "5"),
    nat("Jan", PERF, "Provider", P, "MHS32", "5"),
    nat("Jan", PERF, "Provider", Q, "MHS01", "5"),  # RYB did not submit January to us
    nat("Feb", PERF, "England", "England", "MHS01", "412345"),
    nat("Feb", PERF, "Provider", P, "MHS01", "10"),
    nat("Feb", PERF, "Provider", P, "MHS32", "*"),
    nat("Feb", PERF, "Provider", Q, "MHS01", "*"),
    nat("Feb", PERF, "Provider", Q, "MHS32", "*"),
    *peer_rows(),
    nat("Mar", PROV, "Provider", P, "MHS01", "10"),
    nat("Mar", PROV, "Provider", P, "MHS32", "*"),
    nat("Mar", PROV, "Provider", Q, "MHS01", "10"),
    nat("Mar", PROV, "Provider", Q, "MHS32", "5"),
    nat("Mar", PROV, "Provider", Q, "MHS27", "5"),
]
F1 = [  # NHS England's February publication, delivered late (run 2)
    # December (not a month of ours): Final beside Provisional
    nat("Dec", PROV, "Provider", P, "MHS01", "5"),
    nat("Dec", "Final", "Provider", P, "MHS01", "10"),
    nat("Jan", PERF, "Provider", P, "MHS01", "5"),
    nat("Jan", PERF, "Provider", P, "MHS32", "10"),
    nat("Jan", PERF, "Provider", P, "MHS27", "5"),
    nat("Feb", PROV, "Provider", P, "MHS01", "20"),
    nat("Feb", PROV, "Provider", P, "MHS32", "*"),
    nat("Feb", PROV, "Provider", Q, "MHS01", "*"),
    nat("Feb", PROV, "Provider", Q, "MHS32", "*"),
]
F3 = [  # a re-issue of the March publication (run 2)
    nat("Mar", PROV, "Provider", P, "MHS01", "15"),
    nat("Mar", PROV, "Provider", P, "MHS32", "*"),
    nat("Mar", PROV, "Provider", Q, "MHS01", "10"),
    nat("Mar", PROV, "Provider", Q, "MHS32", "5"),
    nat("Mar", PROV, "Provider", P, "MHS28", "n/a"),  # line 6: not a number
    nat("Mar", PROV, "Hospital", P, "MHS01", "99"),  # line 7: not a national breakdown
    *england("Mar", PROV, "MHS27", "MHS28", "MHS07"),
]
F1_PATH = "national/2024-02/MHSDS Data_Feb2024.csv"
F2_PATH = "national/2024-03/MHSDS Data_Mar2024.csv"
F3_PATH = "national/2024-03/MHSDS Data_Mar2024_v2.csv"
F4_PATH = "national/2024-03/MHSDS Data_Mar2024_v3.csv"


# ------------------------------------------------------------------ the build
@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    s = tmp_settings(tmp_path_factory.mktemp("nat_reconciliation"))
    raw = s.raw_dir
    write_table(raw, "teams", [
        {"OrgIDProv": prov, "UniqCareProfTeamLocalID": "T1", "TeamName": "North CMHT",
         "Locality": "North", "ServTeamTypeMH": "A05"} for prov in (P, Q)])
    for prov, months in ((P, ["2024-01", "2024-02", "2024-03"]), (Q, ["2024-02", "2024-03"])):
        for month in months:
            write_header(raw, prov, month)
            for table, rows in submission(prov, month).items():
                write_table(raw, table, rows, prov, month)
    write_national(raw, "2024-03", Path(F2_PATH).name, F2)
    first = ingest(s)
    assert not first.problems and not first.advisory_problems
    write_national(raw, "2024-02", Path(F1_PATH).name, F1)
    write_national(raw, "2024-03", Path(F3_PATH).name, F3)
    # the wrong header: VALUE for MEASURE_VALUE; had it loaded (the latest file of the March
    # publication), its 999 would have superseded F3
    write_national(raw, "2024-03", Path(F4_PATH).name,
                   [nat("Mar", PROV, "Provider", P, "MHS01", "999")],
                   header=[*HEADER[:-1], "VALUE"])
    second = ingest(s)
    run_dbt(s, ["build", "--select", "+mart_national_reconciliation", "+mart_peer_comparison"])
    con = duckdb.connect(str(s.warehouse), read_only=True)
    yield second, con
    con.close()


@pytest.fixture(scope="module")
def con(built) -> duckdb.DuckDBPyConnection:
    return built[1]


def records(con, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def recon(con, prov, month, measure, breakdown="Provider") -> dict:
    rows = records(
        con, "select * from marts.mart_national_reconciliation where provider_code = ? and "
        "period_month = ? and measure_id = ? and breakdown = ?",
        [prov, f"{month}-01", measure, breakdown])
    assert len(rows) <= 1, rows
    return rows[0] if rows else {}


def brief(row: dict) -> tuple:
    """our exact value, ours rounded, published, status"""
    return row["our_value"], row["our_value_rounded"], row["published_value"], row["status"]


# ------------------------------------------------------------------ ingest
def test_malformed_national_files_refused_or_quarantined_with_reasons(built, con) -> None:
    """Refused or quarantined with a reason, and the ingest and the build go on. That the
    whole pipeline still publishes (gates as warnings) is tests/ingest/
    test_national_files.py::test_a_malformed_national_file_never_blocks_publication."""
    report: IngestReport = built[0]
    # the trust's own files never fail; the wrong header is refused, as a warning
    assert report.problems == []
    (refused,) = report.advisory_problems
    assert (refused.relpath, refused.status) == (F4_PATH, "rejected")
    assert "missing required column(s) MEASURE_VALUE" in refused.message
    got = {(r[0], r[1]): r[2:] for r in con.execute(
        "select m.relpath, q.line_no, q.field, q.reason, q.value from meta.quarantine q "
        "join meta.manifest m on m.file_id = q.file_id where m.family = 'national'"
    ).fetchall()}
    assert set(got) == {(F3_PATH, 6), (F3_PATH, 7)}
    assert got[(F3_PATH, 6)] == ("MEASURE_VALUE", "not a number or '*' (suppressed)", "n/a")
    assert got[(F3_PATH, 7)][0] == "BREAKDOWN" and got[(F3_PATH, 7)][2] == "Hospital"
    assert got[(F3_PATH, 7)][1].startswith("unknown breakdown")
    status = dict(con.execute(
        "select relpath, status from meta.manifest where family = 'national'").fetchall())
    assert status == {F1_PATH: "loaded", F2_PATH: "loaded", F3_PATH: "loaded",
                      F4_PATH: "rejected"}
    # the older publication delivered late says what supersedes it
    (msg,) = con.execute("select message from meta.manifest where relpath = ?",
                         [F1_PATH]).fetchone()
    assert "superseded for Performance 2024-01 by file" in msg and F2_PATH in msg


def test_bad_rows_never_reach_the_reconciliation(con) -> None:
    # the quarantined rows (RXM MHS28 'n/a', RXM MHS01 under 'Hospital' 99) are not in the
    # publication as read, and the refused file's 999 is nowhere
    assert con.execute(
        "select count(*) from intermediate.int_national_published where breakdown = "
        "'Hospital' or measure_value_published in ('n/a', '99', '999')").fetchone() == (0,)
    assert con.execute(
        "select count(*) from marts.mart_national_reconciliation where published_value in "
        "('n/a', '99', '999')").fetchone() == (0,)
    # RXM's March discharges: ours 3 ('*'), the bad row quarantined, so not published
    row = recon(con, P, "2024-03", "MHS28")
    assert brief(row) == (3, "*", None, "only_ours")
    assert row["note"].startswith("not in the national file for this month")
    # RXM's March MHS01 comes from F3 (15), not from 'Hospital' (99) nor from F4 (999)
    assert recon(con, P, "2024-03", "MHS01")["published_value"] == "15"


# ------------------------------------------------------------------ superseding
def test_which_file_counts_for_each_period_and_status(con) -> None:
    got = {(r[0], r[1]): r[2:] for r in con.execute(
        "select strftime(period_month, '%Y-%m'), status, string_agg(distinct "
        "source_file_id::varchar), any_value(publication_month)::varchar, "
        "max(files_for_period) from intermediate.int_national_published group by 1, 2"
    ).fetchall()}
    ids = dict(con.execute(
        "select relpath, file_id::varchar from meta.manifest where family = 'national'"
    ).fetchall())
    # Performance Jan in F1 and F2: F2's publication month (March) beats F1's (February),
    # although F1 was loaded later (a higher file_id)
    assert int(ids[F1_PATH]) > int(ids[F2_PATH])
    assert got[("2024-01", PERF)] == (ids[F2_PATH], "2024-03-01", 2)
    # Provisional Feb only in F1; Performance Feb only in F2
    assert got[("2024-02", PROV)] == (ids[F1_PATH], "2024-02-01", 1)
    assert got[("2024-02", PERF)] == (ids[F2_PATH], "2024-03-01", 1)
    # Provisional Mar in F2 and F3, one publication month: F3, loaded later
    assert got[("2024-03", PROV)] == (ids[F3_PATH], "2024-03-01", 2)
    # the comparison reads one status per month: Performance where published
    compared = dict(con.execute(
        "select strftime(period_month, '%Y-%m'), string_agg(distinct status) from "
        "intermediate.int_national_published_compared group by 1").fetchall())
    assert compared == {"2023-12": "Final", "2024-01": PERF, "2024-02": PERF,
                        "2024-03": PROV}


def test_superseded_values_are_not_reconciled(con) -> None:
    # Jan RXM MHS32: ours 7 -> '5'; F2 (superseding) '5', F1 '10' -> a match, difference
    # published - ours = 5 - 7 = -2 (a rounding match)
    row = recon(con, P, "2024-01", "MHS32")
    assert brief(row) == (7, "5", "5", "match")
    assert row["difference"] == -2
    assert (row["published_status"], str(row["publication_month"])) == (PERF, "2024-03-01")
    # Jan RXM MHS27: F1 published 5 but F2, which supersedes the whole Performance January,
    # leaves it out (a zero row): ours 0 -> a match with the zero note, not 'differs'
    row = recon(con, P, "2024-01", "MHS27")
    assert brief(row) == (0, "*", None, "match")
    assert row["note"] == "zero: the national file omits zero rows"
    # Feb RXM MHS01: ours 10 -> '10'; Performance (F2) '10', not Provisional (F1) '20'
    row = recon(con, P, "2024-02", "MHS01")
    assert brief(row) == (10, "10", "10", "match")
    assert row["published_status"] == PERF and row["difference"] == 0
    # Mar RYB MHS27: F2 published 5, the re-issue F3 leaves it out: ours 0 -> match
    assert brief(recon(con, Q, "2024-03", "MHS27")) == (0, "*", None, "match")


# ------------------------------------------------------------------ statuses
def test_match_and_rounding_match(con) -> None:
    # Jan RXM MHS01: ours 7 -> nearest 5 = '5', published '5'
    assert brief(recon(con, P, "2024-01", "MHS01")) == (7, "5", "5", "match")
    # Mar RYB: MHS01 8 -> '10' (published '10', difference 2); MHS32 5 -> '5', difference 0
    row = recon(con, Q, "2024-03", "MHS01")
    assert brief(row) == (8, "10", "10", "match") and row["difference"] == 2
    row = recon(con, Q, "2024-03", "MHS32")
    assert brief(row) == (5, "5", "5", "match") and row["difference"] == 0


def test_suppressed_on_both_sides(con) -> None:
    # Feb RXM MHS32: 3 referrals -> '*', published '*'; Feb RYB MHS01 and MHS32: 3 -> '*';
    # Mar RXM MHS32: 2 -> '*' (F3 '*'). No difference where the published value is '*'
    for prov, month, measure, ours in ((P, "2024-02", "MHS32", 3), (Q, "2024-02", "MHS01", 3),
                                       (Q, "2024-02", "MHS32", 3), (P, "2024-03", "MHS32", 2)):
        row = recon(con, prov, month, measure)
        assert brief(row) == (ours, "*", "*", "suppressed"), (prov, month, measure)
        assert row["difference"] is None


def test_a_real_difference(con) -> None:
    # Mar RXM MHS01: ours 12 -> '10', published (F3) '15': differs by 15 - 12 = 3
    row = recon(con, P, "2024-03", "MHS01")
    assert brief(row) == (12, "10", "15", "differs")
    assert row["difference"] == 3 and row["published_status"] == PROV


def test_only_ours_and_only_published(con) -> None:
    # Feb RXM MHS27: 6 admissions ('5') that the publication does not have
    row = recon(con, P, "2024-02", "MHS27")
    assert brief(row) == (6, "5", None, "only_ours")
    assert row["note"].startswith("not in the national file")
    # Feb RXM MHS140a (mean length of stay, rolling quarter Dec-Feb): published 30, we have
    # no adult acute discharges (a mean has no zero row)
    row = recon(con, P, "2024-02", "MHS140a")
    assert brief(row) == (None, None, "30", "only_published")
    assert str(row["reporting_period_start"]) == "2023-12-01"
    assert row["note"].startswith("published nationally but not computed here")
    # Jan RYB MHS01: published 5, but RYB's January is not loaded here
    row = recon(con, Q, "2024-01", "MHS01")
    assert brief(row) == (None, None, "5", "only_published")


def test_a_zero_the_publication_omits_is_a_match(con) -> None:
    # Jan RXM MHS28: no discharges, zero-filled here (0 -> '*'); no row in any file
    row = recon(con, P, "2024-01", "MHS28")
    assert brief(row) == (0, "*", None, "match")
    assert row["note"] == "zero: the national file omits zero rows"


def test_reconciliation_is_ours_and_published_for_our_providers_only(con) -> None:
    # no peer, no England row; every status is one of the five
    provs = {r[0] for r in con.execute(
        "select distinct provider_code from marts.mart_national_reconciliation").fetchall()}
    assert provs == {P, Q}
    statuses = dict(con.execute(
        "select status, count(*) from marts.mart_national_reconciliation group by 1"
    ).fetchall())
    assert set(statuses) <= {"match", "suppressed", "differs", "only_ours", "only_published"}
    # the published rows of our providers, all reconciled: RXM Jan (2), Feb (3), Mar (2, the
    # bad MHS28 quarantined), RYB Jan (1), Feb (2), Mar (2)
    assert con.execute(
        "select count(*) from marts.mart_national_reconciliation where published_value is "
        "not null").fetchone() == (12,)
    # every published one that is not a match or suppressed is listed above: RXM Mar MHS01
    # differs, RXM Feb MHS140a and RYB Jan MHS01 only published
    assert sorted(con.execute(
        "select provider_code, strftime(period_month, '%Y-%m'), measure_id, status from "
        "marts.mart_national_reconciliation where published_value is not null and status "
        "not in ('match', 'suppressed') order by all").fetchall()) == [
        (P, "2024-02", "MHS140a", "only_published"),
        (P, "2024-03", "MHS01", "differs"),
        (Q, "2024-01", "MHS01", "only_published")]
    # non-zero values only ours: RXM Feb MHS27 (6) and MHS07 (6), Mar MHS28 (3) and MHS07
    # (3); every other value we have that is not published is a zero (another family's
    # zero-filled count, or a ratio with no denominator): a match
    assert sorted(con.execute(
        "select provider_code, strftime(period_month, '%Y-%m'), measure_id, our_value from "
        "marts.mart_national_reconciliation where status = 'only_ours'").fetchall()) == [
        (P, "2024-02", "MHS07", 6), (P, "2024-02", "MHS27", 6), (P, "2024-03", "MHS07", 3),
        (P, "2024-03", "MHS28", 3)]
    assert con.execute(
        "select count(*) from marts.mart_national_reconciliation where published_value is "
        "null and status = 'match' and our_value <> 0").fetchone() == (0,)


# ------------------------------------------------------------------ peers
def peers(con, measure, month="2024-02") -> dict[str, dict]:
    rows = records(
        con, "select * from marts.mart_peer_comparison where measure_id = ? and "
        "period_month = ?", [measure, f"{month}-01"])
    out = {r["provider_code"]: r for r in rows}
    assert len(out) == len(rows)
    return out


def test_peer_rank_and_england_on_a_proportion(con) -> None:
    got = peers(con, "MHS80")
    # every provider of the file at Provider of Responsibility, England apart
    assert set(got) == set(PEERS_72H)
    # higher is better: 100 (R1J), 95 (R1G), 82 (R1B), 80 (R1A, R1H: a tie), 70 (R1C),
    # 69 (R1E), 40 (R1D); R1F suppressed: no value, no rank. 8 ranked
    ranks = {p: r["rank"] for p, r in got.items() if r["rank"] is not None}
    assert ranks == {"R1J": 1, "R1G": 2, "R1B": 3, "R1A": 4, "R1H": 4, "R1C": 6, "R1E": 7,
                     "R1D": 8}
    assert (got["R1F"]["value"], got["R1F"]["rank"]) == (None, None)
    assert {r["providers_ranked"] for r in got.values()} == {8}
    assert {r["england_value"] for r in got.values()} == {75.0}
    assert {(r["kind"], r["better_direction"], r["breakdown"]) for r in got.values()} == {
        ("proportion", "higher", POR)}
    assert got["R1C"]["denominator"] == 1200 and got["R1C"]["value"] == 70
    assert not any(r["is_local"] for r in got.values())


def test_peer_binomial_funnel(con) -> None:
    got = peers(con, "MHS80")
    # p = 0.75, p(1 - p) = 0.1875; sd = sqrt(0.1875 / n) x 100
    #   n = 75: sqrt(0.0025) = 0.05 -> 5;  n = 300: 2.5;  n = 1200: 1.25;  n = 1875: 1
    # limits 75 -/+ 1.959964 sd (95%) and 75 -/+ 3.090232 sd (99.8%):
    expected = {
        # n     lower_95  upper_95  lower_998 upper_998  value position
        "R1A": (65.20018, 84.79982, 59.54884, 90.45116),  # 80 within
        "R1G": (65.20018, 84.79982, 59.54884, 90.45116),  # 95 > 90.45: above_998
        "R1B": (70.10009, 79.89991, 67.27442, 82.72558),  # 82 in (79.90, 82.73]: above_95
        "R1E": (70.10009, 79.89991, 67.27442, 82.72558),  # 69 in [67.27, 70.10): below_95
        "R1C": (72.550045, 77.449955, 71.13721, 78.86279),  # 70 < 71.14: below_998
        "R1D": (73.040036, 76.959964, 71.909768, 78.090232),  # 40: far below, below_998
        "R1H": (73.040036, 76.959964, 71.909768, 78.090232),  # 80 > 78.09: above_998
        # n = 5: sd = sqrt(0.0375) x 100 = 19.3649167; 75 -/+ 37.954540 and -/+ 59.842090:
        # the upper limits (112.95, 134.84) are clamped to 100, as the local funnels
        # (docs/spc-and-funnels.md: binomial clamped to 0-100); 100 is not above 100: within
        "R1J": (37.045460, 100.0, 15.157910, 100.0),
    }
    for prov, limits in expected.items():
        r = got[prov]
        assert (r["lower_95"], r["upper_95"], r["lower_998"], r["upper_998"]) == pytest.approx(
            limits, abs=1e-5), prov
    positions = {p: r["position"] for p, r in got.items()}
    assert positions == {"R1A": "within", "R1G": "above_998", "R1B": "above_95",
                         "R1E": "below_95", "R1C": "below_998", "R1D": "below_998",
                         "R1H": "above_998", "R1J": "within", "R1F": None}


def test_peer_funnel_lower_is_better_and_clamped_at_zero(con) -> None:
    got = peers(con, "MHS100b")
    # lower is better: 3 (R1A), 8 (R1B), 20 (R1C)
    assert {p: (r["rank"], r["providers_ranked"]) for p, r in got.items()} == {
        "R1A": (1, 3), "R1B": (2, 3), "R1C": (3, 3)}
    assert {(r["england_value"], r["kind"], r["better_direction"]) for r in got.values()} == {
        (2.0, "proportion", "lower")}
    # p = 0.02, p(1 - p) = 0.0196; sd = sqrt(0.0196 / n) x 100: n = 400: 0.7, 100: 1.4,
    # 25: 2.8. Limits 2 -/+ 1.959964 sd, 2 -/+ 3.090232 sd, a negative lower limit
    # clamped to 0:
    expected = {
        # n = 400: 2 -/+ 1.371975, 2 -/+ 2.163162 (-0.163162 -> 0); 3: within
        "R1A": ((0.628025, 3.371975, 0.0, 4.163162), 400, "within"),
        # n = 100: 2 -/+ 2.743950 (-0.74395 -> 0), 2 -/+ 4.326325 (-2.326325 -> 0);
        # 8 > 6.326325: above_998
        "R1B": ((0.0, 4.74395, 0.0, 6.326325), 100, "above_998"),
        # n = 25: 2 -/+ 5.487899, 2 -/+ 8.652650 (lower limits -> 0); 20: above_998
        "R1C": ((0.0, 7.487899, 0.0, 10.65265), 25, "above_998"),
    }
    for prov, (limits, n, position) in expected.items():
        r = got[prov]
        assert (r["lower_95"], r["upper_95"], r["lower_998"], r["upper_998"]) == pytest.approx(
            limits, abs=1e-5), prov
        assert (r["denominator"], r["position"]) == (n, position), prov


def test_peer_rank_on_a_mean_lower_is_better(con) -> None:
    got = peers(con, "MHS140a")
    # lower is better: 25 (R1A, R1C: tie), 30 (RXM), 40 (R1B), 60 (R1D); 5 ranked
    assert {p: r["rank"] for p, r in got.items()} == {"R1A": 1, "R1C": 1, P: 3, "R1B": 4,
                                                       "R1D": 5}
    assert {r["providers_ranked"] for r in got.values()} == {5}
    assert {r["england_value"] for r in got.values()} == {35.2}
    # a mean has no funnel: the national file gives no spread
    assert all(r["position"] is None and r["denominator"] is None for r in got.values())
    # RXM is one of ours
    assert {p for p, r in got.items() if r["is_local"]} == {P}
