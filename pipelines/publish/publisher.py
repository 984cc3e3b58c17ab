"""publish(): build, verify, keep and swap in a new publication; never touch the live files
until everything new is finished and checked."""

import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipelines.config import Settings
from pipelines.ingest.testhooks import pause_point
from pipelines.publish.build import LogEntry, build_database
from pipelines.publish.csv_export import export_csv, verify_csv
from pipelines.publish.files import (
    DIR_MODE,
    FILE_MODE,
    LIVE_CSV,
    LIVE_DB,
    LIVE_PARQUET,
    clean_stale,
    publish_lock,
    remove_path,
    restrict,
    safe_token,
)
from pipelines.publish.parquet import export_parquet
from pipelines.publish.verify import verify_database, verify_parquet
from pipelines.publish.versions import (
    Version,
    activate,
    list_versions,
    live_state,
    mark_went_live,
    new_version_id,
    prune,
    stage_version,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublishResult:
    version_id: str
    run_id: str
    published_at: datetime  # UTC
    publication_mode: str
    database: Path  # <publish_dir>/marts.duckdb
    parquet_dir: Path  # <publish_dir>/parquet (a symlink to the version's folder)
    version_dir: Path  # <publish_dir>/versions/<version_id>
    row_counts: dict[str, int]
    csv_dir: Path | None = None  # <publish_dir>/csv (a symlink to the version's folder)
    csv_row_counts: dict[str, int] = field(default_factory=dict)  # analyst view -> rows
    pruned: list[str] = field(default_factory=list)
    cleaned: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        tables = ", ".join(f"{t}={n}" for t, n in self.row_counts.items())
        return (f"published version {self.version_id} ({self.publication_mode}) to "
                f"{self.database}: {tables}")


def publish(
    settings: Settings,
    run_id: str,
    gate_summary: dict[str, Any],
    *,
    file_mode: int = FILE_MODE,
    dir_mode: int = DIR_MODE,
) -> PublishResult:
    """Publish the warehouse marts as ``marts.duckdb`` and ``parquet/`` in settings.publish_dir.

    Steps: clean leftovers of a crashed run; build ``.marts.<run>.tmp.duckdb`` (storage
    v1.5.0, disclosure control in public mode); reopen it read-only to check tables,
    row counts, storage version and the privacy guard; export Parquet to
    ``.parquet.<run>.tmp/`` and check it the same way; export the analyst views as CSV
    (UTF-8 with BOM) to ``.csv.<run>.tmp/`` and check their row counts; keep all three
    as ``versions/<version_id>/``; then ``os.replace`` the new file onto marts.duckdb and
    the ``parquet`` and ``csv`` symlinks onto the new version's folders; prune old
    versions.
    Any failure before the swap leaves the live files untouched (and raises).
    """
    publish_dir = settings.publish_dir
    publish_dir.mkdir(parents=True, exist_ok=True)
    published_at = datetime.now(UTC).replace(tzinfo=None)
    token = safe_token(run_id)
    with publish_lock(publish_dir):
        cleaned = clean_stale(publish_dir)
        os.chmod(publish_dir, dir_mode)
        before = live_state(publish_dir)
        _mark_live(publish_dir, before.current, file_mode)
        version_id = new_version_id(run_id, published_at, publish_dir)
        tmp_db = publish_dir / f".marts.{token}.tmp.duckdb"
        tmp_parquet = publish_dir / f".parquet.{token}.tmp"
        tmp_csv = publish_dir / f".csv.{token}.tmp"
        version: Version | None = None
        went_live = False
        try:
            entry = LogEntry(run_id, version_id, published_at, settings.publication_mode,
                             gate_summary)
            counts = build_database(settings.warehouse, tmp_db, entry)
            restrict(tmp_db, file_mode, dir_mode)
            with duckdb.connect(str(tmp_db), read_only=True) as con:
                verify_database(con, tmp_db, counts)
                export_parquet(con, tmp_parquet)
                restrict(tmp_parquet, file_mode, dir_mode)
                verify_parquet(con, tmp_parquet, counts)
                csv_counts = export_csv(con, tmp_csv)
                restrict(tmp_csv, file_mode, dir_mode)
                verify_csv(con, tmp_csv, csv_counts)
            pause_point(settings, "publish")  # crash tests only (tests/reliability/pausing.py)
            meta = {
                "run_id": run_id,
                "published_at": published_at.isoformat(),
                "publication_mode": settings.publication_mode,
                "row_counts": counts,
                "csv_row_counts": csv_counts,
            }
            version = stage_version(publish_dir, version_id, tmp_db, tmp_parquet, meta,
                                    csv_dir=tmp_csv, file_mode=file_mode, dir_mode=dir_mode)
            went_live = True  # from here on the live marts.duckdb may already be the new one
            activate(publish_dir, version, token, staged_db=tmp_db, file_mode=file_mode)
        except BaseException:
            _undo(publish_dir, version, went_live, before.current, token, file_mode)
            raise
        finally:
            for p in (tmp_db, tmp_db.with_name(tmp_db.name + ".wal"), tmp_parquet, tmp_csv):
                remove_path(p)
        # The new version is live: what follows is housekeeping and must not fail the run.
        try:
            mark_went_live(version, file_mode)
        except OSError as exc:
            log.warning("could not mark %s as having been live: %s", version_id, exc)
        try:
            pruned = prune(publish_dir, settings.keep_versions, protect={version_id})
        except OSError as exc:
            log.warning("could not prune old versions: %s", exc)
            pruned = []
    assert version is not None
    result = PublishResult(
        version_id=version_id,
        run_id=run_id,
        published_at=published_at,
        publication_mode=settings.publication_mode,
        database=publish_dir / LIVE_DB,
        parquet_dir=publish_dir / LIVE_PARQUET,
        version_dir=version.path,
        row_counts=counts,
        csv_dir=publish_dir / LIVE_CSV,
        csv_row_counts=csv_counts,
        pruned=pruned,
        cleaned=cleaned,
    )
    log.info(result.summary())
    return result


def _mark_live(publish_dir: Path, version_id: str | None, file_mode: int) -> None:
    """Record that the live version went live (repairs a crash right after a swap)."""
    for v in list_versions(publish_dir):
        if v.version_id == version_id:
            mark_went_live(v, file_mode)


def _undo(
    publish_dir: Path,
    version: Version | None,
    went_live: bool,
    previous: str | None,
    token: str,
    file_mode: int,
) -> None:
    """After a failure: put the previous version back if the swap had begun; drop the new one.

    Never raises: the original error is the one to report; the next run repairs the rest.
    """
    if version is None:
        return
    try:
        state = live_state(publish_dir)
        if went_live and previous is not None:
            prev = {v.version_id: v for v in list_versions(publish_dir)}.get(previous)
            csv_previous = previous if prev is not None and prev.csv.is_dir() else None
            if (state.database_version, state.parquet_version, state.csv_version) != (
                previous, previous, csv_previous
            ) and prev is not None:
                activate(publish_dir, prev, f"undo-{token}", file_mode=file_mode)
        elif went_live:  # the first publication ever: go back to nothing published
            if state.database_version == version.version_id:
                remove_path(publish_dir / LIVE_DB)
            if state.parquet_version == version.version_id:
                remove_path(publish_dir / LIVE_PARQUET)
            if state.csv_version == version.version_id:
                remove_path(publish_dir / LIVE_CSV)
        if live_state(publish_dir).current != version.version_id:
            remove_path(version.path)
    except Exception:
        log.exception("could not fully undo the failed publish of %s", version.version_id)
