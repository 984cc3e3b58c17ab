"""Cross-table faults: only the staging gate (or the DQ models) can see them.

One hand-made drop folder holds all of them at once (provider RXA, January 2024):

- WS3 starts four days before its spell S3       -> dbt test
  stg_mhsds__ward_stay__within_stg_mhsds__hosp_prov_spell (error), reported by the
  staging gate as dbt_staging_tests_error
- WS4a and WS4b of spell S4 overlap               -> dbt test stg_mhsds__ward_stay__no_overlap
  (warn), reported as dbt_staging_tests_warn
- WS5 is on ward W9, absent from reference/wards  -> int_dq_referential_integrity < 100%
- two of five NHS numbers fail modulus 11         -> nhs_number_valid_share (warning)

It is ingested, dbt builds the staging models (and the referential-integrity DQ model)
and runs their tests once, and the staging gate runs once; each test reads its part of
the result.
"""

from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pytest

from pipelines.config import EXPECTATIONS_DIR, Settings
from pipelines.dbt_project import run_dbt
from pipelines.ingest.load import ingest
from pipelines.quality.gate import GateResult, run_gate
from pipelines.quality.suites import load_suite
from tests.rawfiles import write_table

from .helpers import (
    JAN,
    NHS_BAD,
    NHS_OK,
    P,
    check_invariants,
    contact,
    monthly_other,
    mpi,
    reference_tables,
    referral,
    settings_at,
    spell,
    stay,
    write_submission,
)

PEOPLE = [f"RXALP0000000{i}" for i in range(1, 6)]


def faulty_month() -> dict[str, list[dict]]:
    d = f"{JAN}-"
    return {
        "mhs001_mpi": [mpi(PEOPLE[0], NHS_OK[0]), mpi(PEOPLE[1], NHS_OK[1]),
                       mpi(PEOPLE[2], NHS_OK[2]), mpi(PEOPLE[3], NHS_BAD),
                       mpi(PEOPLE[4], "4505577105")],
        "mhs101_referral": [referral(f"R-S{i}", PEOPLE[i - 1], "2023-12-01")
                            for i in range(1, 6)] + [referral("R-C", PEOPLE[0], d + "02")],
        "mhs201_care_contact": [contact("C1", "R-C", PEOPLE[0], d + "05"),
                                contact("C2", "R-C", PEOPLE[0], d + "12", "3")],
        "mhs501_hosp_prov_spell": [
            spell("S1", PEOPLE[0], "2023-12-28"),
            spell("S2", PEOPLE[1], d + "03", d + "21"),
            spell("S3", PEOPLE[2], d + "05"),
            spell("S4", PEOPLE[3], d + "06"),
            spell("S5", PEOPLE[4], d + "08"),
        ],
        "mhs502_ward_stay": [
            stay("WS1", "S1", PEOPLE[0], "2023-12-28"),
            stay("WS2", "S2", PEOPLE[1], d + "03", d + "21", "W2"),
            stay("WS3", "S3", PEOPLE[2], d + "01"),  # before its spell starts (5th)
            stay("WS4a", "S4", PEOPLE[3], d + "06", d + "20", "W1"),
            stay("WS4b", "S4", PEOPLE[3], d + "15", None, "W2"),  # overlaps WS4a
            stay("WS5", "S5", PEOPLE[4], d + "08", None, "W9"),  # ward not in reference
        ],
        "mhs902_service_team_details": [{"OrgIDProv": P, "UniqCareProfTeamLocalID": "T1",
                                         "ServTeamTypeMH": "A05",
                                         "ServTeamIntAgeGroup": "adult"}],
    }


@dataclass
class Staged:
    settings: Settings
    gate: GateResult

    def q(self, sql: str) -> list[tuple]:
        con = duckdb.connect(str(self.settings.warehouse), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Staged:
    root: Path = tmp_path_factory.mktemp("cross_table")
    s = settings_at(root)
    for table, rows in reference_tables().items():
        write_table(s.raw_dir, table, rows)
    write_submission(s.raw_dir, JAN, faulty_month())
    for table, rows in monthly_other(JAN).items():
        write_table(s.raw_dir, table, rows, P, JAN)
    report = ingest(s)
    assert not report.problems and not report.rows_quarantined, report.summary()
    check_invariants(s)
    run_dbt(s, ["run", "--select", "staging", "int_dq_referential_integrity"])
    with pytest.raises(RuntimeError, match="within_stg_mhsds__hosp_prov_spell"):
        # an error-severity test fails: dbt exits non-zero (the dbt step would fail)
        run_dbt(s, ["test", "--select", "stg_mhsds__ward_stay", "stg_mhsds__hosp_prov_spell"])
    return Staged(s, run_gate(s, "staging"))


def failed(staged: Staged) -> dict[str, str]:
    return {o.id: o.severity for o in staged.gate.failed}


def expectations_about(*words: str) -> list[str]:
    """Ids of staging expectations whose id or description mentions all ``words``."""
    suite = load_suite("staging")
    return [e.id for e in suite.expectations
            if all(w in f"{e.id} {e.description}".lower() for w in words)]


def test_fault_ward_stay_outside_spell(staged: Staged) -> None:
    out = staged.gate.outcome("dbt_staging_tests_error")
    assert (out.status, out.severity) == ("failed", "error")
    assert ("stg_mhsds__ward_stay__within_stg_mhsds__hosp_prov_spell (fail, 1 failing row(s))"
            in out.details), out.details
    assert not staged.gate.passed  # an error: nothing would be published
    # the row is kept (loaded and staged), not dropped
    assert staged.q("select count(*) from staging.stg_mhsds__ward_stay "
                    "where uniq_ward_stay_id = 'WS3'") == [(1,)]


def test_fault_many_invalid_nhs_numbers(staged: Staged) -> None:
    out = staged.gate.outcome("nhs_number_valid_share")
    assert (out.status, out.severity) == ("failed", "warning")
    assert staged.q("select count(*) filter (where not nhs_number_valid), count(*) "
                    "from staging.stg_mhsds__mpi") == [(2, 5)]


def test_only_the_injected_faults_fail(staged: Staged) -> None:
    """Nothing else in the staging gate reacts: each fault is seen by its own expectation."""
    assert failed(staged) == {"dbt_staging_tests_error": "error",
                              "dbt_staging_tests_warn": "warning",
                              "nhs_number_valid_share": "warning"}
    assert "__within_" in staged.gate.outcome("dbt_staging_tests_error").details
    assert "__no_overlap" in staged.gate.outcome("dbt_staging_tests_warn").details


def test_fault_ward_code_missing_from_reference(staged: Staged) -> None:
    assert staged.q("select uniq_ward_stay_id from staging.stg_mhsds__ward_stay "
                    "where ward_code = 'W9'") == [("WS5",)]
    got = staged.q("select rows_found, rows_checked, round(integrity_pct, 1) "
                   "from intermediate.int_dq_referential_integrity "
                   "where table_name = 'mhs502_ward_stay' and field_name = 'WardCode'")
    assert got == [(5, 6, 83.3)]  # recorded; published through mart_data_quality
    ids = [i for i in expectations_about("ward") if "reference" in i or "ward_code" in i]
    if ids:  # once an expectation exists, it must catch this fault
        assert any(i in failed(staged) for i in ids), ids


def test_fault_overlapping_ward_stays(staged: Staged) -> None:
    # both stays are kept ...
    assert staged.q("select count(*) from staging.stg_mhsds__ward_stay "
                    "where uniq_hosp_prov_spell_id = 'S4'") == [(2,)]
    # ... and the generated dbt test flags the overlap as a warning, reported by the gate
    assert failed(staged).get("dbt_staging_tests_warn") == "warning"
    out = staged.gate.outcome("dbt_staging_tests_warn")
    assert "stg_mhsds__ward_stay__no_overlap (warn, 1 failing row(s))" in str(out.details)


PROPOSED_REFERENCE_WARD = """
  - id: ward_stays_have_a_reference_ward
    check: references
    severity: warning
    description: Ward stays are on a ward of reference/wards.csv (proposed in
      docs/reliability.md, Gaps).
    table: stg_mhsds__ward_stay
    columns: [provider_code, ward_code]
    parent: stg_reference__wards
    parent_columns: [org_id_prov, ward_code]
    max_share: 0.0
"""


def test_proposed_reference_ward_expectation_would_catch_it(staged: Staged,
                                                            tmp_path: Path) -> None:
    """Not a catalogue entry: the expectation docs/reliability.md proposes works as is."""
    suites = tmp_path / "expectations"
    suites.mkdir()
    text = (EXPECTATIONS_DIR / "staging.yml").read_text(encoding="utf-8")
    (suites / "staging.yml").write_text(text.rstrip("\n") + "\n" + PROPOSED_REFERENCE_WARD,
                                        encoding="utf-8")
    settings = replace(staged.settings, publish_dir=tmp_path / "published")
    result = run_gate(settings, "staging", suites_dir=suites)
    out = result.outcome("ward_stays_have_a_reference_ward")
    assert (out.status, out.severity) == ("failed", "warning"), out.details
    assert "1/6" in out.details, out.details
