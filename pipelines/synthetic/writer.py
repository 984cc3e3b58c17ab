"""Writing files: CSV (UTF-8, header, empty = null) or Parquet, through DuckDB."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

FORMATS = ("csv", "parquet")


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


class Writer:
    """Writes query results and frames; remembers every file and its row count."""

    def __init__(self, con: duckdb.DuckDBPyConnection, fmt: str) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}")
        self.con = con
        self.fmt = fmt

    @property
    def suffix(self) -> str:
        return "." + self.fmt

    def _options(self) -> str:
        if self.fmt == "csv":
            return "(FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"')"
        return "(FORMAT parquet)"

    def query(self, sql: str, path: Path) -> int:
        path.parent.mkdir(parents=True, exist_ok=True)
        result = self.con.execute(f"COPY ({sql}) TO {_sql_path(path)} {self._options()}")
        row = result.fetchone()
        return int(row[0]) if row else 0

    def fetch(self, sql: str) -> pd.DataFrame:
        """Query result as a frame of strings (None for null)."""
        df = self.con.execute(sql).df()
        return df.astype(object).where(df.notna(), None)

    def frame(self, df: pd.DataFrame, path: Path, encoding: str = "utf-8") -> int:
        """Write a frame of strings (None or '' = null) with the same layout as ``query``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        clean = df.astype(object)
        clean = clean.where(clean.notna() & (clean != ""), None)
        if encoding != "utf-8":
            if self.fmt != "csv":
                raise ValueError("only CSV files can be written in another encoding")
            clean.to_csv(path, index=False, lineterminator="\n", encoding=encoding, na_rep="")
            return len(clean)
        name = "_frame_to_write"
        self.con.register(name, clean)
        try:
            cols = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in clean.columns)
            return self.query(f"SELECT {cols} FROM {name}", path)
        finally:
            self.con.unregister(name)
