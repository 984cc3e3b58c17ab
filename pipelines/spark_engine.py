"""The dbt step on Apache Spark (``MHP_DBT_TARGET=spark``, docs/scaling.md).

Ingest, the quality gate and publishing stay on the DuckDB warehouse; only dbt runs
on Spark. Three plain functions, called by the dbt asset (pipelines/assets/transform.py)
around ``dbt build``, and by tests:

1. ``export_raw``: every table dbt reads as a source (``raw.*`` and ``meta.manifest`` /
   ``meta.quarantine``, the list in models/staging/_sources.yml) from the DuckDB
   warehouse to Parquet, ``<raw location>/<schema>/<table>/data.parquet``. dbt's
   on-run-start hook ``register_raw_sources`` (macros/raw_sources.sql) declares them as
   Spark tables over those folders.
2. ``dbt build`` on the ``spark`` target (``run_spark_build`` outside Dagster).
3. ``load_built_tables``: the Parquet files of the tables Spark built
   (``<spark warehouse>/<schema>.db/<table>/``) into the DuckDB warehouse's staging,
   intermediate, marts and reference schemas, all in one transaction, so the gate and
   the publisher read them exactly as after a DuckDB build.

Spark runs in the dbt subprocess (dbt-spark's session method): this module never
imports pyspark.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from pipelines.config import DBT_PROJECT_DIR, Settings
from pipelines.dbt_project import run_dbt

SOURCES_YML = DBT_PROJECT_DIR / "models" / "staging" / "_sources.yml"
# schemas dbt builds (generate_schema_name uses the custom schema names as they are)
BUILT_RESOURCE_TYPES = ("model", "seed")


@dataclass(frozen=True)
class SparkBuild:
    exported_rows: dict[str, int]
    loaded_rows: dict[str, int]
    export_s: float
    dbt_s: float
    load_s: float


def source_tables(sources_yml: Path = SOURCES_YML) -> list[tuple[str, str]]:
    """(schema, table) of every dbt source, from the generated sources file."""
    doc = yaml.safe_load(sources_yml.read_text())
    out = []
    for src in doc.get("sources", []):
        schema = src.get("schema") or src["name"]
        for t in src.get("tables", []):
            out.append((schema, t.get("identifier") or t["name"]))
    return out


def spark_warehouse_dir(settings: Settings) -> Path:
    """spark.sql.warehouse.dir of the session profile (profiles.yml)."""
    return settings.spark_dir / "warehouse"


def _is_uri(location: str) -> bool:
    return "://" in location


def _quote(ident: str) -> str:
    return '"' + ident.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def export_raw(settings: Settings, location: str | None = None) -> dict[str, int]:
    """Write every dbt source table of the DuckDB warehouse as Parquet under ``location``
    (default ``settings.spark_raw_uri``); return rows per ``schema.table``.

    A local folder is written file by file through a hidden temporary name (Spark skips
    names starting with '.') and renamed, so a reader never sees half a file. A URI
    (s3://, ...) is written by DuckDB's own file systems (the httpfs extension must be
    installed and credentials configured, see docs/scaling.md).
    """
    location = location or settings.spark_raw_uri
    rows: dict[str, int] = {}
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        present = {
            (s, t) for s, t in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        for schema, table in source_tables():
            if (schema, table) not in present:
                raise RuntimeError(
                    f"{schema}.{table} is not in {settings.warehouse}: run the ingest first"
                )
            rel = f"{_quote(schema)}.{_quote(table)}"
            n = con.execute(f"select count(*) from {rel}").fetchall()[0][0]
            if _is_uri(location):
                target = f"{location.rstrip('/')}/{schema}/{table}/data.parquet"
                con.execute(f"copy {rel} to {_lit(target)} (format parquet, compression zstd)")
            else:
                folder = Path(location) / schema / table
                folder.mkdir(parents=True, exist_ok=True)
                tmp = folder / ".data.parquet.tmp"
                con.execute(
                    f"copy {rel} to {_lit(str(tmp))} (format parquet, compression zstd)"
                ).fetchall()
                os.replace(tmp, folder / "data.parquet")
                for stale in folder.iterdir():  # only one file per table
                    if stale.name != "data.parquet":
                        stale.unlink()
            rows[f"{schema}.{table}"] = n
    finally:
        con.close()
    return rows


def built_tables(manifest: Path, run_results: Path | None = None) -> list[tuple[str, str]]:
    """(schema, table) of the models and seeds a dbt invocation built: those with status
    success in its run_results.json, or every table model and seed of the manifest."""
    nodes = json.loads(manifest.read_text())["nodes"]
    if run_results is not None:
        done = [
            r["unique_id"] for r in json.loads(run_results.read_text())["results"]
            if r.get("status") == "success"
        ]
    else:
        done = list(nodes)
    out = []
    for uid in done:
        node = nodes.get(uid)
        if not node or node["resource_type"] not in BUILT_RESOURCE_TYPES:
            continue
        if node["resource_type"] == "model" and node["config"].get("materialized") != "table":
            continue
        out.append((node["schema"], node.get("alias") or node["name"]))
    return sorted(set(out))


def _parquet_files(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*.parquet")
        if not any(part.startswith((".", "_")) for part in p.relative_to(folder).parts)
    )


def load_built_tables(
    settings: Settings, tables: Iterable[tuple[str, str]], warehouse_dir: Path | None = None
) -> dict[str, int]:
    """Replace each (schema, table) of the DuckDB warehouse with the Parquet files of the
    Spark table of the same name, in one transaction; return rows per table."""
    warehouse_dir = warehouse_dir or spark_warehouse_dir(settings)
    plan = []
    for schema, table in tables:
        folder = warehouse_dir / f"{schema}.db" / table
        files = _parquet_files(folder) if folder.is_dir() else []
        if not files:
            raise RuntimeError(f"Spark table {schema}.{table} has no Parquet files in {folder}")
        plan.append((schema, table, files))
    rows: dict[str, int] = {}
    con = duckdb.connect(str(settings.warehouse))
    try:
        con.execute("begin transaction")
        for schema in sorted({s for s, _, _ in plan}):
            con.execute(f"create schema if not exists {_quote(schema)}")
        for schema, table, files in plan:
            listing = "[" + ", ".join(_lit(str(f)) for f in files) + "]"
            rel = f"{_quote(schema)}.{_quote(table)}"
            con.execute(f"create or replace table {rel} as select * from read_parquet({listing})")
            rows[f"{schema}.{table}"] = con.execute(f"select count(*) from {rel}").fetchall()[0][0]
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.close()
    return rows


def load_dbt_results(settings: Settings, target_path: Path) -> dict[str, int]:
    """After a dbt invocation on Spark wrote ``target_path`` (manifest.json and
    run_results.json): load every table it built into the DuckDB warehouse."""
    tables = built_tables(target_path / "manifest.json", target_path / "run_results.json")
    return load_built_tables(settings, tables) if tables else {}


def run_spark_build(settings: Settings, select: str | None = None,
                    dbt_command: str = "build", extra_args: list[str] | None = None) -> SparkBuild:
    """The whole Spark route as plain functions: export the raw layer, ``dbt <command>``
    on the spark target, load what it built into the DuckDB warehouse."""
    if settings.dbt_target != "spark":
        raise ValueError(f"run_spark_build needs dbt_target 'spark', not {settings.dbt_target!r}")
    t0 = time.perf_counter()
    exported = export_raw(settings)
    t1 = time.perf_counter()
    args = [dbt_command]
    if select:
        args += ["--select", select]
    run_dbt(settings, [*args, *(extra_args or [])])
    t2 = time.perf_counter()
    loaded = load_dbt_results(settings, settings.dbt_target_path or (DBT_PROJECT_DIR / "target"))
    t3 = time.perf_counter()
    return SparkBuild(exported, loaded, t1 - t0, t2 - t1, t3 - t2)
