"""Backfill requests: mark the manifest rows of a range of months so that the next ingest
reloads their files, and close the requests once reloaded (the mechanism is described in
pipelines/operations/backfill.py, the command)."""

import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from pipelines.config import Settings

log = logging.getLogger(__name__)

MONTH = re.compile(r"^(\d{4})-(\d{2})$")

REQUESTS_DDL = """
create table if not exists meta.backfill_requests (
    backfill_id varchar not null,
    requested_at timestamp not null,
    month_from date not null,
    month_to date not null,
    provider varchar,
    file_id bigint not null,
    relpath varchar not null,
    table_name varchar,
    file_provider varchar,
    period_start date,
    status_before varchar,
    content_hash varchar,
    file_id_watermark bigint not null,
    closed_at timestamp,
    outcome varchar
)
"""


class BackfillError(RuntimeError):
    """The backfill cannot be requested (bad range, no warehouse, nothing to reload)."""


@dataclass(frozen=True)
class MarkedFile:
    file_id: int
    relpath: str
    table_name: str | None
    provider: str | None
    period_start: date
    status: str


@dataclass
class BackfillRequest:
    backfill_id: str
    start: date
    end: date
    provider: str | None
    files: list[MarkedFile] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # loaded, but no longer in the raw folder
    already_pending: list[str] = field(default_factory=list)

    @property
    def relpaths(self) -> list[str]:
        return sorted({f.relpath for f in self.files})

    def summary(self) -> str:
        who = f"provider {self.provider}" if self.provider else "all providers"
        months: dict[str, int] = {}
        for f in self.files:
            key = f"{f.provider or '-'} {f.period_start:%Y-%m}"
            months[key] = months.get(key, 0) + 1
        lines = [
            f"backfill {self.backfill_id}: {self.start:%Y-%m}..{self.end:%Y-%m}, {who}: "
            f"{len(self.relpaths)} file(s) to reload ({len(self.files)} manifest row(s))"
        ]
        lines += [f"  {k}: {n} manifest row(s)" for k, n in sorted(months.items())]
        if self.already_pending:
            lines.append(
                f"  {len(self.already_pending)} file(s) already waiting for a reload "
                "(earlier backfill)"
            )
        for relpath in self.missing:
            lines.append(f"  NOT RELOADED (no longer in the raw folder, rows kept): {relpath}")
        return "\n".join(lines)


@dataclass
class FinaliseReport:
    closed: int
    pending: list[str]


def parse_month(text: str) -> date:
    m = MONTH.match(text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise BackfillError(f"{text!r} is not a month (YYYY-MM)")
    return date(int(m.group(1)), int(m.group(2)), 1)


def _connect(settings: Settings, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    if not settings.warehouse.exists():
        raise BackfillError(
            f"no warehouse at {settings.warehouse}: run the pipeline (make run) first"
        )
    return duckdb.connect(str(settings.warehouse), read_only=read_only)


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def _plan(
    con: duckdb.DuckDBPyConnection,
    raw_dir: Path,
    start: date,
    end: date,
    provider: str | None,
    backfill_id: str,
) -> BackfillRequest:
    if not _has_table(con, "meta", "manifest"):
        raise BackfillError("the warehouse has no meta.manifest: run the pipeline first")
    # pending = marked by an earlier backfill and not reloaded yet (rows without a hash that
    # are not ours, e.g. status 'missing' for a table absent from a submission, are skipped)
    pending_sql = (
        "exists (select 1 from meta.backfill_requests b "
        "where b.file_id = m.file_id and b.closed_at is null)"
        if _has_table(con, "meta", "backfill_requests")
        else "false"
    )
    rows = con.execute(
        f"""select file_id, relpath, table_name, provider, period_start, status,
                   {pending_sql} as pending, content_hash is not null as has_hash
            from meta.manifest as m
            where period_start is not null and period_start between ? and ?
              and (cast(? as varchar) is null or provider = ?)
            order by relpath, file_id""",
        [start, end, provider, provider],
    ).fetchall()
    req = BackfillRequest(backfill_id, start, end, provider)
    if not rows:
        who = f" for provider {provider}" if provider else ""
        raise BackfillError(
            f"no file of {start:%Y-%m}..{end:%Y-%m}{who} in meta.manifest: nothing to backfill"
        )
    latest: dict[str, str] = {}
    pending: set[str] = set()
    for file_id, relpath, table_name, prov, period, status, is_pending, has_hash in rows:
        latest[relpath] = status  # rows are ordered by file_id within a path
        if is_pending:
            pending.add(relpath)
            continue
        if has_hash and (raw_dir / relpath).is_file():
            req.files.append(MarkedFile(file_id, relpath, table_name, prov, period, status))
    req.missing = sorted(
        p for p, s in latest.items() if s == "loaded" and not (raw_dir / p).is_file()
    )
    req.already_pending = sorted(pending - set(req.relpaths))
    return req


def request_backfill(
    settings: Settings,
    start: date,
    end: date,
    provider: str | None = None,
    dry_run: bool = False,
) -> BackfillRequest:
    """Mark the manifest rows of the months so the next ingest reloads their files.

    One transaction: audit rows into meta.backfill_requests, content_hash set to NULL.
    ``dry_run`` only plans (read-only). Raises BackfillError when nothing matches.
    """
    if start > end:
        raise BackfillError(f"--from {start:%Y-%m} is after --to {end:%Y-%m}")
    backfill_id = datetime.now().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    con = _connect(settings, read_only=dry_run)
    try:
        req = _plan(con, settings.raw_dir, start, end, provider, backfill_id)
        if dry_run or not req.files:
            return req
        ids = [f.file_id for f in req.files]
        con.execute("begin transaction")
        try:
            con.execute(REQUESTS_DDL).fetchall()
            watermark = con.execute("select max(file_id) from meta.manifest").fetchone()[0]
            con.execute(
                """insert into meta.backfill_requests
                   select ?, ?, ?, ?, ?, file_id, relpath, table_name, provider, period_start,
                          status, content_hash, ?, null, null
                   from meta.manifest where list_contains(?, file_id)""",
                [backfill_id, datetime.now(), start, end, provider, watermark, ids],
            ).fetchall()
            con.execute(
                "update meta.manifest set content_hash = null where list_contains(?, file_id)",
                [ids],
            ).fetchall()
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        con.execute("checkpoint").fetchall()
        return req
    finally:
        con.close()


def finalise_backfills(settings: Settings, cancel_pending: bool = False) -> FinaliseReport:
    """Close the requests whose file was reloaded (old row gets its content_hash back).

    With ``cancel_pending`` the open requests are closed too, without a reload: their rows
    get their content_hash back, so ingestion treats the files as unchanged again.
    """
    con = _connect(settings)
    try:
        if not _has_table(con, "meta", "backfill_requests"):
            return FinaliseReport(0, [])
        now = datetime.now()
        con.execute("begin transaction")
        try:
            con.execute(
                """update meta.backfill_requests as b set closed_at = ?, outcome = 'reloaded'
                   where b.closed_at is null and exists (
                       select 1 from meta.manifest n
                       where n.relpath = b.relpath and n.file_id > b.file_id_watermark)""",
                [now],
            ).fetchall()
            if cancel_pending:
                con.execute(
                    "update meta.backfill_requests set closed_at = ?, outcome = 'cancelled' "
                    "where closed_at is null",
                    [now],
                ).fetchall()
            closed = con.execute(
                "select count(*) from meta.backfill_requests where closed_at = ?", [now]
            ).fetchone()[0]
            con.execute(
                """update meta.manifest as m set content_hash = b.content_hash
                   from meta.backfill_requests as b
                   where b.closed_at = ? and m.file_id = b.file_id and m.content_hash is null""",
                [now],
            ).fetchall()
            pending = [
                r[0]
                for r in con.execute(
                    "select distinct relpath from meta.backfill_requests where closed_at is null "
                    "order by relpath"
                ).fetchall()
            ]
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        return FinaliseReport(int(closed), pending)
    finally:
        con.close()

