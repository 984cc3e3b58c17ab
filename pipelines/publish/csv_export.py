"""Export every analyst view of a finished published file as a CSV for Excel users.

``<folder>/<view>.csv``: UTF-8 with a byte-order mark (so Excel picks the right
encoding when the file is double-clicked), a header row, comma-separated, dates as
ISO 8601 (``2024-04-01``). The views read the published tables, which are already
disclosure-controlled, so a public publication's CSVs carry the same suppression.
"""

import shutil
from pathlib import Path

import duckdb

from pipelines.publish.disclosure import q
from pipelines.publish.errors import VerificationError
from pipelines.publish.national import export_national_csv
from pipelines.publish.tables import ANALYST_VIEWS

BOM = "\ufeff".encode()


def published_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The analyst views (tables.ANALYST_VIEWS) present in ``con``'s database, in that order."""
    present = {r[0] for r in con.execute(
        "select view_name from duckdb_views() where database_name = current_database() "
        "and schema_name = 'main' and not internal"
    ).fetchall()}
    return [v for v in ANALYST_VIEWS if v in present]


def export_csv(con: duckdb.DuckDBPyConnection, folder: Path) -> dict[str, int]:
    """Write ``<folder>/<view>.csv`` for every analyst view of ``con``'s database; return
    rows per view. ``con`` is the finished, verified file opened read-only; ``folder``
    must not exist yet."""
    folder.mkdir(parents=False, exist_ok=False)
    counts: dict[str, int] = {}
    for view in published_views(con):
        out = folder / f"{view}.csv"
        part = folder / f".{view}.csv.part"
        path = str(part).replace("'", "''")
        con.execute(
            f"copy (select * from main.{q(view)}) to '{path}' (format csv, header true, "
            "delimiter ',', quote '\"', dateformat '%Y-%m-%d', "
            "timestampformat '%Y-%m-%dT%H:%M:%S')"
        ).fetchall()
        with out.open("wb") as dst, part.open("rb") as src:
            dst.write(BOM)
            shutil.copyfileobj(src, dst, 1 << 20)
        part.unlink()
        counts[view] = int(
            con.execute(f"select count(*) from main.{q(view)}").fetchall()[0][0]
        )
    counts.update(export_national_csv(con, folder, BOM))
    return counts


def verify_csv(
    con: duckdb.DuckDBPyConnection, folder: Path, expected: dict[str, int]
) -> None:
    """One BOM-prefixed CSV per analyst view with the view's row count, nothing else."""
    found = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    wanted = sorted(f"{v}.csv" for v in expected)
    if found != wanted:
        raise VerificationError(f"{folder} holds {found}, expected {wanted}")
    for view, n in expected.items():
        f = folder / f"{view}.csv"
        with f.open("rb") as fh:
            if fh.read(len(BOM)) != BOM:
                raise VerificationError(f"{f} does not start with the UTF-8 byte-order mark")
        path = str(f).replace("'", "''")
        got = con.execute(
            f"select count(*) from read_csv('{path}', header = true, all_varchar = true, "
            "encoding = 'utf-8')"
        ).fetchall()[0][0]
        if got != n:
            raise VerificationError(f"{f}: {got} rows, expected {n}")
