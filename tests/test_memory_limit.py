"""DuckDB's memory cap (MHP_DUCKDB_MEMORY_LIMIT) reaches the ingest connection and dbt."""

from pathlib import Path

import duckdb
import yaml

from pipelines.config import DBT_PROJECT_DIR, load_settings
from pipelines.dbt_project import dbt_env
from pipelines.ingest import load
from pipelines.synthetic import GeneratorConfig, generate


def test_default_and_override() -> None:
    assert load_settings({}).duckdb_memory_limit == "4GB"
    settings = load_settings({"MHP_DUCKDB_MEMORY_LIMIT": "1GB"})
    assert dbt_env(settings)["MHP_DUCKDB_MEMORY_LIMIT"] == "1GB"
    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text())
    duck = profile["mh_productivity"]["outputs"]["duckdb"]
    assert "MHP_DUCKDB_MEMORY_LIMIT" in duck["settings"]["memory_limit"]


def test_ingest_sets_the_limit(tmp_path: Path, monkeypatch) -> None:
    raw = tmp_path / "raw"
    generate(GeneratorConfig(out=raw, providers=1, people=60, months=1, seed=3))
    settings = load_settings({
        "MHP_RAW_DIR": str(raw),
        "MHP_WAREHOUSE": str(tmp_path / "w.duckdb"),
        "MHP_PUBLISH_DIR": str(tmp_path / "pub"),
        "MHP_DUCKDB_MEMORY_LIMIT": "1GB",
    })
    seen: list[str] = []
    real_connect = load.connect

    def spy(*args, **kwargs) -> duckdb.DuckDBPyConnection:
        con = real_connect(*args, **kwargs)
        original_close = con.close

        class Wrapped:
            def __getattr__(self, name):
                return getattr(con, name)

            def close(self) -> None:
                seen.append(con.execute("select current_setting('memory_limit')").fetchall()[0][0])
                original_close()

        return Wrapped()  # type: ignore[return-value]

    monkeypatch.setattr(load, "connect", spy)
    report = load.ingest(settings)
    assert report.count("loaded") > 0
    assert seen and seen[0].startswith("953.6 MiB"), seen
