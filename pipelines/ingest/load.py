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
from datetime import date, datetime
from pathlib import Path, PurePosixPath

import duckdb

from pipelines.config import Settings
from pipelines.contract import Contract, load_contract
from pipelines.ingest import dates, reader, reference
from pipelines.ingest.discover import DiscoveredFile, discover, is_synthetic
from pipelines.ingest.load_file import FileLoader
from pipelines.ingest.manifest import ManifestRecords
from pipelines.ingest.pseudonymise import resolve_key
from pipelines.ingest.report import (
    ADVISORY_FAMILIES,
    REFUSED_STATUSES,
    FileOutcome,
    IngestReport,
    Progress,
    family_of,
)
from pipelines.ingest.submission import ingest_submission, split_doubled_slots
from pipelines.ingest.testhooks import pause_point
from pipelines.ingest.warehouse import WarehouseBusy, connect, ensure_schema, run, stored_name

log = logging.getLogger(__name__)


class Ingestor(ManifestRecords, FileLoader):
    """One ingest run on an open warehouse: each file validated and loaded in a transaction
    of its own (the manifest: ManifestRecords; a file's rows: FileLoader)."""

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
    files, doubled = split_doubled_slots(files)
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
    progress = Progress()
    for (family, provider, period), members in sorted(
        groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][2] or date.min)
    ):
        if family == "mhsds" and provider and period:
            also = {r[3] for r in refused if r[:3] == (family, provider, period)}
            outcomes = ingest_submission(ing, contract, members, also)
        else:
            outcomes = [ing.ingest_file(f) for f in members]
        report.outcomes += outcomes
        progress.add(family, provider, period, outcomes)
    progress.flush()

def ingest_path(raw_dir: Path, warehouse: Path, settings: Settings) -> IngestReport:
    """Convenience for tests and the benchmark."""
    from dataclasses import replace

    return ingest(replace(settings, raw_dir=raw_dir, warehouse=warehouse))


__all__ = [
    "ADVISORY_FAMILIES",
    "REFUSED_STATUSES",
    "FileOutcome",
    "IngestReport",
    "family_of",
    "WarehouseBusy",
    "ingest",
    "ingest_path",
    "stored_name",
]
