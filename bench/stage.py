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


def _job(settings) -> dict[str, object]:
    """The production path: the whole Dagster job, as ``make run`` runs it."""
    import dagster as dg

    from pipelines.run import run_pipeline

    t0 = time.perf_counter()
    ok = run_pipeline(settings)
    out: dict[str, object] = {"job_s": round(time.perf_counter() - t0, 2), "passed": ok}
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs(limit=1)
        if runs:
            stats = instance.get_run_step_stats(runs[0].run_id)
            out["steps_s"] = {
                st.step_key: round(st.end_time - st.start_time, 1)
                for st in stats
                if st.end_time and st.start_time
            }
    if not ok:
        raise SystemExit("the pipeline job failed")
    return out


def main(stage: str) -> dict[str, object]:
    """Run one stage; ``import_s`` is the time to import what it needs (paid once per
    process, so once per Dagster run in production), ``work_s`` the stage itself."""
    t_start = time.perf_counter()
    settings = load_settings()
    out: dict[str, object] = {"stage": stage}
    if stage == "floor":
        t0 = time.perf_counter()
        out.update(floor(settings.raw_dir))
    elif stage == "ingest":
        from pipelines.ingest.load import ingest

        t0 = time.perf_counter()
        report = ingest(settings)
        out.update(rows=report.rows_loaded + report.rows_quarantined,
                   files=len(report.outcomes), loaded=report.count("loaded"),
                   rejected=len(report.problems))
    elif stage == "dbt":
        from pipelines.dbt_project import run_dbt

        t0 = time.perf_counter()
        run_dbt(settings, ["build"])
        con = duckdb.connect(str(settings.warehouse), read_only=True)
        out["rows"] = con.execute(
            "select sum(estimated_size) from duckdb_tables() where schema_name in "
            "('staging', 'intermediate', 'marts')").fetchall()[0][0]
        con.close()
    elif stage == "gates":
        from pipelines.quality.gate import run_gates
        from pipelines.quality.gx_runner import import_gx

        import_gx()  # its import is most of a cold gate run

        t0 = time.perf_counter()
        results = run_gates(settings, ["ingest", "staging", "marts"])
        out["passed"] = all(r.passed for r in results.values())
    elif stage == "publish":
        from pipelines.publish import publish
        from pipelines.quality.gate import gate_summary

        t0 = time.perf_counter()
        result = publish(settings, run_id=time.strftime("bench-%Y%m%dT%H%M%S"),
                         gate_summary=gate_summary(settings))
        out["rows"] = sum(result.row_counts.values())
    elif stage == "dashboard":
        from pipelines.dashboard import build_dashboard

        t0 = time.perf_counter()
        build_dashboard(settings)
    elif stage == "job":
        t0 = time.perf_counter()
        out.update(_job(settings))
    elif stage == "overhead":
        # what a run pays before its first step (pipelines.run.run_pipeline)
        t0 = time.perf_counter()
        from pipelines.dagster_home import ensure_dagster_home

        ensure_dagster_home(settings)
        import dagster  # noqa: F401

        out["dagster_import_s"] = round(time.perf_counter() - t0, 2)
        t1 = time.perf_counter()
        from pipelines.dbt_project import prepare_manifest

        prepare_manifest(settings, force=True)
        out["dbt_parse_first_s"] = round(time.perf_counter() - t1, 2)
        # a nightly run parses an unchanged project with the same settings: dbt's partial
        # parsing applies (the first parse above may have been a full one)
        t1 = time.perf_counter()
        prepare_manifest(settings, force=True)
        out["dbt_parse_s"] = round(time.perf_counter() - t1, 2)
        t1 = time.perf_counter()
        from pipelines.definitions import defs

        defs.resolve_job_def("mh_pipeline")
        out["definitions_s"] = round(time.perf_counter() - t1, 2)
    else:
        raise SystemExit(f"unknown stage {stage}")
    out["import_s"] = round(t0 - t_start, 2)
    out["work_s"] = round(time.perf_counter() - t0, 2)
    if stage == "overhead":
        # the fixed overhead of a nightly run: everything above but the first (cold) parse
        out["nightly_overhead_s"] = round(
            time.perf_counter() - t_start - float(out["dbt_parse_first_s"]), 2)  # type: ignore[arg-type]
    return out


if __name__ == "__main__":
    print("BENCH-RESULT " + json.dumps(main(sys.argv[1]), default=str))
