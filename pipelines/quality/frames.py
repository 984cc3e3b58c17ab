"""What a check hands to Great Expectations: a small frame, the GX expectations to run on
it, and how to describe its failures. Nothing here imports GX (it is slow to import).

Heavy work happens in DuckDB: a check turns millions of staging rows into one row per
provider, file, table or provider-month. Every frame has these columns, besides the
measures its expectations test:

- ``violations``: how many offending items the row stands for (0 when it is fine);
- ``example``: a readable description of the offence (several separated by newlines);
- ``rank``: how bad it is, for ordering examples worst first.
"""

import re
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd


class CheckSkipped(Exception):  # noqa: N818 - a signal, not an error
    """The check does not apply (for example: no previously published file to compare)."""


class CheckUnavailable(Exception):  # noqa: N818 - reported as a failed expectation
    """The check cannot be evaluated (a table it needs is missing): counts as a failure."""


@dataclass(frozen=True)
class Probe:
    """One GX expectation: a class name from ``great_expectations.expectations`` and kwargs."""

    expectation: str
    kwargs: dict[str, Any]


@dataclass
class Frame:
    df: pd.DataFrame
    probes: list[Probe]
    headline: str
    noun: str = "rows"
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def offenders(self) -> pd.DataFrame:
        df = self.df
        if df.empty or "violations" not in df.columns:
            return df.iloc[0:0]
        bad = df[df["violations"].fillna(0) > 0]
        if "rank" in bad.columns:
            bad = bad.sort_values("rank", ascending=False, kind="stable")
        return bad

    def describe(self, limit: int = 5) -> tuple[int, str]:
        """(offending count, text) for a failed expectation."""
        bad = self.offenders()
        if bad.empty:
            return 0, f"{self.headline} (see data docs)"
        count = int(bad["violations"].sum())
        examples: list[str] = []
        for text in bad["example"].fillna("").astype(str):
            examples.extend(t for t in text.split("\n") if t)
        shown = examples[:limit]
        more = len(examples) - len(shown)
        tail = f", ... (+{more} more)" if more > 0 else ""
        return count, f"{self.headline} for {count} {self.noun}: {', '.join(shown)}{tail}"


# ---------------------------------------------------------------------- SQL helpers
def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def in_list(values: list[str] | tuple[str, ...]) -> str:
    return "(" + ", ".join(literal(v) for v in values) + ")" if values else "(null)"


def relation_exists(
    con: duckdb.DuckDBPyConnection, schema: str, name: str, database: str | None = None
) -> bool:
    sql = ("select count(*) from (select database_name, schema_name, table_name as name "
           "from duckdb_tables() union all select database_name, schema_name, view_name "
           "from duckdb_views()) where schema_name = ? and name = ?")
    params: list[object] = [schema, name]
    if database is not None:
        sql += " and database_name = ?"
        params.append(database)
    return con.execute(sql, params).fetchall()[0][0] > 0


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None
          ) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def fmt_num(value: object) -> str:
    """212.4 -> '212.4', 30.0 -> '30', None -> 'null'."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "null"
    v = float(value)  # type: ignore[arg-type]
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.1f}" if abs(v) >= 1 else f"{v:.3g}"


def fmt_share(value: float) -> str:
    return f"{100.0 * value:.1f}%"


# Person-identifier shapes (the publish step's privacy guard looks for the same ones):
# NHS-number-like digits, local patient IDs of the demo format, 32-hex pseudonyms.
_IDENTIFIER_SHAPES = re.compile(
    r"\b\d{3} ?\d{3} ?\d{4}\b|\b[A-Z0-9]{3}LP\d{8}\b|\b[0-9a-fA-F]{32}\b")


def redact(text: str) -> str:
    """Replace anything shaped like a person identifier (summaries go to the publish log)."""
    return _IDENTIFIER_SHAPES.sub("[redacted]", text)
