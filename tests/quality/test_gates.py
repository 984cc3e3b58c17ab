"""The gates on small hand-made warehouses: clean data passes, each injected fault fails
the right expectation with the right severity and a summary naming the offending values."""

import json
import socket
from collections.abc import Callable
from datetime import UTC, date, datetime

import duckdb
import pytest

from pipelines.config import Settings
from pipelines.quality import gate_summary, run_gate, run_gates
from pipelines.quality.gate import ExpectationOutcome, GateResult
from pipelines.quality.gate import record_results as record

from .builder import add_file, execute, make_settings


def failed(result) -> dict[str, str]:
    return {o.id: o.severity for o in result.failed}


def test_clean_warehouse_passes_every_gate(settings: Settings) -> None:
    results = run_gates(settings)
    for layer, result in results.items():
        assert result.passed, result.summary
        assert result.failed == [], result.summary
        assert result.severity is None
        assert result.data_docs == settings.publish_dir / "data_docs" / layer / "index.html"
        assert result.data_docs.exists()
    skipped = {o.id for o in results["marts"].outcomes if o.status == "skipped"}
    assert skipped == {"row_volume_vs_published", "history_revision_vs_published",
                       "dbt_model_tests_error", "dbt_model_tests_warn"}
    # no dbt build ran on this hand-made warehouse: nothing to report (tests/quality/
    # test_one_owner.py runs dbt's tests of the staging models)
    skipped = {o.id for o in results["staging"].outcomes if o.status == "skipped"}
    assert skipped == {"dbt_staging_tests_error", "dbt_staging_tests_warn"}
    summary = gate_summary(settings)
    assert summary["passed"] is True
    assert summary["failed_checks"] == []
    assert summary["layers_not_run"] == []
    json.dumps(summary)  # storable in the publish log


# ------------------------------------------------------------------ injected faults
def occupancy_212(s: Settings) -> None:
    execute(s, "update marts.mart_metric_values set value = 212.4 where metric_id = "
               "'occupancy_pct' and provider_code = 'RXA' and level = 'ward' "
               "and unit_code = 'W1' and period_start = date '2024-01-01'")


def missing_metric(s: Settings) -> None:
    execute(s, "delete from marts.mart_metric_values where metric_id = 'los_mean_days' "
               "and provider_code = 'RXB' and period_start = date '2024-02-01'")


def unreconciled_bed_days(s: Settings) -> None:
    execute(s, "update marts.mart_metric_values set value = value + 5 where metric_id = "
               "'occupied_bed_days' and provider_code = 'RXA' and level = 'provider' "
               "and bed_type_group = 'all' and period_start = date '2024-03-01'")


def ten_percent_quarantined(s: Settings) -> None:
    add_file(s, "mhsds/RXA/2024-03/MHS201CareContact_v2.csv", rows_in=1000, quarantined=100,
             table_name="mhs201_care_contact",
             reasons=(("AttendStatus", "code not in attend_status"),))


def rejected_file(s: Settings) -> None:
    rel = "mhsds/RXB/2024-03/MHS502WardStay.csv"
    add_file(s, rel, status="rejected", rows_in=0, table_name="mhs502_ward_stay",
             provider="RXB", message=f"{rel}: required column WardCode is missing")


def stale_file(s: Settings) -> None:
    rel = "mhsds/RXA/2024-02/MHS501HospProvSpell.csv"
    add_file(s, rel, status="stale", rows_in=0,
             message=f"{rel}: stale delivery: DateTimeDatSetCreate is older than the loaded")


FAULTS: list[tuple[str, Callable[[Settings], None], str, dict[str, str], list[str]]] = [
    ("occupancy 212%", occupancy_212, "marts", {"occupancy_plausible": "error"},
     ["occupancy_pct out of range 0-150 for 1 rows: RXA/2024-01 ward W1 = 212.4"]),
    ("missing metric", missing_metric, "marts", {"catalogue_metrics_present": "error"},
     ["catalogue metrics missing for 1 provider-month(s): RXB/2024-02 missing los_mean_days"]),
    ("unreconciled bed days", unreconciled_bed_days, "marts",
     {"occupied_bed_days_reconcile": "error"},
     ["RXA/2024-03 mart 91 vs 86 in int_ward_stay_bed_days"]),
    ("10% quarantined", ten_percent_quarantined, "staging",
     {"quarantine_share_per_file": "error", "quarantine_share_per_file_low": "warning"},
     ["mhsds/RXA/2024-03/MHS201CareContact_v2.csv 10.0% (100/1000 rows; "
      "AttendStatus: code not in attend_status x100)"]),
    ("rejected file", rejected_file, "ingest", {"no_rejected_or_stale_files": "error"},
     ["mhsds/RXB/2024-03/MHS502WardStay.csv (rejected: required column WardCode is missing)"]),
    ("stale file", stale_file, "ingest", {"no_rejected_or_stale_files": "error"},
     ["mhsds/RXA/2024-02/MHS501HospProvSpell.csv (stale: stale delivery"]),
]


@pytest.mark.parametrize("inject, layer, expected, texts",
                         [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS])
def test_injected_fault_fails_the_right_expectation(
    settings: Settings, inject: Callable[[Settings], None], layer: str,
    expected: dict[str, str], texts: list[str],
) -> None:
    inject(settings)
    result = run_gate(settings, layer)
    assert failed(result) == expected, result.summary
    assert not result.passed
    assert result.severity == "error"
    for eid, severity in expected.items():
        outcome = result.outcome(eid)
        assert outcome.status == "failed" and outcome.severity == severity
        assert outcome.unexpected_count and outcome.unexpected_count > 0
    for text in texts:
        assert text in result.summary, result.summary
    assert result.data_docs is not None and result.data_docs.exists()


def test_a_rejected_file_no_longer_in_the_drop_folder_does_not_count(settings: Settings
                                                                      ) -> None:
    add_file(settings, "mhsds/RXB/2023-12/MHS502WardStay.csv", status="rejected",
             present=False)
    assert run_gate(settings, "ingest").passed


def test_a_fixed_file_replaces_its_rejected_version(settings: Settings) -> None:
    rel = "mhsds/RXB/2024-03/MHS502WardStay.csv"
    rejected_file(settings)
    add_file(settings, rel, status="loaded", table_name="mhs502_ward_stay", provider="RXB")
    assert run_gate(settings, "ingest").failed == []


def test_warnings_do_not_fail_the_gate(settings: Settings) -> None:
    # 2% quarantined (above the 1% warning, below the 5% error) and a mechanism 75% complete
    add_file(settings, "mhsds/RXA/2024-03/MHS201CareContact_v2.csv", rows_in=1000,
             quarantined=20, table_name="mhs201_care_contact")
    execute(settings, "update staging.stg_mhsds__care_contact set cons_mechanism_mh = null "
                      "where uniq_care_cont_id in ('RXA-C0-0', 'RXA-C1-1', 'RXA-C2-2')")
    result = run_gate(settings, "staging")
    assert failed(result) == {"quarantine_share_per_file_low": "warning",
                              "care_contact_mechanism_complete": "warning"}
    assert result.passed and result.severity == "warning"
    assert "passed with warnings" in result.summary
    assert "RXA cons_mechanism_mh 75.0% (9/12)" in result.summary
    summary = gate_summary(settings)
    assert {f["expectation"] for f in summary["failed_checks"]} == set(failed(result))
    assert summary["errors"] == 0 and summary["warnings"] == 2


def test_unmapped_ledger_codes_are_a_warning_naming_each_code_and_its_money(
    settings: Settings,
) -> None:
    execute(settings, "update intermediate.int_ledger_subjectives set category = 'unmapped', "
                      "matched_by = 'unmapped', map_code = null "
                      "where provider_code = 'RXA' and subjective = '5A110'")
    execute(settings, "insert into intermediate.int_ledger_subjectives (provider_code, "
                      "period_start, cost_centre, subjective, category, matched_by, amount_gbp) "
                      "values ('RXB', date '2024-02-01', 'CC7', 'ZZ999', 'unmapped', "
                      "'unmapped', -250.5)")
    result = run_gate(settings, "marts")
    assert failed(result) == {"ledger_subjectives_mapped": "warning"}
    assert result.passed and result.severity == "warning"
    outcome = result.outcome("ledger_subjectives_mapped")
    assert outcome.unexpected_count == 2
    # 3 months x GBP 2,000 for RXA's code; a credit for RXB's
    assert "ledger subjective codes not mapped (GBP 5,749.50 in all) for 2 unmapped code(s): " \
        "RXA 5A110: GBP 6,000.00 in 3 row(s), 2024-01 to 2024-03, " \
        "RXB ZZ999: GBP -250.50 in 1 row(s), 2024-02" in outcome.details


def test_volume_change_against_the_published_run_is_a_warning(settings: Settings) -> None:
    settings.publish_dir.mkdir(parents=True)
    published = settings.publish_dir / "marts.duckdb"
    with duckdb.connect(str(published)) as con:
        con.execute(f"attach '{settings.warehouse}' as wh (read_only)")
        con.execute("create table metric_values as select * from wh.marts.mart_metric_values")
        # last time admissions of RXB were twice as many rows, and RXA's were 20% higher
        con.execute("insert into metric_values select * from metric_values "
                    "where metric_id = 'admissions' and provider_code = 'RXB'")
        con.execute("update metric_values set value = value * 1.25 "
                    "where metric_id = 'admissions' and provider_code = 'RXA'")
    result = run_gate(settings, "marts")
    assert failed(result) == {"row_volume_vs_published": "warning",
                              "history_revision_vs_published": "warning"}
    assert result.passed
    text = result.outcome("row_volume_vs_published").details
    assert "admissions RXB: 12 -> 6 rows (-50%)" in text
    assert "admissions RXA: 45 -> 36 sum of values (-20%)" in result.summary


def test_a_missing_table_fails_closed(settings: Settings) -> None:
    execute(settings, "drop table intermediate.int_ward_stay_bed_days")
    result = run_gate(settings, "marts")
    assert failed(result) == {"occupied_bed_days_reconcile": "error"}
    outcome = result.outcome("occupied_bed_days_reconcile")
    assert outcome.status == "error"
    assert "intermediate.int_ward_stay_bed_days is missing" in outcome.details


def test_data_docs_are_written_on_pass_and_on_fail(settings: Settings) -> None:
    docs = settings.publish_dir / "data_docs"
    passed = run_gate(settings, "marts")
    assert passed.passed and passed.data_docs == docs / "marts" / "index.html"
    first_pages = set((docs / "marts" / "validations").rglob("*.html"))
    assert any("occupancy_plausible" in p.parts for p in first_pages)

    occupancy_212(settings)
    failing = run_gate(settings, "marts")
    assert not failing.passed and failing.data_docs == passed.data_docs
    pages = set((docs / "marts" / "validations").rglob("*.html"))
    assert pages and not pages & first_pages  # the site was replaced, not appended to
    page = next(p for p in pages if "occupancy_plausible" in p.parts).read_text()
    assert "212.4" in page and "Bed occupancy" in page
    landing = (docs / "index.html").read_text()
    assert "marts/index.html" in landing and "FAILED" in landing
    assert "occupancy_plausible" in landing
    recorded = json.loads((docs / "gate_results.json").read_text())
    assert recorded["layers"]["marts"]["passed"] is False
    assert not list(docs.glob(".*.tmp")) and not (docs / ".marts.old").exists()


def test_gate_summary_keeps_the_latest_result_of_each_layer(tmp_path) -> None:
    settings = make_settings(tmp_path)

    def result(layer: str, *failures: tuple[str, str]) -> GateResult:
        outcomes = [ExpectationOutcome(layer, "ok", "date_order", "error", "d", "passed")]
        outcomes += [ExpectationOutcome(layer, eid, "metric_range", sev, "d", "failed",
                                        f"{eid} broke") for eid, sev in failures]
        return GateResult(layer, outcomes, None, datetime.now(UTC), 0.1)

    assert gate_summary(settings)["passed"] is False  # nothing run yet
    record(settings, {"ingest": result("ingest")})
    summary = gate_summary(settings)
    assert summary["passed"] is False and summary["layers_not_run"] == ["staging", "marts"]
    record(settings, {"staging": result("staging", ("low", "warning")),
                      "marts": result("marts")})
    summary = gate_summary(settings)
    assert summary["passed"] is True and summary["warnings"] == 1
    record(settings, {"marts": result("marts", ("occupancy_plausible", "error"))})
    summary = gate_summary(settings)
    assert summary["passed"] is False
    assert [(f["layer"], f["expectation"], f["severity"]) for f in summary["failed_checks"]] \
        == [("staging", "low", "warning"), ("marts", "occupancy_plausible", "error")]
    assert summary["layers"]["staging"]["passed"] is True
    landing = (settings.publish_dir / "data_docs" / "index.html").read_text()
    assert "occupancy_plausible broke" in landing


def test_summaries_never_quote_identifier_shaped_values(settings: Settings) -> None:
    rel = "mhsds/RXB/2024-03/MHS001MPI.csv"
    add_file(settings, rel, status="rejected", rows_in=0, table_name="mhs001_mpi",
             message=f"{rel}: line 3: NHSNumber 9434765919 for RXALP00000001 is invalid")
    result = run_gate(settings, "ingest")
    assert not result.passed
    assert "9434765919" not in result.summary and "RXALP00000001" not in result.summary
    assert "[redacted]" in result.summary
    assert "9434765919" not in json.dumps(gate_summary(settings))


def test_no_network_and_no_analytics(settings: Settings, monkeypatch: pytest.MonkeyPatch
                                     ) -> None:
    from pipelines.quality.gx_runner import context_config, make_context

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    config = context_config(settings.publish_dir / "docs")
    assert config.analytics_enabled is False
    assert config.progress_bars.globally is False
    assert config.progress_bars.metric_calculations is False
    context = make_context(settings.publish_dir / "docs")
    assert context.config.analytics_enabled is False
    result = run_gate(settings, "marts")
    assert result.passed and result.data_docs.exists()


def test_a_missing_warehouse_fails_every_expectation(settings: Settings) -> None:
    settings.warehouse.unlink()
    result = run_gate(settings, "ingest")
    assert not result.passed
    assert all(o.status == "error" and "not found" in o.details for o in result.outcomes)


def test_month_labels_use_the_period(settings: Settings) -> None:
    # a quarter row out of range is named with its period type
    execute(settings, "insert into marts.mart_metric_values values ('dna_rate_pct', ?, "
                      "'quarter', 'RXB', 'team', 'T1', 'T1', 'all', 5, 4, 125.0)",
            [date(2024, 1, 1)])
    result = run_gate(settings, "marts")
    assert failed(result) == {"percentages_within_0_100": "error"}
    assert "dna_rate_pct out of range 0-100 for 1 rows: RXB/2024-01 team T1 (quarter) = 125" \
        in result.summary
