"""Fixtures for the quality-gate tests: a clean hand-made warehouse, copied per test."""

import shutil
from pathlib import Path

import pytest

from pipelines.config import Settings

from .builder import build_clean, make_settings


@pytest.fixture(scope="session")
def clean_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("quality_template")
    build_clean(make_settings(root))
    return root


@pytest.fixture
def settings(tmp_path: Path, clean_template: Path) -> Settings:
    """Settings whose warehouse and raw folder are a fresh copy of the clean template."""
    s = make_settings(tmp_path)
    shutil.copyfile(clean_template / "warehouse.duckdb", s.warehouse)
    shutil.copytree(clean_template / "raw", s.raw_dir)
    return s
