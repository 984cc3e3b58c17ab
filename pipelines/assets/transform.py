"""dbt models (staging, intermediate, marts) as Dagster assets."""

from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliInvocation, DbtCliResource, dbt_assets

from pipelines import spark_engine
from pipelines.config import Settings
from pipelines.dbt_project import (
    DbtLogFile,
    dbt_log_path,
    dbt_project,
    export_dbt_env,
    log_dbt_summary,
    prune_dbt_logs,
    stdout_into,
)
from pipelines.ingest.testhooks import pause_point
from pipelines.operations.resources import LOCK_RESOURCE_KEY
from pipelines.operations.retry import lock_retry_requested
from pipelines.settings_resource import SETTINGS_RESOURCE_KEY, settings_of

OWNERS = ["team:analytics-engineering"]


class Translator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props.get("resource_type") == "source":
            return "ingest"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "marts"

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str] | None:
        return OWNERS


PROJECT = dbt_project()


@dbt_assets(
    manifest=PROJECT.manifest_path,
    project=PROJECT,
    dagster_dbt_translator=Translator(),
    name="dbt_models",
    # resources as keys, not parameters: dagster-dbt refuses a mix of both
    required_resource_keys={"dbt", LOCK_RESOURCE_KEY, SETTINGS_RESOURCE_KEY},
)
def dbt_models(context: dg.AssetExecutionContext):
    """dbt build: models and their tests, staging to marts. On the spark target
    (MHP_DBT_TARGET=spark) the raw layer is exported to Parquet first and the tables
    Spark built are loaded back into the DuckDB warehouse after (pipelines/spark_engine.py)."""
    dbt: DbtCliResource = context.resources.dbt
    settings = settings_of(context)
    export_dbt_env(settings)
    # seeds may run in their own step before ingest has created the warehouse
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    pause_point(settings, "dbt")  # crash tests only (tests/reliability/pausing.py)
    on_spark = settings.dbt_target == "spark"
    try:
        if on_spark:
            exported = spark_engine.export_raw(settings)
            context.log.info(f"raw layer exported for Spark: {len(exported)} tables, "
                             f"{sum(exported.values())} rows, to {settings.spark_raw_uri}")
        invocation = dbt.cli(["build"], context=context)
        yield from logged_stream(context, settings, invocation)
        if on_spark:
            loaded = spark_engine.load_dbt_results(settings, invocation.target_path)
            context.log.info(f"loaded {len(loaded)} Spark tables into {settings.warehouse}")
    except Exception as exc:
        retry = lock_retry_requested(exc, context.retry_number)  # DuckDB lock: retry later
        if retry is not None:
            raise retry from exc
        raise


def logged_stream(
    context: dg.AssetExecutionContext, settings: Settings, invocation: DbtCliInvocation
) -> Iterator[Any]:
    """The invocation's Dagster events (materialisations, dbt test check results), with
    dbt's own output written to the run's dbt log file instead of the process stdout, and a
    summary of the build in the step's log, pass or fail."""
    path = dbt_log_path(settings, context.run.run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    context.log.info(f"dbt build started; full log: {path}")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(f"$ {invocation.dbt_command}\n")
        try:
            yield from stdout_into(DbtLogFile(fh), invocation.stream())
        finally:
            fh.flush()
            log_dbt_summary(context.log, invocation.target_path, path)
            prune_dbt_logs(path.parent)
