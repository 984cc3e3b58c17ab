"""Pause points for crash tests: ``MHP_TEST_PAUSE_AT=ingest|dbt|publish``.

A crash test starts ``python -m pipelines.run`` (or ``ingest``/``publish`` in a child
process) with ``MHP_TEST_PAUSE_AT`` naming one or more points (comma-separated). When the
code reaches ``pause_point(settings, name)`` for a named point it writes the marker file
``<warehouse dir>/.mhp-test-paused-<name>`` (holding its pid), logs a warning and sleeps
until the marker is deleted (then it carries on) or ``MAX_PAUSE_S`` passes. The test waits
for the marker, then SIGKILLs the process: a crash at a known, nasty moment.

Where the points are:

- ``ingest``: pipelines/ingest/load.py, inside the transaction of the first file loaded,
  after its rows, quarantine and manifest row are written and before COMMIT.
- ``publish``: pipelines/publish/publisher.py, after the temporary database and Parquet
  folder are built and verified, before the version folder is assembled and swapped in.
- ``dbt``: not called yet; the dbt asset (pipelines/assets/transform.py) may call
  ``pause_point(settings, "dbt")`` just before it starts ``dbt build``.

Unset (the default, and always in production), ``pause_point`` returns at once.
"""

import logging
import os
import time
from pathlib import Path

from pipelines.config import Settings

log = logging.getLogger(__name__)

MARKER_PREFIX = ".mhp-test-paused-"
MAX_PAUSE_S = 600.0
POLL_S = 0.05


def marker_path(settings: Settings, point: str) -> Path:
    return settings.warehouse.parent / f"{MARKER_PREFIX}{point}"


def requested(settings: Settings, point: str) -> bool:
    raw = getattr(settings, "test_pause_at", None) or ""
    return point in {p.strip() for p in raw.split(",") if p.strip()}


def pause_point(settings: Settings, point: str) -> None:
    """Pause here if the crash-test setting names ``point``; otherwise do nothing."""
    if not requested(settings, point):
        return
    marker = marker_path(settings, point)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(f"{os.getpid()}\n", encoding="utf-8")
    log.warning("MHP_TEST_PAUSE_AT: paused at %r (pid %d); delete %s to resume",
                point, os.getpid(), marker)
    deadline = time.monotonic() + MAX_PAUSE_S
    while marker.exists() and time.monotonic() < deadline:
        time.sleep(POLL_S)
