"""``published_marts_freshness``: warn when the live publication is older than a limit.

The last publish time is ``max(published_at)`` of the ``publish_log`` table inside the
live ``<publish_dir>/marts.duckdb`` (UTC, written by pipelines/publish), so it is the
time of the data BI tools actually read: after a rollback it is the rolled-back
version's time. If the file has no readable publish_log, the file's mtime is used.
No file at all fails the check too ("nothing published").

Severity WARN (never blocks anything). The check runs

- inside every ``mh_pipeline`` run (the job selects all assets and their checks), right
  after ``published/marts`` is materialised, and
- on its own from the ``published_marts_freshness_schedule`` (hourly by default) through
  the small job ``published_marts_freshness_job``, which is what raises the warning
  when the nightly run did not publish.

The metadata shows the last publish time, its age, the limit, the source of the time
(publish_log or file mtime), the version id and the path.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from pipelines.config import Settings
from pipelines.operations.settings import DEFAULT_FRESHNESS_HOURS
from pipelines.publish.files import LIVE_DB as PUBLISHED_FILE
from pipelines.publish.tables import PUBLISH_LOG

ASSET_KEY = dg.AssetKey(["published", "marts"])
CHECK_NAME = "published_marts_freshness"


@dataclass(frozen=True)
class LastPublish:
    path: Path
    published_at: datetime | None  # aware, UTC
    source: str  # publish_log | file mtime | missing
    version_id: str | None = None
    run_id: str | None = None
    note: str | None = None


def last_publish(publish_dir: Path) -> LastPublish:
    """When the live marts file was published (publish_log, else file mtime)."""
    path = publish_dir / PUBLISHED_FILE
    if not path.exists():
        return LastPublish(path, None, "missing", note=f"nothing published yet: no {path}")
    note = None
    try:
        con = duckdb.connect(str(path), read_only=True)
        try:
            row = con.execute(
                f"select max(published_at), arg_max(version_id, published_at), "
                f"arg_max(run_id, published_at) from {PUBLISH_LOG}"
            ).fetchone()
        finally:
            con.close()
        if row is not None and row[0] is not None:
            at = row[0] if isinstance(row[0], datetime) else datetime.fromisoformat(str(row[0]))
            at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
            return LastPublish(path, at, "publish_log", row[1], row[2])
        note = f"{PUBLISH_LOG} is empty"
    except duckdb.Error as exc:
        note = f"{PUBLISH_LOG} not readable ({str(exc).splitlines()[0][:200]})"
    mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return LastPublish(path, mtime, "file mtime", note=note)


def freshness_result(
    publish_dir: Path, max_age_hours: float, now: datetime | None = None
) -> dg.AssetCheckResult:
    """The check's result for ``publish_dir`` at ``now`` (UTC; default: the current time)."""
    now = now or datetime.now(UTC)
    last = last_publish(publish_dir)
    metadata: dict[str, dg.MetadataValue] = {
        "max_age_hours": dg.MetadataValue.float(float(max_age_hours)),
        "source": dg.MetadataValue.text(last.source),
        "path": dg.MetadataValue.path(str(last.path)),
    }
    if last.note:
        metadata["note"] = dg.MetadataValue.text(last.note)
    if last.published_at is None:
        return dg.AssetCheckResult(
            asset_key=ASSET_KEY,
            check_name=CHECK_NAME,
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            description=last.note,
            metadata=metadata,
        )
    age_h = (now - last.published_at).total_seconds() / 3600
    metadata["last_published_at"] = dg.MetadataValue.timestamp(last.published_at)
    metadata["last_published_at_utc"] = dg.MetadataValue.text(
        last.published_at.isoformat(timespec="seconds")
    )
    metadata["age_hours"] = dg.MetadataValue.float(round(age_h, 2))
    if last.version_id:
        metadata["version_id"] = dg.MetadataValue.text(str(last.version_id))
    if last.run_id:
        metadata["published_by_run"] = dg.MetadataValue.text(str(last.run_id))
    passed = age_h <= max_age_hours
    description = (
        f"last published {last.published_at:%Y-%m-%d %H:%M} UTC, {age_h:.1f} h ago "
        f"({'within' if passed else 'older than'} the {max_age_hours:g} h limit; "
        f"from {last.source})"
    )
    return dg.AssetCheckResult(
        asset_key=ASSET_KEY,
        check_name=CHECK_NAME,
        passed=passed,
        severity=dg.AssetCheckSeverity.WARN,
        description=description,
        metadata=metadata,
    )


def published_marts_freshness_check(
    settings: Settings,
    max_age_hours: float = DEFAULT_FRESHNESS_HOURS,
    clock: Callable[[], float] = time.time,
) -> dg.AssetChecksDefinition:
    """The ``published_marts_freshness`` asset check on ``published/marts`` (severity WARN)."""
    publish_dir = settings.publish_dir

    @dg.asset_check(
        asset=ASSET_KEY,
        name=CHECK_NAME,
        blocking=False,
        description=(
            f"Warns when the live {PUBLISHED_FILE} was published more than {max_age_hours:g} h "
            "ago (publish_log.published_at, else the file's mtime)."
        ),
    )
    def published_marts_freshness(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        result = freshness_result(publish_dir, max_age_hours, datetime.fromtimestamp(clock(), UTC))
        (context.log.info if result.passed else context.log.warning)(result.description or "")
        return result

    return published_marts_freshness


def freshness_job(check: dg.AssetChecksDefinition) -> UnresolvedAssetJobDefinition:
    """A job that runs only the freshness check (the asset is not materialised)."""
    return dg.define_asset_job(
        "published_marts_freshness_job",
        selection=dg.AssetSelection.checks(check),
        executor_def=dg.in_process_executor,
        description="Runs the published_marts_freshness check alone (no materialisation).",
    )


def freshness_schedule(
    settings: Settings,
    job: UnresolvedAssetJobDefinition,
    cron: str = "30 * * * *",
    default_status: dg.DefaultScheduleStatus = dg.DefaultScheduleStatus.RUNNING,
) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="published_marts_freshness_schedule",
        cron_schedule=cron,
        execution_timezone=settings.schedule_timezone,
        job=job,
        default_status=default_status,
        description="Evaluates published_marts_freshness between pipeline runs.",
    )
