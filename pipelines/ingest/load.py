"""Load the raw drop folder into the warehouse: the ingestion entry point.

Rules (docs/ingestion.md explains them):
- A file whose content (hash) was seen before at the same path is a no-op.
- A file replaces the earlier file of its slot (table, provider, month)
  in one transaction; a reference file replaces the whole table.
- MHSDS submissions are ordered by MHS000Header.DateTimeDatSetCreate: an
  older delivery than the one loaded is rejected as stale; a newer one
  replaces every table it contains for that provider and month.
- A rejected file loads nothing and leaves the slot's previous data alone.
- Every record read is either loaded or quarantined (rows_in = rows_loaded
  + rows_quarantined in meta.manifest).
"""

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.config import Settings
from pipelines.contract import Contract, Table, load_contract
from pipelines.ingest import reader, validate
from pipelines.ingest.discover import DiscoveredFile, discover, is_synthetic
from pipelines.ingest.pseudonymise import nhs_number_valid, pseudonym, resolve_key
from pipelines.ingest.warehouse import (
    connect,
    ensure_schema,
    has_nhs_number,
    raw_columns,
    register_frame,
    run,
    stored_name,
)

log = logging.getLogger(__name__)


@dataclass
class FileOutcome:
    relpath: str
    table: str | None
    status: str  # loaded | unchanged | rejected | stale | ignored
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str | None = None


@dataclass
class IngestReport:
    run_id: str
    outcomes: list[FileOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def rows_loaded(self) -> int:
        return sum(o.rows_loaded for o in self.outcomes)

    @property
    def rows_quarantined(self) -> int:
        return sum(o.rows_quarantined for o in self.outcomes)

    @property
    def problems(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status in {"rejected", "stale", "ignored"}]

    def rows_by_table(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for o in self.outcomes:
            if o.table:
                out[o.table] += o.rows_loaded
        return dict(out)

    def summary(self) -> str:
        text = (
            f"ingest {self.run_id}: {len(self.outcomes)} files, {self.count('loaded')} loaded, "
            f"{self.count('unchanged')} unchanged, {len(self.problems)} rejected; "
            f"{self.rows_loaded} rows loaded, {self.rows_quarantined} quarantined"
        )
        for p in self.problems:
            text += f"\n  REJECTED {p.relpath}: {p.message}"
        return text


def _month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


class Ingestor:
    def __init__(
        self, con: duckdb.DuckDBPyConnection, contract: Contract, key: bytes, run_id: str
    ) -> None:
        self.con = con
        self.contract = contract
        self.key = key
        self.run_id = run_id
        self.now = datetime.now().replace(microsecond=0)

    # -------------------------------------------------------------- manifest
    def _next_file_id(self) -> int:
        return int(
            self.con.execute("select coalesce(max(file_id), 0) + 1 from meta.manifest").fetchone()[
                0
            ]
        )

    def _seen_before(self, relpath: str, content_hash: str) -> tuple[int, str] | None:
        row = self.con.execute(
            "select file_id, status from meta.manifest where relpath = ? and content_hash = ? "
            "order by file_id desc limit 1",
            [relpath, content_hash],
        ).fetchone()
        return (int(row[0]), str(row[1])) if row else None

    def _current_file(self, f: DiscoveredFile) -> int | None:
        assert f.table is not None
        row = self.con.execute(
            "select file_id from meta.manifest where table_name = ? and status = 'loaded' "
            "and coalesce(provider, '') = ? and coalesce(cast(period_start as varchar), '') = ? "
            "order by file_id desc limit 1",
            [f.table.name, f.provider or "", f.period_start.isoformat() if f.period_start else ""],
        ).fetchone()
        return int(row[0]) if row else None

    def _record(
        self,
        f: DiscoveredFile,
        facts: reader.FileFacts | None,
        status: str,
        message: str | None,
        **counts: object,
    ) -> int:
        file_id = self._next_file_id()
        run(
            self.con,
            """insert into meta.manifest (file_id, run_id, relpath, family, table_name, provider,
               period_start, content_hash, size_bytes, lines_in, rows_in, rows_loaded,
               rows_quarantined, nhs_numbers_total, nhs_numbers_valid, submission_created,
               status, message, first_seen_at, last_seen_at, loaded_at)
               values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                file_id,
                self.run_id,
                f.relpath,
                f.family,
                f.table.name if f.table else None,
                f.provider,
                f.period_start,
                facts.content_hash if facts else None,
                facts.size_bytes if facts else None,
                facts.lines if facts else None,
                counts.get("rows_in", 0),
                counts.get("rows_loaded", 0),
                counts.get("rows_quarantined", 0),
                counts.get("nhs_total"),
                counts.get("nhs_valid"),
                counts.get("created"),
                status,
                message,
                self.now,
                self.now,
                self.now if status == "loaded" else None,
            ],
        )
        return file_id

    def _touch(self, file_id: int) -> None:
        run(
            self.con,
            "update meta.manifest set last_seen_at = ? where file_id = ?",
            [self.now, file_id],
        )

    # -------------------------------------------------------------- one file
    def ingest_file(
        self, f: DiscoveredFile, created: datetime | None = None, force_replace: bool = False
    ) -> FileOutcome:
        """Validate and load one file in a single transaction."""
        if f.problem or f.table is None:
            return self._reject_unreadable(f, f.problem or "unknown file", status="ignored")
        table = f.table
        try:
            facts = reader.file_facts(f.path, check_utf8=f.path.suffix.lower() == ".csv")
        except reader.FileRejected as exc:
            return self._reject_unreadable(f, str(exc))
        seen = self._seen_before(f.relpath, facts.content_hash)
        if seen and not force_replace:
            self._touch(seen[0])
            status = "unchanged" if seen[1] in {"loaded", "superseded"} else seen[1]
            msg = None if status == "unchanged" else "same content as a file already rejected"
            return FileOutcome(f.relpath, table.name, status, message=msg)

        run(self.con, "begin transaction")
        try:
            outcome = self._load(f, table, facts, created)
            run(self.con, "commit")
        except reader.FileRejected as exc:
            run(self.con, "rollback")
            self._record(f, facts, "rejected", f"{f.relpath}: {exc}")
            outcome = FileOutcome(f.relpath, table.name, "rejected", message=f"{f.relpath}: {exc}")
        except Exception:
            run(self.con, "rollback")
            raise
        if outcome.status == "rejected":
            log.error("%s", outcome.message)
        return outcome

    def _reject_unreadable(
        self, f: DiscoveredFile, message: str, status: str = "rejected"
    ) -> FileOutcome:
        full = message if message.startswith(f.relpath) else f"{f.relpath}: {message}"
        try:
            facts = reader.file_facts(f.path, check_utf8=False)
        except OSError:
            facts = None
        if facts is not None:
            seen = self._seen_before(f.relpath, facts.content_hash)
            if seen:
                self._touch(seen[0])
                return FileOutcome(
                    f.relpath, f.table.name if f.table else None, seen[1], message=full
                )
        self._record(f, facts, status, full)
        log.error("%s", full)
        return FileOutcome(f.relpath, f.table.name if f.table else None, status, message=full)

    def _pseudonym_table(self, name: str, column: str, namespace: str, nhs: bool) -> None:
        values = [
            r[0]
            for r in self.con.execute(
                f"select distinct nullif(trim({validate.ident(column)}), '') from _in "
                f"where nullif(trim({validate.ident(column)}), '') is not null"
            ).fetchall()
        ]
        frame = pd.DataFrame(
            {
                "v": pd.Series(values, dtype="object"),
                "k": pd.Series(
                    [
                        pseudonym(self.key, namespace, v.replace(" ", "") if nhs else v)
                        for v in values
                    ],
                    dtype="object",
                ),
                "ok": pd.Series(
                    [nhs_number_valid(v) for v in values] if nhs else [True] * len(values),
                    dtype="bool",
                ),
            }
        )
        register_frame(self.con, f"{name}_df", frame)
        run(self.con, f"create or replace temp table {name} as select * from {name}_df")
        self.con.unregister(f"{name}_df")

    def _load(
        self, f: DiscoveredFile, table: Table, facts: reader.FileFacts, created: datetime | None
    ) -> FileOutcome:
        con = self.con
        read = reader.read_into(con, f.path, table)
        period_end = _month_end(f.period_start) if f.period_start else None
        run(
            con,
            "create or replace temp table _fail as "
            + validate.failures_sql(table, period_end, f.provider if f.family == "mhsds" else None),
        )
        run(con, "insert into _fail " + validate.duplicate_sql(table))
        # pseudonyms for identifiers (namespaced by provider for local IDs)
        joins: list[str] = []
        select: list[str] = []
        for col in table.columns:
            if col.pii == "local_patient_id":
                ns = f"lpi|{f.provider or ''}"
                self._pseudonym_table("_pk_lpi", col.source, ns, nhs=False)
                joins.append(
                    "left join _pk_lpi on _pk_lpi.v = "
                    f"nullif(trim(i.{validate.ident(col.source)}), '')"
                )
                select.append("_pk_lpi.k")
            elif col.pii == "nhs_number":
                self._pseudonym_table("_pk_nhs", col.source, "nhs", nhs=True)
                joins.append(
                    "left join _pk_nhs on _pk_nhs.v = "
                    f"nullif(trim(i.{validate.ident(col.source)}), '')"
                )
                select.append("_pk_nhs.k")
            elif col.pii == "birth_date":
                select.append(
                    f"date_trunc('month', {validate.typed_expr(col)})::date".replace(
                        validate.ident(col.source), "i." + validate.ident(col.source)
                    )
                )
            else:
                select.append(
                    validate.typed_expr(col).replace(
                        validate.ident(col.source), "i." + validate.ident(col.source)
                    )
                )
        nhs_total = nhs_valid = None
        if has_nhs_number(table):
            select.append("coalesce(_pk_nhs.ok, false)")
        file_id = self._next_file_id()
        select += [
            str(file_id),
            "i._rid + 1",
            validate.q(f.provider) if f.provider else "null",
            f"date {validate.q(f.period_start.isoformat())}" if f.period_start else "null",
            f"timestamp {validate.q(created.isoformat(sep=' '))}" if created else "null",
            f"timestamp {validate.q(self.now.isoformat(sep=' '))}",
        ]
        names = ", ".join(validate.ident(n) for n, _ in raw_columns(table))
        current = self._current_file(f)
        if table.family == "reference":
            run(con, f"delete from raw.{table.name}")
        else:
            run(
                con,
                f"delete from raw.{table.name} where _provider = ? and _period_start = ?",
                [f.provider, f.period_start],
            )
        run(
            con,
            f"insert into raw.{table.name} ({names}) select {', '.join(select)} "
            f"from _in i {' '.join(joins)} where i._rid not in (select rid from _fail)",
        )
        loaded = int(
            con.execute(
                f"select count(*) from raw.{table.name} where _file_id = ?", [file_id]
            ).fetchone()[0]
        )
        if has_nhs_number(table):
            nhs_total, nhs_valid = con.execute(
                f"select count(nhs_number_key), count(*) filter (where nhs_number_valid) "
                f"from raw.{table.name} where _file_id = ?",
                [file_id],
            ).fetchone()
        # quarantine: validation failures and rows DuckDB could not parse
        failed_records = int(con.execute("select count(distinct rid) from _fail").fetchone()[0])
        quarantined = failed_records + len(read.parse_rejects)
        if quarantined:
            self._quarantine(f, table, file_id, read)
        rows_in = read.records + len(read.parse_rejects)
        if loaded + failed_records != read.records:
            raise RuntimeError(
                f"{f.relpath}: reconciliation failed: {read.records} parsed, {loaded} loaded, "
                f"{failed_records} quarantined"
            )
        messages = []
        if read.extra_columns:
            messages.append(f"extra column(s) ignored: {', '.join(read.extra_columns)}")
        if rows_in == 0:
            messages.append("header only: no data rows")
        if quarantined:
            messages.append(f"{quarantined} row(s) quarantined")
        if current is not None:
            messages.append(f"replaces file {current}")
        self._record_loaded(
            f,
            facts,
            file_id,
            rows_in,
            loaded,
            quarantined,
            nhs_total,
            nhs_valid,
            created,
            "; ".join(messages) or None,
        )
        if current is not None:
            run(
                con,
                "update meta.manifest set status = 'superseded', superseded_by = ? "
                "where file_id = ?",
                [file_id, current],
            )
        return FileOutcome(
            f.relpath,
            table.name,
            "loaded",
            rows_in,
            loaded,
            quarantined,
            "; ".join(messages) or None,
        )

    def _record_loaded(
        self,
        f: DiscoveredFile,
        facts: reader.FileFacts,
        file_id: int,
        rows_in: int,
        loaded: int,
        quarantined: int,
        nhs_total: object,
        nhs_valid: object,
        created: datetime | None,
        message: str | None,
    ) -> None:
        got = self._record(
            f,
            facts,
            "loaded",
            message,
            rows_in=rows_in,
            rows_loaded=loaded,
            rows_quarantined=quarantined,
            nhs_total=nhs_total,
            nhs_valid=nhs_valid,
            created=created,
        )
        if got != file_id:  # cannot happen inside one transaction; guard anyway
            raise RuntimeError("manifest file id changed during load")

    def _quarantine(
        self, f: DiscoveredFile, table: Table, file_id: int, read: reader.ReadResult
    ) -> None:
        con = self.con
        reject_lines = {line for line, _, _ in read.parse_rejects}
        starts = (
            reader.record_lines(f.path, reject_lines) if f.path.suffix.lower() == ".csv" else []
        )
        lines = pd.DataFrame(
            {
                "rid": pd.Series(range(len(starts)), dtype="int64"),
                "line_no": pd.Series(starts, dtype="int64"),
            }
        )
        register_frame(con, "_lines_df", lines)
        common = [
            str(file_id),
            validate.q(f.relpath),
            validate.q(table.name),
            validate.q(f.provider) if f.provider else "null",
            f"date {validate.q(f.period_start.isoformat())}" if f.period_start else "null",
        ]
        run(
            con,
            f"""insert into meta.quarantine
                select {", ".join(common)}, fl.rid + 1, l.line_no, fl.field, fl.reason, fl.value,
                       timestamp {validate.q(self.now.isoformat(sep=" "))}
                from _fail fl left join _lines_df l on l.rid = fl.rid""",
        )
        con.unregister("_lines_df")
        for line, column, message in read.parse_rejects:
            run(
                con,
                f"insert into meta.quarantine values ({', '.join(common)}, null, ?, ?, ?, null, ?)",
                [line, column, f"malformed row: {message}", self.now],
            )


# ------------------------------------------------------------------ submissions
def _read_header(
    con: duckdb.DuckDBPyConnection, f: DiscoveredFile, table: Table
) -> tuple[datetime, str | None]:
    """Validate MHS000Header against its folder; return DateTimeDatSetCreate."""
    reader.file_facts(f.path, check_utf8=f.path.suffix.lower() == ".csv")
    reader.read_into(con, f.path, table, target="_hdr")
    rows = con.execute(
        'select trim("OrgIDProv"), try_cast(trim("ReportingPeriodStartDate") as date), '
        "try_cast(replace(trim(\"DateTimeDatSetCreate\"), 'T', ' ') as timestamp) from _hdr"
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
    if created is None:
        raise reader.FileRejected("DateTimeDatSetCreate is missing or not a timestamp")
    return created, None


def ingest(
    settings: Settings, run_id: str | None = None, contract: Contract | None = None
) -> IngestReport:
    """Ingest everything new or changed under ``settings.raw_dir``."""
    contract = contract or load_contract()
    run_id = run_id or uuid.uuid4().hex[:12]
    key = resolve_key(settings, synthetic=is_synthetic(settings.raw_dir))
    files = discover(settings.raw_dir, contract)
    report = IngestReport(run_id)
    started = datetime.now()
    con = connect(settings.warehouse)
    try:
        ensure_schema(con, contract)
        ing = Ingestor(con, contract, key, run_id)
        groups: dict[tuple[str, str | None, date | None], list[DiscoveredFile]] = defaultdict(list)
        for f in files:
            groups[(f.family, f.provider, f.period_start)].append(f)
        for (family, provider, period), members in sorted(
            groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][2] or date.min)
        ):
            if family == "mhsds" and provider and period:
                report.outcomes += _ingest_submission(ing, contract, members)
            else:
                for f in members:
                    report.outcomes.append(ing.ingest_file(f))
        run(
            con,
            "insert into meta.ingest_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                started,
                datetime.now(),
                len(report.outcomes),
                report.count("loaded"),
                report.count("unchanged"),
                len(report.problems),
                report.rows_loaded,
                report.rows_quarantined,
            ],
        )
        run(con, "checkpoint")
    finally:
        con.close()
    log.info("%s", report.summary())
    return report


def _ingest_submission(
    ing: Ingestor, contract: Contract, members: list[DiscoveredFile]
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
        created, _ = _read_header(ing.con, header, header_table)
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
    present = {m.table.name for m in members if m.table is not None}
    missing = [t.source_table for t in contract.by_family("mhsds") if t.name not in present]
    if missing:
        log.warning(
            "%s/%s: tables missing from the submission: %s",
            header.provider,
            header.period_start,
            ", ".join(missing),
        )
    return outcomes


def ingest_path(raw_dir: Path, warehouse: Path, settings: Settings) -> IngestReport:
    """Convenience for tests and the benchmark."""
    from dataclasses import replace

    return ingest(replace(settings, raw_dir=raw_dir, warehouse=warehouse))


__all__ = ["FileOutcome", "IngestReport", "ingest", "ingest_path", "stored_name"]
