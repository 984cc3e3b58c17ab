"""published_marts_freshness: publish_log time, file mtime fallback, nothing published."""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.operations.freshness import (
    ASSET_KEY,
    CHECK_NAME,
    freshness_job,
    freshness_result,
    published_marts_freshness_check,
)

NOW = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)


def _publish(publish_dir: Path, *published_at: datetime, with_log: bool = True) -> Path:
    """A stand-in marts.duckdb with the publisher's publish_log columns."""
    publish_dir.mkdir(parents=True, exist_ok=True)
    path = publish_dir / "marts.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table metric_values as select 1 as v")
    if with_log:
        con.execute("create table publish_log (run_id varchar, version_id varchar, "
                    "published_at timestamp, publication_mode varchar)")
        for i, at in enumerate(published_at):
            con.execute("insert into publish_log values (?, ?, ?, 'internal')",
                        [f"run-{i}", f"v{i}", at.astimezone(UTC).replace(tzinfo=None)])
    con.close()
    return path


def test_fresh_publication_passes_with_time_in_metadata(settings) -> None:
    _publish(settings.publish_dir, NOW - timedelta(hours=30), NOW - timedelta(hours=5))
    result = freshness_result(settings.publish_dir, 26, now=NOW)
    assert result.passed and result.severity == dg.AssetCheckSeverity.WARN
    meta = result.metadata
    assert meta["source"].value == "publish_log"
    assert meta["last_published_at"].value == (NOW - timedelta(hours=5)).timestamp()
    assert meta["last_published_at_utc"].value == "2024-06-03T04:00:00+00:00"
    assert meta["age_hours"].value == 5.0 and meta["max_age_hours"].value == 26.0
    assert meta["version_id"].value == "v1"
    assert "5.0 h ago" in result.description


def test_old_publication_warns(settings) -> None:
    _publish(settings.publish_dir, NOW - timedelta(hours=27))
    result = freshness_result(settings.publish_dir, 26, now=NOW)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert "older than the 26 h limit" in result.description
    assert freshness_result(settings.publish_dir, 48, now=NOW).passed  # configurable limit


def test_mtime_fallback_and_nothing_published(settings) -> None:
    missing = freshness_result(settings.publish_dir, 26, now=NOW)
    assert not missing.passed and "nothing published yet" in missing.description
    path = _publish(settings.publish_dir, with_log=False)
    stamp = (NOW - timedelta(hours=2)).timestamp()
    os.utime(path, (stamp, stamp))
    result = freshness_result(settings.publish_dir, 26, now=NOW)
    assert result.passed
    assert result.metadata["source"].value == "file mtime"
    assert "not readable" in result.metadata["note"].value


def test_check_runs_in_a_job_and_alone(settings) -> None:
    """In a job with the asset (as in mh_pipeline) and in the checks-only job."""
    _publish(settings.publish_dir, NOW - timedelta(hours=40))
    check = published_marts_freshness_check(settings, max_age_hours=26,
                                            clock=lambda: NOW.timestamp())
    assert check.check_keys == {dg.AssetCheckKey(ASSET_KEY, CHECK_NAME)}

    @dg.asset(key=ASSET_KEY)
    def published_marts() -> None:
        return None

    defs = dg.Definitions(assets=[published_marts], asset_checks=[check],
                          jobs=[freshness_job(check)])
    instance = dg.DagsterInstance.ephemeral()
    result = defs.resolve_job_def("published_marts_freshness_job").execute_in_process(
        instance=instance)
    assert result.success  # a WARN check never fails the run
    assert not result.get_asset_materialization_events()  # checks only
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.check_name == CHECK_NAME and not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.WARN
    assert evaluation.metadata["age_hours"].value == 40.0
