"""Read one raw file into a temporary all-text table, checking it first.

File-level problems (not UTF-8, empty, no header, missing required columns,
duplicate column names) raise :class:`FileRejected` with a message that
names the file and the problem. Rows DuckDB cannot parse (too few or too
many fields, unterminated quotes) are returned as parse rejects with their
line number, so they can be quarantined.
"""

import codecs
import csv
import gzip
import hashlib
import io
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import duckdb
import pandas as pd

from pipelines.contract import Table
from pipelines.ingest import xlsx
from pipelines.ingest.discover import data_stem, data_suffix
from pipelines.ingest.warehouse import register_frame, run

CHUNK = 1 << 20


class FileRejected(Exception):
    """The whole file is refused; nothing of it is loaded."""


@dataclass
class FileFacts:
    content_hash: str
    size_bytes: int
    lines: int
    # identity of the file when it was hashed: a later stat that differs means it changed
    mtime_ns: int = 0
    inode: int = 0


@dataclass
class ReadResult:
    column_map: dict[str, str]  # contract source name -> name in the file
    extra_columns: list[str]
    records: int  # rows parsed into the temp table
    parse_rejects: list[tuple[int, str | None, str]] = field(default_factory=list)


def is_csv(path: Path) -> bool:
    """CSV, plain or gzip-compressed (``.csv.gz``)."""
    return data_suffix(path) in {".csv", ".csv.gz"}


def _is_gzip(path: Path) -> bool:
    return data_suffix(path) == ".csv.gz"


def _open_text(path: Path) -> IO[str]:
    """A CSV file as text, decompressing ``.csv.gz`` on the fly."""
    if _is_gzip(path):
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


class _TextLines:
    """Counts the lines of a stream of chunks and, if asked, checks it is strict UTF-8,
    naming the line of the first bad byte (one implementation for .csv and .csv.gz)."""

    def __init__(self, check_utf8: bool) -> None:
        self.decoder = codecs.getincrementaldecoder("utf-8")("strict") if check_utf8 else None
        self.lines = 0
        self.last = b""

    def feed(self, chunk: bytes) -> None:
        if self.decoder is not None:
            try:
                self.decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                bad_line = self.lines + chunk[: exc.start].count(b"\n") + 1
                raise FileRejected(
                    f"not UTF-8 encoded: invalid byte 0x{chunk[exc.start]:02x} on line "
                    f"{bad_line} (save the extract as UTF-8)"
                ) from None
        self.lines += chunk.count(b"\n")
        self.last = chunk

    def finish(self) -> int:
        """The line count (a last line without a newline counts)."""
        if self.decoder is not None:
            try:
                self.decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                raise FileRejected(
                    "not UTF-8 encoded: truncated multi-byte character at end"
                ) from None
        return self.lines + (1 if self.last and not self.last.endswith(b"\n") else 0)


def _gzip_lines(path: Path) -> int:
    """Lines of a ``.csv.gz`` file once decompressed, with the strict UTF-8 check of CSV."""
    text = _TextLines(check_utf8=True)
    try:
        with gzip.open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                text.feed(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        raise FileRejected(f"not a readable gzip file ({exc})") from None
    return text.finish()


def file_facts(path: Path, check_utf8: bool) -> FileFacts:
    """Hash, size and line count in one pass; for CSV also a strict UTF-8 check (of the
    decompressed text for ``.csv.gz``; the hash is always of the file's bytes)."""
    if check_utf8 and _is_gzip(path):
        facts = file_facts(path, check_utf8=False)
        facts.lines = _gzip_lines(path)
        return facts
    digest = hashlib.sha256()
    text = _TextLines(check_utf8)
    size = 0
    with open(path, "rb") as fh:
        st = os.fstat(fh.fileno())
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            text.feed(chunk)
            size += len(chunk)
    return FileFacts(digest.hexdigest(), size, text.finish(), st.st_mtime_ns, st.st_ino)


def changed_since(path: Path, facts: FileFacts) -> str | None:
    """Why ``path`` no longer has the content ``facts`` describe, or None if it is unchanged.

    Called after a file was read and loaded (inside the load's transaction): a file that
    was replaced, grew, shrank or was rewritten while it was read must not be committed,
    because what DuckDB read may be a mix of two versions. The cheap stat comparison
    catches most changes; the content hash catches a rewrite of the same size within the
    same timestamp tick.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "the file was removed while it was being read"
    if st.st_ino != facts.inode:
        return "the file was replaced while it was being read"
    if st.st_size != facts.size_bytes:
        return (
            f"the file changed size while it was being read ({facts.size_bytes} -> "
            f"{st.st_size} bytes)"
        )
    if st.st_mtime_ns != facts.mtime_ns:
        return "the file was modified while it was being read"
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    if digest.hexdigest() != facts.content_hash:
        return "the file content changed while it was being read"
    return None


DELIMITER_NAMES = {";": "semicolons", "\t": "tabs", "|": "pipes"}


def _csv_header(path: Path) -> list[str]:
    try:
        with _open_text(path) as fh:
            first = fh.readline()
    except (OSError, EOFError, zlib.error) as exc:  # a damaged .csv.gz
        raise FileRejected(f"not a readable gzip file ({exc})") from None
    except UnicodeDecodeError:  # before file_facts' own check (reference.assign_providers)
        raise FileRejected("not UTF-8 encoded (save the extract as UTF-8)") from None
    if not first.strip():
        raise FileRejected("empty file: no header row")
    header = next(csv.reader(io.StringIO(first)))
    if len(header) == 1:
        # One column only: most likely an export with another delimiter.
        counts = {d: header[0].count(d) for d in DELIMITER_NAMES}
        delim = max(counts, key=lambda d: counts[d])
        if counts[delim]:
            raise FileRejected(
                f"wrong delimiter: the header row is separated by {DELIMITER_NAMES[delim]} "
                f"({delim!r}), not commas; save the extract as comma-separated CSV"
            )
    return header


def _match_columns(table: Table, header: list[str]) -> tuple[dict[str, str], list[str]]:
    cleaned = [h.strip() for h in header]
    lowered = [h.lower() for h in cleaned]
    dupes = sorted({h for h in lowered if lowered.count(h) > 1})
    if dupes:
        raise FileRejected(f"duplicate column name(s) in header: {', '.join(dupes)}")
    by_lower = {h.lower(): h for h in cleaned}
    mapping: dict[str, str] = {}
    missing: list[str] = []
    for col in table.columns:
        found = by_lower.get(col.source.lower())
        if found is None:
            if col.required:
                missing.append(col.source)
        else:
            mapping[col.source] = found
    if missing:
        raise FileRejected(
            f"missing required column(s) {', '.join(missing)} for {table.source_table} "
            f"(header has: {', '.join(cleaned) or 'nothing'})"
        )
    known = {c.source.lower() for c in table.columns}
    extra = [h for h in cleaned if h.lower() not in known]
    return mapping, extra


def header_of(path: Path) -> list[str]:
    """The column names of a data file, without reading its rows (FileRejected when it
    cannot be read)."""
    suffix = data_suffix(path)
    if suffix == ".xlsx":
        try:
            return xlsx.read_sheet(path, data_stem(path), header_only=True).header
        except xlsx.XlsxError as exc:
            raise FileRejected(str(exc)) from None
    if suffix == ".parquet":
        with duckdb.connect() as con:
            try:
                return [r[0] for r in con.execute(
                    "select column_name from (describe select * from read_parquet(?))",
                    [str(path)],
                ).fetchall()]
            except duckdb.Error as exc:
                raise FileRejected(f"unreadable Parquet file: {exc}") from None
    return [h.strip() for h in _csv_header(path)]


def _read_xlsx(
    con: duckdb.DuckDBPyConnection, path: Path, table: Table, target: str
) -> ReadResult:
    """An .xlsx sheet into ``target``, as text: the same temp table a CSV file gives."""
    try:
        sheet = xlsx.read_sheet(path, data_stem(path))
    except xlsx.XlsxError as exc:
        raise FileRejected(str(exc)) from None
    mapping, extra = _match_columns(table, sheet.header)
    position = {h.strip(): i for i, h in enumerate(sheet.header)}
    # positional column names: a header cell may hold anything, quotes included
    frame = pd.DataFrame(
        {f"c{i}": pd.Series([r[i] for r in sheet.rows], dtype="object")
         for i in range(len(sheet.header))}
    )
    frame.insert(0, "_rid", pd.Series(range(len(sheet.rows)), dtype="int64"))
    register_frame(con, f"{target}_df", frame)
    select = ", ".join(
        f'cast(c{position[mapping[c.source]]} as varchar) as "{c.source}"'
        if c.source in mapping
        else f'cast(null as varchar) as "{c.source}"'
        for c in table.columns
    )
    run(con, f"create or replace temp table {target}_0 as "
             f"select _rid, {select} from {target}_df")
    con.unregister(f"{target}_df")
    run(con, f"create or replace temp view {target} as select * from {target}_0")
    return ReadResult(mapping, extra, len(sheet.rows))


def read_into(
    con: duckdb.DuckDBPyConnection, path: Path, table: Table, target: str = "_in"
) -> ReadResult:
    """Load ``path`` as text into temp table ``target`` (one column per contract column)."""
    suffix = data_suffix(path)
    if suffix == ".xlsx":
        return _read_xlsx(con, path, table, target)
    if suffix == ".parquet":
        try:
            # top-level columns only (parquet_schema also lists the root and nested fields)
            header = [
                r[0]
                for r in con.execute(
                    "select column_name from (describe select * from read_parquet(?))",
                    [str(path)],
                ).fetchall()
            ]
        except duckdb.Error as exc:
            raise FileRejected(f"unreadable Parquet file: {exc}") from None
        mapping, extra = _match_columns(table, header)
        select = ", ".join(
            f'cast("{mapping[c.source]}" as varchar) as "{c.source}"'
            if c.source in mapping
            else f'cast(null as varchar) as "{c.source}"'
            for c in table.columns
        )
        run(
            con,
            f"create or replace temp table {target}_0 as "
            f"select row_number() over () - 1 as _rid, {select} from read_parquet(?)",
            [str(path)],
        )
        run(con, f"create or replace temp view {target} as select * from {target}_0")
        n = con.execute(f"select count(*) from {target}").fetchall()[0][0]
        return ReadResult(mapping, extra, n)

    header = _csv_header(path)
    mapping, extra = _match_columns(table, header)
    col_spec = (
        "{" + ", ".join("'" + h.strip().replace("'", "''") + "': 'VARCHAR'" for h in header) + "}"
    )
    select = ", ".join(
        f'"{mapping[c.source]}" as "{c.source}"'
        if c.source in mapping
        else f'cast(null as varchar) as "{c.source}"'
        for c in table.columns
    )
    run(con, "drop table if exists _rejects")
    run(con, "drop table if exists _rejects_scan")
    try:
        run(
            con,
            f"""
            create or replace temp table {target}_0 as
            select {select}
            from read_csv(?, header = true, auto_detect = false, columns = {col_spec},
                          delim = ',', quote = '"', escape = '"', strict_mode = true,
                          store_rejects = true, rejects_table = '_rejects',
                          rejects_scan = '_rejects_scan', max_line_size = 1048576)
            """,
            [str(path)],
        )
    except duckdb.Error as exc:
        raise FileRejected(f"could not be read as CSV: {str(exc).splitlines()[0]}") from None
    # A stable record number: rowids of a fresh table follow insertion order, which
    # DuckDB preserves for CSV scans (preserve_insertion_order is on by default). A view
    # rather than a copy: copying every file once more cost a twentieth of the ingest.
    base = con.execute(f"select min(rowid) from {target}_0").fetchall()[0][0] or 0
    run(
        con,
        f"create or replace temp view {target} as select "
        f"rowid - {int(base)} as _rid, * from {target}_0",
    )
    n = con.execute(f"select count(*) from {target}_0").fetchall()[0][0]
    rejects = con.execute(
        "select line, arg_min(column_name, column_idx), "
        "arg_min(error_type || ': ' || error_message, column_idx) "
        "from _rejects group by line order by line"
    ).fetchall()
    return ReadResult(mapping, extra, n, [(int(r[0]), r[1], r[2]) for r in rejects])


def record_lines(path: Path, skip_lines: set[int]) -> list[int]:
    """Starting line of each parsed record, in order, skipping lines DuckDB rejected.

    Only called for files that have quarantined rows, to report true line
    numbers even when quoted fields contain newlines.
    """
    if data_suffix(path) == ".xlsx":  # the sheet's row numbers (blank rows are left out)
        return xlsx.read_sheet(path, data_stem(path)).row_numbers
    starts: list[int] = []
    with _open_text(path) as fh:
        reader = csv.reader(fh)
        prev_end = 1
        next(reader, None)
        prev_end = reader.line_num
        for _ in reader:
            start = prev_end + 1
            prev_end = reader.line_num
            if start not in skip_lines:
                starts.append(start)
    return starts
