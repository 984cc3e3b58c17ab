"""The ingest's book of files, meta.manifest: which file (path, content) was seen, which
one is loaded in each slot, what was refused or missing. ``ManifestRecords`` is a part of
``Ingestor`` (pipelines/ingest/load.py), with in-memory views of the manifest valid while
the ingest holds the warehouse."""

from datetime import datetime
from pathlib import PurePosixPath

import duckdb

from pipelines.contract import Table
from pipelines.ingest import reader
from pipelines.ingest.discover import PER_FILE_FAMILIES, DiscoveredFile, data_suffix
from pipelines.ingest.report import FileOutcome
from pipelines.ingest.warehouse import run


class ManifestRecords:
    """Reads and writes of meta.manifest for one ingest run (a mixin of ``Ingestor``)."""

    con: duckdb.DuckDBPyConnection
    run_id: str
    now: datetime
    _index: dict[tuple[str, str], tuple[int, str]] | None
    _max_file_id: int | None
    _touched: list[int]

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
