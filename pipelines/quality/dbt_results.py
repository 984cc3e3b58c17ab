"""The dbt tests of the last ``dbt build``, reported by the gate so that one report (and its
Data Docs) shows every rule: the structural rules dbt owns as well as the GX checks.

dbt writes ``run_results.json`` (status of every node) and ``manifest.json`` (each test's
folder, model and ``config.severity``) into the invocation's target folder; dagster-dbt
gives every invocation its own folder under the target path (``MHP_DBT_TARGET_PATH``, else
``dbt_project/target``). The newest ``build`` (or ``test``) there is the one of this run.

A test of severity ``error`` that failed has status ``fail`` (or ``error`` when it could
not run); one of severity ``warn`` has status ``warn``. The expectation with
``statuses: [fail, error]`` (severity error) blocks publishing, the one with
``statuses: [warn]`` (severity warning) informs.
"""

import json
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines.config import DBT_PROJECT_DIR, Settings
from pipelines.quality.frames import CheckSkipped, CheckUnavailable, Frame, Probe
from pipelines.quality.kinds import CheckContext, check
from pipelines.quality.spec import ExpectationSpec, SuiteError

STATUSES = ("pass", "fail", "error", "warn", "skipped")
FOLDERS = ("staging", "intermediate", "marts")
COLUMNS = ["test", "rule", "model", "column_name", "folder", "severity", "status",
           "failures", "violations", "example", "rank"]


def target_root(settings: Settings) -> Path:
    return settings.dbt_target_path or DBT_PROJECT_DIR / "target"


def latest_tests(root: Path) -> Path | None:
    """The target folder of the newest ``dbt build`` or ``dbt test`` under ``root`` (itself
    or a child), newest file first (dagster-dbt leaves one folder per invocation)."""
    paths = [p for p in [root / "run_results.json", *root.glob("*/run_results.json")]
             if p.is_file()]
    for path in sorted(paths, key=lambda p: p.stat().st_mtime, reverse=True):
        try:
            results = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if results.get("args", {}).get("which") in ("build", "test"):
            return path.parent
    return None


def test_rows(target: Path) -> list[dict[str, Any]]:
    """One row per dbt test of a build: rule, model, column, folder, severity, status."""
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    try:
        nodes = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["nodes"]
    except (OSError, ValueError, KeyError) as exc:
        raise CheckUnavailable(f"no dbt manifest beside {target}/run_results.json") from exc
    rows = []
    for r in results.get("results", []):
        uid = str(r.get("unique_id", ""))
        if not uid.startswith("test."):
            continue
        node = nodes.get(uid, {})
        fqn = node.get("fqn", [])
        meta = node.get("test_metadata") or {}
        rows.append({
            "test": str(node.get("name", uid.split(".")[-2])),
            "rule": str(meta.get("name", "singular")),
            "model": str(node.get("attached_node") or "").rsplit(".", 1)[-1],
            "column_name": str(node.get("column_name") or ""),
            "folder": str(fqn[1]) if len(fqn) > 2 else "",
            "severity": str(node.get("config", {}).get("severity", "ERROR")).lower(),
            "status": str(r.get("status", "")),
            "failures": int(r.get("failures") or 0),
            "message": " ".join(str(r.get("message") or "").split())[:200],
        })
    return rows


def _validate(spec: ExpectationSpec) -> None:
    folders, statuses = spec.require("folders"), spec.require("statuses")
    if not isinstance(folders, list) or not folders or any(f not in FOLDERS for f in folders):
        raise SuiteError(f"{spec.id}: folders must be a non-empty list of {FOLDERS}")
    if not isinstance(statuses, list) or not statuses or any(s not in STATUSES
                                                             for s in statuses):
        raise SuiteError(f"{spec.id}: statuses must be a non-empty list of {STATUSES}")


@check("dbt_tests", _validate)
def dbt_tests(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """The dbt tests of the models in ``folders``: none may end with one of ``statuses``."""
    root = target_root(ctx.settings)
    target = latest_tests(root)
    if target is None:
        raise CheckSkipped(f"no dbt build results under {root}")
    folders = [str(f) for f in spec.require("folders")]
    statuses = [str(s) for s in spec.require("statuses")]
    rows = [r for r in test_rows(target) if r["folder"] in folders]
    if not rows:
        raise CheckSkipped(f"the dbt build in {target} ran no tests of {', '.join(folders)}")
    df = pd.DataFrame(rows)
    bad = df["status"].isin(statuses)
    df["violations"] = bad.astype("int64")
    df["example"] = [f"{t} ({st}, {n} failing row(s))" if b else ""
                     for t, st, n, b in zip(df["test"], df["status"], df["failures"], bad,
                                            strict=True)]
    df["rank"] = df["failures"].where(bad, 0).astype("float64")
    df = df[COLUMNS]
    return Frame(
        df,
        [Probe("ExpectColumnValuesToNotBeInSet", {"column": "status", "value_set": statuses})],
        headline=f"dbt tests of {', '.join(folders)} with status {'/'.join(statuses)}",
        noun="test(s)",
        note=f"{len(df)} dbt tests of {', '.join(folders)} in {target.name}",
    )
