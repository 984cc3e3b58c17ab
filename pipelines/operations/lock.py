"""One pipeline run at a time, across processes: an flock on ``<warehouse dir>/.pipeline.lock``.

Dagster's QueuedRunCoordinator (``max_concurrent_runs: 1``) only serialises runs that go
through the run queue (daemon: schedule, sensors, UI). ``python -m pipelines.run``,
``make run`` and the backfill execute the job in process and never see that queue, so
they take this lock as well::

    from pipelines.operations.lock import pipeline_lock

    with pipeline_lock(settings, timeout_s=300):
        ... run the job ...

A second caller waits up to ``timeout_s`` seconds (polling), then raises
``PipelineLockTimeout`` naming the holder (pid, host, start time, command). The kernel
releases an flock when its holder dies, even on SIGKILL: there is no stale lock to clean
up. The lock is re-entrant within one thread (the backfill holds it and then calls
``run_pipeline``, which takes it again); another thread or process waits.
"""

import errno
import fcntl
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from pipelines.config import Settings

LOCK_NAME = ".pipeline.lock"
POLL_S = 0.2

_local = threading.local()


class PipelineLockTimeout(RuntimeError):
    """Another pipeline run held the lock for longer than the caller was willing to wait."""


def lock_path(settings: Settings) -> Path:
    return settings.warehouse.parent / LOCK_NAME


def _held() -> dict[str, list]:
    if not hasattr(_local, "held"):
        _local.held = {}
    return _local.held


def holder_info(path: Path) -> str:
    """What the current holder wrote into the lock file (best effort, unlocked read)."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return "unknown holder"
    return text or "unknown holder"


def _describe_self() -> str:
    cmd = " ".join(sys.argv)[:200]
    return (
        f"pid={os.getpid()} host={socket.gethostname()} "
        f"since={datetime.now(UTC).isoformat(timespec='seconds')} cmd={cmd}"
    )


def pipeline_lock(
    settings: Settings,
    timeout_s: float = 300.0,
    on_wait: Callable[[str], None] | None = None,
) -> AbstractContextManager[Path]:
    """Hold the process-level pipeline lock; wait up to ``timeout_s`` s, then fail clearly.
    ``on_wait`` is called once, with a sentence naming the holder, if the lock is busy."""
    return file_lock(lock_path(settings), timeout_s, on_wait)


@contextmanager
def file_lock(
    path: Path, timeout_s: float = 300.0, on_wait: Callable[[str], None] | None = None
) -> Iterator[Path]:
    """``pipeline_lock`` on an explicit lock file path."""
    target = Path(path)
    key = str(target.resolve())
    held = _held()
    if key in held:  # re-entrant in this thread
        held[key][1] += 1
        try:
            yield target
        finally:
            held[key][1] -= 1
        return

    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_RDWR | os.O_CREAT, 0o600)
    fh: IO[str] = os.fdopen(fd, "r+", encoding="utf-8")
    deadline = time.monotonic() + max(0.0, timeout_s)
    try:
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
            if on_wait is not None:
                on_wait(
                    f"waiting up to {timeout_s:g} s for the pipeline lock {target}, held by "
                    f"another run ({holder_info(target)})"
                )
                on_wait = None
            if time.monotonic() >= deadline:
                raise PipelineLockTimeout(
                    f"another pipeline run is in progress ({holder_info(target)}); waited "
                    f"{timeout_s:g} s for the lock {target}. Wait for that run to finish "
                    "(Dagster UI or `ps`), then try again."
                )
            time.sleep(POLL_S)
    except BaseException:
        fh.close()
        raise
    try:
        fh.seek(0)
        fh.truncate()
        fh.write(_describe_self() + "\n")
        fh.flush()
        held[key] = [fh, 1]
        yield target
    finally:
        held.pop(key, None)
        try:
            fh.seek(0)
            fh.truncate()
            fh.flush()
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            fh.close()
