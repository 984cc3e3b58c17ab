"""Backfill: reload a range of months from the raw folder and rebuild the marts.

    python -m pipelines.operations.backfill --from 2024-01 --to 2024-03 [--provider RXA]
    make backfill FROM=2024-01 TO=2024-03 [PROVIDER=RXA]

Use it when the files of past months must go through ingestion again although their
bytes did not change (a contract or validation fix, a new pseudonymisation key, a
damaged raw table). A provider *resubmitting* history with new files needs no backfill:
ingestion reloads any file whose content changed, and a newer MHSDS submission replaces
the older one (pipelines/ingest/load.py).

How the reload is forced (the ingest is not changed; its manifest reads are in
pipelines/ingest/manifest.py): ingestion skips a file
when ``_seen_before(relpath, content_hash)`` finds a manifest row with the same path and
hash. In ONE transaction the backfill

1. copies every manifest row of the chosen months (and provider) whose file is still in
   the raw folder into ``meta.backfill_requests`` (backfill id, original content_hash,
   status before, and the highest manifest file_id at that moment), and
2. sets ``content_hash`` of those manifest rows to NULL, so ``_seen_before`` no longer
   matches them. Status stays ``loaded`` on purpose: ``_current_file`` then still finds
   the loaded file of each slot, the reload marks it ``superseded`` with
   ``superseded_by`` = the new file id (normal replacement history), and the MHSDS stale
   check (newest loaded MHS000Header of the provider-month) is unchanged.

Raw rows are *not* deleted up front: the reload of each file deletes its slot's rows
(table, provider, month) and inserts the new ones in one transaction, exactly as for any
replaced file. A file that is now rejected leaves the slot's previous rows in place (the
ingest step then fails, so nothing is published). Deleting first would lose those
months for as long as the reload fails, and permanently for a file no longer in the raw
folder. Files of the range that are no longer in the raw folder are left alone and
reported.

Then the pipeline runs (``pipelines.run.run_pipeline``: ingest, dbt, gates, publish) under
the pipeline lock. Afterwards every request whose file has a newer manifest row gets its
original content_hash back on the old row (the manifest looks as if the file had been
replaced normally) and is closed; requests still open are listed (the next pipeline run
reloads them; ``--cancel-pending`` restores them instead).
"""

import argparse
import logging
import sys
from datetime import date

from pipelines.config import Settings
from pipelines.operations.backfill_requests import (
    BackfillError,
    BackfillRequest,
    FinaliseReport,
    MarkedFile,
    finalise_backfills,
    parse_month,
    request_backfill,
)
from pipelines.operations.lock import pipeline_lock
from pipelines.operations.retry import retry_on_lock
from pipelines.operations.settings import DEFAULT_LOCK_TIMEOUT_S


def _run_pipeline(settings: Settings) -> bool:
    from pipelines.run import run_pipeline

    return run_pipeline(settings)


def backfill(
    settings: Settings,
    start: date,
    end: date,
    provider: str | None = None,
    run: bool = True,
    dry_run: bool = False,
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
    out=print,
) -> int:
    """The whole command: mark, run the pipeline, close the requests. Returns an exit code."""
    if dry_run:
        req = retry_on_lock(request_backfill, settings, start, end, provider, dry_run=True)
        out(req.summary().replace(f"backfill {req.backfill_id}", "dry run", 1))
        for relpath in req.relpaths:
            out(f"    {relpath}")
        return 0
    with pipeline_lock(settings, timeout_s=lock_timeout_s):
        retry_on_lock(finalise_backfills, settings)
        req = retry_on_lock(request_backfill, settings, start, end, provider)
        out(req.summary())
        if not req.files and not req.already_pending:
            out("nothing to reload: every file of the range is missing from the raw folder")
            return 1
        if not run:
            out("marked; the next pipeline run reloads these files")
            return 0
        out("running the pipeline (ingest, dbt, quality gates, publish)...")
        ok = _run_pipeline(settings)
        report = retry_on_lock(finalise_backfills, settings)
    out(f"pipeline {'succeeded' if ok else 'FAILED'}; {report.closed} manifest row(s) reloaded")
    if report.pending:
        out(
            f"{len(report.pending)} file(s) still waiting for a reload (the next pipeline run "
            "picks them up; --cancel-pending to drop the request):"
        )
        for relpath in report.pending:
            out(f"    {relpath}")
    return 0 if ok and not report.pending else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.operations.backfill",
        description="Reload the raw files of a range of months and re-run the pipeline.",
    )
    parser.add_argument("--from", dest="start", help="first month, YYYY-MM")
    parser.add_argument("--to", dest="end", help="last month, YYYY-MM (inclusive)")
    parser.add_argument("--provider", help="only this provider (OrgIDProv), e.g. RXA")
    parser.add_argument("--dry-run", action="store_true", help="show what would be reloaded")
    parser.add_argument(
        "--no-run", action="store_true", help="only mark the files; the next run reloads them"
    )
    parser.add_argument(
        "--cancel-pending",
        action="store_true",
        help="close open backfill requests without reloading, then exit",
    )
    parser.add_argument(
        "--lock-timeout", type=float, default=DEFAULT_LOCK_TIMEOUT_S,
        help="seconds to wait for a running pipeline (default %(default)s)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from pipelines.config import load_settings

    settings = load_settings()
    try:
        if args.cancel_pending:
            with pipeline_lock(settings, timeout_s=args.lock_timeout):
                report = retry_on_lock(finalise_backfills, settings, cancel_pending=True)
            print(f"closed {report.closed} backfill request row(s)")
            return 0
        if not args.start or not args.end:
            parser.error("--from and --to are required")
        return backfill(
            settings,
            parse_month(args.start),
            parse_month(args.end),
            provider=args.provider.strip() if args.provider else None,
            run=not args.no_run,
            dry_run=args.dry_run,
            lock_timeout_s=args.lock_timeout,
        )
    except BackfillError as exc:
        print(f"backfill: {exc}", file=sys.stderr)
        return 2


__all__ = [
    "BackfillError",
    "BackfillRequest",
    "FinaliseReport",
    "MarkedFile",
    "backfill",
    "finalise_backfills",
    "main",
    "parse_month",
    "request_backfill",
]


if __name__ == "__main__":
    raise SystemExit(main())
