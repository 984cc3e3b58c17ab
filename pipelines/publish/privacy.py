"""The privacy guard: refuse to publish anything that looks like a person identifier.

Every VARCHAR column of every table and view is searched for values shaped like
an NHS number (10 digits, or 3-3-4 with spaces), a local patient ID in the demo
format (``ABCLP12345678``) or a 32-hex-character pseudonym, anywhere in the text
(so a quality-gate summary quoting a failing value is caught too). Columns named
like a date of birth are refused when they hold ISO dates (or are DATE or
TIMESTAMP columns), and columns named like a person identifier are refused when
they hold any value. Findings name the table and column, never the value.
"""

import re
from pathlib import Path

import duckdb

# RE2 patterns, searched (not anchored) in each value; \b keeps a 10-digit run inside a
# longer hex string or number from matching.
VALUE_PATTERNS: dict[str, str] = {
    "NHS-number-like value": r"\b\d{3} ?\d{3} ?\d{4}\b",
    "local-patient-ID-like value": r"\b[A-Z0-9]{3}LP\d{8}\b",
    "32-hex pseudonym-like value": r"\b[0-9a-fA-F]{32}\b",
}
ISO_DATE = r"\b\d{4}-\d{2}-\d{2}\b"
BIRTH_NAME = r"(?i)(birth|(^|_)dob($|_))"
IDENTIFIER_NAME = (
    r"(?i)^(nhs_?(number|no|num)|local_?patient_?id|patient_?id|person_?id|pseudonym\w*)$"
)

_TEXT_TYPES = {"VARCHAR"}
_DATE_TYPES = ("DATE", "TIMESTAMP")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _label(database: str, schema: str, table: str, default_db: str) -> str:
    name = table if schema == "main" else f"{schema}.{table}"
    return name if database == default_db else f"{database}.{name}"


def scan_for_identifiers(
    con: duckdb.DuckDBPyConnection, database: str | None = None
) -> list[str]:
    """Describe every column holding identifier-shaped values; an empty list means clean.

    Scans all tables and views of ``database`` (default: every attached database
    except DuckDB's own). Each finding reads ``table.column: what (n rows)``, with the
    database name in front only for tables outside ``database`` (or the current one).
    """
    default_db = database or con.execute("select current_database()").fetchall()[0][0]
    where = "not internal and database_name <> 'system'"
    params: list[str] = []
    if database is not None:
        where += " and database_name = ?"
        params.append(database)
    cols = con.execute(
        "select database_name, schema_name, table_name, column_name, data_type "
        f"from duckdb_columns() where {where} "
        "order by database_name, schema_name, table_name, column_index",
        params,
    ).fetchall()

    by_table: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
    for db, schema, table, column, dtype in cols:
        by_table.setdefault((db, schema, table), []).append((column, dtype))

    findings: list[str] = []
    for (db, schema, table), columns in by_table.items():
        checks: list[tuple[str, str]] = []  # (description, boolean SQL)
        for column, dtype in columns:
            q = _quote(column)
            is_text = dtype in _TEXT_TYPES
            if is_text:
                for what, pattern in VALUE_PATTERNS.items():
                    checks.append((f"{column}: {what}", f"regexp_matches({q}, '{pattern}')"))
            if re.search(BIRTH_NAME, column):
                if is_text:
                    checks.append((f"{column}: date-of-birth-like column with ISO dates",
                                   f"regexp_matches({q}, '{ISO_DATE}')"))
                elif dtype.startswith(_DATE_TYPES):
                    checks.append((f"{column}: date-of-birth-like column with dates",
                                   f"{q} is not null"))
            if re.search(IDENTIFIER_NAME, column):
                checks.append((f"{column}: column named like a person identifier",
                               f"{q} is not null"))
        if not checks:
            continue
        rel = ".".join(_quote(p) for p in (db, schema, table))
        select = ", ".join(f"count(*) filter (where {cond})" for _, cond in checks)
        counts = con.execute(f"select {select} from {rel}").fetchall()[0]
        label = _label(db, schema, table, default_db)
        for (what, _), n in zip(checks, counts, strict=True):
            if n:
                findings.append(f"{label}.{what} ({n} row{'s' if n != 1 else ''})")
    return findings


def scan_parquet_folder(folder: Path, con: duckdb.DuckDBPyConnection | None = None) -> list[str]:
    """Run the same guard over every ``*.parquet`` file in a folder.

    Each file becomes a temporary view named after it in ``con`` (default: a new
    in-memory connection, closed afterwards; a read-only connection works too).
    """
    own = con is None
    con = duckdb.connect() if con is None else con
    try:
        for f in sorted(folder.glob("*.parquet")):
            path = str(f).replace("'", "''")
            con.execute(f"create or replace temp view {_quote(f.stem)} as "
                        f"select * from read_parquet('{path}')")
        return scan_for_identifiers(con, database="temp")
    finally:
        if own:
            con.close()
