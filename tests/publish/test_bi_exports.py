"""For BI tools: the units and calendar tables, and the analyst views as CSV (UTF-8 with
BOM) in csv/, built under a temporary name and swapped in with the rest."""

import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.config import Settings
from pipelines.publish import list_versions, live_state, publish, rollback
from pipelines.publish import publisher as publisher_mod
from pipelines.publish import versions as versions_mod
from pipelines.publish.csv_export import BOM
from pipelines.publish.tables import ANALYST_VIEWS

from .helpers import contract_ddl, modify_warehouse, sql

# Small dim tables with the dbt contracts of dim_units and dim_calendar (integer columns
# such as level_order and month_number must not be taken for counts and suppressed); the
# columns not listed here are null.
DIM_UNITS = """
insert into marts.dim_units by name select * from (values
    ('RXX|provider|RXX', 'provider', 1, 'RXX', 'RXX name', 'RXX', null, null, null, null),
    ('RXX|locality|LOC1', 'locality', 2, 'LOC1', 'LOC1 name', 'RXX', 'LOC1', null,
     'provider', 'RXX'),
    ('RXX|ward|RXX01', 'ward', 3, 'RXX01', 'RXX01 name', 'RXX', 'LOC1', '200',
     'locality', 'LOC1'),
    ('RXX|team|TEAM1', 'team', 4, 'TEAM1', 'TEAM1 name', 'RXX', 'LOC1', null,
     'locality', 'LOC1')
) as t(unit_key, level, level_order, unit_code, unit_name, provider_code, locality_code,
       bed_type_code, parent_level, parent_unit_code)
"""
DIM_CALENDAR = """
insert into marts.dim_calendar by name select * from (values
    (date '2024-03-01', 2024, 3, '2023/24', 'Q4', 12),
    (date '2024-04-01', 2024, 4, '2024/25', 'Q1', 1)
) as t(month_start, calendar_year, month_number, financial_year, financial_quarter,
       financial_month_number)
"""


def _add_dims(settings: Settings) -> None:
    for model in ("dim_units", "dim_calendar"):
        modify_warehouse(settings.warehouse, contract_ddl(model))
    modify_warehouse(settings.warehouse, DIM_UNITS)
    modify_warehouse(settings.warehouse, DIM_CALENDAR)


def _csv_snapshot(publish_dir: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    link = publish_dir / "csv"
    if link.is_symlink():
        out["csv@"] = str(link.readlink())
    if link.is_dir():
        for f in sorted(link.iterdir()):
            out[f.name] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def _leftovers(publish_dir: Path) -> list[str]:
    return sorted(p.name for p in publish_dir.rglob("*") if ".tmp" in p.name)


def _views(db: Path) -> list[str]:
    present = {r[0] for r in sql(db, "select view_name from duckdb_views() where not internal")}
    return [v for v in ANALYST_VIEWS if v in present]


@pytest.mark.parametrize("mode", ["internal", "public"])
def test_units_and_calendar_are_published_as_they_are(
    settings: Settings, public_settings: Settings, mode: str
) -> None:
    s = settings if mode == "internal" else public_settings
    _add_dims(s)
    result = publish(s, "run-0001", {})
    assert result.row_counts["units"] == 4 and result.row_counts["calendar"] == 2
    db = result.database
    # reference data: no suppressed column, integer columns untouched in public mode too
    assert sql(db, "select level, level_order, unit_code, parent_unit_code from units "
                   "order by level_order") == [
        ("provider", 1, "RXX", None), ("locality", 2, "LOC1", "RXX"),
        ("ward", 3, "RXX01", "LOC1"), ("team", 4, "TEAM1", "LOC1")]
    assert sql(db, "select cast(month_start as varchar), financial_year, financial_quarter, "
                   "financial_month_number from calendar order by 1") == [
        ("2024-03-01", "2023/24", "Q4", 12), ("2024-04-01", "2024/25", "Q1", 1)]
    for table in ("units", "calendar"):
        cols = [r[0] for r in sql(db, "select column_name from duckdb_columns() "
                                      f"where table_name = '{table}'")]
        assert "suppressed" not in cols
        f = s.publish_dir / "parquet" / f"{table}.parquet"
        con = duckdb.connect()
        try:
            n = con.execute(f"select count(*) from read_parquet('{f}')").fetchall()[0][0]
        finally:
            con.close()
        assert n == result.row_counts[table]
    # commented like every published table (no dbt YAML in this fake: the generic text)
    [(comment,)] = sql(db, "select comment from duckdb_tables() where table_name = 'units'")
    assert comment


def test_every_analyst_view_is_written_as_csv_with_bom(settings: Settings) -> None:
    result = publish(settings, "run-0001", {})
    pub = settings.publish_dir
    views = _views(result.database)
    assert views  # the fake warehouse has the tables most views need
    link = pub / "csv"
    assert link.is_symlink()
    assert link.readlink() == Path("versions") / result.version_id / "csv"
    assert sorted(p.name for p in link.iterdir()) == sorted(f"{v}.csv" for v in views)
    assert result.csv_row_counts == {
        v: sql(result.database, f"select count(*) from {v}")[0][0] for v in views}
    for view in views:
        raw = (link / f"{view}.csv").read_bytes()
        assert raw.startswith(BOM), view
        text = raw.decode("utf-8-sig")
        lines = text.splitlines()
        header = lines[0].split(",")
        cols = [r[0] for r in sql(result.database, "select column_name from duckdb_columns() "
                                  f"where table_name = '{view}' order by column_index")]
        assert header == cols, view
        assert len(lines) - 1 == result.csv_row_counts[view], view
    trend = (link / "monthly_trend.csv").read_text(encoding="utf-8-sig")
    assert "2024-04-01" in trend  # ISO dates
    # kept in the version folder with their hashes, so rollback and checks cover them
    [version] = list_versions(pub)
    assert {f"csv/{v}.csv" for v in views} <= set(version.files)


def test_public_csv_carries_the_views_suppression(public_settings: Settings) -> None:
    result = publish(public_settings, "run-0001", {})
    con = duckdb.connect()
    try:
        f = str(public_settings.publish_dir / "csv" / "latest_values.csv")
        from_csv = con.execute(
            f"select metric_id, unit_code, value, suppressed from read_csv('{f}', "
            "header = true) order by all").fetchall()
    finally:
        con.close()
    from_view = sql(result.database, "select metric_id, unit_code, value, suppressed from "
                                     "latest_values order by all")
    assert from_csv == from_view
    assert any(s for *_, s in from_view)  # the hand-worked small numbers are suppressed
    assert all(v is None for _, _, v, s in from_view if s)


class Boom(RuntimeError):
    pass


def _raise(*_args: object, **_kwargs: object) -> None:
    raise Boom("injected failure")


@pytest.mark.parametrize("target", ["export_csv", "verify_csv", "stage_version"])
def test_failed_publish_keeps_the_previous_csv_folder(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    first = publish(settings, "run-0001", {})
    before = _csv_snapshot(settings.publish_dir)
    assert len(before) == 1 + len(first.csv_row_counts)
    modify_warehouse(settings.warehouse, "delete from marts.mart_metric_values "
                     "where metric_id = 'discharges'")
    monkeypatch.setattr(publisher_mod, target, _raise)
    with pytest.raises(Boom):
        publish(settings, "run-0002", {})
    assert _csv_snapshot(settings.publish_dir) == before
    assert _leftovers(settings.publish_dir) == []


def test_failure_at_the_csv_swap_restores_the_previous_version(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = publish(settings, "run-0001", {})
    before = _csv_snapshot(settings.publish_dir)
    modify_warehouse(settings.warehouse, "delete from marts.mart_metric_values "
                     "where metric_id = 'discharges'")
    real_swap = versions_mod.swap_symlink
    calls = {"n": 0}

    def failing_csv_swap(link: Path, *args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # marts.duckdb and the parquet link are already the new ones
            assert link.name == "csv"
            raise Boom("crash between the parquet and csv swaps")
        real_swap(link, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(versions_mod, "swap_symlink", failing_csv_swap)
    with pytest.raises(Boom):
        publish(settings, "run-0002", {})
    assert _csv_snapshot(settings.publish_dir) == before
    state = live_state(settings.publish_dir)
    assert (state.database_version, state.parquet_version, state.csv_version) == (
        first.version_id,) * 3
    assert _leftovers(settings.publish_dir) == []


def test_crashed_csv_export_is_cleaned_up_by_the_next_publish(settings: Settings) -> None:
    publish(settings, "run-0001", {})
    stale = settings.publish_dir / ".csv.crashed.tmp"
    stale.mkdir()
    (stale / "latest_values.csv").write_bytes(BOM + b"half")
    result = publish(settings, "run-0002", {})
    assert stale in result.cleaned
    assert _leftovers(settings.publish_dir) == []


def test_rollback_moves_the_csv_link_too(settings: Settings) -> None:
    first = publish(settings, "run-0001", {})
    first_csv = _csv_snapshot(settings.publish_dir)
    modify_warehouse(settings.warehouse, "update marts.mart_metric_values set value = 99 "
                     "where metric_id = 'discharges'")
    publish(settings, "run-0002", {})
    assert _csv_snapshot(settings.publish_dir) != first_csv
    assert rollback(settings).version_id == first.version_id
    assert _csv_snapshot(settings.publish_dir) == first_csv
    assert live_state(settings.publish_dir).csv_version == first.version_id


def test_rollback_to_a_version_without_csv_removes_the_csv_link(settings: Settings) -> None:
    first = publish(settings, "run-0001", {})
    publish(settings, "run-0002", {})
    # a version kept from before the CSV export: no csv folder (and none in its hashes)
    old = settings.publish_dir / "versions" / first.version_id
    shutil.rmtree(old / "csv")
    meta = json.loads((old / "version.json").read_text())
    meta["files"] = {k: v for k, v in meta["files"].items() if not k.startswith("csv/")}
    (old / "version.json").write_text(json.dumps(meta))
    rollback(settings)
    link = settings.publish_dir / "csv"
    assert not link.exists() and not link.is_symlink()
