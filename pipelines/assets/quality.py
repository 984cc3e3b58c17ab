"""Quality gates as blocking Dagster asset checks, in one step after the dbt step.

One ``@multi_asset_check`` runs the GX suites of ``expectations/`` (see
pipelines/quality) and reports one check per layer:

- ``ingest_gate``  on ``marts/mart_metric_values``           (expectations/ingest.yml)
- ``staging_gate`` on ``staging/stg_mhsds__hosp_prov_spell``  (expectations/staging.yml)
- ``marts_gate``   on ``marts/mart_metric_values``            (expectations/marts.yml)

Every check is blocking: a failed expectation of severity ``error`` yields
``AssetCheckResult(passed=False, severity=ERROR)`` and Dagster skips the assets
downstream of the checked asset that run in later steps (publishing). Failed warnings
yield ``severity=WARN`` and never block. The checks run in their own step, so the gate
stands between the dbt step and the publish step (a check inside the dbt step could not
stop dbt's own downstream models; see the stack notes).

Add ``quality_checks`` to the Definitions' ``asset_checks``.
"""

import dagster as dg

from pipelines.operations.resources import LOCK_RESOURCE_KEY
from pipelines.quality import GateResult, gate_summary, run_gates
from pipelines.settings_resource import SETTINGS_RESOURCE_KEY, settings_of

__all__ = ["GATE_CHECKS", "gate_summary", "quality_checks", "quality_gates"]

OWNERS = ["team:data-engineering"]

# layer -> (check name, asset key the check is attached to). dagster-dbt's default key of
# a model is its name *prefixed with the schema configured on the model*
# (dagster_dbt.asset_utils.default_asset_key_fn); dbt_project.yml sets +schema: staging and
# marts, so the keys are staging/<model> and marts/<model>. tests/quality checks these
# against the dbt assets whenever the dbt manifest exists.
GATE_CHECKS: dict[str, tuple[str, dg.AssetKey]] = {
    # attached to the marts (not meta/manifest) so that every gate check sits downstream
    # of the dbt step: a blocking check upstream of dbt makes Dagster split both the check
    # op and the dbt op into two steps, and the seed-only dbt step would run before ingest
    "ingest": ("ingest_gate", dg.AssetKey(["marts", "mart_metric_values"])),
    "staging": ("staging_gate", dg.AssetKey(["staging", "stg_mhsds__hosp_prov_spell"])),
    "marts": ("marts_gate", dg.AssetKey(["marts", "mart_metric_values"])),
}

_DESCRIPTIONS = {
    "ingest": "No file in the raw drop folder is rejected or stale (expectations/ingest.yml).",
    "staging": "Completeness and validity shares and quarantine share of the staging "
    "models, and the dbt tests generated from the raw contract (keys, codes, not-null, "
    "date order, stays inside spells) (expectations/staging.yml).",
    "marts": "Plausible ranges, catalogue coverage, change against the last published run, "
    "reconciliation and the dbt tests of the marts (expectations/marts.yml).",
}

SPECS = [
    dg.AssetCheckSpec(name, asset=key, blocking=True, description=_DESCRIPTIONS[layer])
    for layer, (name, key) in GATE_CHECKS.items()
]


def check_result(layer: str, result: GateResult) -> dg.AssetCheckResult:
    """The AssetCheckResult of one gate layer: ERROR if an error failed, WARN otherwise."""
    name, key = GATE_CHECKS[layer]
    failed = [
        {"expectation": o.id, "severity": o.severity, "status": o.status, "details": o.details}
        for o in result.errors + result.warnings
    ]
    metadata: dict[str, dg.MetadataValue] = {
        "summary": dg.MetadataValue.md("```\n" + result.summary + "\n```"),
        "failed_expectations": dg.MetadataValue.json(failed),
        "expectations": dg.MetadataValue.int(len(result.outcomes)),
        "errors": dg.MetadataValue.int(len(result.errors)),
        "warnings": dg.MetadataValue.int(len(result.warnings)),
        "duration_s": dg.MetadataValue.float(round(result.duration_s, 3)),
    }
    if result.data_docs is not None:
        metadata["data_docs"] = dg.MetadataValue.path(str(result.data_docs))
        metadata["data_docs_url"] = dg.MetadataValue.url(result.data_docs.as_uri())
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=name,
        passed=not result.failed,
        severity=(dg.AssetCheckSeverity.ERROR if result.errors else dg.AssetCheckSeverity.WARN),
        metadata=metadata,
        description=result.summary.splitlines()[0],
    )


@dg.multi_asset_check(
    specs=SPECS,
    name="quality_gates",
    can_subset=True,
    compute_kind="great_expectations",
    required_resource_keys={LOCK_RESOURCE_KEY, SETTINGS_RESOURCE_KEY},
    description="Great Expectations quality gates between the dbt build and publishing.",
)
def quality_gates(context: dg.AssetCheckExecutionContext):
    selected = context.selected_asset_check_keys
    layers = [
        layer
        for layer, (name, key) in GATE_CHECKS.items()
        if dg.AssetCheckKey(key, name) in selected
    ]
    results = run_gates(settings_of(context), layers)
    for layer in layers:
        result = results[layer]
        # the one report of the gate's result (run_gates itself logs it at DEBUG only)
        text = f"{result.summary} ({result.duration_s:.2f} s)"
        if result.failed:
            log = context.log.error if result.errors else context.log.warning
            log(text)
        else:
            context.log.info(text)
        yield check_result(layer, result)


quality_checks = [quality_gates]
