"""Running the pipeline in production: schedule, raw-folder sensor, run lock, retries on
DuckDB lock conflicts, failure alerts and status file, freshness check, backfill.

See docs/operations.md. Public API:

- ``operations_definitions(settings, ops) -> dg.Definitions`` (merge into the project's)
- ``operations_settings(env) -> OperationsSettings`` (MHP_SMTP_*, MHP_ALERT_*, ...)
- ``pipeline_lock(settings, timeout_s)``: process-level lock for in-process runs, and
  ``pipeline_lock_resource(settings)``, the same lock held by daemon/UI-launched runs
- ``retry_on_lock(fn, ...)`` / ``lock_retry_requested(exc, retry_number)``
- the factories behind the Definitions: ``nightly_schedule``, ``raw_files_sensor``,
  ``pipeline_failure_sensor``, ``pipeline_success_sensor``,
  ``published_marts_freshness_check``
- backfill: ``python -m pipelines.operations.backfill --from YYYY-MM --to YYYY-MM``
"""

import importlib
from typing import Any

# Exports are loaded lazily, so ``pipelines.operations.lock`` (used by pipelines.run and
# the backfill) does not import Dagster.
_EXPORTS = {
    "AlertDeliveryError": "alerts",
    "pipeline_failure_sensor": "alerts",
    "pipeline_success_sensor": "alerts",
    "read_status": "alerts",
    "operations_definitions": "definitions",
    "published_marts_freshness_check": "freshness",
    "PipelineLockTimeout": "lock",
    "pipeline_lock": "lock",
    "PipelineLockResource": "resources",
    "pipeline_lock_resource": "resources",
    "is_lock_error": "retry",
    "lock_retry_requested": "retry",
    "retry_on_lock": "retry",
    "nightly_schedule": "schedules",
    "raw_files_sensor": "sensors",
    "OperationsSettings": "settings",
    "operations_settings": "settings",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
