"""The quality gate: run a layer's suite against the warehouse, report, write Data Docs.

``run_gate(settings, layer)`` runs one suite (``ingest``, ``staging`` or ``marts``);
``run_gates(settings, layers)`` runs several with one warehouse connection. Each run:

1. opens the warehouse read-only and lets every check push its work into DuckDB,
   fetching one small frame per expectation;
2. validates each frame with Great Expectations (pandas datasource, ephemeral context);
3. writes the GX Data Docs of the run, pass or fail, to
   ``<publish_dir>/data_docs/<layer>/index.html`` (the site is replaced whole), plus a
   landing page ``<publish_dir>/data_docs/index.html`` and ``gate_results.json`` that
   holds the latest result of every layer (read back by :func:`gate_summary`).

A gate passes when no expectation of severity ``error`` failed; failed warnings are
reported but never block. An expectation that cannot be evaluated (a missing table, a
failing query) counts as failed at its own severity: the gate fails closed.
"""

import html
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipelines.config import Settings
from pipelines.quality.checks import CHECKS, CheckContext
from pipelines.quality.frames import CheckSkipped, CheckUnavailable, Frame, redact
from pipelines.quality.suites import LAYERS, ExpectationSpec, Suite, load_suite

log = logging.getLogger(__name__)

DOCS_DIR = "data_docs"
RESULTS_FILE = "gate_results.json"


@dataclass
class ExpectationOutcome:
    layer: str
    id: str
    check: str
    severity: str
    description: str
    status: str  # passed | failed | skipped | error (could not be evaluated)
    details: str = ""
    unexpected_count: int | None = None
    gx_results: list[dict[str, Any]] = field(default_factory=list)
    duration_s: float = 0.0

    def __post_init__(self) -> None:
        self.details = redact(self.details)

    @property
    def passed(self) -> bool:
        return self.status in ("passed", "skipped")

    def line(self) -> str:
        return f"[{self.severity}] {self.id}: {self.details}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "check": self.check,
            "severity": self.severity,
            "status": self.status,
            "passed": self.passed,
            "description": self.description,
            "details": self.details,
            "unexpected_count": self.unexpected_count,
            "gx_results": self.gx_results,
            "duration_s": round(self.duration_s, 3),
        }


@dataclass
class GateResult:
    layer: str
    outcomes: list[ExpectationOutcome]
    data_docs: Path | None
    run_at: datetime
    duration_s: float
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.passed]

    @property
    def errors(self) -> list[ExpectationOutcome]:
        return [o for o in self.failed if o.severity == "error"]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.failed if o.severity == "warning"]

    @property
    def passed(self) -> bool:
        """No error-severity expectation failed (warnings never block)."""
        return not self.errors

    @property
    def severity(self) -> str | None:
        """'error' if an error failed, 'warning' if only warnings failed, else None."""
        return "error" if self.errors else "warning" if self.warnings else None

    def outcome(self, expectation_id: str) -> ExpectationOutcome:
        for o in self.outcomes:
            if o.id == expectation_id:
                return o
        raise KeyError(f"{self.layer} gate has no expectation {expectation_id!r}")

    @property
    def summary(self) -> str:
        n = len(self.outcomes)
        skipped = [o for o in self.outcomes if o.status == "skipped"]
        if not self.failed:
            head = f"{self.layer}: passed - {n} expectations"
        else:
            verdict = "FAILED" if self.errors else "passed with warnings"
            head = (f"{self.layer}: {verdict} - {len(self.failed)} of {n} expectations failed "
                    f"({len(self.errors)} error, {len(self.warnings)} warning)")
        if skipped:
            head += f", {len(skipped)} skipped"
        lines = [head]
        lines += [f"  {o.line()}" for o in self.errors + self.warnings]
        lines += [f"  [skipped] {o.id}: {o.details}" for o in skipped]
        if self.data_docs is not None:
            lines.append(f"  data docs: {self.data_docs}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "passed": self.passed,
            "severity": self.severity,
            "run_at": self.run_at.isoformat(timespec="seconds"),
            "duration_s": round(self.duration_s, 3),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "expectations": len(self.outcomes),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "summary": self.summary,
            "data_docs": str(self.data_docs) if self.data_docs else None,
            "outcomes": [o.to_dict() for o in self.outcomes],
        }


# ---------------------------------------------------------------------- running
def _evaluate(ctx: CheckContext, spec: ExpectationSpec) -> Frame | ExpectationOutcome:
    base = dict(layer=ctx.layer, id=spec.id, check=spec.check, severity=spec.severity,
                description=spec.description)
    try:
        return CHECKS[spec.check].run(ctx, spec)
    except CheckSkipped as exc:
        return ExpectationOutcome(**base, status="skipped", details=str(exc))
    except CheckUnavailable as exc:
        return ExpectationOutcome(**base, status="error", details=f"not evaluated: {exc}")
    except (duckdb.Error, KeyError, ValueError, TypeError) as exc:
        log.exception("quality check %s.%s could not run", ctx.layer, spec.id)
        text = " ".join(str(exc).split())[:300]
        return ExpectationOutcome(**base, status="error",
                                  details=f"not evaluated: {type(exc).__name__}: {text}")


def _run_layer(con: duckdb.DuckDBPyConnection | None, settings: Settings, suite: Suite,
               missing_warehouse: str | None) -> GateResult:
    from pipelines.quality.gx_runner import GxValidator

    started = time.perf_counter()
    run_at = datetime.now(UTC).replace(microsecond=0)
    layer = suite.name
    docs_root = settings.publish_dir / DOCS_DIR
    docs_root.mkdir(parents=True, exist_ok=True)
    tmp_docs = Path(tempfile.mkdtemp(prefix=f".{layer}.", suffix=".tmp", dir=docs_root))
    timings = {"sql": 0.0, "gx": 0.0, "docs": 0.0}
    outcomes: list[ExpectationOutcome] = []
    try:
        t = time.perf_counter()
        validator = GxValidator(layer, tmp_docs)
        timings["gx"] += time.perf_counter() - t
        ctx = CheckContext(con, settings, layer) if con is not None else None
        for spec in suite.expectations:
            t0 = time.perf_counter()
            if ctx is None:
                outcomes.append(ExpectationOutcome(
                    layer, spec.id, spec.check, spec.severity, spec.description, "error",
                    f"not evaluated: {missing_warehouse}"))
                continue
            evaluated = _evaluate(ctx, spec)
            t1 = time.perf_counter()
            timings["sql"] += t1 - t0
            if isinstance(evaluated, ExpectationOutcome):
                evaluated.duration_s = t1 - t0
                outcomes.append(evaluated)
                continue
            outcomes.append(_validate(validator, layer, spec, evaluated, t0))
            timings["gx"] += time.perf_counter() - t1
        t = time.perf_counter()
        final: Path | None = None
        try:
            validator.build_docs()
            final = _install_site(tmp_docs, docs_root / layer)
        except Exception:  # noqa: BLE001 - the verdict stands without its report
            log.exception("could not write the %s data docs", layer)
        timings["docs"] = time.perf_counter() - t
    finally:
        if tmp_docs.exists():
            shutil.rmtree(tmp_docs, ignore_errors=True)
    return GateResult(layer, outcomes, final, run_at, time.perf_counter() - started, timings)


def _validate(validator: Any, layer: str, spec: ExpectationSpec, fr: Frame,
              t0: float) -> ExpectationOutcome:
    meta = {"layer": layer, "expectation_id": spec.id, "severity": spec.severity,
            "check": spec.check}
    try:
        probes = validator.validate(spec.id, fr.df, fr.probes, meta, spec.description)
    except Exception as exc:  # noqa: BLE001 - a GX failure must not crash the gate
        log.exception("GX could not validate %s.%s", layer, spec.id)
        return ExpectationOutcome(layer, spec.id, spec.check, spec.severity, spec.description,
                                  "error", f"not evaluated: GX error: {exc}",
                                  duration_s=time.perf_counter() - t0)
    success = all(p.success for p in probes)
    gx_dicts = [p.to_dict() for p in probes]
    if success:
        details = fr.note or "ok"
        return ExpectationOutcome(layer, spec.id, spec.check, spec.severity, spec.description,
                                  "passed", details, 0, gx_dicts, time.perf_counter() - t0)
    broken = [p for p in probes if p.exception]
    if broken:
        details = f"not evaluated: GX error: {broken[0].exception}"
        return ExpectationOutcome(layer, spec.id, spec.check, spec.severity, spec.description,
                                  "error", details, None, gx_dicts, time.perf_counter() - t0)
    count, text = fr.describe()
    if count == 0:  # GX failed but the frame names no offender: report GX's own counts
        count = sum(p.unexpected_count or 0 for p in probes)
        values = [v for p in probes for v in p.to_dict()["partial_unexpected"]][:5]
        text = f"{fr.headline}: {count} unexpected value(s) {values}"
    return ExpectationOutcome(layer, spec.id, spec.check, spec.severity, spec.description,
                              "failed", text, count, gx_dicts, time.perf_counter() - t0)


def _install_site(built: Path, target: Path) -> Path:
    """Replace ``target`` with the freshly built site (old pages of the layer go away)."""
    old = target.with_name(f".{target.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        os.replace(target, old)
    os.replace(built, target)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
    return target / "index.html"


def _connect(settings: Settings) -> tuple[duckdb.DuckDBPyConnection | None, str | None]:
    path = settings.warehouse
    if not path.exists():
        return None, f"warehouse {path} not found"
    try:
        return duckdb.connect(str(path), read_only=True), None
    except duckdb.Error as exc:
        return None, f"cannot open warehouse {path}: {exc}"


def run_gates(
    settings: Settings,
    layers: list[str] | tuple[str, ...] | None = None,
    *,
    suites_dir: Path | None = None,
) -> dict[str, GateResult]:
    """Run the gates of ``layers`` (default: ingest, staging, marts) and record them."""
    layers = list(layers or LAYERS)
    unknown = [x for x in layers if x not in LAYERS]
    if unknown:
        raise ValueError(f"unknown gate layer(s) {unknown}; layers are {LAYERS}")
    suites = {layer: load_suite(layer, suites_dir) for layer in layers}
    con, problem = _connect(settings)
    results: dict[str, GateResult] = {}
    try:
        for layer in layers:
            result = _run_layer(con, settings, suites[layer], problem)
            # DEBUG: the caller reports the result (the quality_gates check logs it to
            # Dagster); at INFO here as well, every run printed it twice
            log.debug("%s (%.2f s)", result.summary, result.duration_s)
            results[layer] = result
    finally:
        if con is not None:
            con.close()
    record_results(settings, results)
    return results


def run_gate(settings: Settings, layer: str, *, suites_dir: Path | None = None) -> GateResult:
    """Run one gate layer ('ingest', 'staging' or 'marts'); see the module docstring."""
    return run_gates(settings, [layer], suites_dir=suites_dir)[layer]


# ------------------------------------------------------------- recording, summary
def results_path(settings: Settings) -> Path:
    return settings.publish_dir / DOCS_DIR / RESULTS_FILE


def _read_results(settings: Settings) -> dict[str, Any]:
    path = results_path(settings)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        log.warning("ignoring unreadable gate results %s", path)
        return {}
    return data if isinstance(data, dict) else {}


def record_results(settings: Settings, results: dict[str, GateResult]) -> None:
    """Merge results into gate_results.json (latest per layer) and rewrite the landing page."""
    data = _read_results(settings)
    layers = data.get("layers") if isinstance(data.get("layers"), dict) else {}
    for layer, result in results.items():
        layers[layer] = result.to_dict()
    data = {"updated_at": datetime.now(UTC).isoformat(timespec="seconds"), "layers": layers}
    path = results_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)
    _write_landing_page(path.parent, layers)


def gate_summary(settings: Settings) -> dict[str, Any]:
    """The latest result of every gate layer, for the publish log.

    ``passed`` is true only when every layer has a recorded run and none has a failed
    error-severity expectation; ``failed_checks`` lists every failed expectation (errors
    and warnings) with its layer, severity and readable details.
    """
    layers = _read_results(settings).get("layers") or {}
    failed: list[dict[str, Any]] = []
    per_layer: dict[str, Any] = {}
    for layer in LAYERS:
        rec = layers.get(layer)
        if not isinstance(rec, dict):
            continue
        per_layer[layer] = {k: rec.get(k) for k in
                            ("passed", "severity", "run_at", "expectations", "errors",
                             "warnings", "data_docs")}
        for o in rec.get("outcomes", []):
            if not o.get("passed", True):
                failed.append({"layer": layer, "expectation": o.get("id"),
                               "severity": o.get("severity"), "details": o.get("details")})
    missing = [x for x in LAYERS if x not in per_layer]
    return {
        "passed": not missing and all(v.get("passed") for v in per_layer.values()),
        "failed_checks": failed,
        "errors": sum(1 for f in failed if f["severity"] == "error"),
        "warnings": sum(1 for f in failed if f["severity"] == "warning"),
        "layers": per_layer,
        "layers_not_run": missing,
    }


def _write_landing_page(docs_root: Path, layers: dict[str, Any]) -> None:
    rows = []
    for layer in LAYERS:
        rec = layers.get(layer)
        if not isinstance(rec, dict):
            rows.append(f"<tr><td>{layer}</td><td colspan=3>not run yet</td></tr>")
            continue
        status = ("FAILED" if not rec.get("passed") else
                  "passed with warnings" if rec.get("warnings") else "passed")
        css = "fail" if not rec.get("passed") else "warn" if rec.get("warnings") else "ok"
        items = "".join(
            f"<li>[{html.escape(str(o.get('severity')))}] {html.escape(str(o.get('id')))}: "
            f"{html.escape(str(o.get('details')))}</li>"
            for o in rec.get("outcomes", []) if not o.get("passed", True))
        rows.append(
            f"<tr><td><a href='{layer}/index.html'>{layer}</a></td>"
            f"<td class='{css}'>{status}</td><td>{html.escape(str(rec.get('run_at')))}</td>"
            f"<td>{rec.get('expectations')} expectations<ul>{items}</ul></td></tr>")
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Quality gates</title>"
        "<style>body{font-family:sans-serif;margin:2em}td{vertical-align:top;padding:.4em;"
        "border-bottom:1px solid #ddd}.ok{color:#176117}.warn{color:#8a5a00}"
        ".fail{color:#a40000;font-weight:bold}</style></head><body>"
        "<h1>Quality gates: latest run of each layer</h1>"
        "<p>Great Expectations Data Docs per layer; suites are in expectations/*.yml.</p>"
        "<table><tr><th>layer</th><th>status</th><th>run at (UTC)</th><th>failures</th></tr>"
        + "".join(rows) + "</table></body></html>")
    tmp = docs_root / ".index.html.tmp"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, docs_root / "index.html")
