"""Kept versions: pruning to N, rollback (default and --to), and the command line."""

from dataclasses import replace
from pathlib import Path

import pytest

from pipelines.config import Settings
from pipelines.publish import PublishError, list_versions, live_state, publish, rollback
from pipelines.publish.__main__ import main

from .helpers import modify_warehouse, snapshot, sql


def _publish_n(settings: Settings, n: int) -> list[str]:
    ids = []
    for i in range(n):
        modify_warehouse(settings.warehouse, "update marts.mart_metric_values set value = ? "
                         "where metric_id = 'discharges'", [100 + i])
        ids.append(publish(settings, f"run-{i:04d}", {}).version_id)
    return ids


def _live_value(publish_dir: Path) -> float:
    return sql(publish_dir / "marts.duckdb",
               "select value from metric_values where metric_id = 'discharges'")[0][0]


def test_versions_beyond_n_are_pruned(settings: Settings) -> None:
    settings = replace(settings, keep_versions=1)
    ids = _publish_n(settings, 2)
    assert [v.version_id for v in list_versions(settings.publish_dir)] == ids[-1:]
    assert [p.name for p in (settings.publish_dir / "versions").iterdir()] == ids[-1:]
    assert live_state(settings.publish_dir).current == ids[-1]


def test_rollback_restores_the_previous_version(settings: Settings) -> None:
    ids = _publish_n(settings, 3)
    pub = settings.publish_dir
    v2_files = snapshot(pub)  # live = third publication
    restored = rollback(settings)
    assert restored.version_id == ids[1]
    assert _live_value(pub) == 101.0
    state = live_state(pub)
    assert (state.database_version, state.parquet_version) == (ids[1], ids[1])
    assert (pub / "parquet").readlink() == Path("versions") / ids[1] / "parquet"
    assert (pub / "marts.duckdb").read_bytes() == (restored.path / "marts.duckdb").read_bytes()
    # Rolling back again goes one further back; --to goes anywhere kept.
    assert rollback(settings).version_id == ids[0]
    assert _live_value(pub) == 100.0
    assert rollback(settings, to=ids[2]).version_id == ids[2]
    assert snapshot(pub) == v2_files
    rollback(settings, to=ids[0])
    with pytest.raises(PublishError, match="no version older"):
        rollback(settings)
    with pytest.raises(PublishError, match="no kept version"):
        rollback(settings, to="nope")
    # A publish after a rollback goes live and prunes to the newest N.
    new = publish(replace(settings, keep_versions=2), "run-after", {})
    assert [v.version_id for v in list_versions(pub)] == [ids[2], new.version_id]
    assert live_state(pub).current == new.version_id
    assert _live_value(pub) == 102.0


def test_cli_list_and_rollback(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = _publish_n(settings, 2)
    monkeypatch.setenv("MHP_PUBLISH_DIR", str(settings.publish_dir))
    monkeypatch.setenv("MHP_WAREHOUSE", str(settings.warehouse))
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert f"* {ids[1]}" in out and f"  {ids[0]}" in out
    assert main(["rollback"]) == 0
    assert ids[0] in capsys.readouterr().out
    assert live_state(settings.publish_dir).current == ids[0]
    assert main(["rollback", "--to", ids[1]]) == 0
    assert live_state(settings.publish_dir).current == ids[1]
    assert main(["rollback", "--to", "missing"]) == 1
    assert "no kept version" in capsys.readouterr().err
    # A kept version whose files changed is refused, and nothing live moves.
    before = snapshot(settings.publish_dir)
    victim = settings.publish_dir / "versions" / ids[0] / "parquet" / "metric_values.parquet"
    victim.write_bytes(b"not parquet")
    assert main(["rollback", "--to", ids[0]]) == 1
    assert "has changed" in capsys.readouterr().err
    assert snapshot(settings.publish_dir) == before
