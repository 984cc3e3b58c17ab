"""Every query of docs/sql-guide.md runs against the demo publication and gives a
sensible answer (per-query expectations are in the guide, above each query), in
duckdb 2.0 and in the duckdb 1.5 CLI that ``make sql`` opens."""

import json
import re
import subprocess
from pathlib import Path

import duckdb
import pytest

from .guide import GUIDE, GuideQuery, load_queries, problems

QUERIES = load_queries()


def _objects(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute(
        "select table_name from duckdb_tables() union all "
        "select view_name from duckdb_views() where not internal").fetchall()}


def _skip_if_missing(query: GuideQuery, objects: set[str]) -> None:
    missing = [t for t in query.check.requires if t not in objects]
    if missing:
        pytest.skip(f"{query.id} ({query.title}) needs published table/view "
                    f"{', '.join(missing)}, which this publication does not have")


def test_guide_has_at_least_12_worked_questions() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    numbered = re.findall(r"^### (\d+)\. .+\?", text, re.M)
    assert len(numbered) >= 12
    answered = {q.id[:3] for q in QUERIES}
    assert {f"q{int(n):02d}" for n in numbered} <= answered, "a question without a query"
    assert all(q.check.rows[0] >= 0 for q in QUERIES)


@pytest.mark.parametrize("query", QUERIES, ids=[q.id for q in QUERIES])
def test_guide_query(query: GuideQuery, published_db: Path) -> None:
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        _skip_if_missing(query, _objects(con))
        cur = con.execute(query.sql)
        rows = cur.fetchall()
        columns = [d[0] for d in cur.description]
    finally:
        con.close()
    found = problems(query, columns, rows)
    assert not found, f"docs/sql-guide.md line {query.line} ({query.title}): {found}"


def test_guide_queries_in_duckdb_1_5_cli(published_db: Path, duckdb15_cli: Path) -> None:
    """The same answers (row counts) from the duckdb 1.5 CLI, i.e. in ``make sql``."""
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        objects = _objects(con)
        expected = {q.id: len(con.execute(q.sql).fetchall()) for q in QUERIES
                    if set(q.check.requires) <= objects}
    finally:
        con.close()
    for query in QUERIES:
        if query.id not in expected:
            continue
        proc = subprocess.run(
            [str(duckdb15_cli), "-readonly", "-json", str(published_db), "-c", query.sql],
            capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, f"{query.id}: {proc.stderr}"
        out = proc.stdout.strip()
        rows = json.loads(out) if out else []
        assert len(rows) == expected[query.id], f"{query.id}: 1.5 CLI gave {len(rows)} rows"
