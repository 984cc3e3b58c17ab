"""The dbt manifest is parsed again exactly when the project or its settings changed."""

import shutil
from pathlib import Path

import pytest

from pipelines import dbt_project
from pipelines.config import DBT_PROJECT_DIR


@pytest.fixture()
def project_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, copy,
                    ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    monkeypatch.setattr(dbt_project, "DBT_PROJECT_DIR", copy)
    return copy


def test_fingerprint_follows_files_and_settings(project_copy: Path) -> None:
    env = {"MHP_WAREHOUSE": "/a.duckdb", "HOME": "/root"}
    base = dbt_project.manifest_fingerprint(env)
    assert dbt_project.manifest_fingerprint(dict(env)) == base
    # unrelated environment and dbt's own output folders do not count
    assert dbt_project.manifest_fingerprint({**env, "HOME": "/elsewhere"}) == base
    (project_copy / "target").mkdir()
    (project_copy / "target" / "manifest.json").write_text("{}")
    assert dbt_project.manifest_fingerprint(env) == base
    # settings dbt reads, and any project file, do
    assert dbt_project.manifest_fingerprint({**env, "MHP_WAREHOUSE": "/b.duckdb"}) != base
    model = project_copy / "models" / "marts" / "mart_costs.sql"
    model.write_text(model.read_text() + "\n-- changed\n")
    assert dbt_project.manifest_fingerprint(env) != base
