"""dbt models (staging, intermediate, marts) as Dagster assets."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from pipelines.config import load_settings
from pipelines.dbt_project import dbt_project, export_dbt_env

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
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """dbt build: models and their tests, staging to marts."""
    export_dbt_env(load_settings())
    yield from dbt.cli(["build"], context=context).stream()
