"""The project's own ``workspace.yaml`` loads, as ``make dev`` and a deployment load it.

- ``dagster definitions validate -w workspace.yaml`` passes (what the before-stop check and
  a deployment pipeline run);
- ``dagster dev -w workspace.yaml`` (the command of ``make dev``) serves the UI with the
  code location loaded and every schedule and sensor present.

The webserver and daemon as production runs them are exercised in test_services.py.
"""

import subprocess
from pathlib import Path

import pytest

from pipelines.config import load_settings
from pipelines.dagster_home import ensure_dagster_home
from tests.operations.conftest import free_port
from tests.operations.stack import (
    BIN,
    REPO_Q,
    WORKSPACE,
    Stack,
    selector,
    stack_env,
    wait_until_loaded,
)

pytestmark = pytest.mark.e2e


def test_definitions_validate_passes_on_the_real_workspace(tmp_path: Path) -> None:
    env = stack_env(tmp_path)
    ensure_dagster_home(load_settings(env))
    proc = subprocess.run(
        [str(BIN / "dagster"), "definitions", "validate", "-w", str(WORKSPACE)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert "All code locations passed validation" in out, out[-4000:]


def test_dagster_dev_serves_the_real_definitions(tmp_path: Path) -> None:
    stack = Stack(root=tmp_path, env=stack_env(tmp_path), port=free_port(),
                  logs=tmp_path / "logs")
    stack.logs.mkdir()
    ensure_dagster_home(stack.settings)
    # the command line of `make dev` (Makefile), on a free loopback port
    stack.start("dagster_dev", [str(BIN / "dagster"), "dev", "-w", str(WORKSPACE),
                                "-h", "127.0.0.1", "-p", str(stack.port)])
    try:
        wait_until_loaded(stack, 180)
        repo = stack.graphql(REPO_Q, {"s": selector()})["repositoryOrError"]
        assert repo["__typename"] == "Repository", repo
        assert {s["name"] for s in repo["schedules"]} == {
            "nightly", "published_marts_freshness_schedule"}
        assert {s["name"] for s in repo["sensors"]} == {
            "raw_files_sensor", "pipeline_failure_alert", "pipeline_success_status"}
        assert "mh_pipeline" in {j["name"] for j in repo["jobs"]}
    finally:
        survivors = stack.stop_all()
    assert not survivors, f"processes left running: {survivors}"
    log = (stack.logs / "dagster_dev.log").read_text(errors="replace")
    assert "Cannot have more than one Definitions" not in log
