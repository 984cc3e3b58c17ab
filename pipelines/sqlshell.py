"""``make sql``: an interactive, read-only SQL prompt on the published marts.duckdb.

Prints a short banner (the publication, the analyst views and the tables, with the
first sentence of each comment), then hands the terminal to the DuckDB CLI from the
``duckdb-cli`` package (a 1.5.x build: the published file is written in storage
format v1.5.0 for exactly such clients) started with ``-readonly``. Without the CLI,
or with ``--python``, a small Python REPL on a read-only duckdb connection is used
instead. Either way nothing can be written to the publication, and the nightly
publish is never blocked: it replaces the file, and this session keeps reading the
version it opened until it is closed.

    python -m pipelines.sqlshell [--database PATH] [--python] [--banner]

See docs/sql-guide.md.
"""

import argparse
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb

from pipelines.config import load_settings
from pipelines.publish.files import LIVE_DB

GUIDE = "docs/sql-guide.md"


def default_database() -> Path:
    return load_settings().publish_dir / LIVE_DB


def find_cli() -> str | None:
    """The DuckDB CLI of this environment (duckdb-cli puts it beside the interpreter)."""
    here = Path(sys.executable).with_name("duckdb")
    if here.exists() and os.access(here, os.X_OK):
        return str(here)
    return shutil.which("duckdb")


def _first_sentence(text: str | None, limit: int = 90) -> str:
    text = " ".join((text or "").split())
    cut = text.find(". ")
    if cut != -1:
        text = text[: cut + 1]
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def banner(database: Path) -> str:
    """What the file holds, for the top of the session (opens it read-only, then closes)."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        views = con.execute(
            "select view_name, comment from duckdb_views() "
            "where database_name = current_database() and not internal order by view_name"
        ).fetchall()
        tables = con.execute(
            "select table_name, comment from duckdb_tables() "
            "where database_name = current_database() order by table_name"
        ).fetchall()
        log = []
        if any(t == "publish_log" for t, _ in tables):
            log = con.execute(
                "select version_id, published_at, publication_mode from publish_log"
            ).fetchall()
    finally:
        con.close()
    lines = [f"Published marts (read-only): {database}"]
    if log:
        version, at, mode = log[0]
        lines.append(f"Version {version}, published {at:%Y-%m-%d %H:%M} UTC, {mode} mode.")
    width = max((len(n) for n, *_ in [*views, *tables]), default=10)
    lines.append("")
    lines.append("Views (start here):")
    lines += [f"  {name:<{width}}  {_first_sentence(comment)}" for name, comment in views]
    if not views:
        lines.append("  (none in this file)")
    lines.append("Tables:")
    lines += [f"  {name:<{width}}  {_first_sentence(comment)}" for name, comment in tables]
    lines += [
        "",
        f"Worked questions: {GUIDE}. Column meanings: select column_name, comment from "
        "duckdb_columns() where table_name = 'latest_values';",
    ]
    return "\n".join(lines)


def _print_result(cur: duckdb.DuckDBPyConnection, out: Callable[[str], None],
                  max_rows: int = 40) -> None:
    if cur.description is None:
        return
    cols = [d[0] for d in cur.description]
    rows = cur.fetchall()
    cells = [[("NULL" if v is None else str(v)) for v in r] for r in rows[:max_rows]]
    widths = [min(40, max([len(c)] + [len(r[i]) for r in cells])) for i, c in enumerate(cols)]
    out(" | ".join(c[:40].ljust(w) for c, w in zip(cols, widths, strict=True)))
    out("-+-".join("-" * w for w in widths))
    for r in cells:
        out(" | ".join(v[:40].ljust(w) for v, w in zip(r, widths, strict=True)))
    more = f" (first {max_rows} shown)" if len(rows) > max_rows else ""
    out(f"({len(rows)} row{'s' if len(rows) != 1 else ''}{more})")


def python_repl(database: Path, stdin=None, out: Callable[[str], None] = print) -> int:
    """A minimal SQL REPL: statements end with ';', '.quit' or end of input leaves."""
    stdin = stdin or sys.stdin
    interactive = stdin.isatty()
    con = duckdb.connect(str(database), read_only=True)
    buffer: list[str] = []
    try:
        while True:
            if interactive:
                sys.stdout.write("marts> " if not buffer else "  ...> ")
                sys.stdout.flush()
            line = stdin.readline()
            if not line:
                break
            if not buffer and line.strip() in {".quit", ".exit", "\\q", "quit", "exit"}:
                break
            buffer.append(line)
            if not line.rstrip().endswith(";"):
                continue
            sql = "".join(buffer)
            buffer.clear()
            try:
                _print_result(con.execute(sql), out)
            except duckdb.Error as exc:
                out(f"Error: {exc}")
    finally:
        con.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, default=None,
                        help="DuckDB file (default: <MHP_PUBLISH_DIR>/marts.duckdb)")
    parser.add_argument("--python", action="store_true",
                        help="use the small Python REPL instead of the DuckDB CLI")
    parser.add_argument("--banner", action="store_true", help="print the banner and exit")
    args = parser.parse_args(argv)
    database = (args.database or default_database()).resolve()
    if not database.exists():
        print(f"No published file at {database}: run the pipeline first (make run).",
              file=sys.stderr)
        return 1
    try:
        text = banner(database)
    except duckdb.Error as exc:
        print(f"Cannot open {database} read-only: {exc}", file=sys.stderr)
        return 1
    print(text)
    if args.banner:
        return 0
    cli = None if args.python else find_cli()
    if cli is None:
        if not args.python:
            print("(DuckDB CLI not found: using the Python REPL; end statements with ';', "
                  "'.quit' to leave)")
        sys.stdout.flush()
        return python_repl(database)
    print("DuckDB CLI, read-only. '.tables', 'describe latest_values;', '.quit' to leave.")
    sys.stdout.flush()
    os.execv(cli, [cli, "-readonly", str(database)])
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
