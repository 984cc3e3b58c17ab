"""Put a kept version back live, the same atomic way a publish goes live."""

import logging
from datetime import UTC, datetime

from pipelines.config import Settings
from pipelines.publish.errors import PublishError
from pipelines.publish.files import FILE_MODE, clean_stale, publish_lock
from pipelines.publish.versions import (
    Version,
    activate,
    check_version,
    list_versions,
    live_state,
    mark_went_live,
)

log = logging.getLogger(__name__)


def choose_target(versions: list[Version], current: str | None, to: str | None) -> Version:
    """The version ``to``, or by default the newest version older than the live one that
    has itself been live (a version left by an interrupted publish is never chosen)."""
    by_id = {v.version_id: v for v in versions}
    if to is not None:
        if to not in by_id:
            known = ", ".join(by_id) or "none"
            raise PublishError(f"no kept version {to!r} (kept: {known})")
        return by_id[to]
    if current is None or current not in by_id:
        raise PublishError("cannot tell which version is live; pass --to VERSION_ID")
    older = [v for v in versions if v.sort_key < by_id[current].sort_key and v.went_live]
    if not older:
        never = [v.version_id for v in versions
                 if v.sort_key < by_id[current].sort_key and not v.went_live]
        hint = f"; older versions that were never live: {', '.join(never)} (use --to)" \
            if never else ""
        raise PublishError(f"no version older than the live one ({current}) has been live"
                           f"{hint}")
    return older[-1]


def rollback(settings: Settings, to: str | None = None, *, file_mode: int = FILE_MODE) -> Version:
    """Make a kept version live again (default: the one before the live one) and return it.

    The version's files are checked against their recorded sha256 first; then
    marts.duckdb is replaced with a fresh copy of the version's file and the parquet
    link is swapped to its folder. Rolling back to the live version repairs a publish
    folder whose two live paths disagree (after a crash between the two swaps).
    """
    publish_dir = settings.publish_dir
    if not publish_dir.is_dir():
        raise PublishError(f"nothing published yet in {publish_dir}")
    with publish_lock(publish_dir):
        clean_stale(publish_dir)
        versions = list_versions(publish_dir)
        state = live_state(publish_dir, versions)
        target = choose_target(versions, state.current, to)
        check_version(target)
        token = f"rollback-{datetime.now(UTC):%Y%m%dT%H%M%S%f}"
        activate(publish_dir, target, token, file_mode=file_mode)
        mark_went_live(target, file_mode)
    log.info("rolled back from %s to %s", state.current, target.version_id)
    return target
