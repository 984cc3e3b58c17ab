"""Fixtures for the publish tests: a fake warehouse and settings pointing at tmp_path."""

import shutil
from pathlib import Path

import pytest

from pipelines.config import Settings
from pipelines.publish import PublishResult, publish

from .helpers import GATE, build_warehouse, make_settings


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow_install: installs a package into a throwaway venv (skipped if it fails)"
    )


@pytest.fixture(scope="session")
def warehouse_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("wh") / "warehouse.duckdb")


@pytest.fixture
def warehouse(tmp_path: Path, warehouse_template: Path) -> Path:
    dst = tmp_path / "warehouse" / "warehouse.duckdb"
    dst.parent.mkdir()
    shutil.copyfile(warehouse_template, dst)
    return dst


@pytest.fixture
def settings(tmp_path: Path, warehouse: Path) -> Settings:
    return make_settings(tmp_path, warehouse)


@pytest.fixture
def public_settings(tmp_path: Path, warehouse: Path) -> Settings:
    return make_settings(tmp_path, warehouse, mode="public")


@pytest.fixture(scope="session")
def published(
    tmp_path_factory: pytest.TempPathFactory, warehouse_template: Path
) -> tuple[Settings, PublishResult]:
    """One internal publication shared by tests that only read it (never modify it)."""
    tmp = tmp_path_factory.mktemp("published")
    wh = tmp / "warehouse.duckdb"
    shutil.copyfile(warehouse_template, wh)
    settings = make_settings(tmp, wh)
    return settings, publish(settings, "run-0001", GATE)
