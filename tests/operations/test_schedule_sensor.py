"""The nightly schedule and the raw-folder sensor, evaluated with Dagster's test contexts."""

import os
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.operations.schedules import nightly_schedule
from pipelines.operations.sensors import raw_files_sensor, raw_listing
from tests.operations.conftest import make_settings
from tests.rawfiles import write_header, write_table

LONDON = ZoneInfo("Europe/London")


def test_nightly_schedule_defaults_and_run_request(settings) -> None:
    schedule = nightly_schedule(settings)
    assert schedule.name == "nightly"
    assert schedule.job_name == "mh_pipeline"
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Europe/London"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    when = datetime(2024, 6, 3, 2, 0, tzinfo=LONDON)
    with dg.build_schedule_context(scheduled_execution_time=when) as ctx:
        data = schedule.evaluate_tick(ctx)
    assert len(data.run_requests) == 1
    tags = data.run_requests[0].tags
    assert tags["mhp/trigger"] == "nightly"
    assert tags["mhp/scheduled_for"].startswith("2024-06-03T02:00:00+01:00")  # BST


def test_nightly_schedule_follows_settings(tmp_path: Path) -> None:
    s = make_settings(tmp_path, MHP_SCHEDULE_CRON="30 5 * * 1-5", MHP_SCHEDULE_TZ="UTC")
    schedule = nightly_schedule(s, job_name="other_job")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("30 5 * * 1-5", "UTC")
    assert schedule.job_name == "other_job"


def _tick(sensor: dg.SensorDefinition, cursor: str | None, instance: dg.DagsterInstance):
    ctx = dg.build_sensor_context(cursor=cursor, instance=instance)
    data = sensor.evaluate_tick(ctx)
    return data.run_requests or [], data.cursor, data.skip_message


def _spell(raw: Path, provider: str, period: str) -> Path:
    return write_table(
        raw, "mhs501_hosp_prov_spell",
        [{"OrgIDProv": provider, "UniqHospProvSpellID": f"{provider}-S1"}], provider, period,
    )


def test_sensor_new_file_fires_once_then_nothing(settings) -> None:
    instance = dg.DagsterInstance.ephemeral()
    sensor = raw_files_sensor(settings, settle_seconds=0)
    assert sensor.job_name == "mh_pipeline"

    runs, cursor, skip = _tick(sensor, None, instance)  # first evaluation: baseline only
    assert runs == [] and "baseline" in skip

    write_header(settings.raw_dir, "RXA", "2024-01")  # a new file lands
    runs, cursor, _ = _tick(sensor, cursor, instance)
    assert len(runs) == 1
    assert runs[0].run_key.startswith("raw-")
    assert runs[0].tags["mhp/trigger"] == "raw_files_sensor"
    assert runs[0].tags["mhp/raw_files"] == "1"

    for _ in range(3):  # repeated evaluations without a change: no run
        runs, cursor, skip = _tick(sensor, cursor, instance)
        assert runs == [] and skip == "no change in the raw folder"


def test_sensor_changed_file_fires_hidden_and_other_files_do_not(settings) -> None:
    instance = dg.DagsterInstance.ephemeral()
    sensor = raw_files_sensor(settings, settle_seconds=0)
    path = write_header(settings.raw_dir, "RXA", "2024-01")
    _, cursor, _ = _tick(sensor, None, instance)

    (settings.raw_dir / ".mhp-synthetic").write_text("x")  # hidden marker: ignored
    (settings.raw_dir / "mhsds" / "README.txt").write_text("notes")  # not a data file
    runs, cursor, _ = _tick(sensor, cursor, instance)
    assert runs == []

    st = path.stat()  # same size, new mtime: a replaced file
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    runs, cursor, _ = _tick(sensor, cursor, instance)
    assert len(runs) == 1


def test_sensor_burst_gives_one_run_after_settling(settings) -> None:
    now = [1_000_000.0]
    instance = dg.DagsterInstance.ephemeral()
    sensor = raw_files_sensor(settings, settle_seconds=60, clock=lambda: now[0])
    _, cursor, _ = _tick(sensor, None, instance)
    requested = []

    write_header(settings.raw_dir, "RXA", "2024-01")  # a submission arrives file by file
    _spell(settings.raw_dir, "RXA", "2024-01")
    runs, cursor, skip = _tick(sensor, cursor, instance)
    requested += runs
    assert "waiting" in skip

    now[0] += 30
    write_header(settings.raw_dir, "RXB", "2024-01")  # still arriving: the wait restarts
    runs, cursor, _ = _tick(sensor, cursor, instance)
    requested += runs

    now[0] += 30  # quiet for 30 s only
    runs, cursor, skip = _tick(sensor, cursor, instance)
    requested += runs
    assert "settling" in skip

    now[0] += 31  # quiet for 61 s: one run for the whole burst
    runs, cursor, _ = _tick(sensor, cursor, instance)
    requested += runs

    for _ in range(3):
        now[0] += 30
        runs, cursor, _ = _tick(sensor, cursor, instance)
        requested += runs
    assert len(requested) == 1
    assert requested[0].tags["mhp/raw_files"] == "3"


def test_sensor_burst_within_one_interval_is_one_run_without_settle(settings) -> None:
    instance = dg.DagsterInstance.ephemeral()
    sensor = raw_files_sensor(settings, settle_seconds=0)
    _, cursor, _ = _tick(sensor, None, instance)
    for provider in ("RXA", "RXB", "RXC"):
        for period in ("2024-01", "2024-02"):
            write_header(settings.raw_dir, provider, period)
            _spell(settings.raw_dir, provider, period)
    runs, cursor, _ = _tick(sensor, cursor, instance)
    again, _, _ = _tick(sensor, cursor, instance)
    assert len(runs) == 1 and again == []
    assert runs[0].tags["mhp/raw_files"] == "12"


def test_listing_missing_folder_and_bad_cursor(settings) -> None:
    empty = raw_listing(settings.raw_dir)  # folder does not exist yet
    assert empty.files == 0
    sensor = raw_files_sensor(replace(settings), settle_seconds=0)
    runs, cursor, skip = _tick(sensor, "not json", dg.DagsterInstance.ephemeral())
    assert runs == [] and "baseline" in skip  # an unreadable cursor is a fresh baseline


def test_nightly_runs_once_a_night_at_two_london_time_across_clock_changes(settings) -> None:
    from dagster._utils.schedules import cron_string_iterator  # what the daemon uses

    schedule = nightly_schedule(settings)
    for start in (datetime(2024, 3, 29, 12, tzinfo=LONDON), datetime(2024, 10, 25, 12,
                                                                      tzinfo=LONDON)):
        ticks = cron_string_iterator(start.timestamp(), schedule.cron_schedule,
                                     schedule.execution_timezone)
        nights = [next(ticks).astimezone(LONDON) for _ in range(4)]
        assert [(t.hour, t.minute) for t in nights] == [(2, 0)] * 4
        assert len({t.date() for t in nights}) == 4
