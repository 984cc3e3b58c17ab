"""Helpers for the publish tests: a small fake warehouse, settings, file snapshots."""

import hashlib
from datetime import date
from pathlib import Path

import duckdb

from pipelines.config import DBT_PROJECT_DIR, Settings, load_settings
from pipelines.publish.contracts import contract

GATE = {"passed": True, "failed_checks": []}
CATALOGUE_CSV = DBT_PROJECT_DIR / "seeds" / "metric_catalogue.csv"
MONTH = date(2024, 4, 1)

# (metric_id, level, unit_code, numerator, denominator, value): hand-worked cases for
# the disclosure rule; see test_disclosure.py for the expected public figures.
METRIC_ROWS: list[tuple[str, str, str, float | None, float | None, float | None]] = [
    ("admissions", "provider", "RXX", 3, None, 3),
    ("discharges", "provider", "RXX", 7, None, 7),
    ("occupied_bed_days", "ward", "RXX01", 13, None, 13),
    ("admissions_planned", "provider", "RXX", 0, None, 0),
    ("admissions_transfer", "provider", "RXX", 5, None, 5),
    ("oap_new", "locality", "LOC1", 8, None, 8),
    ("admissions_unplanned_pct", "provider", "RXX", 12, 37, 100 * 12 / 37),
    ("dna_rate_pct", "team", "TEAM1", 3, 4, 75.0),
    ("readmission_30d_pct", "provider", "RXX", 2, 40, 5.0),
    ("followup_72h_pct", "provider", "RXX", 5, 5, 100.0),
    ("los_mean_days", "provider", "RXX", 390, 9, 390 / 9),
    ("los_median_days", "provider", "RXX", None, 9, 30.5),
    ("not_in_catalogue", "provider", "RXX", 4, None, 4),
]


def _metric_rows(bump: int) -> list[tuple]:
    rows = []
    for metric_id, level, unit, num, den, value in METRIC_ROWS:
        rows.append((metric_id, MONTH, "month", "RXX", level, unit, f"{unit} name", None,
                     num, den, value))
    for i in range(bump):  # extra rows so a second publish has visibly different data
        rows.append(("admissions", date(2023, 1 + i % 12, 1), "month", "RXX", "provider", "RXX",
                     "RXX name", None, 50 + i, None, 50 + i))
    return rows


def contract_ddl(model: str) -> str:
    """``create table marts.<model>`` with exactly the columns and types of its dbt contract."""
    cols = ", ".join(f'"{n}" {t}' for n, t in contract(model).columns)
    return f"create table marts.{model} ({cols})"


def create_from_contract(con: duckdb.DuckDBPyConnection, model: str) -> None:
    """An empty marts.<model> shaped by its dbt contract."""
    con.execute(contract_ddl(model)).fetchall()


def build_warehouse(path: Path, bump: int = 0) -> Path:
    """A warehouse with the marts the publisher reads, plus tables it must never publish."""
    con = duckdb.connect(str(path))
    try:
        for schema in ("marts", "reference", "meta", "staging", "raw", "intermediate"):
            con.execute(f"create schema {schema}")
        csv = str(CATALOGUE_CSV).replace("'", "''")
        con.execute(
            "create table reference.metric_catalogue as select * replace "
            f"(cast(target_value as double) as target_value) from read_csv('{csv}', "
            "header = true, all_varchar = true)"
        ).fetchall()
        for model in ("mart_metric_values", "mart_data_quality", "mart_spc"):
            create_from_contract(con, model)
        con.executemany("insert into marts.mart_metric_values values "
                        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, true)", _metric_rows(bump))
        con.execute("""
            insert into marts.mart_data_quality by name
            select 'RXX' as provider_code, date '2024-04-01' as period_start,
                   'completeness' as measure, * from (values
                       ('MHS501', 'NHSNumber', 3::double, 120::double, 2.5::double),
                       ('MHS502', 'NHSNumber', 80::double, 80::double, 100.0::double))
                   as t(table_name, field_name, numerator, denominator, value)
        """).fetchall()
        con.execute("""
            insert into marts.mart_spc by name
            select metric_id, period_start, period_type, provider_code, level, unit_code,
                   bed_type_group, value, value + 1.4 as mean,
                   value + 20.25 as upper_process_limit, value - 20.25 as lower_process_limit,
                   'common_cause' as variation_icon
            from marts.mart_metric_values
            where metric_id in ('admissions_unplanned_pct', 'dna_rate_pct')
        """).fetchall()
        # Never to be published: person-level and pre-mart tables with identifiers.
        con.execute("""
            create table marts.fct_spells as select
                '0123456789abcdef0123456789abcdef' as person_id, 'RXXLP12345678' as lpi
        """).fetchall()
        con.execute("""
            create table staging.stg_mhsds__mpi as select
                '9434765919' as nhs_number, date '1980-02-03' as person_birth_date
        """).fetchall()
        con.execute("create table raw.mhs001mpi as select '943 476 5919' as nhs_number")
        con.execute("""
            create table meta.manifest (file_id bigint, relpath varchar, content_hash varchar,
                status varchar, table_name varchar, provider varchar, period_start date,
                rows_loaded bigint)
        """)
        con.executemany("insert into meta.manifest values (?, ?, ?, ?, ?, ?, ?, ?)", [
            (1, "mhsds/RXX/2024-04/MHS501.csv", "a" * 64, "loaded", "mhs501", "RXX", MONTH, 10),
            (2, "mhsds/RXX/2024-03/MHS501.csv", "b" * 64, "superseded", "mhs501", "RXX",
             MONTH, 9),
            (3, "mhsds/RXX/2024-04/MHS502.csv", "c" * 64, "loaded", "mhs502", "RXX", MONTH, 5),
        ])
    finally:
        con.close()
    return path


def make_settings(tmp_path: Path, warehouse: Path, mode: str = "internal",
                  keep: int = 3) -> Settings:
    return load_settings({
        "MHP_WAREHOUSE": str(warehouse),
        "MHP_PUBLISH_DIR": str(tmp_path / "published"),
        "MHP_RAW_DIR": str(tmp_path / "raw"),
        "MHP_PUBLICATION_MODE": mode,
        "MHP_KEEP_VERSIONS": str(keep),
    })


def sql(path: Path, query: str, params: list | None = None) -> list[tuple]:
    """Run one query on a DuckDB file opened read-only, and close it again."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


def modify_warehouse(path: Path, statement: str, params: list | None = None) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute(statement, params or []).fetchall()
    finally:
        con.close()


def snapshot(publish_dir: Path) -> dict[str, str]:
    """sha256 of marts.duckdb and of every file reachable through parquet/, plus the link."""
    out: dict[str, str] = {}
    db = publish_dir / "marts.duckdb"
    if db.exists():
        out["marts.duckdb"] = hashlib.sha256(db.read_bytes()).hexdigest()
    pq = publish_dir / "parquet"
    if pq.is_symlink():
        out["parquet@"] = str(pq.readlink())
    if pq.is_dir():
        for f in sorted(pq.iterdir()):
            out[f"parquet/{f.name}"] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out

