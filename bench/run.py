"""Benchmark: wall time, rows/s and peak memory per stage at several sizes.

    python -m bench.run [--sizes demo,large_trust,ten_trusts] [--incremental]

Generated data is cached in bench/cache/<size>/raw (regenerated only when the
generator's parameters change). Each stage runs in a child process through
the same functions the Dagster assets call; peak memory is the peak RSS of
the whole child process tree, sampled every 50 ms. Results go to
bench/results/latest.json and bench/results/latest.md.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / "cache"
RESULTS = ROOT / "bench" / "results"

SIZES = {
    # a quick check that the benchmark itself works (make bench SIZES=smoke)
    "smoke": {"providers": 1, "people": 300, "months": 3},
    "demo": {"providers": 3, "people": 6000, "months": 24},
    "large_trust": {"providers": 1, "people": 100000, "months": 36},
    "ten_trusts": {"providers": 10, "people": 100000, "months": 36},
}
STAGES = ["floor", "ingest", "dbt", "gates", "publish", "dashboard"]


@dataclass
class StageResult:
    size: str
    stage: str
    wall_s: float
    peak_rss_mb: float
    rows: int | None
    rows_per_s: float | None
    detail: dict


def peak_tree_rss(proc: subprocess.Popen, stop: threading.Event, out: list[float]) -> None:
    peak = 0.0
    try:
        root = psutil.Process(proc.pid)
    except psutil.Error:
        return
    while not stop.is_set():
        try:
            procs = [root, *root.children(recursive=True)]
            rss = 0
            for p in procs:
                try:
                    rss += p.memory_info().rss
                except psutil.Error:
                    pass
            peak = max(peak, rss)
        except psutil.Error:
            break
        time.sleep(0.05)
    out.append(peak / 2**20)


def run_stage(stage: str, env: dict[str, str]) -> tuple[float, float, dict]:
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bench.stage", stage], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stop = threading.Event()
    peaks: list[float] = []
    th = threading.Thread(target=peak_tree_rss, args=(proc, stop, peaks), daemon=True)
    th.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    stop.set()
    th.join()
    if proc.returncode != 0:
        raise RuntimeError(f"stage {stage} failed:\n{stderr[-3000:]}")
    line = next(x for x in stdout.splitlines() if x.startswith("BENCH-RESULT "))
    return wall, (peaks[0] if peaks else 0.0), json.loads(line[len("BENCH-RESULT "):])


def ensure_data(size: str) -> Path:
    params = SIZES[size]
    base = CACHE / size
    raw = base / "raw"
    stamp = base / "params.json"
    if raw.exists() and stamp.exists() and json.loads(stamp.read_text()) == params:
        return raw
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipelines.synthetic", "--out", str(raw),
                    "--providers", str(params["providers"]), "--people", str(params["people"]),
                    "--months", str(params["months"]), "--seed", "42"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    print(f"  generated {size} in {time.perf_counter() - t0:.0f} s")
    stamp.write_text(json.dumps(params))
    return raw


def env_for(size: str, raw: Path, work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "MHP_RAW_DIR": str(raw),
        "MHP_WAREHOUSE": str(work / "warehouse.duckdb"),
        "MHP_PUBLISH_DIR": str(work / "published"),
        "MHP_DBT_TARGET_PATH": str(work / "dbt_target"),
        "DAGSTER_HOME": str(work / "dagster_home"),
    })
    return env


def size_of(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def fresh_work(size: str) -> tuple[Path, dict[str, str]]:
    raw = CACHE / size / "raw"
    work = CACHE / size / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    return work, env_for(size, raw, work)


def record(results: list[StageResult], size: str, stage: str, wall: float, peak: float,
           detail: dict, rows: int | None = None) -> None:
    results.append(StageResult(size, stage, round(wall, 2), round(peak, 1), rows,
                               round(rows / wall) if rows and wall else None, detail))
    print(f"  {stage:<20} {wall:7.1f} s  peak {peak:7.0f} MB  {detail}", flush=True)


def bench_size(size: str, incremental: bool, job: bool) -> list[StageResult]:
    print(f"== {size}", flush=True)
    raw = ensure_data(size)
    work, env = fresh_work(size)
    results: list[StageResult] = []
    input_rows = None
    for stage in STAGES:
        wall, peak, detail = run_stage(stage, env)
        rows = detail.get("rows")
        if stage == "floor":
            input_rows = rows
        record(results, size, stage, wall, peak, detail,
               rows if stage not in {"gates", "dashboard"} else input_rows)
    wall, peak, detail = run_stage("overhead", env)
    record(results, size, "fixed_overhead", wall, peak, detail)
    results.append(StageResult(size, "sizes_mb", 0, 0, None, None, {
        "raw": round(size_of(raw), 1),
        "warehouse": round(size_of(work / "warehouse.duckdb"), 1),
        "published": round(size_of(work / "published" / "marts.duckdb"), 1),
    }))
    if job:
        work, env = fresh_work(size)
        wall, peak, detail = run_stage("job", env)
        record(results, size, "job_full", wall, peak, detail, input_rows)
    if incremental:
        results += bench_incremental(size, raw)
    return results


def bench_incremental(size: str, raw: Path) -> list[StageResult]:
    """One new month on top of the others, through the whole Dagster job: load every
    month but the last (one job), then add the last month and run the job again."""
    months = sorted({p.name for p in (raw / "mhsds").glob("*/*")})
    last = months[-1]
    hidden = CACHE / size / "hidden"
    shutil.rmtree(hidden, ignore_errors=True)
    moved = []
    for fam in ["mhsds", "costing", "finance", "workforce", "oap"]:
        for d in (raw / fam).glob(f"*/{last}"):
            dest = hidden / d.relative_to(raw)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(d), str(dest))
            moved.append((dest, d))
    out: list[StageResult] = []
    work, env = fresh_work(size)
    try:
        wall, peak, detail = run_stage("job", env)
        record(out, size, f"job_first_{len(months) - 1}_months", wall, peak, detail)
    finally:
        for dest, d in moved:
            shutil.move(str(dest), str(d))
    wall, peak, detail = run_stage("job", env)
    record(out, size, "job_incremental_month", wall, peak, detail)
    return out


def summary(results: list[StageResult]) -> list[str]:
    """Per size: the figures the targets are about."""
    lines = ["| size | full job (s) | full job peak (MB) | stages ingest..publish (s) | "
             "stages peak (MB) | incremental month (s) | incremental / full | "
             "nightly fixed overhead (s) | stages / floor |",
             "|---|---|---|---|---|---|---|---|---|"]
    by_size: dict[str, dict[str, StageResult]] = {}
    for r in results:
        by_size.setdefault(r.size, {})[r.stage] = r
    for size, st in by_size.items():
        def wall(name: str, st: dict[str, StageResult] = st) -> float | None:
            return st[name].wall_s if name in st else None
        full = wall("job_full")
        inc = wall("job_incremental_month")
        staged = sum(st[s].wall_s for s in ["ingest", "dbt", "gates", "publish"] if s in st)
        staged_peak = max((st[s].peak_rss_mb for s in STAGES if s in st), default=0)
        floor_s = wall("floor")
        ratio = f"{inc / full:.0%}" if inc and full else ""
        overhead = (st["fixed_overhead"].detail.get("nightly_overhead_s",
                                                    st["fixed_overhead"].wall_s)
                    if "fixed_overhead" in st else None)
        vs_floor = f"{staged / floor_s:.1f}" if floor_s else ""
        lines.append(
            f"| {size} | {full if full is not None else 'not run'} | "
            f"{st['job_full'].peak_rss_mb if 'job_full' in st else ''} | {staged:.1f} | "
            f"{staged_peak:.0f} | {inc if inc is not None else 'not run'} | {ratio} | "
            f"{overhead if overhead is not None else ''} | {vs_floor} |")
    return lines


def to_markdown(results: list[StageResult]) -> str:
    lines = summary(results) + ["",
             "| size | stage | wall s | peak MB | rows | rows/s | detail |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r.size} | {r.stage} | {r.wall_s} | {r.peak_rss_mb} | "
                     f"{r.rows if r.rows is not None else ''} | "
                     f"{r.rows_per_s if r.rows_per_s is not None else ''} | "
                     f"{json.dumps(r.detail, default=str)} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="demo,large_trust")
    parser.add_argument("--incremental", action="store_true",
                        help="also measure one new month on top of the others (Dagster job)")
    parser.add_argument("--no-job", dest="job", action="store_false",
                        help="skip the full Dagster job run (stages only)")
    parser.add_argument("--out", default="latest", help="results file name (without suffix)")
    args = parser.parse_args(argv)
    results: list[StageResult] = []
    for size in args.sizes.split(","):
        results += bench_size(size, args.incremental, args.job)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(json.dumps([asdict(r) for r in results],
                                                         indent=2, default=str))
    md = to_markdown(results)
    (RESULTS / f"{args.out}.md").write_text(md)
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
