"""Fixtures for the reliability suite: an ingested hand-made baseline, copied per test."""

from pathlib import Path

import pytest

from pipelines.ingest.load import Ingestor

from .helpers import Case, build_template, make_case


@pytest.fixture(scope="session")
def baseline_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("reliability_baseline"))


@pytest.fixture
def case(baseline_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Case:
    """A private copy of the ingested baseline (raw folder + warehouse)."""
    monkeypatch.setattr(Ingestor, "CHANGE_RETRY_DELAY_S", 0.0)
    return make_case(baseline_template, tmp_path / "case")
