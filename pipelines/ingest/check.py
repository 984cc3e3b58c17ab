"""``make check-raw``: what a drop folder would give, without running the pipeline.

Every file goes through the ingest's own code (``ingest_folder`` of
pipelines/ingest/load.py: discovery, reading, the contract's checks, quarantine, refusals)
into a throwaway in-memory DuckDB, so the answer is the one ``make run`` would give and no
rule exists twice. The warehouse, the manifest and the published marts are never opened.
Pseudonyms are made with a random key that dies with the check: the check needs no
MHP_PSEUDONYM_KEY.

Per file it says what would load (rows), be quarantined (counts by field and reason, with
an example line and value), or be refused (the message), then the ignored files and the
tables missing from submissions. Exit code 0 when nothing would be refused, 1 otherwise, 2
for a bad setting or a missing folder. A refused national publication (NHS England's file)
is listed as refused but is a warning, as in the run: it does not change the exit code.

    python -m pipelines.ingest.check [RAW_DIR]      (default MHP_RAW_DIR)
"""

import argparse
import dataclasses
import logging
import secrets
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import duckdb

from pipelines.config import SettingError, Settings, load_settings
from pipelines.contract import load_contract
from pipelines.ingest.discover import is_synthetic
from pipelines.ingest.load import FileOutcome, Ingestor, IngestReport, ingest_folder
from pipelines.ingest.warehouse import ensure_schema, run

# examples shown per file: the most frequent (field, reason) pairs
MAX_REASONS = 5


@dataclass(frozen=True)
class QuarantineReason:
    field: str | None
    reason: str
    rows: int
    line_no: int | None
    value: str | None


@dataclass
class CheckResult:
    raw_dir: Path
    report: IngestReport
    reasons: dict[str, list[QuarantineReason]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def refused(self) -> list[FileOutcome]:
        return self.report.problems

    @property
    def exit_code(self) -> int:
        return 1 if self.refused else 0


def check(settings: Settings) -> CheckResult:
    """Validate ``settings.raw_dir`` into an in-memory warehouse (see the module doc)."""
    started = time.perf_counter()
    contract = load_contract()
    report = IngestReport("check-raw")
    with tempfile.TemporaryDirectory(prefix="mhp-check-raw-") as spill, \
            duckdb.connect(":memory:") as con:
        run(con, "set memory_limit = ?", [settings.duckdb_memory_limit])
        run(con, "set temp_directory = ?", [spill])  # a large folder spills here, not to .tmp
        ensure_schema(con, contract)
        ing = Ingestor(con, contract, secrets.token_bytes(32), report.run_id, settings)
        ingest_folder(ing, settings.raw_dir, report)
        rows = con.execute(
            "select relpath, field, reason, count(*), arg_min(line_no, coalesce(line_no, 0)), "
            "arg_min(value, coalesce(line_no, 0)) from meta.quarantine "
            "group by relpath, field, reason order by relpath, count(*) desc, field, reason"
        ).fetchall()
    reasons: dict[str, list[QuarantineReason]] = defaultdict(list)
    for relpath, fld, reason, n, line, value in rows:
        reasons[relpath].append(QuarantineReason(fld, reason, int(n), line, value))
    return CheckResult(settings.raw_dir, report, dict(reasons), time.perf_counter() - started)


def _rows(n: int) -> str:
    return f"{n:,} row" + ("" if n == 1 else "s")


def _message(o: FileOutcome) -> str:
    text = o.message or ""
    return text[len(o.relpath) + 2:] if text.startswith(f"{o.relpath}: ") else text


def _example(r: QuarantineReason) -> str:
    where = f"line {r.line_no}" if r.line_no is not None else "a record"
    value = f", value {r.value!r}" if r.value is not None else ""
    return f"{r.rows} x {r.field or 'row'}: {r.reason} (e.g. {where}{value})"


def render(result: CheckResult) -> list[str]:
    """The report, one line per file (and one per quarantine reason under it)."""
    report = result.report
    lines = [f"check-raw {result.raw_dir} (nothing is loaded; the warehouse is not opened)"]
    missing: dict[str, list[str]] = defaultdict(list)
    for o in report.outcomes:
        if o.status == "missing":
            folder = str(PurePosixPath(o.relpath).parent)
            missing[folder].append(PurePosixPath(o.relpath).stem)
        elif o.status == "skipped":
            lines.append(f"IGNORED     {o.relpath}: {o.message}")
        elif o.status in {"loaded", "unchanged"} and o.rows_quarantined:
            lines.append(f"QUARANTINE  {o.relpath}: {o.rows_loaded} of {o.rows_in} rows would "
                         f"load, {o.rows_quarantined} quarantined")
            shown = result.reasons.get(o.relpath, [])
            lines += [f"              {_example(r)}" for r in shown[:MAX_REASONS]]
            if len(shown) > MAX_REASONS:
                lines.append(f"              ... and {len(shown) - MAX_REASONS} more reason(s)")
        elif o.status in {"loaded", "unchanged"}:
            lines.append(f"LOAD        {o.relpath}: {_rows(o.rows_loaded)}")
        elif o.advisory:
            lines.append(f"REFUSED     {o.relpath}: {_message(o)} (a warning: the national "
                         "publication never blocks the run)")
        else:
            lines.append(f"REFUSED     {o.relpath}: {_message(o)}")
    for folder, tables in missing.items():
        lines.append(f"MISSING     {folder}/: {', '.join(sorted(tables))} (tables missing from "
                     "the submission: a warning, not a refusal)")
    quarantining = sum(1 for o in report.outcomes if o.status == "loaded" and o.rows_quarantined)
    files = len(report.outcomes) - len(report.missing) - len(report.skipped)
    national = (f" (and {len(report.advisory_problems)} national publication file(s), a "
                "warning)" if report.advisory_problems else "")
    lines.append(
        f"{files} file(s): {report.count('loaded')} would load ({quarantining} with quarantined "
        f"rows), {len(result.refused)} would be refused{national}, {len(report.skipped)} "
        "ignored; "
        f"{report.rows_loaded:,} rows would load, {report.rows_quarantined:,} quarantined "
        f"({result.seconds:.1f} s)"
    )
    if result.refused:
        lines.append(f"NOT OK: {len(result.refused)} file(s) would be refused (exit code 1)")
    elif report.advisory_problems:
        lines.append(f"OK: nothing that blocks the run would be refused "
                     f"({len(report.advisory_problems)} national publication file(s) would be: "
                     "a warning)")
    else:
        lines.append("OK: nothing would be refused")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.ingest.check",
        description="Check a raw drop folder against the raw contract without loading it.")
    parser.add_argument("raw_dir", nargs="?", type=Path,
                        help="the drop folder (default: MHP_RAW_DIR, else data/raw)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingError as exc:
        print(f"check-raw: {exc}", file=sys.stderr)
        return 2
    if args.raw_dir is not None:
        settings = dataclasses.replace(settings, raw_dir=args.raw_dir.resolve())
    if not settings.raw_dir.is_dir():
        print(f"check-raw: the drop folder {settings.raw_dir} does not exist (set MHP_RAW_DIR)",
              file=sys.stderr)
        return 2
    # the report says it all: the ingest's own log lines would repeat it
    quiet = logging.getLogger("pipelines.ingest")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    result = check(settings)
    print("\n".join(render(result)))
    if not settings.pseudonym_key and not is_synthetic(settings.raw_dir):
        print("note: MHP_PSEUDONYM_KEY is not set; make run refuses real data until it is "
              "(README, 'Pointing it at a trust's real extracts')")
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
