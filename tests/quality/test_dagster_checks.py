"""The gates as blocking Dagster asset checks: an error stops the downstream (publish)
asset, warnings do not."""

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from pipelines.assets.quality import GATE_CHECKS, check_result, quality_checks, quality_gates
from pipelines.config import DBT_PROJECT_DIR, Settings
from pipelines.operations.resources import LOCK_RESOURCE_KEY, pipeline_lock_resource
from pipelines.quality.gate import ExpectationOutcome, GateResult
from pipelines.settings_resource import SETTINGS_RESOURCE_KEY, PipelineSettings

from .builder import add_file, execute

MART = dg.AssetKey(["marts", "mart_metric_values"])
STG = dg.AssetKey(["staging", "stg_mhsds__hosp_prov_spell"])
MANIFEST = dg.AssetKey(["meta", "manifest"])


@dg.multi_asset(specs=[dg.AssetSpec(MANIFEST)], name="stub_ingest")
def stub_ingest():
    yield dg.MaterializeResult(asset_key=MANIFEST)


@dg.multi_asset(specs=[dg.AssetSpec(STG, deps=[MANIFEST]), dg.AssetSpec(MART, deps=[STG])],
                name="stub_dbt")
def stub_dbt():
    """Stands in for the dbt step (the warehouse is already built by the test)."""
    yield dg.MaterializeResult(asset_key=STG)
    yield dg.MaterializeResult(asset_key=MART)


@dg.asset(deps=[MART], key=["published_marts"])
def stub_publish() -> dg.MaterializeResult:
    return dg.MaterializeResult()


def _run(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> dg.ExecuteInProcessResult:
    monkeypatch.setenv("MHP_WAREHOUSE", str(settings.warehouse))
    monkeypatch.setenv("MHP_PUBLISH_DIR", str(settings.publish_dir))
    monkeypatch.setenv("MHP_RAW_DIR", str(settings.raw_dir))
    with dg.instance_for_test() as instance:
        # the gates hold the pipeline lock like every step of the real job
        return dg.materialize([stub_ingest, stub_dbt, stub_publish, *quality_checks],
                              instance=instance, raise_on_error=False,
                              resources={LOCK_RESOURCE_KEY: pipeline_lock_resource(settings),
                                         SETTINGS_RESOURCE_KEY: PipelineSettings(**{
                                             "mhp_warehouse": str(settings.warehouse),
                                             "mhp_publish_dir": str(settings.publish_dir),
                                             "mhp_raw_dir": str(settings.raw_dir)})})


def _evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def _materialized(result: dg.ExecuteInProcessResult) -> set[dg.AssetKey]:
    return {e.asset_key for e in result.get_asset_materialization_events()}


def test_quality_checks_are_blocking_specs_on_the_gated_assets() -> None:
    assert quality_checks == [quality_gates]
    specs = {s.name: s for s in quality_gates.check_specs}
    assert {n: s.asset_key for n, s in specs.items()} == {
        "ingest_gate": MART, "staging_gate": STG, "marts_gate": MART}
    assert all(s.blocking for s in specs.values())
    assert set(GATE_CHECKS) == {"ingest", "staging", "marts"}


@pytest.mark.skipif(not (DBT_PROJECT_DIR / "target" / "manifest.json").exists(),
                    reason="dbt manifest not built (dbt parse)")
def test_the_gated_keys_are_the_keys_of_the_dbt_and_ingest_assets() -> None:
    from pipelines.assets.ingest import ingest_raw_extracts
    from pipelines.assets.transform import dbt_models

    keys = set(dbt_models.keys) | set(ingest_raw_extracts.keys)
    for layer, (_, key) in GATE_CHECKS.items():
        assert key in keys, f"{layer} gate is attached to {key}, not an asset of the pipeline"


def test_an_error_blocks_publishing(settings: Settings, monkeypatch: pytest.MonkeyPatch
                                    ) -> None:
    execute(settings, "update marts.mart_metric_values set value = 212.4 where metric_id = "
                      "'occupancy_pct' and level = 'ward' and unit_code = 'W1' "
                      "and provider_code = 'RXA' and period_start = date '2024-01-01'")
    result = _run(settings, monkeypatch)
    assert not result.success
    checks = _evaluations(result)
    marts = checks["marts_gate"]
    assert not marts.passed and marts.severity == dg.AssetCheckSeverity.ERROR
    assert "occupancy_pct out of range 0-150" in marts.metadata["summary"].value
    assert marts.metadata["failed_expectations"].value[0]["expectation"] == \
        "occupancy_plausible"
    docs = Path(marts.metadata["data_docs"].value)
    assert docs.exists() and docs.parent.name == "marts"
    assert checks["staging_gate"].passed and checks["ingest_gate"].passed
    assert dg.AssetKey(["published_marts"]) not in _materialized(result)


def test_warnings_do_not_block_publishing(settings: Settings, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    add_file(settings, "mhsds/RXA/2024-03/MHS201CareContact_v2.csv", rows_in=1000,
             quarantined=20, table_name="mhs201_care_contact")
    result = _run(settings, monkeypatch)
    assert result.success
    checks = _evaluations(result)
    staging = checks["staging_gate"]
    assert not staging.passed and staging.severity == dg.AssetCheckSeverity.WARN
    assert checks["marts_gate"].passed and checks["ingest_gate"].passed
    assert dg.AssetKey(["published_marts"]) in _materialized(result)


def test_check_result_severity_follows_the_failed_expectations(tmp_path: Path) -> None:
    def outcome(eid: str, severity: str, status: str) -> ExpectationOutcome:
        return ExpectationOutcome("marts", eid, "metric_range", severity, "d", status, "x")

    def result(*outcomes: ExpectationOutcome) -> GateResult:
        return GateResult("marts", list(outcomes), tmp_path / "index.html",
                          datetime.now(UTC), 0.1)

    ok = check_result("marts", result(outcome("a", "error", "passed")))
    assert ok.passed
    warn = check_result("marts", result(outcome("a", "error", "passed"),
                                        outcome("b", "warning", "failed")))
    assert not warn.passed and warn.severity == dg.AssetCheckSeverity.WARN
    err = check_result("marts", result(outcome("a", "error", "error"),
                                       outcome("b", "warning", "failed")))
    assert not err.passed and err.severity == dg.AssetCheckSeverity.ERROR
    assert [f["expectation"] for f in err.metadata["failed_expectations"].value] == ["a", "b"]
