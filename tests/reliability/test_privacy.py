"""Privacy and access: no identifiers published or stored, real data needs a key,
restrictive permissions. (No secret in logs: test_crash.py, which runs with a key.)"""

import csv
import stat
from pathlib import Path

import duckdb
import pytest

from pipelines.config import Settings
from pipelines.ingest.discover import SYNTHETIC_MARKER
from pipelines.ingest.load import ingest
from pipelines.ingest.pseudonymise import MissingPseudonymKey
from pipelines.publish import scan_for_identifiers, scan_parquet_folder
from pipelines.publish.files import DIR_MODE, FILE_MODE, LIVE_DB, LIVE_PARQUET
from tests.conftest import PipelineRun

from .helpers import Case, settings_at, write_baseline

ID_COLUMNS = {"NHSNumber": "nhs", "LocalPatientId": "lpi", "PersonBirthDate": "dob"}


@pytest.fixture(scope="module")
def published(pipeline_run: PipelineRun) -> Settings:
    assert pipeline_run.success, "the session's pipeline run failed: nothing published"
    return pipeline_run.settings


def raw_identifiers(raw: Path) -> dict[str, set[str]]:
    """Every NHS number, local patient ID and birth date in the raw drop folder."""
    found: dict[str, set[str]] = {k: set() for k in ID_COLUMNS.values()}
    for path in raw.rglob("*.csv"):
        with open(path, newline="", encoding="utf-8", errors="replace") as fh:
            reader = csv.DictReader(fh)
            cols = [c for c in (reader.fieldnames or []) if c in ID_COLUMNS]
            if not cols:
                continue
            for row in reader:
                for c in cols:
                    v = (row.get(c) or "").strip()
                    if v:
                        found[ID_COLUMNS[c]].add(v)
                        if c == "NHSNumber":
                            found["nhs"].add(v.replace(" ", ""))
    return found


def exact_hits(con: duckdb.DuckDBPyConnection, ids: dict[str, set[str]], database: str,
               schemas: tuple[str, ...] | None = None) -> list[str]:
    """Columns of ``database`` holding any of the raw identifiers as a value."""
    con.execute("create or replace temp table _ids (kind varchar, v varchar)")
    con.executemany("insert into _ids values (?, ?)",
                    [(k, v) for k, vals in ids.items() for v in vals])
    cols = con.execute(
        "select schema_name, table_name, column_name from duckdb_columns() "
        "where database_name = ? and data_type = 'VARCHAR' and not internal "
        "and table_name <> '_ids'",
        [database]).fetchall()
    hits = []
    for schema, table, col in cols:
        if schemas is not None and schema not in schemas:
            continue
        rel = f'"{database}"."{schema}"."{table}"'
        n = con.execute(f'select count(*) from {rel} t join _ids on trim(t."{col}") = _ids.v'
                        ).fetchall()[0][0]
        if n:
            hits.append(f"{schema}.{table}.{col}: {n}")
    con.execute("drop table _ids")
    return hits


def test_fault_identifiers_in_publication(published: Settings) -> None:
    ids = raw_identifiers(published.raw_dir)
    assert len(ids["nhs"]) > 100 and len(ids["lpi"]) > 100 and len(ids["dob"]) > 100
    db = published.publish_dir / LIVE_DB
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert scan_for_identifiers(con) == []
        assert exact_hits(con, ids, con.execute("select current_database()")
                          .fetchall()[0][0]) == []
    finally:
        con.close()
    con = duckdb.connect()
    try:
        assert scan_parquet_folder(published.publish_dir / LIVE_PARQUET, con) == []
        # the scan made one temp view per Parquet file: search them for the exact values too
        assert exact_hits(con, ids, "temp") == []
        # (the search does find an identifier where there is one)
        con.execute("create temp table canary as select ' ' || ? as x",
                    [sorted(ids["lpi"])[0]]).fetchall()
        assert exact_hits(con, ids, "temp") == ["main.canary.x: 1"]
    finally:
        con.close()
    # and the warehouse never stores an NHS number or local patient ID at all
    con = duckdb.connect(str(published.warehouse), read_only=True)
    try:
        wh = con.execute("select current_database()").fetchall()[0][0]
        assert exact_hits(con, {k: ids[k] for k in ("nhs", "lpi")}, wh) == []
    finally:
        con.close()


def test_fault_published_permissions(published: Settings) -> None:
    pub = published.publish_dir

    def mode(p: Path) -> int:
        return stat.S_IMODE(p.stat().st_mode)

    assert mode(pub) & 0o007 == 0, oct(mode(pub))  # nothing inside is reachable by others
    assert mode(pub / LIVE_DB) == FILE_MODE == 0o640
    assert DIR_MODE == 0o750
    checked = 0
    for p in [*(pub / "versions").rglob("*"), *(pub / LIVE_PARQUET).resolve().rglob("*")]:
        if p.is_symlink():
            continue
        assert mode(p) == (DIR_MODE if p.is_dir() else FILE_MODE), (p, oct(mode(p)))
        checked += 1
    assert checked > 10
    world = [str(p.relative_to(pub)) for p in pub.rglob("*")
             if not p.is_symlink() and mode(p) & 0o002]
    assert world == [], world  # nothing anywhere is world-writable


def test_fault_real_data_without_key(case: Case, tmp_path: Path) -> None:
    (case.raw / SYNTHETIC_MARKER).unlink()
    assert case.settings.pseudonym_key is None
    n = case.q("select count(*) from meta.manifest")
    with pytest.raises(MissingPseudonymKey, match="MHP_PSEUDONYM_KEY is not set"):
        ingest(case.settings)
    assert case.q("select count(*) from meta.manifest") == n
    case.assert_kept()
    # a first run on real data does not even create the warehouse
    fresh = settings_at(tmp_path / "fresh")
    write_baseline(fresh.raw_dir)
    (fresh.raw_dir / SYNTHETIC_MARKER).unlink()
    with pytest.raises(MissingPseudonymKey):
        ingest(fresh)
    assert not fresh.warehouse.exists()
