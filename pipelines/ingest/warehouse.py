"""DDL for the raw and meta schemas of the warehouse, derived from the contract."""

import logging
import time
from pathlib import Path

import duckdb

from pipelines.contract import Column, Contract, Table

log = logging.getLogger(__name__)

SQL_TYPES = {
    "string": "varchar",
    "code": "varchar",
    "date": "date",
    "timestamp": "timestamp",
    "integer": "bigint",
    "decimal": "decimal(18, 2)",
}

META_COLUMNS: list[tuple[str, str]] = [
    ("_file_id", "bigint"),
    ("_record_no", "bigint"),
    ("_provider", "varchar"),
    ("_period_start", "date"),
    ("_submission_created", "timestamp"),
    ("_loaded_at", "timestamp"),
]

MANIFEST_DDL = """
create table if not exists meta.manifest (
    file_id bigint primary key,
    run_id varchar,
    relpath varchar not null,
    family varchar,
    table_name varchar,
    provider varchar,
    period_start date,
    content_hash varchar,
    size_bytes bigint,
    lines_in bigint,
    rows_in bigint,
    rows_loaded bigint,
    rows_quarantined bigint,
    nhs_numbers_total bigint,
    nhs_numbers_valid bigint,
    submission_created timestamp,
    status varchar not null,
    message varchar,
    first_seen_at timestamp,
    last_seen_at timestamp,
    loaded_at timestamp,
    superseded_by bigint
)
"""

QUARANTINE_DDL = """
create table if not exists meta.quarantine (
    file_id bigint not null,
    relpath varchar,
    table_name varchar,
    provider varchar,
    period_start date,
    record_no bigint,
    line_no bigint,
    field varchar,
    reason varchar,
    value varchar,
    quarantined_at timestamp
)
"""

RUNS_DDL = """
create table if not exists meta.ingest_runs (
    run_id varchar,
    started_at timestamp,
    finished_at timestamp,
    files_seen bigint,
    files_loaded bigint,
    files_unchanged bigint,
    files_rejected bigint,
    rows_loaded bigint,
    rows_quarantined bigint
)
"""


def stored_name(col: Column) -> str:
    """Column name in the raw table: identifiers are stored as their pseudonym column."""
    return col.name if col.pii else col.source


def stored_type(col: Column) -> str:
    if col.pii in {"local_patient_id", "nhs_number"}:
        return "varchar"
    return SQL_TYPES[col.type]


def has_nhs_number(table: Table) -> bool:
    return any(c.pii == "nhs_number" for c in table.columns)


def raw_columns(table: Table) -> list[tuple[str, str]]:
    cols = [(stored_name(c), stored_type(c)) for c in table.columns]
    if has_nhs_number(table):
        cols.append(("nhs_number_valid", "boolean"))
    return cols + META_COLUMNS


def raw_table_ddl(table: Table) -> str:
    cols = ",\n    ".join(f'"{n}" {t}' for n, t in raw_columns(table))
    return f"create table if not exists raw.{table.name} (\n    {cols}\n)"


LOCK_ERROR_MARKERS = ("Could not set lock on file", "Conflicting lock")
LOCK_POLL_S = 0.25


class WarehouseBusy(RuntimeError):
    """Another process held the warehouse for longer than we were willing to wait."""


def connect(
    path: Path, read_only: bool = False, wait_s: float = 0.0
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; if another process holds it, wait up to ``wait_s`` seconds.

    DuckDB allows one read-write process or many read-only ones per file. A second
    ingest, a dbt run or a notebook holding the file makes ``connect`` fail with a lock
    error: that is retried until the deadline, then raised as :class:`WarehouseBusy`
    (whose message keeps DuckDB's, naming the holder's pid). Other errors raise at once.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + max(0.0, wait_s)
    waited = False
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            text = str(exc)
            if not any(m in text for m in LOCK_ERROR_MARKERS):
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"the warehouse {path} is in use by another process and stayed locked "
                    f"for {wait_s:g} s; nothing was ingested. Wait for the other run to finish "
                    f"(or close the tool holding the file) and run again. DuckDB said: "
                    f"{text.splitlines()[0]}"
                ) from exc
            if not waited:
                log.warning("warehouse %s is locked by another process; waiting up to %g s",
                            path, wait_s)
                waited = True
            time.sleep(LOCK_POLL_S)
            continue
        if waited:
            log.info("warehouse %s is free again; continuing", path)
        return con


def ensure_schema(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    con.execute("create schema if not exists raw")
    con.execute("create schema if not exists meta")
    con.execute(MANIFEST_DDL)
    con.execute(QUARANTINE_DDL)
    con.execute(RUNS_DDL)
    for table in contract.tables:
        con.execute(raw_table_ddl(table))


def run(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> None:
    """Execute a statement and consume its result (DuckDB 2.0 refuses further work on a
    connection with an unfinished result, and INSERT/UPDATE return a count row)."""
    con.execute(sql, params or []).fetchall()


def register_frame(con: duckdb.DuckDBPyConnection, name: str, frame: object) -> None:
    """Register a DataFrame as a view; first finish any pending result on the connection
    (DuckDB 2.0 refuses register() while a fetchone() result is still open)."""
    con.execute("select 1").fetchall()
    con.register(name, frame)
