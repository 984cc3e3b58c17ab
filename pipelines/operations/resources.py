"""``pipeline_lock`` as a Dagster resource, for runs launched by the daemon or the UI.

``run_pipeline`` takes ``pipeline_lock`` around ``execute_in_process``; runs launched by
the dagster-daemon (schedule, sensors) or from the UI run in their own process and only
queue behind each other (QueuedRunCoordinator, max_concurrent_runs 1). To make them take
the same flock, so that ``make run`` or a backfill waits for a scheduled run and the other
way round, register this resource and require it from the first asset of the job::

    resources={"pipeline_lock": pipeline_lock_resource(SETTINGS)}
    @dg.multi_asset(..., required_resource_keys={"pipeline_lock"})   # ingest_raw_extracts

With the in-process executor Dagster sets a resource up once per run and tears it down
at the end, so the lock is held for the whole run. (With the multiprocess executor it
would be set up per step and only serialise steps.) The lock is re-entrant in one thread,
so ``run_pipeline`` holding it already and then executing the job in process is fine.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from pipelines.config import Settings
from pipelines.operations.lock import file_lock, lock_path
from pipelines.operations.settings import DEFAULT_LOCK_TIMEOUT_S


class PipelineLockResource(dg.ConfigurableResource):
    """Holds ``<warehouse dir>/.pipeline.lock`` while the run executes."""

    lock_file: str
    timeout_s: float = DEFAULT_LOCK_TIMEOUT_S

    @contextmanager
    def yield_for_execution(
        self, context: dg.InitResourceContext
    ) -> Iterator["PipelineLockResource"]:
        path = Path(self.lock_file)
        if context.log is not None:
            context.log.info(f"taking the pipeline lock {path} (waits up to {self.timeout_s:g} s)")
        with file_lock(path, timeout_s=self.timeout_s):
            yield self


def pipeline_lock_resource(
    settings: Settings, timeout_s: float = DEFAULT_LOCK_TIMEOUT_S
) -> PipelineLockResource:
    return PipelineLockResource(lock_file=str(lock_path(settings)), timeout_s=timeout_s)
