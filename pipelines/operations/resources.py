"""``pipeline_lock`` as a Dagster resource, held by every run of the pipeline job.

Runs launched by the dagster-daemon (schedule, sensors, backfills) or from the UI run in
their own process; ``make run`` and the backfill command execute the job in process. All
of them take the same flock because pipelines.definitions registers this resource under
``LOCK_RESOURCE_KEY`` and every asset (and the quality gates) requires it::

    resources={LOCK_RESOURCE_KEY: pipeline_lock_resource(SETTINGS)}
    @dg.asset(..., required_resource_keys={LOCK_RESOURCE_KEY})

With the in-process executor Dagster sets resources up once per run (for every key any
step of the plan requires) and tears them down at the end, so the lock is held for the
whole run, whatever subset of assets the run selects. (With the multiprocess executor it
would be set up per step and only serialise steps; the job pins the in-process executor.)
The lock is re-entrant in one thread, so ``run_pipeline`` holding it already and then
executing the job in process is fine.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from pipelines.config import Settings
from pipelines.operations.lock import file_lock, lock_path
from pipelines.operations.settings import DEFAULT_LOCK_TIMEOUT_S

LOCK_RESOURCE_KEY = "pipeline_lock"


class PipelineLockResource(dg.ConfigurableResource):
    """Holds ``<warehouse dir>/.pipeline.lock`` while the run executes."""

    lock_file: str
    timeout_s: float = DEFAULT_LOCK_TIMEOUT_S

    @contextmanager
    def yield_for_execution(
        self, context: dg.InitResourceContext
    ) -> Iterator["PipelineLockResource"]:
        path = Path(self.lock_file)
        log = context.log
        with file_lock(path, self.timeout_s, on_wait=log.warning if log is not None else None):
            if log is not None:
                log.info(f"holding the pipeline lock {path} for this run")
            yield self


def pipeline_lock_resource(
    settings: Settings, timeout_s: float = DEFAULT_LOCK_TIMEOUT_S
) -> PipelineLockResource:
    return PipelineLockResource(lock_file=str(lock_path(settings)), timeout_s=timeout_s)
