"""Export every table of a finished published file to one Parquet file each."""

from pathlib import Path

import duckdb

from pipelines.publish.disclosure import q


def export_parquet(con: duckdb.DuckDBPyConnection, folder: Path) -> list[Path]:
    """Write ``<folder>/<table>.parquet`` for every table of ``con``'s database.

    ``con`` is the finished, verified file opened read-only, so the Parquet copy holds
    exactly the published rows. ``folder`` must not exist yet.
    """
    folder.mkdir(parents=False, exist_ok=False)
    written: list[Path] = []
    tables = [r[0] for r in con.execute(
        "select table_name from duckdb_tables() where database_name = current_database() "
        "and schema_name = 'main' order by table_name"
    ).fetchall()]
    for table in tables:
        out = folder / f"{table}.parquet"
        path = str(out).replace("'", "''")
        con.execute(
            f"copy (select * from main.{q(table)}) to '{path}' "
            "(format parquet, compression zstd)"
        ).fetchall()
        written.append(out)
    return written
