"""``make sql``: the read-only SQL shell on the published file (pipelines/sqlshell.py)."""

import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

from pipelines.config import PROJECT_ROOT
from pipelines.publish.tables import ANALYST_VIEWS
from pipelines.sqlshell import banner, find_cli, python_repl


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _shell(args: list[str], stdin: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.sqlshell", *args], input=stdin,
                          capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})


def test_banner_lists_views_and_tables(published_db: Path) -> None:
    text = banner(published_db)
    assert "read-only" in text
    views, tables = text.split("Views (start here):")[1].split("Tables:")
    for view in ANALYST_VIEWS:
        assert f"  {view} " in views
    for table in ("metric_values", "metric_catalogue", "publish_log"):
        assert f"  {table} " in tables
    assert "docs/sql-guide.md" in text


def test_cli_shell_is_read_only_duckdb_1_5(published_db: Path) -> None:
    assert find_cli() is not None, "duckdb-cli is a project dependency"
    before = _sha(published_db)
    proc = _shell(["--database", str(published_db)],
                  "select version() as v;\n"
                  "select count(*) as n from latest_values;\n"
                  "create table scribble as select 1;\n")
    assert "Views (start here):" in proc.stdout
    assert "v1.5." in proc.stdout  # the CLI, a duckdb 1.5 client
    assert "1 row" in proc.stdout or "│" in proc.stdout  # results printed
    assert "read-only mode" in proc.stderr  # the write was refused
    assert _sha(published_db) == before
    assert not published_db.with_name(published_db.name + ".wal").exists()


def test_python_fallback_repl(published_db: Path) -> None:
    lines: list[str] = []
    stdin = io.StringIO("select metric_id, count(*) as n\nfrom latest_values group by 1\n"
                        "order by 1 limit 2;\ncreate table x as select 1;\n.quit\n")
    assert python_repl(published_db, stdin=stdin, out=lines.append) == 0
    text = "\n".join(lines)
    assert "metric_id" in text and "(2 rows)" in text
    assert "Error:" in text and "read-only" in text
    proc = _shell(["--python", "--database", str(published_db)],
                  "select count(*) as n from monthly_trend;\n")
    assert proc.returncode == 0, proc.stderr
    assert "(1 row)" in proc.stdout


def test_missing_publication_is_a_clear_error(tmp_path: Path) -> None:
    proc = _shell(["--database", str(tmp_path / "nope.duckdb")], "")
    assert proc.returncode == 1
    assert "run the pipeline first" in proc.stderr


def test_make_sql_target() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "\nsql: install\n\t$(PY) -m pipelines.sqlshell" in makefile
