"""Run one pipeline stage in this process (called by bench/run.py in a child
process so its wall time and peak memory can be measured in isolation).

Every stage calls the same functions the Dagster assets call.
"""

import json
import sys
import time
from pathlib import Path

import duckdb

from pipelines.config import load_settings


def floor(raw_dir: Path) -> dict[str, int]:
    """DuckDB alone reading every input file once (all files of a table in one scan):
    the lower bound for ingest."""
    con = duckdb.connect()
    by_table: dict[str, list[str]] = {}
    for path in sorted(raw_dir.rglob("*.csv")):
        by_table.setdefault(path.name, []).append(str(path))
    rows = 0
    for files in by_table.values():
        rows += con.execute(
            "select count(*) from read_csv(?, header = true, all_varchar = true, "
            "union_by_name = true)", [files]
        ).fetchall()[0][0]
    return {"rows": rows, "files": sum(len(f) for f in by_table.values())}


def main(stage: str) -> dict[str, object]:
    settings = load_settings()
    out: dict[str, object] = {"stage": stage}
    if stage == "floor":
        out.update(floor(settings.raw_dir))
    elif stage == "ingest":
        from pipelines.ingest.load import ingest

        report = ingest(settings)
        out.update(rows=report.rows_loaded + report.rows_quarantined,
                   files=len(report.outcomes), rejected=len(report.problems))
    elif stage == "dbt":
        from pipelines.dbt_project import run_dbt

        run_dbt(settings, ["build"])
        con = duckdb.connect(str(settings.warehouse), read_only=True)
        out["rows"] = con.execute(
            "select sum(estimated_size) from duckdb_tables() where schema_name in "
            "('staging', 'intermediate', 'marts')").fetchall()[0][0]
        con.close()
    elif stage == "gates":
        from pipelines.quality.gate import run_gates

        results = run_gates(settings, ["ingest", "staging", "marts"])
        out["passed"] = all(r.passed for r in results.values())
    elif stage == "publish":
        from pipelines.publish import publish
        from pipelines.quality.gate import gate_summary

        result = publish(settings, run_id=time.strftime("bench-%Y%m%dT%H%M%S"),
                         gate_summary=gate_summary(settings))
        out["rows"] = sum(result.row_counts.values())
    elif stage == "dashboard":
        try:
            from pipelines.dashboard import build_dashboard
        except ImportError:
            out["skipped"] = "dashboard not available"
        else:
            build_dashboard(settings)
    elif stage == "overhead":
        t0 = time.perf_counter()
        import pipelines.definitions  # noqa: F401  (imports, manifest, Dagster)

        out["import_s"] = round(time.perf_counter() - t0, 2)
    else:
        raise SystemExit(f"unknown stage {stage}")
    return out


if __name__ == "__main__":
    print("BENCH-RESULT " + json.dumps(main(sys.argv[1]), default=str))
