"""File-system steps of publishing: atomic swaps, fsync, permissions, locks, crash clean-up.

Nothing here knows about DuckDB tables; it only moves finished files into place
so that a reader sees either the old publication or the new one, never a mix of
half-written files.
"""

import contextlib
import hashlib
import logging
import os
import re
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

from pipelines.publish.errors import PublishLockedError

log = logging.getLogger(__name__)

LIVE_DB = "marts.duckdb"
LIVE_PARQUET = "parquet"
LIVE_CSV = "csv"  # the analyst views as CSV (UTF-8 with BOM) for Excel
VERSIONS = "versions"
LOCK_FILE = ".publish.lock"

FILE_MODE = 0o640
DIR_MODE = 0o750

# Names only ever used for work in progress: safe to delete when no publish is running.
_STALE_TOP = [
    re.compile(r"^\.marts\..+\.tmp\.duckdb(\.wal)?$"),
    re.compile(r"^\.parquet\..+\.tmp$"),
    re.compile(r"^\.csv\..+\.tmp$"),
]
_STALE_VERSION = re.compile(r"^\..+\.tmp$")


def safe_token(text: str, limit: int = 36) -> str:
    """A run id or version id reduced to characters that are safe in a file name."""
    token = re.sub(r"[^A-Za-z0-9_-]", "", text)[:limit]
    return token or "run"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Make a rename inside ``path`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.is_symlink():
            fsync_file(p)
    for d in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
        fsync_dir(d)
    fsync_dir(root)


def restrict(path: Path, file_mode: int = FILE_MODE, dir_mode: int = DIR_MODE) -> None:
    """chmod a file, or a folder and everything in it; symlinks are left alone."""
    if path.is_symlink():
        return
    if path.is_dir():
        for p in path.rglob("*"):
            if p.is_symlink():
                continue
            os.chmod(p, dir_mode if p.is_dir() else file_mode)
        os.chmod(path, dir_mode)
    elif path.exists():
        os.chmod(path, file_mode)


def remove_path(path: Path) -> None:
    """Delete a file, symlink or folder tree if it exists."""
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=False)


def copy_file_durable(src: Path, dst: Path, file_mode: int = FILE_MODE) -> None:
    """Copy ``src`` to a new path ``dst`` (which must not be live), fsynced and chmodded."""
    shutil.copyfile(src, dst)
    os.chmod(dst, file_mode)
    fsync_file(dst)


def replace_file(tmp: Path, live: Path) -> None:
    """Atomically put a finished file in place of the live one (readers keep the old inode)."""
    os.replace(tmp, live)
    fsync_dir(live.parent)


def swap_symlink(link: Path, target: str, token: str) -> None:
    """Point ``link`` at ``target`` in one atomic step.

    A new symlink is made under a temporary name and renamed over the old link, so a
    reader resolving ``link`` gets either the old target or the new one. If ``link`` is
    a real folder (a layout from before symlinks), it is moved aside first.
    """
    tmp = link.parent / f".{link.name}.link-{token}.tmp"
    remove_path(tmp)
    os.symlink(target, tmp)
    if link.exists() and not link.is_symlink() and link.is_dir():
        aside = link.parent / f".{link.name}.old-{token}.tmp"
        remove_path(aside)
        os.rename(link, aside)
        log.warning("moved the old %s folder aside to %s", link, aside)
    os.replace(tmp, link)
    fsync_dir(link.parent)


def clean_stale(publish_dir: Path) -> list[Path]:
    """Delete what a crashed publish or rollback left behind. Call with the lock held.

    Removes temporary DuckDB files (and their .wal), temporary Parquet and CSV folders
    and links, half-assembled version folders, and stray .wal files next to published
    files (nothing ever writes to a published file, so a .wal there is debris).
    """
    removed: list[Path] = []
    if not publish_dir.is_dir():
        return removed
    for p in publish_dir.iterdir():
        if any(rx.match(p.name) for rx in _STALE_TOP):
            remove_path(p)
            removed.append(p)
    stray = [publish_dir / f"{LIVE_DB}.wal"]
    versions = publish_dir / VERSIONS
    if versions.is_dir():
        for p in versions.iterdir():
            if _STALE_VERSION.match(p.name):
                remove_path(p)
                removed.append(p)
            elif p.is_dir():
                stray.append(p / f"{LIVE_DB}.wal")
    for w in stray:
        if w.exists():
            w.unlink()
            removed.append(w)
    for p in removed:
        log.warning("removed leftover from an interrupted publish: %s", p)
    return removed


@contextlib.contextmanager
def publish_lock(publish_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on the publish folder (one publish or rollback at a time)."""
    publish_dir.mkdir(parents=True, exist_ok=True)
    path = publish_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, stat.S_IRUSR | stat.S_IWUSR)
    try:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not Linux/macOS: no cross-process lock
            yield
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise PublishLockedError(
                f"another publish or rollback is running on {publish_dir} (lock {path})"
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
