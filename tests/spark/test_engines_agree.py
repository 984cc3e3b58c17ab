"""The same dbt project on DuckDB and on Apache Spark gives the same marts.

The session's pipeline run (tests/conftest.py: the whole Dagster job on DuckDB, 2
providers x 400 people x 6 months) already holds marts built by DuckDB. A copy of
its warehouse goes through the Spark route of the dbt step as plain functions
(pipelines/spark_engine.py: export the raw layer to Parquet, dbt on a local Spark
session, load the Spark tables back into the copy); mart_metric_values of the copy
must then equal the DuckDB one row for row.

Needs the optional 'spark' dependencies (make test installs them); skipped with the
reason when pyspark is not importable (the default install).
"""

import importlib.util
import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from pipelines.config import Settings

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        importlib.util.find_spec("pyspark") is None
        or importlib.util.find_spec("dbt.adapters.spark") is None,
        reason="pyspark / dbt-spark not installed: the spark extra (uv sync --extra spark, "
               "make test) is needed for the Spark engine tests",
    ),
]

KEYS = ["metric_id", "period_start", "period_type", "provider_code", "level", "unit_code",
        "bed_type_group"]
FLOATS = ["numerator", "denominator", "value"]
REL_TOL = 1e-9
ABS_TOL = 1e-6
# only what mart_metric_values needs, plus its own tests (and the catalogue its
# relationship test reads); one dbt invocation = one Spark session
SELECT = ["+mart_metric_values", "metric_catalogue", "*_mart_metric_values_*,resource_type:test"]


@pytest.fixture(scope="module")
def spark_build(pipeline_run, tmp_path_factory):
    """Copy the DuckDB-built warehouse, rebuild its dbt tables on Spark into the copy."""
    from pipelines.spark_engine import run_spark_build

    assert pipeline_run.success, "the session's DuckDB pipeline run failed"
    root = tmp_path_factory.mktemp("spark")
    duck: Settings = pipeline_run.settings
    copy = root / "warehouse" / "warehouse.duckdb"
    copy.parent.mkdir(parents=True)
    shutil.copyfile(duck.warehouse, copy)
    wal = Path(str(duck.warehouse) + ".wal")
    if wal.exists():
        shutil.copyfile(wal, Path(str(copy) + ".wal"))
    settings = replace(
        duck,
        warehouse=copy,
        dbt_target="spark",
        dbt_target_path=root / "dbt_target",
        spark_dir=root / "spark",
        spark_raw_location=None,
        spark_master="local[2]",
        spark_driver_memory="1g",
        spark_shuffle_partitions=2,
    )
    build = run_spark_build(
        settings, dbt_command="build",
        extra_args=["--indirect-selection", "empty", "--select", *SELECT],
    )
    return settings, duck, build


def _differences(con: duckdb.DuckDBPyConnection, limit: int = 10) -> tuple[int, list]:
    on = " and ".join(f"d.{k} is not distinct from s.{k}" for k in KEYS)

    def close(c: str) -> str:
        # coalesce: a null on one side only is a difference, not an unknown
        return (f"coalesce((d.{c} is null and s.{c} is null) or abs(d.{c} - s.{c}) <= "
                f"greatest({ABS_TOL}, {REL_TOL} * greatest(abs(d.{c}), abs(s.{c}))), false)")

    same = " and ".join([
        *[close(c) for c in FLOATS],
        "d.unit_name is not distinct from s.unit_name",
        "d.metric_id is not null",
        "s.metric_id is not null",
    ])
    cols = ", ".join(
        [f"coalesce(d.{k}, s.{k}) as {k}" for k in KEYS]
        + [f"d.{c} as duckdb_{c}, s.{c} as spark_{c}" for c in [*FLOATS, "unit_name"]]
    )
    sql = (f"select {cols} from duck.marts.mart_metric_values as d "
           f"full outer join spark.marts.mart_metric_values as s on {on} "
           f"where not ({same}) order by all")
    n = con.execute(f"select count(*) from ({sql})").fetchall()[0][0]
    return n, con.execute(f"{sql} limit {limit}").fetchall()


def test_spark_route_exports_builds_and_loads_back(spark_build):
    settings, _, build = spark_build
    # every dbt source was exported, one Parquet file per table
    assert "raw.mhs502_ward_stay" in build.exported_rows
    assert "meta.manifest" in build.exported_rows
    for name in build.exported_rows:
        schema, table = name.split(".")
        assert (settings.spark_dir / "raw" / schema / table / "data.parquet").is_file()
    # Spark's tables are in the DuckDB warehouse's staging/intermediate/marts schemas
    assert build.loaded_rows["marts.mart_metric_values"] > 0
    assert any(k.startswith("staging.") for k in build.loaded_rows)
    assert any(k.startswith("intermediate.") for k in build.loaded_rows)
    # nothing written in the repository: the warehouse is under spark_dir and the
    # local session's catalogue is in memory (no Derby metastore_db or derby.log)
    assert (settings.spark_dir / "warehouse" / "marts.db" / "mart_metric_values").is_dir()
    repo = Path(__file__).resolve().parents[2]
    for where in (repo, repo / "dbt_project"):
        for name in ("metastore_db", "spark-warehouse", "derby.log"):
            assert not (where / name).exists(), where / name
    print(f"\nSpark route: export {build.export_s:.1f} s, dbt on Spark {build.dbt_s:.1f} s, "
          f"load back {build.load_s:.1f} s")


def test_seed_with_quotes_and_empty_cells_loads_the_same_on_spark(spark_build):
    """The metric catalogue has quotes in its text and empty cells (macros/spark_seeds.sql)."""
    settings, duck, _ = spark_build
    con = duckdb.connect()
    try:
        con.execute(f"attach '{duck.warehouse}' as duck (read_only)")
        con.execute(f"attach '{settings.warehouse}' as spark (read_only)")
        n = con.execute("select count(*) from spark.reference.metric_catalogue").fetchall()[0][0]
        nulls = con.execute("select count(*) from spark.reference.metric_catalogue "
                            "where national_measure_id is null").fetchall()[0][0]
        diff = con.execute(
            "(select * from duck.reference.metric_catalogue "
            " except all select * from spark.reference.metric_catalogue) union all "
            "(select * from spark.reference.metric_catalogue "
            " except all select * from duck.reference.metric_catalogue)"
        ).fetchall()
    finally:
        con.close()
    assert n > 0 and nulls > 0
    assert diff == [], f"catalogue rows differ between DuckDB and Spark: {diff[:4]}"


def test_mart_metric_values_equal_on_duckdb_and_spark(spark_build):
    settings, duck, _ = spark_build
    con = duckdb.connect()
    try:
        con.execute(f"attach '{duck.warehouse}' as duck (read_only)")
        con.execute(f"attach '{settings.warehouse}' as spark (read_only)")
        n_duck, n_spark = (
            con.execute(f"select count(*) from {db}.marts.mart_metric_values").fetchall()[0][0]
            for db in ("duck", "spark")
        )
        n_keys = con.execute(
            f"select count(*) from (select distinct {', '.join(KEYS)} "
            "from spark.marts.mart_metric_values)"
        ).fetchall()[0][0]
        n_diff, first = _differences(con)
    finally:
        con.close()
    assert n_duck > 1000, f"too few rows to compare ({n_duck})"
    assert n_spark == n_duck, f"row counts differ: DuckDB {n_duck}, Spark {n_spark}"
    assert n_keys == n_spark, "Spark mart has duplicate keys"
    header = [*KEYS, *[f"{e}_{c}" for c in [*FLOATS, "unit_name"] for e in ("duckdb", "spark")]]
    assert n_diff == 0, (
        f"{n_diff} of {n_duck} rows differ between DuckDB and Spark; first rows:\n"
        + "\n".join(str(dict(zip(header, row, strict=True))) for row in first)
    )
