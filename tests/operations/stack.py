"""Start the real Dagster services (dagster-webserver, dagster-daemon) on the project's own
``workspace.yaml``, loopback only, with a temporary DAGSTER_HOME and data folders; talk to
the UI's GraphQL; stop everything cleanly.

Nothing here stands in for the project: the services load ``pipelines.definitions`` through
the same ``workspace.yaml`` that ``make dev`` and a production deployment use.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from pipelines.config import PROJECT_ROOT, load_settings
from pipelines.dagster_home import ensure_dagster_home

LOOPBACK = "127.0.0.1"
WORKSPACE = PROJECT_ROOT / "workspace.yaml"
LOCATION = "pipelines.definitions"  # a python_module location is named after its module
REPOSITORY = "__repository__"
BIN = Path(sys.executable).parent


def stack_env(root: Path, **extra: str) -> dict[str, str]:
    """The environment of every process of the stack: temporary folders, no telemetry."""
    env = {
        **os.environ,
        "MHP_RAW_DIR": str(root / "raw"),
        "MHP_WAREHOUSE": str(root / "warehouse" / "warehouse.duckdb"),
        "MHP_PUBLISH_DIR": str(root / "published"),
        "MHP_DBT_TARGET_PATH": str(root / "dbt_target"),
        "DAGSTER_HOME": str(root / "dagster_home"),
        "DAGSTER_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    env.update(extra)
    return env


def reset_signals() -> None:
    # a background shell may have set SIGINT/SIGTERM to SIG_IGN, and exec keeps that
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def stop(proc: subprocess.Popen) -> list[psutil.Process]:
    """SIGTERM the whole process group, SIGKILL what is left; return survivors (none)."""
    try:
        family = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        family = []
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    _, alive = psutil.wait_procs(family, timeout=30)
    if alive:
        for p in alive:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        _, alive = psutil.wait_procs(alive, timeout=5)
    proc.wait(timeout=5)
    return alive


def wait_for(what: str, probe: Callable[[], Any], timeout_s: float, every_s: float = 0.5) -> Any:
    """Poll ``probe`` until it returns something truthy; fail naming ``what``."""
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(every_s)
    raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what} (last: {last!r})")


@dataclass
class Stack:
    root: Path
    env: dict[str, str]
    port: int
    logs: Path
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def settings(self):
        return load_settings(self.env)

    def start(self, name: str, argv: list[str]) -> None:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        self.procs[name] = subprocess.Popen(
            argv, cwd=self.root, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=reset_signals,
        )
        log.close()

    def log_tail(self, name: str, chars: int = 4000) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def assert_alive(self) -> None:
        for name, proc in self.procs.items():
            assert proc.poll() is None, f"{name} exited early:\n{self.log_tail(name)}"

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        req = urllib.request.Request(
            f"{self.url}/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            body = json.loads(resp.read())
        assert "errors" not in body, body
        return body["data"]

    def stop_all(self) -> list[psutil.Process]:
        survivors: list[psutil.Process] = []
        for proc in self.procs.values():
            survivors += stop(proc)
        return survivors


def start_stack(root: Path, port: int, **extra_env: str) -> Stack:
    """dagster-webserver and dagster-daemon on the real workspace.yaml, as production runs
    them (docs/operations.md), with the project's dagster.yaml (QueuedRunCoordinator)."""
    env = stack_env(root, **extra_env)
    stack = Stack(root=root, env=env, port=port, logs=root / "logs")
    stack.logs.mkdir(parents=True, exist_ok=True)
    ensure_dagster_home(stack.settings)  # what `make dev` and `make run` write
    workspace = ["-w", str(WORKSPACE)]
    stack.start("webserver", [str(BIN / "dagster-webserver"), *workspace,
                              "-h", LOOPBACK, "-p", str(port)])
    stack.start("daemon", [str(BIN / "dagster-daemon"), "run", *workspace])
    return stack


# ------------------------------------------------------------------ GraphQL documents
WORKSPACE_Q = """{ workspaceOrError { __typename ... on Workspace { locationEntries {
    name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }"""

REPO_Q = """query($s: RepositorySelector!) { repositoryOrError(repositorySelector: $s) {
  __typename ... on Repository {
    jobs { name }
    schedules { name cronSchedule executionTimezone scheduleState { status } }
    sensors { name sensorState { status } }
    assetNodes { assetKey { path } groupName requiredResources { resourceKey }
      assetChecksOrError { __typename ... on AssetChecks { checks { name blocking } } } } } } }"""

LAUNCH_M = """mutation($p: ExecutionParams!) { launchRun(executionParams: $p) {
    __typename ... on LaunchRunSuccess { run { runId status } }
    ... on PythonError { message } ... on Error { message } } }"""

RUNS_Q = """query($f: RunsFilter) { runsOrError(filter: $f) { __typename ... on Runs {
    results { runId status jobName tags { key value } } } } }"""

RUN_Q = """query($id: ID!) { runOrError(runId: $id) { __typename ... on Run {
    runId status startTime endTime tags { key value }
    stepStats { stepKey status startTime endTime } } } }"""

LOGS_Q = """query($id: ID!) { logsForRun(runId: $id, limit: 5000) { __typename
    ... on EventConnection { events { __typename
      ... on MessageEvent { message level stepKey timestamp } } } } }"""


def selector() -> dict[str, str]:
    return {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY}


def wait_until_loaded(stack: Stack, timeout_s: float) -> None:
    """The webserver answers and the code location (the real definitions) has loaded."""

    def loaded() -> bool:
        stack.assert_alive()
        try:
            entries = stack.graphql(WORKSPACE_Q)["workspaceOrError"]["locationEntries"]
        except OSError:
            return False
        entry = next((e for e in entries if e["name"] == LOCATION), None)
        if entry is None or entry["loadStatus"] != "LOADED":
            return False
        error = entry["locationOrLoadError"]
        assert error["__typename"] == "RepositoryLocation", error
        return True

    wait_for("the webserver to load workspace.yaml", loaded, timeout_s)


def run_info(stack: Stack, run_id: str) -> dict:
    return stack.graphql(RUN_Q, {"id": run_id})["runOrError"]


def run_messages(stack: Stack, run_id: str) -> list[dict]:
    events = stack.graphql(LOGS_Q, {"id": run_id})["logsForRun"]["events"]
    return [e for e in events if e.get("message")]


def runs_tagged(stack: Stack, key: str, value: str) -> list[dict]:
    flt = {"tags": [{"key": key, "value": value}]}
    return stack.graphql(RUNS_Q, {"f": flt})["runsOrError"]["results"]


def wait_for_run_end(stack: Stack, run_id: str, timeout_s: float) -> dict:
    def ended() -> dict | None:
        stack.assert_alive()
        info = run_info(stack, run_id)
        return info if info["status"] in {"SUCCESS", "FAILURE", "CANCELED"} else None

    return wait_for(f"run {run_id} to end", ended, timeout_s, every_s=1.0)
