"""Dashboard asset: static HTML pages built from the published marts."""

import dagster as dg

from pipelines.dashboard import build
from pipelines.operations.resources import LOCK_RESOURCE_KEY
from pipelines.settings_resource import SETTINGS_RESOURCE_KEY, settings_of


@dg.asset(
    key=["published", "dashboard"],
    group_name="publish",
    required_resource_keys={LOCK_RESOURCE_KEY, SETTINGS_RESOURCE_KEY},
    # after the dbt docs, so the dashboard can link to them
    deps=[dg.AssetKey(["published", "marts"]), dg.AssetKey(["published", "dbt_docs"])],
    owners=["team:data-engineering"],
    kinds={"html"},
    description=(
        "Static HTML dashboard in <publish_dir>/dashboard/, built from the published "
        "marts.duckdb (opened read-only): an overview of every metric's latest month per "
        "provider and locality with Making Data Count icons and the data-quality score, and "
        "one page per metric with SPC charts, funnel plots, the catalogue definition and "
        "caveats. Opens from file:// with no network (inline SVG, local CSS/JS). "
        "See docs/dashboard.md."
    ),
)
def dashboard(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Rebuild the dashboard pages from the live publication."""
    settings = settings_of(context)
    result = build(settings)
    for note in result.notes:
        context.log.warning(note)
    context.log.info(f"dashboard: {len(result.pages)} pages, index {result.index}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.index)),
            "url": dg.MetadataValue.url(result.index.as_uri()),
            "pages": len(result.pages),
            "page_files": dg.MetadataValue.json(result.pages),
            "publication_mode": result.publication_mode,
            "published_at": result.published_at,
            "notes": dg.MetadataValue.json(result.notes),
        }
    )
