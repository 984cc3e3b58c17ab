"""Fixtures for the analyst-surface tests: the demo publication of the session run.

``analyst_settings`` is the settings of the session ``pipeline_run`` (the whole
pipeline on generated data). To iterate on these tests without re-running the
pipeline, set ``MHP_ANALYST_TEST_ROOT`` to the root folder of an earlier run laid out
like tests/conftest.py's ``e2e_env`` (raw/, warehouse/warehouse.duckdb, published/).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.config import Settings, load_settings
from tests.conftest import e2e_env


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow_install: installs a package into a throwaway venv (skipped if it fails)"
    )


@pytest.fixture(scope="session")
def analyst_settings(request: pytest.FixtureRequest) -> Settings:
    root = os.environ.get("MHP_ANALYST_TEST_ROOT")
    if root:
        settings = load_settings(e2e_env(Path(root)))
    else:
        run = request.getfixturevalue("pipeline_run")
        settings = run.settings
        if not run.success and not (settings.publish_dir / "marts.duckdb").exists():
            pytest.fail("the session pipeline run failed and published nothing to test")
    db = settings.publish_dir / "marts.duckdb"
    if not db.exists():
        pytest.fail(f"no demo publication at {db}")
    return settings


@pytest.fixture(scope="session")
def published_db(analyst_settings: Settings) -> Path:
    return analyst_settings.publish_dir / "marts.duckdb"


def cli_path() -> Path | None:
    """The DuckDB CLI (duckdb-cli 1.5.x) installed beside this interpreter."""
    p = Path(sys.executable).with_name("duckdb")
    if p.exists():
        return p
    found = shutil.which("duckdb")
    return Path(found) if found else None


@pytest.fixture(scope="session")
def duckdb15_cli() -> Path:
    """The duckdb 1.5.x CLI from the duckdb-cli dependency: a duckdb 1.5 client, as BI
    drivers bundle."""
    cli = cli_path()
    if cli is None:
        pytest.fail("the DuckDB CLI (duckdb-cli, a project dependency) is not installed")
    version = subprocess.run([str(cli), "--version"], capture_output=True, text=True,
                             timeout=30).stdout
    assert version.startswith("v1.5."), f"expected a duckdb 1.5.x CLI, got {version!r}"
    return cli
