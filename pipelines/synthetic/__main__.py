"""Command line: python -m pipelines.synthetic --out DIR [options]."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipelines.synthetic.config import GeneratorConfig
from pipelines.synthetic.faults import FAULTS
from pipelines.synthetic.generate import generate


def parse_args(argv: list[str] | None = None) -> GeneratorConfig:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.synthetic",
        description="Write a deterministic synthetic raw drop folder (MHSDS, costing, finance, "
        "workforce, OAP log, reference).",
    )
    parser.add_argument("--providers", type=int, default=3, help="number of providers (3)")
    parser.add_argument("--people", type=int, default=6000, help="people per provider (6000)")
    parser.add_argument("--months", type=int, default=24, help="reporting months (24)")
    parser.add_argument("--start", default="2023-04", help="first month YYYY-MM (2023-04)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (42)")
    parser.add_argument("--out", type=Path, required=True, help="drop folder to write")
    parser.add_argument(
        "--refresh-out", type=Path, default=None, help="folder for the refreshed deliveries"
    )
    parser.add_argument(
        "--fault",
        dest="faults",
        action="extend",
        nargs="+",
        default=[],
        choices=sorted(FAULTS),
        metavar="NAME",
        help="inject a fault (repeatable): " + ", ".join(FAULTS),
    )
    parser.add_argument(
        "--plics-providers", type=int, default=1, help="providers with PLICS, the first K (1)"
    )
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument(
        "--no-national", dest="national", action="store_false",
        help="leave out NHS England's national publication files (national/<YYYY-MM>/)",
    )
    args = parser.parse_args(argv)
    return GeneratorConfig(
        out=args.out,
        providers=args.providers,
        people=args.people,
        months=args.months,
        start=args.start,
        seed=args.seed,
        refresh_out=args.refresh_out,
        faults=tuple(dict.fromkeys(args.faults)),
        plics_providers=args.plics_providers,
        format=args.format,
        national=args.national,
    )


def main(argv: list[str] | None = None) -> int:
    config = parse_args(argv)
    try:
        summary = generate(config)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    width = max(len(t) for t in summary.row_counts)
    for table, rows in summary.row_counts.items():
        print(f"{table:<{width}}  {rows:>10,}")
    print(f"{len(summary.files)} files written to {config.out}")
    if summary.refreshed:
        months = ", ".join(f"{c} {m}" for c, m in summary.refreshed)
        where = f" to {config.refresh_out}" if config.refresh_out else " (originals only)"
        print(f"refreshed provider-months{where}: {months}")
    for name, where in summary.fault_locations.items():
        print(f"fault {name}: {where}")
    for note in summary.national_differences:
        print(f"national publication differs: {note}")
    print(f"generated in {summary.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
