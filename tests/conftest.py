"""Shared fixtures: a small generated data set run once per session through
the real pipeline (Dagster job: ingest, dbt, gates, publish, dashboard)."""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.config import Settings, load_settings

E2E_PROVIDERS = 2
E2E_PEOPLE = 400
E2E_MONTHS = 6


@dataclass
class PipelineRun:
    settings: Settings
    env: dict[str, str]
    success: bool


def e2e_env(root: Path) -> dict[str, str]:
    return {
        "MHP_RAW_DIR": str(root / "raw"),
        "MHP_WAREHOUSE": str(root / "warehouse" / "warehouse.duckdb"),
        "MHP_PUBLISH_DIR": str(root / "published"),
        "MHP_DBT_TARGET_PATH": str(root / "dbt_target"),
        "DAGSTER_HOME": str(root / "dagster_home"),
    }


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PipelineRun]:
    """Generate demo data and run the whole Dagster job once for the session."""
    from pipelines.run import run_pipeline
    from pipelines.synthetic import GeneratorConfig, generate

    root = tmp_path_factory.mktemp("e2e")
    env = e2e_env(root)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        settings = load_settings()
        generate(GeneratorConfig(out=settings.raw_dir, providers=E2E_PROVIDERS,
                                 people=E2E_PEOPLE, months=E2E_MONTHS, seed=7))
        ok = run_pipeline(settings)
        yield PipelineRun(settings, env, ok)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
