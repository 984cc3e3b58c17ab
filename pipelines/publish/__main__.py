"""``python -m pipelines.publish list|rollback [--to VERSION_ID]``: kept publications."""

import argparse
import logging
import sys

from pipelines.config import load_settings
from pipelines.publish.errors import PublishError
from pipelines.publish.rollback import rollback
from pipelines.publish.versions import list_versions, live_state


def _list() -> int:
    settings = load_settings()
    versions = list_versions(settings.publish_dir)
    if not versions:
        print(f"no kept versions in {settings.publish_dir}")
        return 0
    state = live_state(settings.publish_dir, versions)
    print(f"{'':2}{'version_id':<36} {'published_at (UTC)':<27} {'mode':<9} rows")
    for v in reversed(versions):
        mark = "* " if v.version_id == state.current else "  "
        rows = sum(n for t, n in v.row_counts.items() if t != "publish_log")
        note = "" if v.went_live or v.version_id == state.current else "  (never live)"
        print(f"{mark}{v.version_id:<36} {v.published_at:<27} {v.publication_mode:<9} "
              f"{rows}{note}")
    print("(* = live; rows = data rows over all tables)")
    if not state.consistent:
        print(
            f"WARNING: marts.duckdb is version {state.database_version} but parquet/ is "
            f"version {state.parquet_version} (an interrupted publish); run "
            f"`python -m pipelines.publish rollback --to {state.current}` or publish again.",
            file=sys.stderr,
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.publish",
                                     description="List or roll back published versions.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="kept versions, newest first; * marks the live one")
    rb = sub.add_parser("rollback", help="make a kept version live again")
    rb.add_argument("--to", metavar="VERSION_ID",
                    help="version to restore (default: the one before the live one)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "list":
            return _list()
        v = rollback(load_settings(), to=args.to)
        print(f"live version is now {v.version_id} (published {v.published_at} UTC, "
              f"run {v.run_id})")
        return 0
    except PublishError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
