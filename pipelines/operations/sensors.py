"""``raw_files_sensor``: one pipeline run when files land in (or change in) the raw folder.

The sensor lists the data files of the raw drop folder exactly as ingestion sees them
(``pipelines.ingest.discover``: hidden files and markers skipped, only .csv/.parquet) and
reduces the listing to a digest of the sorted ``(relpath, size, mtime_ns)``. Its cursor
(JSON) remembers

- ``fired``: the digest of the last listing a run was requested for,
- ``seen`` / ``seen_at``: the listing seen at the last evaluation and since when.

Rules, per evaluation:

1. First evaluation ever (no cursor): the current listing becomes the baseline and no run
   is requested (files already there are the nightly schedule's business).
2. Listing equal to ``fired``: nothing new, no run.
3. Listing different from ``seen``: something is still changing; remember it and wait.
4. Listing unchanged for at least ``settle_seconds`` (across evaluations): request one
   run (run key ``raw-<digest>``, so Dagster also refuses a duplicate) and set ``fired``.

So a new or replaced file triggers one run; repeated evaluations without change trigger
none; a burst of files (a provider's monthly submission, a large copy still growing)
triggers one run once the folder has been quiet for ``settle_seconds``. With
``settle_seconds=0`` the sensor fires at the first evaluation that sees a change (a burst
spread over two evaluations then gives two runs; the second finds most files unchanged).
The effective settle time is rounded up to the evaluation interval
(``minimum_interval_seconds``: MHP_RAW_SENSOR_INTERVAL, default 30 s). Runs requested
while a run is in progress wait in the run queue (max_concurrent_runs 1).
"""

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from pipelines.config import Settings
from pipelines.contract import load_contract
from pipelines.ingest.discover import discover
from pipelines.operations.schedules import JOB_NAME, TRIGGER_TAG
from pipelines.operations.settings import DEFAULT_SENSOR_INTERVAL_S, DEFAULT_SETTLE_SECONDS

CURSOR_VERSION = 1


@dataclass(frozen=True)
class Listing:
    digest: str
    files: int


def raw_listing(raw_dir: Path) -> Listing:
    """Digest of the sorted (relpath, size, mtime_ns) of every data file ingestion would see."""
    rows: list[tuple[str, int, int]] = []
    for f in discover(raw_dir, load_contract()):
        if f.unsupported:  # not a data file (.txt, .xls): listed by ingest, worth no run
            continue
        try:
            st = f.path.stat()
        except FileNotFoundError:  # removed while listing: the next evaluation sees it
            continue
        rows.append((f.relpath, st.st_size, st.st_mtime_ns))
    rows.sort()
    h = hashlib.sha256()
    for relpath, size, mtime in rows:
        h.update(f"{relpath}\0{size}\0{mtime}\n".encode())
    return Listing(h.hexdigest(), len(rows))


def _load_cursor(cursor: str | None) -> dict | None:
    if not cursor:
        return None
    try:
        state = json.loads(cursor)
    except ValueError:
        return None
    if not isinstance(state, dict) or state.get("v") != CURSOR_VERSION:
        return None
    return state


def _dump(fired: str | None, seen: str, seen_at: float, files: int) -> str:
    return json.dumps(
        {"v": CURSOR_VERSION, "fired": fired, "seen": seen, "seen_at": seen_at, "files": files},
        sort_keys=True,
    )


def evaluate_raw_folder(
    raw_dir: Path, cursor: str | None, now: float, settle_seconds: float
) -> tuple[dg.RunRequest | None, str, str]:
    """The sensor's decision, without Dagster: (run request or None, new cursor, reason)."""
    listing = raw_listing(raw_dir)
    state = _load_cursor(cursor)
    if state is None:
        return (
            None,
            _dump(listing.digest, listing.digest, now, listing.files),
            f"baseline: {listing.files} data file(s) in {raw_dir}; runs are requested for "
            "changes from now on",
        )
    fired = state.get("fired")
    if listing.digest == fired:
        return None, _dump(fired, listing.digest, now, listing.files), "no change in the raw folder"
    if listing.digest != state.get("seen"):
        if settle_seconds > 0:
            return (
                None,
                _dump(fired, listing.digest, now, listing.files),
                f"change detected ({listing.files} data files); waiting until the folder has "
                f"been unchanged for {settle_seconds:g} s",
            )
        seen_at = now
    else:
        seen_at = float(state.get("seen_at") or now)
        quiet = now - seen_at
        if quiet < settle_seconds:
            return (
                None,
                _dump(fired, listing.digest, seen_at, listing.files),
                f"raw folder settling: unchanged for {quiet:.0f} of {settle_seconds:g} s",
            )
    request = dg.RunRequest(
        run_key=f"raw-{listing.digest[:24]}",
        tags={TRIGGER_TAG: "raw_files_sensor", "mhp/raw_files": str(listing.files)},
    )
    return (
        request,
        _dump(listing.digest, listing.digest, seen_at, listing.files),
        f"raw folder changed: {listing.files} data files",
    )


def raw_files_sensor(
    settings: Settings,
    job_name: str = JOB_NAME,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    minimum_interval_seconds: int = DEFAULT_SENSOR_INTERVAL_S,
    clock: Callable[[], float] = time.time,
    default_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.RUNNING,
) -> dg.SensorDefinition:
    """The ``raw_files_sensor`` definition for ``settings.raw_dir`` (see the module doc)."""
    raw_dir = settings.raw_dir

    def _evaluate(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        request, cursor, reason = evaluate_raw_folder(
            raw_dir, context.cursor, clock(), settle_seconds
        )
        if request is None:
            return dg.SensorResult(skip_reason=dg.SkipReason(reason), cursor=cursor)
        context.log.info(reason)
        return dg.SensorResult(run_requests=[request], cursor=cursor)

    return dg.SensorDefinition(
        name="raw_files_sensor",
        evaluation_fn=_evaluate,
        job_name=job_name,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        description=(
            f"Requests one {job_name} run when data files in {raw_dir} are added or changed "
            f"and the folder has then been unchanged for {settle_seconds:g} s."
        ),
    )
