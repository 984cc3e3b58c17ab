"""The single Dagster Definitions object of the pipeline: ``defs``.

``workspace.yaml`` (``make dev``, dagster-webserver, dagster-daemon), ``make run``
(pipelines.run), the backfill and the tests all load this module. Dagster refuses a
module that holds more than one ``Definitions`` at module scope, so the pieces are put
together inside ``build_definitions`` and only ``defs`` is module-level.

Importing this module runs nothing and changes nothing (no dbt, no os.environ): the dbt
assets read a manifest prepared beforehand, the way dagster-dbt intends. ``make run`` and
the backfill prepare it before they import this module (``pipelines.run``), ``make dev``
through ``DBT_PROJECT.prepare_if_dev()`` (a parse under ``dagster dev`` only), a
deployment with ``dagster-dbt project prepare-and-package --file pipelines/dbt_project.py``
(or ``python -m pipelines.dbt_project``).

The settings reach the assets as the ``settings`` resource (pipelines/settings_resource.py:
one ``dg.EnvVar`` field per variable, read when a run starts). The schedule, the sensors
and the lock's file are part of the definitions themselves, so they are built from the
settings read when the code location loads.

Every asset and the quality gates require the ``pipeline_lock`` resource: whichever way a
run starts (``make run``, the UI, the schedule, the raw-file sensor, a backfill), it holds
the same flock on ``<warehouse dir>/.pipeline.lock`` for the whole run, so two runs never
write the warehouse together (pipelines/operations/resources.py).
"""

import dagster as dg

from pipelines.config import Settings, load_settings
from pipelines.dbt_project import DBT_PROJECT, dbt_cli_resource
from pipelines.operations.settings import OperationsSettings, operations_settings
from pipelines.settings_resource import SETTINGS_RESOURCE_KEY, PipelineSettings

DBT_PROJECT.prepare_if_dev()  # `dagster dev` only: parse the dbt project (dagster-dbt)

from pipelines.assets.dashboard import dashboard  # noqa: E402
from pipelines.assets.dbt_docs import dbt_docs  # noqa: E402
from pipelines.assets.ingest import ingest_raw_extracts  # noqa: E402
from pipelines.assets.publish import published_marts  # noqa: E402
from pipelines.assets.quality import quality_checks  # noqa: E402
from pipelines.assets.transform import dbt_models  # noqa: E402  (reads the manifest)
from pipelines.operations.definitions import operations_definitions  # noqa: E402
from pipelines.operations.resources import LOCK_RESOURCE_KEY, pipeline_lock_resource  # noqa: E402
from pipelines.operations.schedules import JOB_NAME  # noqa: E402


def build_definitions(
    settings: Settings, ops: OperationsSettings, resource: PipelineSettings | None = None
) -> dg.Definitions:
    """The pipeline's assets, gates, job and resources, merged with the operations layer
    (schedule, raw-file sensor, alerts, freshness check). ``resource``: the settings
    resource the assets receive (default: EnvVars of the variables set now)."""
    pipeline_job = dg.define_asset_job(
        JOB_NAME,
        selection=dg.AssetSelection.all(),
        description="Nightly run: ingest raw extracts, build dbt models, gate, publish, "
        "dbt docs, dashboard.",
    )
    pipeline = dg.Definitions(
        assets=[ingest_raw_extracts, dbt_models, published_marts, dashboard, dbt_docs],
        asset_checks=quality_checks,
        jobs=[pipeline_job],
        resources={
            SETTINGS_RESOURCE_KEY: resource or PipelineSettings.from_environment(),
            "dbt": dbt_cli_resource(),
            LOCK_RESOURCE_KEY: pipeline_lock_resource(settings, timeout_s=ops.lock_timeout_s),
        },
        # one process, steps in order: the DuckDB file has a single writer at a time, and
        # resources (the lock) are set up once for the whole run
        executor=dg.in_process_executor,
    )
    return dg.Definitions.merge(pipeline, operations_definitions(settings, ops))


defs = build_definitions(load_settings(), operations_settings())
