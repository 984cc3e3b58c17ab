"""The crash tests' pause points: ``python -m tests.reliability.pausing -m <module> ...`` or
``... -c <code> ...`` runs the module or code like ``python`` would, with a hook installed
at the production pause points (pipelines/ingest/testhooks.py) named by
``MHP_TEST_PAUSE_AT`` (comma-separated; read here, by the test launcher, never by the
pipeline). procs.start uses it when a child's environment names pause points.

At a named point the hook writes the marker file ``<warehouse dir>/.mhp-test-paused-<name>``
(holding its pid), logs a warning and sleeps until the marker is deleted (then it carries
on) or ``MAX_PAUSE_S`` passes. The test waits for the marker, then SIGKILLs the process.
"""

import logging
import os
import runpy
import sys
import time
from pathlib import Path

from pipelines.config import Settings
from pipelines.ingest import testhooks

log = logging.getLogger(__name__)

VARIABLE = "MHP_TEST_PAUSE_AT"
MARKER_PREFIX = ".mhp-test-paused-"
MAX_PAUSE_S = 600.0
POLL_S = 0.05


def marker_path(settings: Settings, point: str) -> Path:
    return settings.warehouse.parent / f"{MARKER_PREFIX}{point}"


def points(raw: str) -> set[str]:
    return {p.strip() for p in raw.split(",") if p.strip()}


def pause_at(names: set[str]) -> testhooks.Hook:
    def hook(settings: Settings, point: str) -> None:
        if point not in names:
            return
        marker = marker_path(settings, point)
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(f"{os.getpid()}\n", encoding="utf-8")
        log.warning("%s: paused at %r (pid %d); delete %s to resume",
                    VARIABLE, point, os.getpid(), marker)
        deadline = time.monotonic() + MAX_PAUSE_S
        while marker.exists() and time.monotonic() < deadline:
            time.sleep(POLL_S)
    return hook


def main(argv: list[str]) -> None:
    testhooks.install(pause_at(points(os.environ.get(VARIABLE, ""))))
    flag, target, *rest = argv
    if flag == "-m":
        sys.argv = [target, *rest]
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    elif flag == "-c":
        sys.argv = ["-c", *rest]
        exec(compile(target, "<string>", "exec"), {"__name__": "__main__"})  # noqa: S102
    else:
        raise SystemExit("usage: python -m tests.reliability.pausing -m MODULE | -c CODE ...")


if __name__ == "__main__":
    main(sys.argv[1:])
