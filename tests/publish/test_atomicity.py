"""A failed, refused or crashed publish never changes the live files; readers are safe."""

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from pipelines.config import Settings
from pipelines.publish import (
    IdentifierFoundError,
    list_versions,
    live_state,
    publish,
    rollback,
)
from pipelines.publish import publisher as publisher_mod
from pipelines.publish import versions as versions_mod

from .helpers import modify_warehouse, snapshot, sql

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _leftovers(publish_dir: Path) -> list[str]:
    return sorted(p.name for p in publish_dir.rglob("*") if ".tmp" in p.name)


class Boom(RuntimeError):
    pass


def _raise(*_args: object, **_kwargs: object) -> None:
    raise Boom("injected failure")


FAILURE_POINTS = ["build_database", "verify_database", "export_parquet", "verify_parquet",
                  "stage_version"]


def test_failure_before_the_swap_leaves_previous_publication_identical(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = publish(settings, "run-0001", {})
    before = snapshot(settings.publish_dir)
    assert len(before) == 2 + len(first.row_counts)  # db, link, one file per table
    modify_warehouse(settings.warehouse, "delete from marts.mart_metric_values "
                     "where metric_id = 'discharges'")
    for i, target in enumerate(FAILURE_POINTS):
        with monkeypatch.context() as m:
            m.setattr(publisher_mod, target, _raise)
            with pytest.raises(Boom):
                publish(settings, f"run-fail-{i}", {})
        assert snapshot(settings.publish_dir) == before, target
        assert _leftovers(settings.publish_dir) == [], target
        assert [v.version_id for v in list_versions(settings.publish_dir)] == [first.version_id]


def test_failure_between_the_two_swaps_restores_the_previous_version(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = publish(settings, "run-0001", {})
    before = snapshot(settings.publish_dir)
    modify_warehouse(settings.warehouse, "delete from marts.mart_metric_values "
                     "where metric_id = 'discharges'")
    real_swap = versions_mod.swap_symlink
    calls = {"n": 0}

    def failing_once(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 1:  # marts.duckdb has just been replaced with the new file
            raise Boom("crash between the swaps")
        real_swap(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(versions_mod, "swap_symlink", failing_once)
    with pytest.raises(Boom):
        publish(settings, "run-0002", {})
    assert snapshot(settings.publish_dir) == before
    state = live_state(settings.publish_dir)
    assert (state.database_version, state.parquet_version) == (first.version_id,) * 2
    assert [v.version_id for v in list_versions(settings.publish_dir)] == [first.version_id]


def test_first_publication_failing_between_the_swaps_leaves_nothing_published(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(versions_mod, "swap_symlink", _raise)
    with pytest.raises(Boom):
        publish(settings, "run-0001", {})
    pub = settings.publish_dir
    assert not (pub / "marts.duckdb").exists()
    assert not (pub / "parquet").exists() and not (pub / "parquet").is_symlink()
    assert list_versions(pub) == []
    assert _leftovers(pub) == []


BAD_VALUES = {  # column of mart_metric_values -> identifier-shaped value, one row each
    "unit_name": "9434765919",
    "unit_code": "943 476 5919",
    "provider_code": "RXXLP12345678",
    "bed_type_group": "0123456789abcdef0123456789abcdef",
}


def test_privacy_guard_refuses_and_keeps_previous_publication(settings: Settings) -> None:
    publish(settings, "run-0001", {})
    before = snapshot(settings.publish_dir)
    for (column, bad_value), metric in zip(
        BAD_VALUES.items(), ["admissions", "discharges", "oap_new", "los_mean_days"], strict=True
    ):
        modify_warehouse(settings.warehouse, f"update marts.mart_metric_values set {column} = ? "
                         "where metric_id = ?", [bad_value, metric])
    with pytest.raises(IdentifierFoundError) as err:
        publish(settings, "run-0002", {})
    message = str(err.value)
    for column, bad_value in BAD_VALUES.items():
        assert f"metric_values.{column}" in message
        assert bad_value not in message  # a finding never echoes the value
    assert snapshot(settings.publish_dir) == before
    assert _leftovers(settings.publish_dir) == []


def test_privacy_guard_catches_identifiers_in_the_gate_summary(settings: Settings) -> None:
    with pytest.raises(IdentifierFoundError, match=r"publish_log\.gate_summary"):
        publish(settings, "run-0001", {"unexpected_values": ["9434765919"]})
    assert not (settings.publish_dir / "marts.duckdb").exists()


READER = textwrap.dedent("""
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    def show():
        v = con.execute("select version_id from publish_log").fetchall()[0][0]
        n = con.execute("select count(*) from metric_values").fetchall()[0][0]
        print(v, n, flush=True)
    show()
    sys.stdin.readline()
    show()
    con.close()
""")


def test_reader_keeps_old_file_and_new_reader_sees_new_data(settings: Settings) -> None:
    first = publish(settings, "run-0001", {})
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(first.database)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert reader.stdout is not None and reader.stdin is not None
        assert reader.stdout.readline().split() == [first.version_id, "13"]
        modify_warehouse(settings.warehouse, "delete from marts.mart_metric_values "
                         "where metric_id = 'discharges'")
        second = publish(settings, "run-0002", {})  # while the reader holds the old file
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().split() == [first.version_id, "13"]
        assert reader.wait(timeout=30) == 0, reader.stderr.read() if reader.stderr else ""
    finally:
        if reader.poll() is None:
            reader.kill()
    assert sql(second.database, "select version_id from publish_log") == [(second.version_id,)]
    assert sql(second.database, "select count(*) from metric_values") == [(12,)]


CRASHER = textwrap.dedent("""
    import os, sys
    from pipelines.config import load_settings
    from pipelines.publish import publisher
    def die(*args, **kwargs):
        os._exit(3)  # a hard crash: no clean-up, no exception handling
    setattr(publisher, sys.argv[1], die)
    publisher.publish(load_settings({
        "MHP_WAREHOUSE": sys.argv[2], "MHP_PUBLISH_DIR": sys.argv[3]}), "crashed-run", {})
""")


def _crash(settings: Settings, crash_at: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", CRASHER, crash_at, str(settings.warehouse),
         str(settings.publish_dir)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 3, proc.stderr


def test_hard_crash_leaves_previous_publication_and_next_run_cleans_up(
    settings: Settings,
) -> None:
    publish(settings, "run-0001", {})
    before = snapshot(settings.publish_dir)
    for crash_at in ("verify_parquet", "activate"):
        _crash(settings, crash_at)
        assert snapshot(settings.publish_dir) == before, crash_at
        assert _leftovers(settings.publish_dir), crash_at  # the crash left its temporary files
        con = duckdb.connect(str(settings.publish_dir / "marts.duckdb"), read_only=True)
        try:
            assert con.execute("select run_id from publish_log").fetchall() == [("run-0001",)]
        finally:
            con.close()
    result = publish(settings, "run-0003", {})
    assert _leftovers(settings.publish_dir) == []
    assert result.cleaned
    # A version folder the crashed run completed but never made live is not a default
    # rollback target: rolling back from run-0003 goes to run-0001.
    assert rollback(settings).run_id == "run-0001"
