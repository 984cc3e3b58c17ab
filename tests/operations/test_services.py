"""The pipeline as it is deployed: dagster-webserver and dagster-daemon on the project's own
``workspace.yaml`` (what ``make dev`` and docs/operations.md run), loopback only, with a
temporary DAGSTER_HOME and data folders and a tiny generated submission.

- the code location loads; the UI lists the job, the asset graph with its blocking gates,
  the ``nightly`` schedule (running) and the sensors;
- the raw-file sensor sees a new submission and launches the job, which succeeds and
  publishes; a ``make run`` started meanwhile waits for the pipeline lock (and, with a short
  timeout, gives up naming the holder without writing anything);
- a run launched through the UI's GraphQL waits while another process holds the pipeline
  lock, then runs the job to a new publication;
- headless Chromium screenshots of the real UI (asset graph, schedule) are kept in
  test-artifacts/operations/.

``dagster definitions validate -w workspace.yaml`` is tested on its own in
test_definitions_validate.py.
"""

import json
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pipelines.config import PROJECT_ROOT
from pipelines.operations.lock import lock_path
from pipelines.operations.resources import LOCK_RESOURCE_KEY
from pipelines.synthetic import GeneratorConfig, generate
from tests.operations.conftest import free_port
from tests.operations.stack import (
    LAUNCH_M,
    LOCATION,
    REPO_Q,
    Stack,
    run_info,
    run_messages,
    runs_tagged,
    selector,
    start_stack,
    wait_for,
    wait_for_run_end,
    wait_until_loaded,
)

pytestmark = pytest.mark.e2e

STARTUP_S = 180
RUN_S = 420
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "operations"
CHROMIUM = Path("/usr/bin/chromium")
SENSOR_INTERVAL_S = 3


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("services")
    (root / "raw").mkdir()
    running = start_stack(
        root,
        free_port(),
        MHP_RAW_SETTLE_SECONDS="0",
        MHP_RAW_SENSOR_INTERVAL=str(SENSOR_INTERVAL_S),
    )
    try:
        wait_until_loaded(running, STARTUP_S)
        yield running
    finally:
        survivors = running.stop_all()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for name in running.procs:  # keep the service logs beside the screenshots
            shutil.copyfile(running.logs / f"{name}.log", ARTIFACTS / f"{name}.log")
        assert not survivors, f"processes left running: {survivors}"


def _repository(stack: Stack) -> dict:
    repo = stack.graphql(REPO_Q, {"s": selector()})["repositoryOrError"]
    assert repo["__typename"] == "Repository", repo
    return repo


def _sensor_cursor(stack: Stack) -> str | None:
    q = """query($s: SensorSelector!) { sensorOrError(sensorSelector: $s) { __typename
        ... on Sensor { sensorState { typeSpecificData {
            ... on SensorData { lastCursor } } } } } }"""
    sel = {**selector(), "sensorName": "raw_files_sensor"}
    sensor = stack.graphql(q, {"s": sel})["sensorOrError"]
    return (sensor["sensorState"]["typeSpecificData"] or {}).get("lastCursor")


def _published_runs(stack: Stack) -> list[str]:
    path = stack.settings.publish_dir / "marts.duckdb"
    if not path.exists():
        return []
    con = duckdb.connect(str(path), read_only=True)
    try:
        return [r[0] for r in con.execute("select run_id from publish_log").fetchall()]
    finally:
        con.close()


def _write_submission(stack: Stack) -> None:
    """A provider's tiny monthly submission lands in the raw drop folder."""
    generate(GeneratorConfig(out=stack.settings.raw_dir, providers=1, people=60, months=2,
                             seed=11))


def test_ui_shows_the_real_graph_gates_schedule_and_sensors(stack: Stack) -> None:
    repo = _repository(stack)
    assert {j["name"] for j in repo["jobs"]} >= {"mh_pipeline", "published_marts_freshness_job"}
    schedules = {s["name"]: s for s in repo["schedules"]}
    assert schedules["nightly"]["cronSchedule"] == "0 2 * * *"
    assert schedules["nightly"]["executionTimezone"] == "Europe/London"
    assert schedules["nightly"]["scheduleState"]["status"] == "RUNNING"
    assert "published_marts_freshness_schedule" in schedules
    sensors = {s["name"]: s["sensorState"]["status"] for s in repo["sensors"]}
    assert sensors == {
        "raw_files_sensor": "RUNNING",
        "pipeline_failure_alert": "RUNNING",
        "pipeline_success_status": "RUNNING",
    }

    nodes = {"/".join(n["assetKey"]["path"]): n for n in repo["assetNodes"]}
    # the whole graph: raw tables, dbt staging to marts, publish, docs, dashboard
    for key in ("raw/mhs501_hosp_prov_spell", "meta/manifest", "staging/stg_mhsds__hosp_prov_spell",
                "marts/mart_metric_values", "published/marts", "published/dashboard",
                "published/dbt_docs"):
        assert key in nodes, f"{key} missing from the asset graph ({len(nodes)} nodes)"
    assert len(nodes) > 60
    gates = {
        c["name"]: c["blocking"]
        for n in nodes.values()
        if n["assetChecksOrError"]["__typename"] == "AssetChecks"
        for c in n["assetChecksOrError"]["checks"]
    }
    assert gates["ingest_gate"] and gates["staging_gate"] and gates["marts_gate"]
    # every run of the job holds the pipeline lock: every step requires the resource
    for key in ("meta/manifest", "marts/mart_metric_values", "published/marts",
                "published/dashboard", "published/dbt_docs"):
        required = {r["resourceKey"] for r in nodes[key]["requiredResources"]}
        assert LOCK_RESOURCE_KEY in required, (key, required)


def test_sensor_run_publishes_while_a_second_trigger_waits_for_the_lock(stack: Stack) -> None:
    # the sensor's first evaluation sets its baseline (the empty folder): wait for it, so
    # the submission below is a change it must act on
    wait_for("the raw-file sensor's first evaluation", lambda: _sensor_cursor(stack), 60)
    _write_submission(stack)

    def sensor_run() -> dict | None:
        stack.assert_alive()
        runs = runs_tagged(stack, "mhp/trigger", "raw_files_sensor")
        return runs[0] if runs else None

    run = wait_for("the raw-file sensor to launch a run", sensor_run, 90)
    assert run["jobName"] == "mh_pipeline"
    lock = lock_path(stack.settings)

    def holder() -> str:
        return lock.read_text().strip() if lock.exists() else ""

    wait_for("the sensor's run to take the pipeline lock", holder, RUN_S)
    assert "dagster" in holder(), holder()  # held by the run's own process

    # `make run` while the scheduled/sensor run is in progress: waits for the lock; with a
    # 3 s limit it gives up, names the holder and leaves no run and no publication behind
    started = time.monotonic()
    second = subprocess.run(
        [sys.executable, "-m", "pipelines.run", "--no-demo"],
        cwd=PROJECT_ROOT, env={**stack.env, "MHP_PIPELINE_LOCK_TIMEOUT": "3"},
        capture_output=True, text=True, timeout=300,
    )
    out = second.stdout + second.stderr
    assert second.returncode == 3, out
    assert "another pipeline run is in progress" in out and "waited 3 s" in out, out
    assert "waiting up to 3 s for the pipeline lock" in out, out
    assert time.monotonic() - started >= 3

    info = wait_for_run_end(stack, run["runId"], RUN_S)
    assert info["status"] == "SUCCESS", "\n".join(
        m["message"] for m in run_messages(stack, run["runId"])[-30:])
    assert _published_runs(stack) == [run["runId"]]  # the waiting `make run` wrote nothing
    assert (stack.settings.publish_dir / "dashboard" / "index.html").exists()
    all_runs = stack.graphql("{ runsOrError { ... on Runs { results { runId } } } }")
    assert len(all_runs["runsOrError"]["results"]) == 1


def test_graphql_launch_waits_for_the_lock_then_publishes(stack: Stack) -> None:
    if not any(stack.settings.raw_dir.rglob("*.csv")):
        _write_submission(stack)
    # another process (a `make run`, a backfill) holds the pipeline lock
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from pipelines.config import load_settings
            from pipelines.operations.lock import pipeline_lock
            with pipeline_lock(load_settings({json.dumps(stack.env)}), timeout_s=0):
                print("holding", flush=True)
                sys.stdin.readline()
                released = time.time()
            print(released, flush=True)
            """)],
        cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        launched = stack.graphql(LAUNCH_M, {"p": {
            "selector": {**selector(), "jobName": "mh_pipeline"},
            "runConfigData": {},
            "executionMetadata": {"tags": [{"key": "mhp/trigger", "value": "ui"}]},
        }})["launchRun"]
        assert launched["__typename"] == "LaunchRunSuccess", launched
        run_id = launched["run"]["runId"]

        def waiting() -> bool:
            stack.assert_alive()
            return any("waiting up to" in m["message"] and "pipeline lock" in m["message"]
                       for m in run_messages(stack, run_id))

        wait_for("the UI-launched run to wait for the lock", waiting, RUN_S)
        assert run_info(stack, run_id)["status"] == "STARTED"
        assert _published_runs(stack) == [
            r["runId"] for r in runs_tagged(stack, "mhp/trigger", "raw_files_sensor")]
        holder.stdin.write("release\n")
        holder.stdin.flush()
        released = float(holder.stdout.readline())
    finally:
        holder.kill() if holder.poll() is None else None
        holder.wait(timeout=10)

    info = wait_for_run_end(stack, run_id, RUN_S)
    assert info["status"] == "SUCCESS", "\n".join(
        m["message"] for m in run_messages(stack, run_id)[-30:])
    steps = {s["stepKey"]: s for s in info["stepStats"]}
    assert steps["ingest_raw_extracts"]["startTime"] >= released - 0.5  # nothing ran early
    assert run_id in _published_runs(stack)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium not installed (make test installs it)")
def test_screenshots_of_the_real_ui(stack: Stack) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pages = {
        "dagster_ui_asset_graph.png": "/asset-groups",
        "dagster_ui_publish_group.png": f"/locations/{LOCATION}/asset-groups/publish",
        "dagster_ui_gates.png": "/assets/marts/mart_metric_values?view=checks",
        "dagster_ui_schedule.png": f"/locations/{LOCATION}/schedules/nightly",
        "dagster_ui_sensors.png": "/automation",
    }
    for name, path in pages.items():
        shot = ARTIFACTS / name
        shot.unlink(missing_ok=True)
        profile = stack.root / f"chromium-{shot.stem}"
        proc = subprocess.run(
            [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-quic", "--hide-scrollbars", f"--user-data-dir={profile}",
             "--window-size=1600,1000", "--virtual-time-budget=20000",
             f"--screenshot={shot}", f"{stack.url}{path}"],
            capture_output=True, text=True, timeout=120,
        )
        assert shot.exists() and shot.stat().st_size > 20_000, (name, proc.stderr[-2000:])
