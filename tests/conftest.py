"""Shared fixtures: a small generated data set run once per session through
the real pipeline (Dagster job: ingest, dbt, gates, publish, dashboard), started the way a
user starts it: ``python -m pipelines.run``."""

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.config import PROJECT_ROOT, Settings, load_settings

# make test spreads the suite over two workers; this hook keeps tests that share a session
# fixture on one worker (tests/plugins/xdist_groups.py)
from tests.plugins.xdist_groups import pytest_collection_modifyitems  # noqa: F401

E2E_PROVIDERS = 2
E2E_PEOPLE = 400
E2E_MONTHS = 6
# test-artifacts/ (git-ignored) keeps what the tests produce for a person to read
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
RUN_OUTPUT = ARTIFACTS / "make_run_output.log"
RUN_TIMEOUT_S = 1800


@dataclass
class PipelineRun:
    settings: Settings
    env: dict[str, str]
    success: bool
    # everything `python -m pipelines.run` printed, stdout and stderr as one stream (also
    # in test-artifacts/make_run_output.log)
    output: str = ""


def e2e_env(root: Path) -> dict[str, str]:
    return {
        "MHP_RAW_DIR": str(root / "raw"),
        "MHP_WAREHOUSE": str(root / "warehouse" / "warehouse.duckdb"),
        "MHP_PUBLISH_DIR": str(root / "published"),
        "MHP_DBT_TARGET_PATH": str(root / "dbt_target"),
        "DAGSTER_HOME": str(root / "dagster_home"),
    }


def run_user_command(env: dict[str, str], output: Path) -> subprocess.CompletedProcess:
    """``python -m pipelines.run --no-demo`` (what ``make run`` runs) in a child process,
    its stdout and stderr together in ``output``."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "w", encoding="utf-8") as out:
        return subprocess.run(
            [sys.executable, "-m", "pipelines.run", "--no-demo"],
            cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            timeout=RUN_TIMEOUT_S, check=False,
        )


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PipelineRun]:
    """Generate demo data and run the whole pipeline once for the session, as the user
    command in a child process; the session's environment points at the same folders, for
    tests that run the pipeline again in process."""
    from pipelines.synthetic import GeneratorConfig, generate

    root = tmp_path_factory.mktemp("e2e")
    env = e2e_env(root)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        settings = load_settings()
        generate(GeneratorConfig(out=settings.raw_dir, providers=E2E_PROVIDERS,
                                 people=E2E_PEOPLE, months=E2E_MONTHS, seed=7))
        proc = run_user_command(dict(os.environ), RUN_OUTPUT)
        output = RUN_OUTPUT.read_text(encoding="utf-8", errors="replace")
        yield PipelineRun(settings, env, proc.returncode == 0, output)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
