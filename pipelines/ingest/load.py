"""Load the raw drop folder into the warehouse: the ingestion entry point.

Rules (docs/ingestion.md explains them):
- A file whose content (hash) was seen before at the same path is a no-op.
- A file replaces the earlier file of its slot (table, provider, month)
  in one transaction; a reference file replaces the rows of its provider, or a shared
  one (with OrgIDProv) the rows of shared files (pipelines/ingest/reference.py).
- MHSDS submissions are ordered by MHS000Header.DateTimeDatSetCreate: an
  older delivery than the one loaded is rejected as stale; a newer one
  replaces every table it contains for that provider and month.
- A rejected file loads nothing and leaves the slot's previous data alone.
- Every record read is either loaded or quarantined (rows_in = rows_loaded
  + rows_quarantined in meta.manifest).
- The national publication (NHS England's file, national/<YYYY-MM>/<any name>) is advisory:
  each file is a slot of its own (a file replaces the earlier version of its path only), a
  refused one is a warning and never fails the ingest step, and the manifest says which
  earlier file's periods and statuses it supersedes (int_national_published applies it).
"""

import logging
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path, PurePosixPath

import duckdb
import pandas as pd

from pipelines.config import Settings
from pipelines.contract import Contract, Table, load_contract
from pipelines.ingest import dates, reader, reference, validate
from pipelines.ingest.discover import (
    PER_FILE_FAMILIES,
    DiscoveredFile,
    data_suffix,
    discover,
    is_synthetic,
)
from pipelines.ingest.pseudonymise import nhs_number_valid, pseudonym, resolve_key
from pipelines.ingest.testhooks import pause_point
from pipelines.ingest.warehouse import (
    WarehouseBusy,
    connect,
    ensure_schema,
    has_nhs_number,
    raw_columns,
    register_frame,
    run,
    stored_name,
)

log = logging.getLogger(__name__)

# Families read beside the trust's own data, never part of it: a refused file of one is a
# warning (listed in the ingest summary and by the ingest gate's warning), not a failure of
# the ingest step, so it never holds back the trust's own publication.
ADVISORY_FAMILIES = frozenset({"national"})


def family_of(relpath: str) -> str:
    """The family of a drop-folder path: its first folder."""
    return PurePosixPath(relpath).parts[0] if relpath else ""


@dataclass
class FileOutcome:
    relpath: str
    table: str | None
    # loaded | unchanged | rejected | stale | ignored | missing | skipped (not a data file:
    # listed with its reason, never read, never a failure)
    status: str
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str | None = None

    @property
    def advisory(self) -> bool:
        """A file of an advisory family (the national publication): refusing it is a warning."""
        return family_of(self.relpath) in ADVISORY_FAMILIES


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
        """Files refused: they fail the ingest step (after the good files loaded). A refused
        national publication is not one of them (``advisory_problems``)."""
        return [o for o in self.outcomes
                if o.status in REFUSED_STATUSES and not o.advisory]

    @property
    def advisory_problems(self) -> list[FileOutcome]:
        """National publication files refused: a warning, never a failure of the run."""
        return [o for o in self.outcomes if o.status in REFUSED_STATUSES and o.advisory]

    @property
    def missing(self) -> list[FileOutcome]:
        """Tables absent from a submission: a warning, never a failure."""
        return [o for o in self.outcomes if o.status == "missing"]

    @property
    def skipped(self) -> list[FileOutcome]:
        """Files that are not data files (.xls, .txt, ...): listed, never read."""
        return [o for o in self.outcomes if o.status == "skipped"]

    def rows_by_table(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for o in self.outcomes:
            if o.table:
                out[o.table] += o.rows_loaded
        return dict(out)

    def summary(self) -> str:
        files = len(self.outcomes) - len(self.missing)
        national = (f"{len(self.advisory_problems)} national publication file(s) refused (a "
                    "warning), " if self.advisory_problems else "")
        text = (
            f"ingest {self.run_id}: {files} files, {self.count('loaded')} loaded, "
            f"{self.count('unchanged')} unchanged, {len(self.problems)} rejected, "
            f"{len(self.skipped)} ignored (not data files), {national}"
            f"{len(self.missing)} table(s) missing from submissions; "
            f"{self.rows_loaded} rows loaded, {self.rows_quarantined} quarantined"
        )
        for p in self.problems:
            text += f"\n  REJECTED {p.relpath}: {p.message}"
        for p in self.advisory_problems:
            text += (f"\n  REJECTED (a warning: the national publication never blocks the "
                     f"run) {p.message}")
        for m in self.missing:
            text += f"\n  MISSING {m.message}"
        for k in self.skipped:
            text += f"\n  IGNORED {k.relpath}: {k.message}"
        return text


REFUSED_STATUSES = frozenset({"rejected", "stale", "ignored"})


def _month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


class Ingestor:
    # a file that changes while it is read is read again this many times in all
    CHANGE_ATTEMPTS = 3
    CHANGE_RETRY_DELAY_S = 1.0

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        contract: Contract,
        key: bytes,
        run_id: str,
        settings: Settings | None = None,
    ) -> None:
        self.con = con
        self.contract = contract
        self.key = key
        self.run_id = run_id
        self.settings = settings
        self.now = datetime.now().replace(microsecond=0)
        # In-memory views of meta.manifest, valid while this ingest holds the warehouse
        # (one writer at a time): the per-file queries were most of a rerun's cost.
        self._index: dict[tuple[str, str], tuple[int, str]] | None = None
        self._max_file_id: int | None = None
        self._touched: list[int] = []
        # Pseudonyms already computed in this run, per namespace, for the current
        # provider only (the same people recur in every month and table of a provider).
        self._pseudonym_cache: dict[str, dict[str, tuple[str, bool]]] = {}
        self._cache_provider: str | None = None
        # reference table -> provider -> that provider's own reference file in the drop
        # folder: a shared file's rows for it are quarantined (pipelines/ingest/reference.py)
        self.reference_owners: dict[str, dict[str, str]] = {}

    def date_format(self, family: str) -> str:
        """The family's MHP_DATE_FORMAT_<FAMILY> setting (iso without settings)."""
        return self.settings.date_format(family) if self.settings is not None else dates.ISO

    # -------------------------------------------------------------- manifest
    def _next_file_id(self) -> int:
        if self._max_file_id is None:
            self._max_file_id = int(
                self.con.execute("select coalesce(max(file_id), 0) from meta.manifest")
                .fetchall()[0][0]
            )
        return self._max_file_id + 1

    def _forget_cached_manifest(self) -> None:
        """After a rollback: what this run remembered of the manifest may be undone."""
        self._index = None
        self._max_file_id = None

    def _manifest_index(self) -> dict[tuple[str, str], tuple[int, str]]:
        """Latest manifest row of each (path, content hash), read once per run."""
        if self._index is None:
            rows = self.con.execute(
                "select relpath, content_hash, arg_max(file_id, file_id), "
                "arg_max(status, file_id) from meta.manifest where content_hash is not null "
                "group by relpath, content_hash"
            ).fetchall()
            self._index = {(r[0], r[1]): (int(r[2]), str(r[3])) for r in rows}
        return self._index

    def _seen_before(self, relpath: str, content_hash: str) -> tuple[int, str] | None:
        return self._manifest_index().get((relpath, content_hash))

    def _current_file(self, f: DiscoveredFile) -> int | None:
        assert f.table is not None
        if f.family in PER_FILE_FAMILIES:  # a slot of its own: the earlier version of the path
            row = self.con.execute(
                "select file_id from meta.manifest where table_name = ? and status = 'loaded' "
                "and relpath = ? order by file_id desc limit 1",
                [f.table.name, f.relpath],
            ).fetchone()
            return int(row[0]) if row else None
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
        self._max_file_id = file_id
        if facts is not None and self._index is not None:
            self._index[(f.relpath, facts.content_hash)] = (file_id, status)
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
        """Note that a file was seen again (written in one statement by flush_touches)."""
        self._touched.append(file_id)

    def flush_touches(self) -> None:
        if self._touched:
            run(
                self.con,
                "update meta.manifest set last_seen_at = ? where file_id in "
                "(select unnest(?::bigint[]))",
                [self.now, sorted(set(self._touched))],
            )
            self._touched = []

    # -------------------------------------------------------------- one file
    def ingest_file(
        self, f: DiscoveredFile, created: datetime | None = None, force_replace: bool = False
    ) -> FileOutcome:
        """Validate and load one file in a single transaction.

        The file is hashed before it is read and checked again after it was loaded (still
        inside the transaction): a file that changed meanwhile is rolled back and read
        again, up to ``CHANGE_ATTEMPTS`` times, then rejected. Nothing of a mix of two
        versions is ever committed.
        """
        if f.problem or f.table is None:
            return self._reject_unreadable(f, f.problem or "unknown file", status="ignored")
        table = f.table
        changed: str | None = None
        for attempt in range(1, self.CHANGE_ATTEMPTS + 1):
            if attempt > 1:
                log.warning("%s: %s; reading it again (attempt %d of %d)",
                            f.relpath, changed, attempt, self.CHANGE_ATTEMPTS)
                time.sleep(self.CHANGE_RETRY_DELAY_S)
            try:
                facts = reader.file_facts(f.path, check_utf8=reader.is_csv(f.path))
            except reader.FileRejected as exc:
                return self._reject_unreadable(f, str(exc))
            except FileNotFoundError:
                return self._reject_unreadable(f, "the file disappeared before it could be read")
            seen = self._seen_before(f.relpath, facts.content_hash)
            if seen and seen[1] == "loaded" and not force_replace:
                self._touch(seen[0])
                return FileOutcome(f.relpath, table.name, "unchanged")
            # Anything else is (re)validated: a file refused before may be fine now (its
            # submission's header was fixed, the contract changed), and content that was
            # superseded is current again if the file went back to it.

            run(self.con, "begin transaction")
            try:
                outcome = self._load(f, table, facts, created)
                changed = reader.changed_since(f.path, facts)
                if changed is None:
                    if self.settings is not None:
                        pause_point(self.settings, "ingest")
                    run(self.con, "commit")
                    return outcome
                run(self.con, "rollback")
                self._forget_cached_manifest()
            except reader.FileRejected as exc:
                run(self.con, "rollback")
                self._forget_cached_manifest()
                changed = reader.changed_since(f.path, facts)
                if changed is None:  # a genuine problem of a stable file
                    return self._problem(f, facts, "rejected", f"{f.relpath}: {exc}",
                                         keep_loaded=False)
            except Exception:
                run(self.con, "rollback")
                self._forget_cached_manifest()
                raise
        # Still changing after every attempt (probably still being copied in). No hash is
        # recorded (content unknown); the next run reads the file again.
        message = (
            f"{f.relpath}: {changed} (tried {self.CHANGE_ATTEMPTS} times); nothing loaded, the "
            "slot keeps its previous data. Deliver files complete (copy under another name, "
            "then rename); the next run reads it again"
        )
        return self._problem(f, None, "rejected", message)

    def _reject_unreadable(
        self, f: DiscoveredFile, message: str, status: str = "rejected", keep_loaded: bool = True
    ) -> FileOutcome:
        """Refuse a file without loading it (unreadable, unknown, or its submission is)."""
        full = message if message.startswith(f.relpath) else f"{f.relpath}: {message}"
        try:
            facts = reader.file_facts(f.path, check_utf8=False)
        except OSError:
            facts = None
        return self._problem(f, facts, status, full, keep_loaded=keep_loaded)

    def _problem(
        self,
        f: DiscoveredFile,
        facts: reader.FileFacts | None,
        status: str,
        message: str,
        keep_loaded: bool = True,
    ) -> FileOutcome:
        """Record a refused file once per (path, content, status, message); reruns touch it.

        ``keep_loaded``: a file whose very content is already loaded (refused now only
        because of its submission) is reported ``unchanged``: its data stays.
        """
        table_name = f.table.name if f.table else None
        if facts is not None:
            row = self.con.execute(
                "select file_id, status, message from meta.manifest "
                "where relpath = ? and content_hash = ? order by file_id desc limit 1",
                [f.relpath, facts.content_hash],
            ).fetchall()
            if row:
                file_id, prev_status, prev_message = row[0]
                if keep_loaded and prev_status == "loaded":
                    self._touch(file_id)
                    return FileOutcome(f.relpath, table_name, "unchanged", message=message)
                if (prev_status, prev_message) == (status, message):
                    self._touch(file_id)
                    self._log_problem(f, message)
                    return FileOutcome(f.relpath, table_name, status, message=message)
        self._record(f, facts, status, message)
        self._log_problem(f, message)
        return FileOutcome(f.relpath, table_name, status, message=message)

    @staticmethod
    def _log_problem(f: DiscoveredFile, message: str) -> None:
        """A refused file is an error, a refused national publication a warning."""
        if f.family in ADVISORY_FAMILIES:
            log.warning("%s (the national publication never blocks the run)", message)
        else:
            log.error("%s", message)

    def record_missing(
        self, header: DiscoveredFile, table: Table, created: datetime
    ) -> FileOutcome:
        """Record (once, then touch) that a submission has no file for ``table``.

        The manifest row has status ``missing`` and the path the file would have; it
        loads nothing and never blocks the run, but it is visible in meta.manifest, in the
        ingest report and in the run log. If the table arrives later, its loaded row
        (same path) follows the missing one.
        """
        suffix = data_suffix(header.path) or header.path.suffix  # .csv.gz, not .gz
        relpath = str(PurePosixPath(header.relpath).with_name(table.file_stem + suffix))
        f = DiscoveredFile(
            header.path.with_name(table.file_stem + suffix),
            relpath,
            header.family,
            header.provider,
            header.period_start,
            table,
        )
        current = self._current_file(f)
        if current is not None:
            kept = self.con.execute(
                "select rows_loaded, relpath, submission_created from meta.manifest "
                "where file_id = ?",
                [current],
            ).fetchall()[0]
            detail = (
                f"raw.{table.name} keeps the {kept[0]} row(s) of file {current} ({kept[1]}, "
                f"submission created {kept[2]})"
            )
        else:
            detail = f"no {table.source_table} records for {f.provider} {f.period_start:%Y-%m}"
        message = (
            f"{relpath}: table {table.source_table} is missing from the submission created "
            f"{created}; {detail}"
        )
        latest = self.con.execute(
            "select file_id, status from meta.manifest where relpath = ? "
            "order by file_id desc limit 1",
            [relpath],
        ).fetchall()
        if latest and latest[0][1] == "missing":
            run(
                self.con,
                "update meta.manifest set last_seen_at = ?, message = ?, submission_created = ?,"
                " run_id = ? where file_id = ?",
                [self.now, message, created, self.run_id, latest[0][0]],
            )
        else:
            self._record(f, None, "missing", message, created=created)
        return FileOutcome(relpath, table.name, "missing", message=message)

    def _pseudonyms(
        self, provider: str | None, namespace: str, values: list[str], nhs: bool
    ) -> tuple[list[str], list[bool]]:
        """Pseudonym (and NHS number validity) of each value, computed once per run."""
        if provider != self._cache_provider:
            self._pseudonym_cache = {}
            self._cache_provider = provider
        cache = self._pseudonym_cache.setdefault(namespace, {})
        keys: list[str] = []
        oks: list[bool] = []
        for v in values:
            hit = cache.get(v)
            if hit is None:
                hit = (
                    pseudonym(self.key, namespace, v.replace(" ", "") if nhs else v),
                    nhs_number_valid(v) if nhs else True,
                )
                cache[v] = hit
            keys.append(hit[0])
            oks.append(hit[1])
        return keys, oks

    def _pseudonym_table(
        self, name: str, column: str, namespace: str, nhs: bool, provider: str | None = None
    ) -> None:
        values = [
            r[0]
            for r in self.con.execute(
                f"select distinct nullif(trim({validate.ident(column)}), '') from _in "
                f"where nullif(trim({validate.ident(column)}), '') is not null"
            ).fetchall()
        ]
        keys, oks = self._pseudonyms(provider, namespace, values, nhs)
        frame = pd.DataFrame(
            {
                "v": pd.Series(values, dtype="object"),
                "k": pd.Series(keys, dtype="object"),
                "ok": pd.Series(oks, dtype="bool"),
            }
        )
        register_frame(self.con, f"{name}_df", frame)
        run(self.con, f"create or replace temp table {name} as select * from {name}_df")
        self.con.unregister(f"{name}_df")

    def _load(
        self, f: DiscoveredFile, table: Table, facts: reader.FileFacts, created: datetime | None
    ) -> FileOutcome:
        con = self.con
        if reference.scoped(f):
            # a provider's reference file: OrgIDProv may be left out, the provider is known
            read = reader.read_into(con, f.path, reference.read_table(table), target="_ref")
            run(con, "create or replace temp view _in as "
                     + reference.with_provider_sql(table, f.provider or "", "_ref"))
        else:
            read = reader.read_into(con, f.path, table)
        formats = dates.judge(con, table, f.family, self.date_format(f.family))
        period_end = _month_end(f.period_start) if f.period_start else None
        validate.create_failures(
            con, table, period_end,
            f.provider if f.family == "mhsds" or reference.scoped(f) else None,
            formats=formats,
        )
        shadowed = (reference.shadowed_sql(self.reference_owners.get(table.name, {}))
                    if f.family == "reference" and f.provider is None else None)
        if shadowed:
            run(con, "insert into _fail " + shadowed)
        if validate.has_duplicate_keys(con, table):
            run(con, "insert into _fail " + validate.duplicate_sql(table))
        # pseudonyms for identifiers (namespaced by provider for local IDs)
        joins: list[str] = []
        select: list[str] = []
        for col in table.columns:
            if col.pii == "local_patient_id":
                ns = f"lpi|{f.provider or ''}"
                self._pseudonym_table("_pk_lpi", col.source, ns, nhs=False,
                                      provider=f.provider)
                joins.append(
                    "left join _pk_lpi on _pk_lpi.v = "
                    f"nullif(trim(i.{validate.ident(col.source)}), '')"
                )
                select.append("_pk_lpi.k")
            elif col.pii == "nhs_number":
                self._pseudonym_table("_pk_nhs", col.source, "nhs", nhs=True,
                                      provider=f.provider)
                joins.append(
                    "left join _pk_nhs on _pk_nhs.v = "
                    f"nullif(trim(i.{validate.ident(col.source)}), '')"
                )
                select.append("_pk_nhs.k")
            elif col.pii == "birth_date":
                typed = validate.typed_expr(col, dates.format_of(formats, col))
                select.append(
                    f"date_trunc('month', {typed})::date".replace(
                        validate.ident(col.source), "i." + validate.ident(col.source)
                    )
                )
            else:
                select.append(
                    validate.typed_expr(col, dates.format_of(formats, col)).replace(
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
            run(con, reference.replace_sql(table, f.provider))
        elif table.family in PER_FILE_FAMILIES:
            if current is not None:  # the earlier version of the same path only
                run(con, f"delete from raw.{table.name} where _file_id = ?", [current])
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
            messages += self._refresh_notes(current, rows_in)
        if rows_in:
            messages += self._duplicate_delivery_notes(f, facts)
        if table.family in PER_FILE_FAMILIES and loaded:
            messages += self._supersede_notes(f, table, file_id, current)
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
            self._index = None  # a status changed: read the index again when next needed
        return FileOutcome(
            f.relpath,
            table.name,
            "loaded",
            rows_in,
            loaded,
            quarantined,
            "; ".join(messages) or None,
        )

    # At most this many supersede notes per file in its manifest message (the rest counted)
    MAX_SUPERSEDE_NOTES = 6

    def _supersede_notes(
        self, f: DiscoveredFile, table: Table, file_id: int, replaced: int | None
    ) -> list[str]:
        """Which reporting periods and statuses of other loaded national files this file
        supersedes, or is superseded for by a later publication.

        The later file for a (REPORTING_PERIOD_END, STATUS) is the one of the later
        publication month (its folder), then the one loaded later (manifest file_id): that
        file's rows replace all the other's rows of the pair (int_national_published).
        """
        assert f.period_start is not None
        rows = self.con.execute(
            f"""
            with mine as (
                select distinct REPORTING_PERIOD_END as period_end, STATUS as status
                from raw.{table.name} where _file_id = ?
            ),
            others as (
                select distinct r._file_id, m.relpath, m.period_start,
                       r.REPORTING_PERIOD_END as period_end, r.STATUS as status
                from raw.{table.name} r
                join meta.manifest m on m.file_id = r._file_id and m.status = 'loaded'
                where r._file_id <> ? and r._file_id <> ?
            )
            select o._file_id, o.relpath, o.period_start > ? as later,
                   string_agg(o.status || ' ' || strftime(o.period_end, '%Y-%m'), ', '
                              order by o.period_end, o.status)
            from others o join mine using (period_end, status)
            group by all order by o._file_id""",
            [file_id, file_id, replaced if replaced is not None else -1, f.period_start],
        ).fetchall()
        notes = []
        for other, relpath, later, pairs in rows:
            if later:
                notes.append(f"superseded for {pairs} by file {other} ({relpath}), a later "
                             "publication")
            else:
                notes.append(f"supersedes file {other} ({relpath}) for {pairs}")
        if len(notes) > self.MAX_SUPERSEDE_NOTES:
            more = len(notes) - self.MAX_SUPERSEDE_NOTES
            notes = [*notes[: self.MAX_SUPERSEDE_NOTES], f"and {more} more file(s)"]
        return notes

    def _refresh_notes(self, current: int, rows_in: int) -> list[str]:
        """A replacement with fewer rows than the file it replaces is worth a warning."""
        row = self.con.execute(
            "select rows_in, relpath from meta.manifest where file_id = ?", [current]
        ).fetchall()
        if not row or row[0][0] is None or rows_in >= int(row[0][0]):
            return []
        before = int(row[0][0])
        note = (
            f"fewer rows than the file it replaces: {rows_in} now, {before} in file {current} "
            f"({before - rows_in} fewer)"
        )
        log.warning("%s: %s", row[0][1], note)
        return [note]

    # Families whose monthly file is never legitimately identical to another month's (money
    # changes every month). MHSDS tables may well be (team details, an unchanged MPI), and a
    # copied MHSDS submission is caught by its MHS000Header dates anyway.
    DUPLICATE_WARNING_FAMILIES = frozenset({"finance", "costing"})

    def _duplicate_delivery_notes(self, f: DiscoveredFile, facts: reader.FileFacts) -> list[str]:
        """The same bytes already loaded under another path (a copy in the wrong folder?)."""
        if f.family not in self.DUPLICATE_WARNING_FAMILIES:
            return []
        rows = self.con.execute(
            "select file_id, relpath from meta.manifest where content_hash = ? and relpath <> ? "
            "and status in ('loaded', 'superseded') order by file_id limit 3",
            [facts.content_hash, f.relpath],
        ).fetchall()
        if not rows:
            return []
        where = ", ".join(f"{r[1]} (file {r[0]})" for r in rows)
        note = f"identical content to {where}: the same file delivered twice?"
        log.warning("%s: %s", f.relpath, note)
        return [note]

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
            reader.record_lines(f.path, reject_lines)
            if reader.is_csv(f.path) or f.path.suffix.lower() == ".xlsx" else []
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
    if end != _month_end(f.period_start):
        raise reader.FileRejected(
            f"ReportingPeriodEndDate {end} in MHS000Header does not match the month folder "
            f"{f.period_start:%Y-%m} (expected {_month_end(f.period_start)})"
        )
    if created is None:
        raise reader.FileRejected("DateTimeDatSetCreate is missing or not a timestamp")
    return created, None


# WAL size that forces a checkpoint during an ingest (DuckDB's default is 16 MB).
INGEST_CHECKPOINT_THRESHOLD = "1GB"

# How long ingest waits for a warehouse held by another process (another ingest, dbt,
# a notebook) before it gives up with WarehouseBusy.
LOCK_WAIT_S = 120.0


def ingest(
    settings: Settings,
    run_id: str | None = None,
    contract: Contract | None = None,
    lock_wait_s: float | None = None,
) -> IngestReport:
    """Ingest everything new or changed under ``settings.raw_dir``.

    Two ingests never interleave: the second waits for the warehouse (DuckDB's file lock)
    up to ``lock_wait_s`` seconds (default ``LOCK_WAIT_S``), then raises WarehouseBusy.
    """
    contract = contract or load_contract()
    run_id = run_id or uuid.uuid4().hex[:12]
    key = resolve_key(settings, synthetic=is_synthetic(settings.raw_dir))
    report = IngestReport(run_id)
    started = datetime.now()
    con = connect(settings.warehouse, wait_s=LOCK_WAIT_S if lock_wait_s is None else lock_wait_s)
    try:
        # One checkpoint at the end instead of one every 16 MB of WAL: the automatic
        # checkpoints inside per-file commits were the largest single cost of a full load
        # (bench/README.md). A crash before the end replays the WAL on the next open.
        run(con, f"set checkpoint_threshold = '{INGEST_CHECKPOINT_THRESHOLD}'")
        run(con, "set memory_limit = ?", [settings.duckdb_memory_limit])
        ensure_schema(con, contract)
        ing = Ingestor(con, contract, key, run_id, settings)
        # discover only once we hold the warehouse: a run that waited sees the files as
        # they are now
        ingest_folder(ing, settings.raw_dir, report)
        ing.flush_touches()
        run(
            con,
            "insert into meta.ingest_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                started,
                datetime.now(),
                len(report.outcomes) - len(report.missing),
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
    # DEBUG: the caller reports the summary (the ingest asset logs it to Dagster); at INFO
    # here as well, every run printed it twice
    log.debug("%s", report.summary())
    return report


def ingest_folder(ing: Ingestor, raw_dir: Path, report: IngestReport) -> None:
    """Every file of the drop folder through ``ing``, outcomes into ``report``: the ingest
    itself, and ``make check-raw`` on an in-memory warehouse (pipelines/ingest/check.py)."""
    contract = ing.contract
    files = discover(raw_dir, contract)
    for f in files:
        if f.unsupported:
            log.warning("%s: ignored, %s", f.relpath, f.unsupported)
            report.outcomes.append(FileOutcome(f.relpath, None, "skipped", message=f.unsupported))
    files = reference.assign_providers([f for f in files if not f.unsupported])
    ing.reference_owners = reference.own_files(files)
    files, doubled = _split_doubled_slots(files)
    for f, others in doubled:
        names = ", ".join(o.path.name for o in others)
        report.outcomes.append(ing._reject_unreadable(
            f, f"{len(others)} files for {f.table.source_table if f.table else '?'} in "
            f"{PurePosixPath(f.relpath).parent}/ ({names}): it is not clear which one "
            "to load; remove all but one", keep_loaded=False))
    groups: dict[tuple[str, str | None, date | None], list[DiscoveredFile]] = defaultdict(list)
    for f in files:
        groups[(f.family, f.provider, f.period_start)].append(f)
    refused = {(f.family, f.provider, f.period_start, f.table.name)
               for f, _ in doubled if f.table is not None}
    progress = _Progress()
    for (family, provider, period), members in sorted(
        groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][2] or date.min)
    ):
        if family == "mhsds" and provider and period:
            also = {r[3] for r in refused if r[:3] == (family, provider, period)}
            outcomes = _ingest_submission(ing, contract, members, also)
        else:
            outcomes = [ing.ingest_file(f) for f in members]
        report.outcomes += outcomes
        progress.add(family, provider, period, outcomes)
    progress.flush()


class _Progress:
    """Progress of an ingest, one log line per group of files as each group is done: an
    MHSDS submission (a provider's month), or a provider of another family (those send one
    file a month, so a line a month would be a line a file). Counts come from the outcomes:
    no extra reads."""

    def __init__(self) -> None:
        self._key: tuple[str, str | None, date | None] | None = None
        self._months: list[date] = []
        self._outcomes: list[FileOutcome] = []

    def add(
        self, family: str, provider: str | None, period: date | None, outcomes: list[FileOutcome]
    ) -> None:
        key = (family, provider, period if family == "mhsds" else None)
        if key != self._key:
            self.flush()
            self._key = key
        if period is not None:
            self._months.append(period)
        self._outcomes += outcomes

    def flush(self) -> None:
        if self._key is not None and self._outcomes:
            log.info("%s: %s", self._label(), _progress_counts(self._outcomes))
        self._key, self._months, self._outcomes = None, [], []

    def _label(self) -> str:
        assert self._key is not None
        family, provider, _ = self._key
        months = sorted({m.strftime("%Y-%m") for m in self._months})
        span = months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}" if months else ""
        return " ".join(part for part in (family, provider, span) if part)


def _progress_counts(outcomes: list[FileOutcome]) -> str:
    """``17 files, 2,345 rows loaded, 0 quarantined``, with the files' statuses when not all
    were loaded (``17 files (17 unchanged)``) and the tables missing from a submission."""
    files = [o for o in outcomes if o.status != "missing"]
    statuses: dict[str, int] = defaultdict(int)
    for o in files:
        statuses[o.status] += 1
    text = f"{len(files)} files"
    if set(statuses) - {"loaded"}:
        text += " (" + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) + ")"
    text += (f", {sum(o.rows_loaded for o in files):,} rows loaded, "
             f"{sum(o.rows_quarantined for o in files):,} quarantined")
    missing = len(outcomes) - len(files)
    return text + (f"; {missing} tables missing" if missing else "")


def _split_doubled_slots(
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


def _ingest_submission(
    ing: Ingestor,
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
        created, _ = _read_header(ing.con, header, header_table, ing.date_format("mhsds"))
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


def ingest_path(raw_dir: Path, warehouse: Path, settings: Settings) -> IngestReport:
    """Convenience for tests and the benchmark."""
    from dataclasses import replace

    return ingest(replace(settings, raw_dir=raw_dir, warehouse=warehouse))


__all__ = [
    "FileOutcome",
    "IngestReport",
    "WarehouseBusy",
    "ingest",
    "ingest_path",
    "stored_name",
]
