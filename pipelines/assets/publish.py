"""Publish asset: the gated marts as marts.duckdb + Parquet, swapped in atomically."""

import dagster as dg

from pipelines.operations.resources import LOCK_RESOURCE_KEY
from pipelines.operations.retry import retry_on_lock
from pipelines.publish import publish
from pipelines.publish.national import reconciliation_summary
from pipelines.quality.gate import gate_summary
from pipelines.settings_resource import SETTINGS_RESOURCE_KEY, settings_of


@dg.asset(
    key=["published", "marts"],
    group_name="publish",
    required_resource_keys={LOCK_RESOURCE_KEY, SETTINGS_RESOURCE_KEY},
    deps=[dg.AssetKey(["marts", "mart_metric_values"])],
    owners=["team:data-engineering"],
    kinds={"duckdb", "parquet"},
    description=(
        "The marts as published for BI tools and the dashboard: marts.duckdb (storage "
        "v1.5.0, readable by duckdb 1.5 drivers) and a parquet/ folder, built under "
        "temporary names, verified (row counts, privacy guard) and swapped in atomically; "
        "the last N versions are kept for rollback (python -m pipelines.publish). "
        "Small numbers are suppressed and rounded in public mode. See docs/publishing.md."
    ),
)
def published_marts(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Publish the warehouse marts; the previous publication stays live if anything fails."""
    settings = settings_of(context)
    # the blocking gate checks have passed by the time this runs (they are
    # upstream across steps); record their results in the publish log
    summary = gate_summary(settings)
    result = retry_on_lock(
        publish, settings, run_id=context.run.run_id, gate_summary=summary, logger=context.log
    )
    context.log.info(result.summary())
    if result.cleaned:
        context.log.warning(
            "removed leftovers of an interrupted publish: "
            + ", ".join(p.name for p in result.cleaned)
        )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.database)),
            "parquet_dir": dg.MetadataValue.path(str(result.parquet_dir)),
            "csv_dir": dg.MetadataValue.path(str(result.csv_dir)),
            "csv_rows_per_view": dg.MetadataValue.json(result.csv_row_counts),
            "version_id": result.version_id,
            "publication_mode": result.publication_mode,
            "rows_per_table": dg.MetadataValue.json(result.row_counts),
            "total_rows": sum(n for t, n in result.row_counts.items() if t != "publish_log"),
            "versions_pruned": len(result.pruned),
            # rows of national_reconciliation by status (make run prints one line of it)
            "national_reconciliation": dg.MetadataValue.json(
                reconciliation_summary(result.database)),
        }
    )
