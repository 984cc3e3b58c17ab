"""The Dagster webserver, headless, on a loopback port: loads a tiny code location with the
operations definitions, launches a run through GraphQL and stops cleanly."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from pipelines.config import PROJECT_ROOT
from tests.operations.conftest import LOOPBACK, free_port

pytestmark = pytest.mark.e2e  # ~30-60 s: three Python processes import Dagster

LOCATION = "ops_smoke"
STARTUP_S = 90
RUN_S = 90

TINY_DEFS = """\
import dagster as dg

from pipelines.config import load_settings
from pipelines.operations import operations_definitions, operations_settings

SETTINGS = load_settings({env!r})


@dg.op
def say_hello(context) -> None:
    context.log.info("hello from the smoke job")


@dg.job(name="mh_pipeline", description="stand-in for the pipeline job")
def mh_pipeline():
    say_hello()


@dg.asset(key=["published", "marts"])
def published_marts() -> None:
    return None


defs = dg.Definitions.merge(
    dg.Definitions(assets=[published_marts], jobs=[mh_pipeline]),
    operations_definitions(SETTINGS, operations_settings({{}})),
)
"""


def _graphql(port: int, query: str, variables: dict | None = None) -> dict:
    req = urllib.request.Request(
        f"http://{LOOPBACK}:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        body = json.loads(resp.read())
    assert "errors" not in body, body
    return body["data"]


def _reset_signals() -> None:
    # a background shell may have set SIGINT/SIGTERM to SIG_IGN; exec keeps that
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _stop(proc: subprocess.Popen) -> list[psutil.Process]:
    """SIGTERM the whole process group, SIGKILL what is left; return survivors (none)."""
    try:
        family = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        family = []
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    _, alive = psutil.wait_procs(family, timeout=20)
    if alive:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, alive = psutil.wait_procs(alive, timeout=5)
    proc.wait(timeout=5)
    return alive


@pytest.fixture
def webserver(tmp_path: Path) -> Iterator[int]:
    home = tmp_path / "dagster_home"
    home.mkdir()
    # the default coordinator in Dagster 1.13 is the QueuedRunCoordinator, which needs a
    # daemon: launch runs directly instead
    (home / "dagster.yaml").write_text(textwrap.dedent("""\
        telemetry:
          enabled: false
        run_coordinator:
          module: dagster.core.run_coordinator
          class: DefaultRunCoordinator
        """))
    env_for_defs = {
        "MHP_RAW_DIR": str(tmp_path / "raw"),
        "MHP_WAREHOUSE": str(tmp_path / "warehouse" / "warehouse.duckdb"),
        "MHP_PUBLISH_DIR": str(tmp_path / "published"),
        "DAGSTER_HOME": str(home),
    }
    (tmp_path / "tiny_defs.py").write_text(TINY_DEFS.format(env=env_for_defs))
    (tmp_path / "workspace.yaml").write_text(textwrap.dedent(f"""\
        load_from:
          - python_file:
              relative_path: tiny_defs.py
              working_directory: {PROJECT_ROOT}
              location_name: {LOCATION}
        """))
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "DAGSTER_DISABLE_TELEMETRY": "true"}
    log = open(tmp_path / "webserver.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("dagster-webserver")), "-w",
         str(tmp_path / "workspace.yaml"), "-h", LOOPBACK, "-p", str(port)],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_reset_signals,
    )
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            assert proc.poll() is None, (tmp_path / "webserver.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"http://{LOOPBACK}:{port}/server_info", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "webserver did not start"
                time.sleep(0.5)
        yield port
    finally:
        survivors = _stop(proc)
        log.close()
        assert not survivors, f"processes left running: {survivors}"


WORKSPACE_Q = """{ workspaceOrError { __typename ... on Workspace { locationEntries {
    name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }"""

REPO_Q = """query($s: RepositorySelector!) { repositoryOrError(repositorySelector: $s) {
    __typename ... on Repository { schedules { name cronSchedule executionTimezone }
                                   sensors { name } } } }"""

LAUNCH_M = """mutation($p: ExecutionParams!) { launchRun(executionParams: $p) {
    __typename ... on LaunchRunSuccess { run { runId status } } ... on Error { message } } }"""

RUN_Q = """query($id: ID!) { runOrError(runId: $id) { __typename ... on Run { status } } }"""


def test_webserver_launches_a_run_through_graphql(webserver: int) -> None:
    port = webserver
    deadline = time.monotonic() + STARTUP_S
    while True:  # the code location loads in its own process after the server is up
        entries = _graphql(port, WORKSPACE_Q)["workspaceOrError"]["locationEntries"]
        entry = next(e for e in entries if e["name"] == LOCATION)
        if entry["loadStatus"] == "LOADED":
            break
        assert time.monotonic() < deadline, entry
        time.sleep(0.5)
    assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation", entry

    selector = {"repositoryLocationName": LOCATION, "repositoryName": "__repository__"}
    repo = _graphql(port, REPO_Q, {"s": selector})["repositoryOrError"]
    assert repo["__typename"] == "Repository"
    schedules = {s["name"]: s for s in repo["schedules"]}
    assert schedules["nightly"]["cronSchedule"] == "0 2 * * *"
    assert schedules["nightly"]["executionTimezone"] == "Europe/London"
    assert "published_marts_freshness_schedule" in schedules
    assert {s["name"] for s in repo["sensors"]} >= {
        "raw_files_sensor", "pipeline_failure_alert", "pipeline_success_status"}

    launched = _graphql(port, LAUNCH_M, {"p": {
        "selector": {**selector, "jobName": "mh_pipeline"},
        "runConfigData": {},
        "executionMetadata": {"tags": [{"key": "mhp/trigger", "value": "test"}]},
    }})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]

    deadline = time.monotonic() + RUN_S
    status = None
    while time.monotonic() < deadline:
        status = _graphql(port, RUN_Q, {"id": run_id})["runOrError"]["status"]
        if status in {"SUCCESS", "FAILURE", "CANCELED"}:
            break
        time.sleep(0.5)
    assert status == "SUCCESS"
