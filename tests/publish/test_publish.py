"""publish(): what the published file and Parquet folder contain, and how they are laid out."""

import json
import stat
from pathlib import Path

import duckdb
import pytest

from pipelines.config import Settings
from pipelines.publish import (
    PublishLockedError,
    PublishResult,
    publish,
    scan_for_identifiers,
    scan_parquet_folder,
)
from pipelines.publish.files import publish_lock
from pipelines.publish.storage_format import READABLE_BY_V1_5, storage_version_number
from pipelines.publish.tables import ANALYST_VIEWS

from .helpers import GATE, modify_warehouse, sql

EXPECTED_TABLES = {"metric_values", "metric_catalogue", "data_quality", "spc", "publish_log"}


def _tables(path: Path) -> set[tuple[str, str]]:
    return set(sql(path, "select schema_name, table_name from duckdb_tables() union all "
                         "select schema_name, view_name from duckdb_views() where not internal"))


def test_publish_creates_only_allowed_tables(published: tuple[Settings, PublishResult]) -> None:
    settings, result = published
    pub = settings.publish_dir

    assert result.database == pub / "marts.duckdb"
    # plus every analyst view (the fake's marts have their contracts' columns)
    assert _tables(result.database) == {("main", t) for t in EXPECTED_TABLES} | {
        ("main", v) for v in ANALYST_VIEWS
    }
    assert set(result.row_counts) == EXPECTED_TABLES
    # Only optional marts that exist are published; nothing from staging/raw/fct_.
    assert "funnel" not in result.row_counts
    assert result.row_counts["metric_values"] == 13
    for table, n in result.row_counts.items():
        assert sql(result.database, f"select count(*) from {table}") == [(n,)]

    cols = [r[0] for r in sql(result.database, "select column_name from duckdb_columns() "
                                               "where table_name = 'metric_values'")]
    for c in ("metric_id", "metric_name", "unit", "domain", "better_direction", "period_start",
              "numerator", "denominator", "value", "suppressed"):
        assert c in cols

    # The Parquet folder mirrors the file, table for table.
    parquet = pub / "parquet"
    assert {p.stem for p in parquet.glob("*.parquet")} == EXPECTED_TABLES
    con = duckdb.connect()
    try:
        for table, n in result.row_counts.items():
            f = str(parquet / f"{table}.parquet")
            assert con.execute(f"select count(*) from read_parquet('{f}')").fetchall() == [(n,)]
    finally:
        con.close()


def test_publish_log_records_the_run(published: tuple[Settings, PublishResult]) -> None:
    _, result = published
    [(run_id, version_id, mode, gate, manifest, counts)] = sql(
        result.database, "select run_id, version_id, publication_mode, gate_summary, "
                         "source_manifest, row_counts from publish_log")
    assert (run_id, version_id, mode) == ("run-0001", result.version_id, "internal")
    assert json.loads(gate) == GATE
    # Loaded files only (the superseded one is left out), with their hashes.
    assert json.loads(manifest) == [
        {"relpath": "mhsds/RXX/2024-04/MHS501.csv", "content_hash": "a" * 64},
        {"relpath": "mhsds/RXX/2024-04/MHS502.csv", "content_hash": "c" * 64},
    ]
    assert json.loads(counts) == result.row_counts


def test_layout_symlink_versions_and_no_leftovers(
    published: tuple[Settings, PublishResult],
) -> None:
    settings, result = published
    pub = settings.publish_dir
    link = pub / "parquet"
    assert link.is_symlink()
    assert link.readlink() == Path("versions") / result.version_id / "parquet"
    assert result.version_dir == pub / "versions" / result.version_id
    version_db = result.version_dir / "marts.duckdb"
    assert version_db.read_bytes() == result.database.read_bytes()
    assert json.loads((result.version_dir / "version.json").read_text())["run_id"] == "run-0001"
    # No temporary files, no .wal anywhere.
    names = {p.name for p in pub.rglob("*")}
    assert not [n for n in names if n.endswith((".tmp", ".wal", ".tmp.duckdb"))]


def test_permissions_are_restrictive(published: tuple[Settings, PublishResult]) -> None:
    settings, result = published
    pub = settings.publish_dir

    def mode(p: Path) -> int:
        return stat.S_IMODE(p.stat().st_mode)

    assert mode(pub) == 0o750
    assert mode(result.database) == 0o640
    for p in (pub / "versions").rglob("*"):
        assert mode(p) == (0o750 if p.is_dir() else 0o640), p
    assert mode(pub / "parquet") == 0o750  # the folder the link points at


def test_custom_permissions(settings: Settings) -> None:
    result = publish(settings, "run-0001", {}, file_mode=0o644, dir_mode=0o755)
    assert stat.S_IMODE(result.database.stat().st_mode) == 0o644
    assert stat.S_IMODE((settings.publish_dir / "parquet").stat().st_mode) == 0o755


def test_no_identifier_shaped_values_in_a_normal_publish(
    published: tuple[Settings, PublishResult],
) -> None:
    settings, result = published
    con = duckdb.connect(str(result.database), read_only=True)
    try:
        assert scan_for_identifiers(con) == []
    finally:
        con.close()
    assert scan_parquet_folder(settings.publish_dir / "parquet") == []


def test_storage_version_is_readable_by_duckdb_1_5(
    published: tuple[Settings, PublishResult],
) -> None:
    _, result = published
    # The header's version number: 999 for duckdb 2.0's default format, 68 for v1.5.0.
    assert storage_version_number(result.database) in READABLE_BY_V1_5
    assert storage_version_number(result.version_dir / "marts.duckdb") in READABLE_BY_V1_5
    con = duckdb.connect()
    try:
        con.execute(f"attach '{result.database}' as pub (read_only)")
        [(tags,)] = con.execute(
            "select tags from duckdb_databases() where database_name = 'pub'").fetchall()
    finally:
        con.close()
    assert tags["storage_version"].startswith("v1.5")


def test_leftovers_of_a_crashed_run_are_cleaned(settings: Settings) -> None:
    first = publish(settings, "run-0001", {})
    pub = settings.publish_dir
    debris = [
        pub / ".marts.dead.tmp.duckdb",
        pub / ".marts.dead.tmp.duckdb.wal",
        pub / "marts.duckdb.wal",
        first.version_dir / "marts.duckdb.wal",
    ]
    for p in debris:
        p.write_bytes(b"junk")
    for d in (pub / ".parquet.dead.tmp", pub / "versions" / ".20990101-dead.tmp"):
        d.mkdir()
        (d / "metric_values.parquet").write_bytes(b"junk")
    modify_warehouse(settings.warehouse, "update marts.mart_metric_values set value = 11, "
                     "numerator = 11 where metric_id = 'discharges'")
    result = publish(settings, "run-0002", {})
    for p in [*debris, pub / ".parquet.dead.tmp", pub / "versions" / ".20990101-dead.tmp"]:
        assert not p.exists(), p
    assert pub / ".parquet.dead.tmp" in result.cleaned
    # ... and the second publication replaced the data.
    assert sql(result.database, "select value from metric_values "
                                "where metric_id = 'discharges'") == [(11.0,)]
    assert sql(result.database, "select run_id from publish_log") == [("run-0002",)]


def test_concurrent_publish_is_refused(settings: Settings) -> None:
    with publish_lock(settings.publish_dir):
        with pytest.raises(PublishLockedError):
            publish(settings, "run-0001", {})
    assert not (settings.publish_dir / "marts.duckdb").exists()
