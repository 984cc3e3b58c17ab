"""Kept publications under ``<publish_dir>/versions/<version_id>/`` and making one live.

Layout of the publish folder::

    marts.duckdb                      the live file (a regular file, replaced with os.replace)
    parquet -> versions/<id>/parquet  the live Parquet folder (a symlink, replaced with os.replace)
    csv -> versions/<id>/csv          the analyst views as CSV for Excel (a symlink, the same way)
    versions/<id>/marts.duckdb        a byte copy of what marts.duckdb was for that version
    versions/<id>/parquet/*.parquet
    versions/<id>/csv/*.csv           (absent in versions published before the CSV export)
    versions/<id>/version.json        id, run, time, mode, row counts, sha256 of every file
    versions/<id>/.went_live          present once the version has been live

A version folder is assembled as ``versions/.<id>.tmp`` and renamed into place only
when complete, so a folder named ``versions/<id>`` is always whole.
"""

import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines.publish.errors import PublishError, VerificationError
from pipelines.publish.files import (
    DIR_MODE,
    FILE_MODE,
    LIVE_CSV,
    LIVE_DB,
    LIVE_PARQUET,
    VERSIONS,
    copy_file_durable,
    fsync_dir,
    fsync_tree,
    remove_path,
    replace_file,
    restrict,
    safe_token,
    sha256_file,
    swap_symlink,
)

log = logging.getLogger(__name__)

VERSION_FILE = "version.json"
# Touched in a version folder once that version has been live. A version whose swap was
# interrupted by a crash stays unmarked, so rollback never picks it by default.
WENT_LIVE = ".went_live"


@dataclass(frozen=True)
class Version:
    version_id: str
    path: Path
    run_id: str
    published_at: str  # ISO 8601, UTC
    publication_mode: str
    row_counts: dict[str, int]
    files: dict[str, str]  # path relative to the version folder -> sha256

    @property
    def database(self) -> Path:
        return self.path / LIVE_DB

    @property
    def parquet(self) -> Path:
        return self.path / LIVE_PARQUET

    @property
    def csv(self) -> Path:
        return self.path / LIVE_CSV

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.published_at, self.version_id)

    @property
    def went_live(self) -> bool:
        return (self.path / WENT_LIVE).exists()


@dataclass(frozen=True)
class LiveState:
    """Which kept version the live marts.duckdb, parquet and csv links correspond to."""

    database_version: str | None
    parquet_version: str | None
    csv_version: str | None = None  # None also when there is no csv link

    @property
    def current(self) -> str | None:
        return self.parquet_version or self.database_version

    @property
    def consistent(self) -> bool:
        return self.database_version == self.parquet_version


def versions_dir(publish_dir: Path) -> Path:
    return publish_dir / VERSIONS


def new_version_id(run_id: str, now: datetime, publish_dir: Path) -> str:
    """``<UTC yyyymmddThhmmss><ms>Z-<run id prefix>``, made unique within the folder."""
    base = f"{now:%Y%m%dT%H%M%S}{now.microsecond // 1000:03d}Z-{safe_token(run_id)[:8]}"
    vid, n = base, 1
    while (versions_dir(publish_dir) / vid).exists():
        n += 1
        vid = f"{base}-{n}"
    return vid


def _load(path: Path) -> Version:
    meta = json.loads((path / VERSION_FILE).read_text())
    return Version(
        version_id=meta["version_id"],
        path=path,
        run_id=meta["run_id"],
        published_at=meta["published_at"],
        publication_mode=meta["publication_mode"],
        row_counts={k: int(v) for k, v in meta["row_counts"].items()},
        files=dict(meta["files"]),
    )


def list_versions(publish_dir: Path) -> list[Version]:
    """Every complete kept version, oldest first."""
    root = versions_dir(publish_dir)
    if not root.is_dir():
        return []
    found: list[Version] = []
    for p in root.iterdir():
        if p.name.startswith(".") or not p.is_dir():
            continue
        try:
            found.append(_load(p))
        except (OSError, ValueError, KeyError) as exc:
            log.warning("ignoring %s: no readable %s (%s)", p, VERSION_FILE, exc)
    return sorted(found, key=lambda v: v.sort_key)


def live_state(publish_dir: Path, versions: list[Version] | None = None) -> LiveState:
    versions = list_versions(publish_dir) if versions is None else versions
    by_id = {v.version_id: v for v in versions}
    parquet_version = _link_version(publish_dir / LIVE_PARQUET, by_id)
    csv_version = _link_version(publish_dir / LIVE_CSV, by_id)
    database_version = None
    db = publish_dir / LIVE_DB
    if db.is_file():
        digest = sha256_file(db)
        matches = [v.version_id for v in versions if v.files.get(LIVE_DB) == digest]
        if parquet_version in matches:
            database_version = parquet_version
        elif matches:
            database_version = matches[-1]
    return LiveState(database_version, parquet_version, csv_version)


def _link_version(link: Path, by_id: dict[str, Version]) -> str | None:
    """The kept version a live link (parquet, csv) points into, if any."""
    if not link.is_symlink():
        return None
    target = Path(os.readlink(link))
    if len(target.parts) >= 2 and target.parts[-2] in by_id:
        return target.parts[-2]
    return None


def stage_version(
    publish_dir: Path,
    version_id: str,
    db_file: Path,
    parquet_dir: Path,
    meta: dict[str, Any],
    *,
    csv_dir: Path | None = None,
    file_mode: int = FILE_MODE,
    dir_mode: int = DIR_MODE,
) -> Version:
    """Assemble ``versions/<version_id>/`` from a finished file, Parquet and CSV folder.

    The database is copied (the original stays for the live swap); the Parquet and CSV
    folders are moved. Everything is written under ``versions/.<id>.tmp`` and renamed into place.
    """
    root = versions_dir(publish_dir)
    root.mkdir(exist_ok=True)
    os.chmod(root, dir_mode)
    final = root / version_id
    stage = root / f".{version_id}.tmp"
    if final.exists():
        raise PublishError(f"version folder {final} already exists")
    remove_path(stage)
    stage.mkdir()
    try:
        copy_file_durable(db_file, stage / LIVE_DB, file_mode)
        os.rename(parquet_dir, stage / LIVE_PARQUET)
        if csv_dir is not None:
            os.rename(csv_dir, stage / LIVE_CSV)
        files = {
            str(p.relative_to(stage)): sha256_file(p)
            for p in sorted(stage.rglob("*")) if p.is_file()
        }
        doc = {"version_id": version_id, **meta, "files": files}
        (stage / VERSION_FILE).write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
        restrict(stage, file_mode, dir_mode)
        fsync_tree(stage)
        os.rename(stage, final)
        fsync_dir(root)
    except BaseException:
        remove_path(stage)
        raise
    return _load(final)


def check_version(version: Version) -> None:
    """Raise unless every file of the version is present and unchanged."""
    for rel, digest in version.files.items():
        p = version.path / rel
        if not p.is_file():
            raise VerificationError(f"version {version.version_id}: {rel} is missing")
        if sha256_file(p) != digest:
            raise VerificationError(f"version {version.version_id}: {rel} has changed")
    if not version.parquet.is_dir():
        raise VerificationError(f"version {version.version_id}: no parquet folder")


def activate(
    publish_dir: Path,
    version: Version,
    token: str,
    staged_db: Path | None = None,
    *,
    file_mode: int = FILE_MODE,
) -> None:
    """Make ``version`` live: replace marts.duckdb, then swap the parquet and csv links.

    ``staged_db``: a finished temporary copy of the version's database inside
    publish_dir to move into place; without it one is copied from the version folder.
    Each step is a single rename, so each live path always shows a whole version. A
    version kept from before the CSV export has no csv folder: the csv link is removed.
    """
    if staged_db is None:
        staged_db = publish_dir / f".marts.{safe_token(token)}.tmp.duckdb"
        remove_path(staged_db)
        copy_file_durable(version.database, staged_db, file_mode)
    replace_file(staged_db, publish_dir / LIVE_DB)
    target = f"{VERSIONS}/{version.version_id}/{LIVE_PARQUET}"
    swap_symlink(publish_dir / LIVE_PARQUET, target, safe_token(token))
    if version.csv.is_dir():
        swap_symlink(publish_dir / LIVE_CSV, f"{VERSIONS}/{version.version_id}/{LIVE_CSV}",
                     safe_token(token))
    elif (publish_dir / LIVE_CSV).is_symlink():
        remove_path(publish_dir / LIVE_CSV)
        fsync_dir(publish_dir)


def mark_went_live(version: Version, file_mode: int = FILE_MODE) -> None:
    marker = version.path / WENT_LIVE
    if not marker.exists():
        marker.write_text(datetime.now(UTC).isoformat() + "\n")
        os.chmod(marker, file_mode)


def prune(publish_dir: Path, keep: int, protect: set[str]) -> list[str]:
    """Delete all but the newest ``keep`` versions (never one in ``protect``)."""
    versions = list_versions(publish_dir)
    keep = max(1, keep)
    kept = {v.version_id for v in versions[-keep:]} | protect
    removed: list[str] = []
    for v in versions:
        if v.version_id not in kept:
            # Rename first: a crash mid-delete leaves a .tmp folder (cleaned next time),
            # never a half-deleted folder that still looks like a version.
            doomed = v.path.with_name(f".{v.version_id}.deleting.tmp")
            os.rename(v.path, doomed)
            remove_path(doomed)
            removed.append(v.version_id)
            log.info("pruned published version %s", v.version_id)
    if removed:
        fsync_dir(versions_dir(publish_dir))
    return removed
