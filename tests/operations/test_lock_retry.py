"""The process-level pipeline lock and the retry on DuckDB lock conflicts, with real
second processes holding the lock / the DuckDB file."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.config import PROJECT_ROOT
from pipelines.operations.lock import PipelineLockTimeout, lock_path, pipeline_lock
from pipelines.operations.retry import (
    backoff_delay,
    is_lock_error,
    lock_retry_requested,
    retry_on_lock,
)


def _child(code: str) -> subprocess.Popen:
    """A Python child that prints 'ready' once it holds what it holds."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stdin=subprocess.PIPE,
        text=True,
    )


def _wait_ready(proc: subprocess.Popen) -> None:
    line = proc.stdout.readline()
    assert line.strip() == "ready", f"child did not start: {line!r}"


def _hold_pipeline_lock(warehouse: Path, hold_s: float) -> subprocess.Popen:
    return _child(f"""
        import time
        from pipelines.config import load_settings
        from pipelines.operations.lock import pipeline_lock
        s = load_settings({{"MHP_WAREHOUSE": {str(warehouse)!r}}})
        with pipeline_lock(s, timeout_s=0):
            print("ready", flush=True)
            time.sleep({hold_s})
        """)


def _hold_duckdb(path: Path, hold_s: float) -> subprocess.Popen:
    """A child holding ``path`` read-write for ``hold_s`` s or until _release()."""
    return _child(f"""
        import select, sys, duckdb
        con = duckdb.connect({str(path)!r})
        print("ready", flush=True)
        select.select([sys.stdin], [], [], {hold_s})
        con.close()
        print("released", flush=True)
        """)


def _release(proc: subprocess.Popen) -> None:
    proc.stdin.write("go\n")
    proc.stdin.flush()
    assert proc.stdout.readline().strip() == "released"


# ------------------------------------------------------------------ pipeline lock
def test_second_process_waits_then_fails_clearly_then_gets_the_lock(settings) -> None:
    child = _hold_pipeline_lock(settings.warehouse, 2.0)
    try:
        _wait_ready(child)
        started = time.monotonic()
        with pytest.raises(PipelineLockTimeout) as info:
            with pipeline_lock(settings, timeout_s=0.5):
                pass
        waited = time.monotonic() - started
        assert 0.4 <= waited < 1.5
        msg = str(info.value)
        assert "another pipeline run is in progress" in msg
        assert f"pid={child.pid}" in msg and str(lock_path(settings)) in msg

        with pipeline_lock(settings, timeout_s=15):  # waits for the holder to finish
            waited = time.monotonic() - started
            assert waited >= 1.0  # the child held it for 2 s after 'ready'
            assert f"pid={os.getpid()} " in lock_path(settings).read_text()
        assert lock_path(settings).read_text() == ""  # holder info cleared on release
    finally:
        child.kill()
        child.wait()


def test_lock_is_released_when_the_holder_is_killed(settings) -> None:
    child = _hold_pipeline_lock(settings.warehouse, 60)
    try:
        _wait_ready(child)
        with pytest.raises(PipelineLockTimeout):
            with pipeline_lock(settings, timeout_s=0):
                pass
        child.send_signal(signal.SIGKILL)
        child.wait()
        with pipeline_lock(settings, timeout_s=5):
            pass
    finally:
        child.kill()
        child.wait()


def test_lock_is_reentrant_in_a_thread_but_not_across_threads(settings) -> None:
    with pipeline_lock(settings, timeout_s=0):
        with pipeline_lock(settings, timeout_s=0):  # e.g. backfill -> run_pipeline
            pass
        errors: list[BaseException] = []

        def other() -> None:
            try:
                with pipeline_lock(settings, timeout_s=0.3):
                    pass
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        t = threading.Thread(target=other)
        t.start()
        t.join()
        assert len(errors) == 1 and isinstance(errors[0], PipelineLockTimeout)
    with pipeline_lock(settings, timeout_s=0):  # fully released after the outer exit
        pass


# ------------------------------------------------------------------ retry on DuckDB locks
def test_retry_on_lock_waits_out_a_real_conflict(tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    duckdb.connect(str(db)).close()
    child = _hold_duckdb(db, 1.5)
    calls: list[float] = []

    def write() -> int:
        calls.append(time.monotonic())
        con = duckdb.connect(str(db))
        try:
            con.execute("create or replace table t as select 42 as v").fetchall()
            return con.execute("select v from t").fetchone()[0]
        finally:
            con.close()

    try:
        _wait_ready(child)
        with pytest.raises(duckdb.IOException) as info:  # the conflict is real
            write()
        assert is_lock_error(info.value)
        calls.clear()
        assert retry_on_lock(write, attempts=10, base_delay=0.2, max_delay=0.5) == 42
    finally:
        child.kill()
        child.wait()
    assert len(calls) >= 2  # failed at least once, then succeeded


def test_retry_gives_up_after_attempts_with_the_lock_error(tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    child = _hold_duckdb(db, 30)
    calls = []
    sleeps: list[float] = []

    def write() -> None:
        calls.append(1)
        duckdb.connect(str(db)).close()

    try:
        _wait_ready(child)
        with pytest.raises(duckdb.IOException, match="Could not set lock on file"):
            retry_on_lock(write, attempts=3, base_delay=0.1, jitter=0, sleep=sleeps.append)
    finally:
        child.kill()
        child.wait()
    assert len(calls) == 3
    assert sleeps == [0.1, 0.2]  # exponential backoff between the attempts


def test_no_retry_on_data_errors(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    calls = []

    def bad_cast() -> None:
        calls.append(1)
        con.execute("select 'not a number'::integer").fetchall()

    with pytest.raises(duckdb.ConversionException):
        retry_on_lock(bad_cast, attempts=5, base_delay=0.01)
    assert calls == [1]
    calls.clear()
    with pytest.raises(duckdb.CatalogException):
        retry_on_lock(lambda: calls.append(1) or con.execute("select * from nope"), attempts=5)
    assert calls == [1]
    con.close()


def test_lock_error_found_through_wrapping_exceptions() -> None:
    inner = duckdb.IOException('IO Error: Could not set lock on file "/x/wh.duckdb": ...')
    try:
        try:
            raise inner
        except duckdb.IOException as exc:
            raise RuntimeError("cannot open the warehouse read-only") from exc
    except RuntimeError as wrapped:
        assert is_lock_error(wrapped)
    assert not is_lock_error(ValueError("Conversion Error: could not convert"))
    assert lock_retry_requested(ValueError("data")) is None
    retry = lock_retry_requested(inner, retry_number=2, max_retries=4, base_delay=10)
    assert isinstance(retry, dg.RetryRequested)
    assert retry.max_retries == 4 and retry.seconds_to_wait == 40
    assert backoff_delay(10, 10, 300) == 300


def test_retry_requested_lets_dagster_retry_the_step(tmp_path: Path) -> None:
    """An asset that maps the lock error to RetryRequested succeeds once the holder is gone;
    a data error fails at once without retry."""
    db = tmp_path / "wh.duckdb"
    duckdb.connect(str(db)).close()
    tries: list[int] = []

    @dg.asset
    def locked_write(context: dg.AssetExecutionContext) -> None:
        tries.append(context.retry_number)
        try:
            con = duckdb.connect(str(db))
            con.execute("create or replace table t as select 1 as v").fetchall()
            con.close()
        except Exception as exc:
            retry = lock_retry_requested(exc, context.retry_number, max_retries=3,
                                         base_delay=0.2, max_delay=0.5)
            if retry is not None:
                if context.retry_number == 1:
                    _release(child)  # the other process goes away after two failed tries
                raise retry from exc
            raise

    child = _hold_duckdb(db, 30)
    try:
        _wait_ready(child)
        result = dg.materialize([locked_write], instance=dg.DagsterInstance.ephemeral())
    finally:
        child.kill()
        child.wait()
    assert result.success
    assert tries == [0, 1, 2]
    retried = [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    assert len(retried) == 2

    @dg.asset
    def data_error(context: dg.AssetExecutionContext) -> None:
        tries.append(context.retry_number)
        try:
            duckdb.connect().execute("select 'x'::integer").fetchall()
        except Exception as exc:
            retry = lock_retry_requested(exc, context.retry_number)
            if retry is not None:
                raise retry from exc
            raise

    tries.clear()
    result = dg.materialize([data_error], instance=dg.DagsterInstance.ephemeral(),
                            raise_on_error=False)
    assert not result.success and tries == [0]


def test_retry_requested_gives_up_after_max_retries(tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    tries: list[int] = []

    @dg.asset
    def always_locked(context: dg.AssetExecutionContext) -> None:
        tries.append(context.retry_number)
        try:
            duckdb.connect(str(db)).close()
        except Exception as exc:
            retry = lock_retry_requested(exc, context.retry_number, max_retries=1,
                                         base_delay=0.1)
            if retry is not None:
                raise retry from exc
            raise

    child = _hold_duckdb(db, 30)
    try:
        _wait_ready(child)
        result = dg.materialize([always_locked], instance=dg.DagsterInstance.ephemeral(),
                                raise_on_error=False)
    finally:
        child.kill()
        child.wait()
    assert not result.success and tries == [0, 1]
    failure = result.failure_data_for_node("always_locked")
    assert "Could not set lock on file" in str(failure.error.to_string())


def test_lock_resource_holds_the_lock_for_the_run(settings) -> None:
    from pipelines.operations.resources import pipeline_lock_resource

    seen: list[str] = []

    @dg.asset(required_resource_keys={"pipeline_lock"})
    def first() -> None:
        seen.append(lock_path(settings).read_text())

    @dg.asset(deps=[first])
    def second() -> None:
        seen.append(lock_path(settings).read_text())

    job = dg.define_asset_job("locked", executor_def=dg.in_process_executor)
    defs = dg.Definitions(assets=[first, second], jobs=[job],
                          resources={"pipeline_lock": pipeline_lock_resource(settings, 0.3)})
    instance = dg.DagsterInstance.ephemeral()
    with pipeline_lock(settings, timeout_s=0):  # like run_pipeline: re-entrant, no wait
        assert defs.resolve_job_def("locked").execute_in_process(instance=instance).success
    assert len(seen) == 2 and all(f"pid={os.getpid()} " in s for s in seen)  # whole run

    child = _hold_pipeline_lock(settings.warehouse, 30)  # another run holds it
    try:
        _wait_ready(child)
        result = defs.resolve_job_def("locked").execute_in_process(
            instance=instance, raise_on_error=False)
    finally:
        child.kill()
        child.wait()
    assert not result.success
    assert "another pipeline run is in progress" in str(result.all_events)
