"""MHSDS submissions: a provider's month of tables, judged by its MHS000Header (the
delivery date orders submissions: an older one is stale, a newer one replaces every table
of the month), and files that share a slot (refused: which one to load is not clear)."""

import logging
from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING

import duckdb

from pipelines.contract import Contract, Table
from pipelines.ingest import dates, reader, validate
from pipelines.ingest.discover import DiscoveredFile
from pipelines.ingest.load_file import month_end
from pipelines.ingest.report import FileOutcome

if TYPE_CHECKING:
    from pipelines.ingest.load import Ingestor

log = logging.getLogger(__name__)


def read_header(
    con: duckdb.DuckDBPyConnection, f: DiscoveredFile, table: Table, date_format: str = dates.ISO
) -> tuple[datetime, str | None]:
    """Validate MHS000Header against its folder; return DateTimeDatSetCreate."""
    reader.file_facts(f.path, check_utf8=reader.is_csv(f.path))
    reader.read_into(con, f.path, table, target="_hdr")
    formats = dates.judge(con, table, f.family, date_format, source="_hdr")

    def typed(name: str) -> str:  # the header's dates as the file writes them
        col = table.column(name)
        return dates.parse_sql(f"nullif(trim({validate.ident(name)}), '')", col.type,
                               dates.format_of(formats, col))

    rows = con.execute(
        f'select trim("OrgIDProv"), {typed("ReportingPeriodStartDate")}, '
        f"{typed('DateTimeDatSetCreate')} from _hdr"
    ).fetchall()
    if len(rows) != 1:
        raise reader.FileRejected(f"MHS000Header must have exactly one row, found {len(rows)}")
    org, start, created = rows[0]
    if org != f.provider:
        raise reader.FileRejected(
            f"OrgIDProv {org!r} in MHS000Header does not match the provider folder {f.provider!r}"
        )
    if start != f.period_start:
        raise reader.FileRejected(
            f"ReportingPeriodStartDate {start} in MHS000Header does not match the month folder "
            f"{f.period_start:%Y-%m}"
        )
    end = con.execute(f"select {typed('ReportingPeriodEndDate')} from _hdr").fetchall()[0][0]
    if end != month_end(f.period_start):
        raise reader.FileRejected(
            f"ReportingPeriodEndDate {end} in MHS000Header does not match the month folder "
            f"{f.period_start:%Y-%m} (expected {month_end(f.period_start)})"
        )
    if created is None:
        raise reader.FileRejected("DateTimeDatSetCreate is missing or not a timestamp")
    return created, None


def split_doubled_slots(
    files: list[DiscoveredFile],
) -> tuple[list[DiscoveredFile], list[tuple[DiscoveredFile, list[DiscoveredFile]]]]:
    """Set aside files that share a slot with another file (``X.csv`` and ``X.parquet``).

    Loading both would let sort order decide silently which one wins; both are refused.
    """
    by_slot: dict[tuple[str, str, str], list[DiscoveredFile]] = defaultdict(list)
    for f in files:
        if f.table is not None and not f.problem:
            by_slot[f.slot].append(f)
    doubled = [(f, group) for group in by_slot.values() if len(group) > 1 for f in group]
    out = {id(f) for f, _ in doubled}
    return [f for f in files if id(f) not in out], doubled


def ingest_submission(
    ing: "Ingestor",
    contract: Contract,
    members: list[DiscoveredFile],
    refused_tables: set[str] | None = None,
) -> list[FileOutcome]:
    header_table = contract.table("mhs000_header")
    header = next(
        (m for m in members if m.table is not None and m.table.name == header_table.name), None
    )
    others = [m for m in members if m is not header]
    if header is None:
        msg = "submission has no MHS000Header file, so its delivery date cannot be judged"
        return [ing._reject_unreadable(m, f"{m.relpath}: {msg}") for m in members]
    try:
        created, _ = read_header(ing.con, header, header_table, ing.date_format("mhsds"))
    except reader.FileRejected as exc:
        out = [ing._reject_unreadable(header, f"{header.relpath}: {exc}")]
        msg = f"submission rejected because its MHS000Header is invalid ({exc})"
        return out + [ing._reject_unreadable(m, f"{m.relpath}: {msg}") for m in others]
    loaded_created = ing.con.execute(
        "select max(submission_created) from meta.manifest where table_name = 'mhs000_header' "
        "and status = 'loaded' and provider = ? and period_start = ?",
        [header.provider, header.period_start],
    ).fetchone()[0]
    if loaded_created is not None and created < loaded_created:
        msg = (
            f"stale delivery: DateTimeDatSetCreate {created} is older than the loaded "
            f"submission ({loaded_created}); not loaded"
        )
        return [ing._reject_unreadable(m, f"{m.relpath}: {msg}", status="stale") for m in members]
    refresh = loaded_created is not None and created > loaded_created
    outcomes = [ing.ingest_file(header, created=created, force_replace=refresh)]
    for m in others:
        outcomes.append(ing.ingest_file(m, created=created, force_replace=refresh))
    present = {m.table.name for m in members if m.table is not None} | (refused_tables or set())
    # an optional table (MHS903WardDetails) may be left out: not recorded as missing
    missing = [
        t for t in contract.by_family("mhsds") if t.name not in present and not t.optional
    ]
    if missing:
        log.warning(
            "%s/%s: tables missing from the submission: %s",
            header.provider,
            header.period_start,
            ", ".join(t.source_table for t in missing),
        )
    for table in missing:
        outcomes.append(ing.record_missing(header, table, created))
    return outcomes
