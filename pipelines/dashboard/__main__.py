"""python -m pipelines.dashboard: build the dashboard from the published marts."""

import argparse
import logging
import sys

from pipelines.config import load_settings
from pipelines.dashboard.build import build
from pipelines.dashboard.data import DashboardError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.dashboard",
        description="Build the static HTML dashboard in <publish_dir>/dashboard/ from "
                    "<publish_dir>/marts.duckdb (publish_dir is MHP_PUBLISH_DIR).",
    )
    parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    settings = load_settings()
    try:
        result = build(settings)
    except DashboardError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for note in result.notes:
        print(f"note: {note}")
    print(f"{len(result.pages)} pages written; open {result.index.as_uri()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
