"""Ingest assets: every raw table, the manifest and the quarantine, in one step."""

import dagster as dg

from pipelines.contract import load_contract
from pipelines.ingest.load import ingest
from pipelines.operations.resources import LOCK_RESOURCE_KEY
from pipelines.operations.retry import retry_on_lock
from pipelines.settings_resource import SETTINGS_RESOURCE_KEY, settings_of

GROUP = "ingest"
OWNERS = ["team:data-engineering"]


def _specs() -> list[dg.AssetSpec]:
    specs = [
        dg.AssetSpec(
            ["raw", t.name],
            group_name=GROUP,
            owners=OWNERS,
            description=f"{t.description} Raw {t.family} table {t.source_table}, typed, "
            "identifiers pseudonymised.",
            kinds={"duckdb"},
            skippable=True,
        )
        for t in load_contract().tables
    ]
    specs.append(
        dg.AssetSpec(
            ["meta", "manifest"],
            group_name=GROUP,
            owners=OWNERS,
            kinds={"duckdb"},
            description="Every raw file seen, with hash, counts and status.",
        )
    )
    specs.append(
        dg.AssetSpec(
            ["meta", "quarantine"],
            group_name=GROUP,
            owners=OWNERS,
            kinds={"duckdb"},
            description="Rows refused at ingest with file, line, field, reason.",
        )
    )
    return specs


@dg.multi_asset(
    specs=_specs(),
    name="ingest_raw_extracts",
    can_subset=False,
    required_resource_keys={LOCK_RESOURCE_KEY, SETTINGS_RESOURCE_KEY},
)
def ingest_raw_extracts(context: dg.AssetExecutionContext):
    """Load new or changed files from the raw drop folder into the warehouse."""
    settings = settings_of(context)
    report = retry_on_lock(ingest, settings, run_id=context.run.run_id[:12], logger=context.log)
    context.log.info(report.summary())
    by_table = report.rows_by_table()
    for spec in _specs():
        key = spec.key
        meta: dict[str, dg.MetadataValue | int | str] = {}
        if key.path[0] == "raw":
            meta["rows_loaded_this_run"] = by_table.get(key.path[1], 0)
        elif key.path[1] == "manifest":
            meta.update(
                {
                    "files_seen": len(report.outcomes),
                    "files_loaded": report.count("loaded"),
                    "files_unchanged": report.count("unchanged"),
                    "files_rejected": len(report.problems),
                    # not data files (.xls, .txt): listed in the summary, never a failure
                    "files_ignored": len(report.skipped),
                }
            )
        else:
            meta["rows_quarantined_this_run"] = report.rows_quarantined
        yield dg.MaterializeResult(asset_key=key, metadata=meta)
    if report.problems:
        lines = "\n".join(f"- {p.relpath}: {p.message}" for p in report.problems)
        raise dg.Failure(
            description=(
                f"{len(report.problems)} raw file(s) rejected; the other files were loaded, "
                f"but nothing downstream runs until these are fixed or removed:\n{lines}"
            ),
            metadata={"rejected_files": len(report.problems)},
        )
