"""Retry with backoff on transient DuckDB file-lock conflicts, and only on those.

DuckDB allows one read-write process or many read-only processes per file. When a BI
tool, a notebook or another run holds the warehouse, opening it fails with::

    IO Error: Could not set lock on file "...warehouse.duckdb": Conflicting lock is held in ...

That is worth waiting for; a data error (bad cast, missing table, constraint) is not and
fails at once. Two helpers:

- ``retry_on_lock(fn, *args, attempts=5, base_delay=2.0, **kwargs)`` retries a call in
  the same process (use for whole, idempotent calls such as ``ingest(settings, ...)`` or
  ``publish(settings, ...)``: both open the warehouse first and hold it to the end).
- ``lock_retry_requested(exc, retry_number, ...)`` maps an exception to
  ``dg.RetryRequested`` (or ``None``), so Dagster retries the whole step after a delay:
  use for a streaming step such as the dbt build, which cannot be retried half-way::

      try:
          yield from dbt.cli(["build"], context=context).stream()
      except Exception as exc:
          retry = lock_retry_requested(exc, context.retry_number)
          if retry is not None:
              raise retry from exc
          raise

Both look through the exception chain (``__cause__``/``__context__``), so a lock error
wrapped by another exception (``PublishError``, dagster-dbt's
``DagsterDbtCliRuntimeError`` whose message carries dbt's error lines) still counts.
"""

import logging
import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # dagster is imported only when a RetryRequested is built
    import dagster as dg

log = logging.getLogger(__name__)

LOCK_ERROR_MARKERS = ("Could not set lock on file", "Conflicting lock")

T = TypeVar("T")


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and all(cur is not s for s in seen):
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen


def is_lock_error(exc: BaseException) -> bool:
    """True if ``exc`` (or an exception it was raised from) is a DuckDB file-lock conflict."""
    return any(m in str(e) for e in _chain(exc) for m in LOCK_ERROR_MARKERS)


def backoff_delay(
    attempt: int, base_delay: float, max_delay: float, factor: float = 2.0
) -> float:
    """Delay before retry number ``attempt`` (1-based): base * factor**(attempt-1), capped."""
    return min(max_delay, base_delay * factor ** max(0, attempt - 1))


def retry_on_lock(
    fn: Callable[..., T],
    *args: object,
    attempts: int = 5,
    base_delay: float = 2.0,
    max_delay: float = 60.0,
    jitter: float = 0.1,
    sleep: Callable[[float], None] = time.sleep,
    logger: logging.Logger | None = None,
    **kwargs: object,
) -> T:
    """Call ``fn(*args, **kwargs)``; on a DuckDB lock conflict wait and try again.

    Up to ``attempts`` calls in all, waiting base_delay, 2x, 4x ... (at most ``max_delay``,
    plus up to ``jitter`` x the delay at random so two waiting processes do not collide
    again). Any other exception, and the lock error of the last attempt, is raised as is.
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    out = logger or log
    for attempt in range(1, attempts + 1):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            if attempt >= attempts or not is_lock_error(exc):
                raise
            delay = backoff_delay(attempt, base_delay, max_delay)
            delay += delay * random.uniform(0, jitter)
            out.warning(
                "warehouse locked by another process (attempt %d/%d), retrying in %.1f s: %s",
                attempt, attempts, delay, str(exc).splitlines()[0][:300],
            )
            sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def lock_retry_requested(
    exc: BaseException,
    retry_number: int = 0,
    max_retries: int = 3,
    base_delay: float = 30.0,
    max_delay: float = 300.0,
) -> "dg.RetryRequested | None":
    """``dg.RetryRequested`` for a DuckDB lock conflict, ``None`` for anything else.

    ``retry_number`` is ``context.retry_number`` (0 on the first try); the wait doubles
    with every retry. Dagster fails the step once ``max_retries`` retries are used up.
    """
    if not is_lock_error(exc):
        return None
    import dagster as dg

    return dg.RetryRequested(
        max_retries=max_retries,
        seconds_to_wait=backoff_delay(retry_number + 1, base_delay, max_delay),
    )
