"""The single Dagster Definitions object for the pipeline."""

import dagster as dg

from pipelines.config import DBT_PROJECT_DIR, environment, load_settings
from pipelines.dbt_project import (
    OfflineDbtCliResource,
    dbt_executable,
    export_dbt_env,
    prepare_manifest,
)

SETTINGS = load_settings()
export_dbt_env(SETTINGS)
prepare_manifest(SETTINGS)

from pipelines.assets.dashboard import dashboard  # noqa: E402
from pipelines.assets.dbt_docs import dbt_docs  # noqa: E402
from pipelines.assets.ingest import ingest_raw_extracts  # noqa: E402
from pipelines.assets.publish import published_marts  # noqa: E402
from pipelines.assets.quality import quality_checks  # noqa: E402
from pipelines.assets.transform import dbt_models  # noqa: E402
from pipelines.operations import operations_definitions, operations_settings  # noqa: E402

pipeline_job = dg.define_asset_job(
    "mh_pipeline",
    selection=dg.AssetSelection.all(),
    description="Nightly run: ingest raw extracts, build dbt models, gate, publish, dashboard.",
)

core = dg.Definitions(
    assets=[ingest_raw_extracts, dbt_models, published_marts, dashboard, dbt_docs],
    asset_checks=quality_checks,
    jobs=[pipeline_job],
    resources={
        "dbt": OfflineDbtCliResource(
            project_dir=str(DBT_PROJECT_DIR),
            profiles_dir=str(DBT_PROJECT_DIR),
            dbt_executable=dbt_executable(),
        ),
    },
    # one process, steps in order: the DuckDB file has a single writer at a time
    executor=dg.in_process_executor,
)

# schedule, raw-file sensor, failure alerts, freshness check (pipelines/operations)
defs = dg.Definitions.merge(
    core, operations_definitions(SETTINGS, operations_settings(environment()))
)
