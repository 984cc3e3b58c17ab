"""Read a built publication back before it goes live: tables, row counts, format, privacy."""

from pathlib import Path

import duckdb

from pipelines.publish.disclosure import q
from pipelines.publish.errors import IdentifierFoundError, VerificationError
from pipelines.publish.privacy import scan_for_identifiers, scan_parquet_folder
from pipelines.publish.storage_format import READABLE_BY_V1_5, storage_version_number
from pipelines.publish.tables import ALLOWED_TABLES, ANALYST_VIEWS


def _check_tables(found: set[str], expected: dict[str, int], where: str) -> None:
    extra = found - set(ALLOWED_TABLES)
    if extra:
        raise VerificationError(f"{where} holds tables that may not be published: {sorted(extra)}")
    if found != set(expected):
        raise VerificationError(
            f"{where} holds tables {sorted(found)}, expected {sorted(expected)}"
        )


def verify_database(con: duckdb.DuckDBPyConnection, path: Path, expected: dict[str, int]) -> None:
    """Check the closed file ``path``, reopened read-only as ``con``; raise unless it is
    exactly what was built (tables, row counts, storage version, no .wal, nothing identifying).
    """
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        raise VerificationError(f"{wal} exists: the file was not checkpointed and closed")
    version = storage_version_number(path)
    if version not in READABLE_BY_V1_5:
        raise VerificationError(
            f"{path} has storage version number {version}; duckdb 1.5 clients read "
            f"{READABLE_BY_V1_5.start}..{READABLE_BY_V1_5.stop - 1} only"
        )
    rows = con.execute(
        "select schema_name, table_name, false from duckdb_tables() "
        "where database_name = current_database() "
        "union all select schema_name, view_name, true from duckdb_views() "
        "where database_name = current_database() and not internal"
    ).fetchall()
    if any(schema != "main" for schema, _, _ in rows):
        raise VerificationError(f"{path} has objects outside schema main: {rows}")
    # the analyst views (tables.ANALYST_VIEWS) are allowed but not counted or exported
    views = {t for _, t, is_view in rows if is_view and t in ANALYST_VIEWS}
    _check_tables({t for _, t, _ in rows} - views, expected, str(path))
    for table, n in expected.items():
        got = con.execute(f"select count(*) from main.{q(table)}").fetchall()[0][0]
        if got != n:
            raise VerificationError(f"{path}: {table} has {got} rows, expected {n}")
    findings = scan_for_identifiers(con)
    if findings:
        raise IdentifierFoundError(findings)


def verify_parquet(con: duckdb.DuckDBPyConnection, folder: Path, expected: dict[str, int]) -> None:
    """Every table has one Parquet file with the right row count, and nothing identifying.

    ``con`` is any DuckDB connection (the read-only one of the built file will do): the
    files are read through temporary views.
    """
    found = {p.stem for p in folder.glob("*.parquet")}
    others = [p.name for p in folder.iterdir() if p.suffix != ".parquet"]
    if others:
        raise VerificationError(f"{folder} holds unexpected files: {others}")
    _check_tables(found, expected, str(folder))
    findings = scan_parquet_folder(folder, con)  # makes one temp view per file
    for table, n in expected.items():
        got = con.execute(f"select count(*) from temp.main.{q(table)}").fetchall()[0][0]
        if got != n:
            raise VerificationError(f"{folder}/{table}.parquet: {got} rows, expected {n}")
    if findings:
        raise IdentifierFoundError([f"parquet/{f}" for f in findings])
