"""dbt docs asset: the dbt project's documentation as an offline static page."""

import dagster as dg

from pipelines.dbt_docs import build_dbt_docs
from pipelines.operations.resources import LOCK_RESOURCE_KEY
from pipelines.settings_resource import SETTINGS_RESOURCE_KEY, settings_of


@dg.asset(
    key=["published", "dbt_docs"],
    group_name="publish",
    required_resource_keys={LOCK_RESOURCE_KEY, SETTINGS_RESOURCE_KEY},
    deps=[dg.AssetKey(["published", "marts"])],
    owners=["team:analytics-engineering"],
    kinds={"dbt", "html"},
    description=(
        "The dbt project's documentation (models, columns, lineage, tests) as one "
        "self-contained page, <publish_dir>/dbt_docs/index.html, from `dbt docs generate "
        "--static` with every remote load removed and a Content-Security-Policy that "
        "forbids network access: it opens from file:// with no network. Linked from the "
        "dashboard as ../dbt_docs/index.html. See docs/bi/README.md."
    ),
)
def dbt_docs(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Regenerate the offline dbt docs page (the previous page stays until it is done)."""
    settings = settings_of(context)
    index = build_dbt_docs(settings)
    context.log.info(f"dbt docs: {index}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(index)),
            "url": dg.MetadataValue.url(index.as_uri()),
            "size_bytes": index.stat().st_size,
        }
    )
