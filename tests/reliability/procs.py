"""Child processes for the crash and concurrency tests, and how to wait for them."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

from pipelines.config import PROJECT_ROOT, Settings

from .pausing import VARIABLE as PAUSE_VARIABLE
from .pausing import marker_path


def child_env(settings: Settings, **extra: str) -> dict[str, str]:
    # nothing of the test process's own pipeline settings (nor the dbt paths an in-process
    # run exported) leaks into the child
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MHP_", "DBT_TARGET_PATH", "DBT_LOG_PATH"))}
    env.update({
        "MHP_RAW_DIR": str(settings.raw_dir),
        "MHP_WAREHOUSE": str(settings.warehouse),
        "MHP_PUBLISH_DIR": str(settings.publish_dir),
        "DAGSTER_HOME": str(settings.dagster_home),
        "PYTHONUNBUFFERED": "1",
    })
    if settings.dbt_target_path is not None:
        env["MHP_DBT_TARGET_PATH"] = str(settings.dbt_target_path)
    if settings.pseudonym_key:
        env["MHP_PSEUDONYM_KEY"] = settings.pseudonym_key
    env.update(extra)
    return env


def start(args: list[str], env: dict[str, str], log_to: Path,
          python: bool = True) -> subprocess.Popen:
    """Start ``python <args>`` (or ``<args>``) in its own process group, output to ``log_to``.
    A Python child whose environment names pause points (MHP_TEST_PAUSE_AT) runs through
    tests/reliability/pausing.py, which installs them."""
    log_to.parent.mkdir(parents=True, exist_ok=True)
    fh = open(log_to, "ab")  # noqa: SIM115 - closed with the process (see finish)
    if python and env.get(PAUSE_VARIABLE):
        args = ["-m", "tests.reliability.pausing", *args]
    cmd = [sys.executable, *args] if python else args
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=fh,
                            stderr=subprocess.STDOUT, start_new_session=True)
    proc._log_handle = fh  # type: ignore[attr-defined]
    return proc


def python_code(code: str, env: dict[str, str], log_to: Path) -> subprocess.Popen:
    return start(["-c", textwrap.dedent(code)], env, log_to)


def finish(proc: subprocess.Popen, timeout: float) -> int:
    try:
        return proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            kill_group(proc)
        proc._log_handle.close()  # type: ignore[attr-defined]


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the child and everything it started (dbt), like a crashed container."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def wait_for(what: str, ready: Callable[[], bool], proc: subprocess.Popen | None,
             timeout: float, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if proc is not None and proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log else ""
            raise AssertionError(f"child exited ({proc.returncode}) before {what}:\n{tail}")
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log else ""
            raise AssertionError(f"timed out waiting for {what}:\n{tail}")
        time.sleep(0.05)


def wait_paused(settings: Settings, point: str, proc: subprocess.Popen, timeout: float,
                log: Path | None = None) -> Path:
    marker = marker_path(settings, point)
    wait_for(f"the {point!r} pause point", marker.exists, proc, timeout, log)
    return marker


INGEST_CHILD = """
    import json, sys
    from pipelines.config import load_settings
    from pipelines.ingest.load import ingest
    report = ingest(load_settings(), lock_wait_s=float(sys.argv[1]))
    print("REPORT " + json.dumps({o.relpath: o.status for o in report.outcomes}), flush=True)
"""


def start_ingest(settings: Settings, log_to: Path, lock_wait_s: float = 120.0,
                 **extra: str) -> subprocess.Popen:
    return start(["-c", textwrap.dedent(INGEST_CHILD), str(lock_wait_s)],
                 child_env(settings, **extra), log_to)
