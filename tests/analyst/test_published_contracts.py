"""The demo publication's tables are exactly what the marts' dbt contracts declare, and a
mart whose SQL breaks its contract fails the dbt build (pipelines/publish/contracts.py,
docs/publishing.md)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.config import DBT_PROJECT_DIR, Settings
from pipelines.dbt_project import dbt_env
from pipelines.publish.contracts import contract, has_contract, published_columns
from pipelines.publish.tables import SOURCES

pytestmark = pytest.mark.e2e


def _published(db: Path) -> tuple[str, dict[str, list[tuple[str, str]]]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        [(mode,)] = con.execute("select publication_mode from publish_log").fetchall()
        rows = con.execute("select table_name, column_name, lower(data_type) from "
                           "duckdb_columns() where schema_name = 'main' "
                           "order by table_name, column_index").fetchall()
    finally:
        con.close()
    cols: dict[str, list[tuple[str, str]]] = {}
    for table, column, dtype in rows:
        cols.setdefault(table, []).append((column, dtype))
    return mode, cols


def test_published_columns_equal_the_contracts(published_db: Path) -> None:
    mode, cols = _published(published_db)
    checked = []
    for src in SOURCES:
        if not has_contract(src):
            continue
        assert src.published in cols, f"{src.published} not published"
        names = [n for n, _ in cols[src.published]]
        assert names == published_columns(src, public=mode == "public"), src.published
        if mode == "internal":  # exact figures: the contract's types too
            declared = contract(src.table).types
            have = dict(cols[src.published])
            assert {n: have[n] for n in declared} == declared, src.published
        checked.append(src.published)
    assert len(checked) == 13


def test_a_contract_violation_fails_the_dbt_build(analyst_settings: Settings,
                                                  tmp_path: Path) -> None:
    """dim_calendar's month_key declared varchar while its SQL makes an integer: dbt refuses
    to build it (on a copy of the project and of the warehouse)."""
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns(
        "target", "logs", "dbt_packages", ".user.yml"))
    marts = project / "models" / "marts" / "_marts.yml"
    text = marts.read_text(encoding="utf-8")
    needle = "      - name: month_key\n        data_type: integer\n"
    assert needle in text
    marts.write_text(text.replace(needle, needle.replace("integer", "varchar")),
                     encoding="utf-8")
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(analyst_settings.warehouse, warehouse)
    env = {**os.environ, **dbt_env(analyst_settings), "MHP_WAREHOUSE": str(warehouse),
           "DBT_PROFILES_DIR": str(project), "DBT_TARGET_PATH": str(tmp_path / "target"),
           "DBT_LOG_PATH": str(tmp_path / "logs"), "MHP_DBT_TARGET": "duckdb"}
    dbt = Path(sys.executable).with_name("dbt")
    proc = subprocess.run([str(dbt), "run", "--select", "dim_calendar"], cwd=project,
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "contract" in out.lower() and "month_key" in out, out
