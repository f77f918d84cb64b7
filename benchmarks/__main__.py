"""``python -m benchmarks``: run the registered cases and print the phase table."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.cases import CASES
from benchmarks.harness import run_benchmarks


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, run the benchmarks; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time read, build, hand-over, solve and results of the Pyomo path on the "
        "registered cases, against the build and hand-over of the array backend (the floor).",
    )
    parser.add_argument("--cases", help="comma-separated case names (default: all)")
    parser.add_argument(
        "--time-limit", type=float, help="seconds per solve for every case (default: per case)"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("benchmarks/results"), help="folder for bench.csv/.md"
    )
    floor = parser.add_mutually_exclusive_group()
    floor.add_argument(
        "--solve-floor",
        dest="solve_floor",
        action="store_true",
        help="solve the array backend's model too and check both objectives agree",
    )
    floor.add_argument(
        "--skip-solve-floor",
        dest="solve_floor",
        action="store_false",
        help="time only the array backend's build and hand-over (the default)",
    )
    parser.add_argument("--threads", type=int, help="HiGHS threads (default: HiGHS chooses)")
    parser.add_argument("--list", action="store_true", help="list the registered cases and stop")
    parser.set_defaults(solve_floor=False)
    args = parser.parse_args(argv)
    if args.list:
        for case in CASES.values():
            expected = "-" if case.expected is None else f"{case.expected:g}"
            limit = "none" if case.time_limit is None else f"{case.time_limit:g} s"
            print(f"{case.name:10} {case.family:9} optimum {expected:>8}  time limit {limit}")
        return 0
    names = args.cases.split(",") if args.cases else None
    try:
        run_benchmarks(
            names=names,
            time_limit=args.time_limit,
            out_dir=args.out,
            solve_floor=args.solve_floor,
            threads=args.threads,
        )
    except ValueError as exc:
        print(f"benchmarks: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
