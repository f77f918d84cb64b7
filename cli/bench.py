"""The ``bench`` verb: the registered instances phase by phase, and the other benchmark suites.

``symbiose bench [--cases ...]`` runs :mod:`benchmarks.harness` on the cases of
:mod:`benchmarks.cases`; ``symbiose bench SUITE`` runs another suite (``startup``: how long the
command line takes to start and to solve Dunkirk, :mod:`benchmarks.startup`).  A new suite is
one ``_register_<suite>`` function below, listed in :data:`SUITES`, whose handler imports its
module.  The ``benchmarks`` package ships with a checkout (its instances are not packaged), so
a missing one is a message, not a stack trace.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli.exits import ExitCode, fail

NOT_HERE = "the benchmarks are not installed here: run from a checkout of the repository"


def register(subparsers: Any) -> None:
    """Add ``bench`` (and its suites) to the ``symbiose`` parser."""
    p = subparsers.add_parser(
        "bench",
        help="run the registered benchmarks and print the phase table",
        description="Time read, build, hand-over, solve and results of the Pyomo path on the "
        "registered cases, against the build and hand-over of the array backend (the floor); "
        "or run another suite.",
    )
    p.add_argument("--cases", help="comma-separated case names (default: all)")
    p.add_argument(
        "--time-limit", type=float, help="seconds per solve for every case (default: per case)"
    )
    p.add_argument(
        "--out", type=Path, default=Path("benchmarks/results"), help="folder for bench.csv/.md"
    )
    floor = p.add_mutually_exclusive_group()
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
    p.add_argument("--threads", type=int, help="HiGHS threads (default: HiGHS chooses)")
    p.add_argument("--list", action="store_true", help="list the registered cases and stop")
    p.set_defaults(handler=run_bench, solve_floor=False)
    suites = p.add_subparsers(title="other suites", metavar="SUITE")
    for add_suite in SUITES:
        add_suite(suites)


def run_bench(args: argparse.Namespace) -> int:
    """``symbiose bench``: the benchmark harness on the registered cases."""
    try:
        from benchmarks.cases import CASES
        from benchmarks.harness import run_benchmarks
    except ModuleNotFoundError:
        return fail(NOT_HERE)
    if args.list:
        for case in CASES.values():
            expected = "-" if case.expected is None else f"{case.expected:g}"
            limit = "none" if case.time_limit is None else f"{case.time_limit:g} s"
            print(f"{case.name:10} {case.family:9} optimum {expected:>8}  time limit {limit}")
        return ExitCode.OK
    run_benchmarks(
        names=args.cases.split(",") if args.cases else None,
        time_limit=args.time_limit,
        out_dir=args.out,
        solve_floor=args.solve_floor,
        threads=args.threads,
    )
    return ExitCode.OK


def _register_startup(suites: Any) -> None:
    p = suites.add_parser(
        "startup",
        help="time `symbiose --help` and a Dunkirk solve through the CLI, against `python -c pass`"
        " and the same solve in-process",
    )
    p.add_argument(
        "--repeat", type=int, default=5, help="runs of each start-up command (median; default 5)"
    )
    p.add_argument(
        "--solves", type=int, default=3, help="runs of each Dunkirk solve (median; default 3)"
    )
    p.add_argument("--inventory", type=Path, help="inventory to solve (default: Dunkirk)")
    p.set_defaults(handler=run_startup)


def run_startup(args: argparse.Namespace) -> int:
    """``symbiose bench startup``."""
    try:
        from benchmarks.startup import DUNKERQUE, run
    except ModuleNotFoundError:
        return fail(NOT_HERE)
    if args.repeat < 1 or args.solves < 1:
        return fail("--repeat and --solves must be at least 1")
    run(args.inventory or DUNKERQUE, repeat=args.repeat, solves=args.solves)
    return ExitCode.OK


SUITES: tuple[Callable[[Any], None], ...] = (_register_startup,)
"""The suites of ``symbiose bench SUITE``, each adding its own parser."""
