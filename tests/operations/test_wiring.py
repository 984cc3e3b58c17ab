"""The operations definitions merge into the project's Definitions (pipelines.definitions)."""

import os

import dagster as dg
import pytest

from pipelines.operations import operations_definitions, operations_settings
from pipelines.operations.freshness import ASSET_KEY, CHECK_NAME


def _project_defs() -> dg.Definitions:
    saved = dict(os.environ)
    from pipelines.definitions import defs

    assert dict(os.environ) == saved  # importing the definitions changes nothing
    return defs


@pytest.fixture(autouse=True)
def _manifest() -> None:
    """The definitions read a prepared manifest (make test: make manifest)."""
    from pipelines.config import load_settings
    from pipelines.dbt_project import prepare_manifest

    prepare_manifest(load_settings(), force=True)  # parses only when the project changed


def test_the_dagster_assets_receive_the_settings_resource() -> None:
    from pipelines.settings_resource import SETTINGS_RESOURCE_KEY

    defs = _project_defs()
    assert SETTINGS_RESOURCE_KEY in defs.get_repository_def().get_top_level_resources()
    job = defs.resolve_job_def("mh_pipeline")
    for node in job.asset_layer.asset_graph.asset_nodes:
        if node.is_executable:
            assert SETTINGS_RESOURCE_KEY in node.assets_def.required_resource_keys, node.key


def test_merge_with_the_project_definitions(settings) -> None:
    # pipelines.definitions already merges the operations definitions
    merged = _project_defs()
    dg.Definitions.validate_loadable(merged)
    ops = operations_settings({"MHP_FRESHNESS_HOURS": "30", "MHP_RAW_SETTLE_SECONDS": "120"})
    standalone = operations_definitions(settings, ops)
    repo = merged.get_repository_def()

    assert {s.name for s in repo.schedule_defs} == {
        "nightly", "published_marts_freshness_schedule"}
    assert repo.get_schedule_def("nightly").job_name == "mh_pipeline"
    sensors = {s.name: s for s in repo.sensor_defs}
    assert set(sensors) == {
        "raw_files_sensor", "pipeline_failure_alert", "pipeline_success_status"}
    assert sensors["raw_files_sensor"].job_name == "mh_pipeline"
    standalone_sensor = next(s for s in standalone.sensors if s.name == "raw_files_sensor")
    assert "120 s" in (standalone_sensor.description or "")

    check_key = dg.AssetCheckKey(ASSET_KEY, CHECK_NAME)
    job = merged.resolve_job_def("mh_pipeline")  # AssetSelection.all(): checks included
    assert check_key in job.asset_layer.asset_graph.asset_check_keys
    check_job = merged.resolve_job_def("published_marts_freshness_job")
    assert check_job.asset_layer.asset_graph.asset_check_keys == {check_key}
