"""The ``symbiose sweep`` verb: many solves of one inventory, and its robust toile.

Draws come from a ``--grid`` over named figures, from the scenario files given, and from
``--draws N`` Monte Carlo samples of the uncertainties the inventory declares; they run as
Dask tasks (:mod:`symbiose.executor`) and are aggregated by :mod:`symbiose.robust`.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any

from cli.exits import ExitCode, fail
from cli.options import add_solve_options, objective_of
from models.constants import DEFAULT_OBJECTIVE


def register(subparsers: Any) -> None:
    """Add ``sweep`` to the ``symbiose`` parser."""
    p = subparsers.add_parser(
        "sweep", help="solve an inventory over a grid or Monte Carlo draws (Dask), robust toile"
    )
    p.add_argument("inventory", help="the base inventory (.yaml/.json/.xlsx, CSV folder)")
    p.add_argument("scenarios", nargs="*", help="scenario files: each is a base of the sweep")
    p.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="NAME=V1,V2",
        help="values of one figure, e.g. carbon_price=50,75,150 or "
        "'supplies[am_dunkerque/co2].handling_cost=20 EUR/t;40 EUR/t' (repeatable: all combinations)",
    )
    p.add_argument(
        "--draws", type=int, default=0, help="Monte Carlo draws of the declared uncertainties"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the Monte Carlo draws (default 0)")
    p.add_argument("--scheduler", help="address of a Dask scheduler, e.g. tcp://127.0.0.1:8786")
    p.add_argument(
        "--workers",
        type=int,
        help="local Dask worker processes (default: one per core; 0: no Dask, in this process)",
    )
    # each draw is solved on one HiGHS thread: the sweep's parallelism is across draws
    add_solve_options(p, threads=False)
    p.add_argument(
        "--out", help="folder for draws/exchanges/sensitivity CSV, sweep.xlsx, sweep.png"
    )
    p.set_defaults(handler=run_sweep_verb)


def run_sweep_verb(args: argparse.Namespace) -> int:
    """``symbiose sweep``."""
    from cli.inventory import report_issues
    from symbiose.inventory import InventoryError
    from symbiose.sweep import SweepError

    try:
        docs, draws, names, number_format = _plan(args)
    except InventoryError as exc:
        return report_issues(args.inventory, exc)
    except SweepError as exc:
        return fail(str(exc), prefix="symbiose sweep")
    return _run(args, docs, draws, names, number_format)


def _plan(args: argparse.Namespace) -> tuple[dict[str, Any], list[Any], dict[str, str], str]:
    from symbiose.inventory import apply_scenario, load_inventory, load_scenario
    from symbiose.inventory.io import dump_document
    from symbiose.sweep import SweepError, grid_draws, monte_carlo_draws, parse_grid

    inv = load_inventory(args.inventory)
    docs = {"base": dump_document(inv)}
    for path in args.scenarios:
        scenario, _ = load_scenario(path)
        if scenario.name in docs:
            raise SweepError(f"{path}: a scenario named {scenario.name!r} is given twice")
        docs[scenario.name] = dump_document(apply_scenario(inv, scenario))
    if not args.grid and not args.draws and not args.scenarios:
        raise SweepError("nothing to sweep: give --grid, --draws N or scenario files")
    if args.draws < 0:
        raise SweepError("--draws must be a positive number")
    draws = grid_draws(parse_grid(args.grid), list(docs))
    if args.draws:
        draws = monte_carlo_draws(inv, args.draws, args.seed, bases=draws)
    names = {s.id: s.name for s in inv.sites}
    return docs, draws, names, inv.territory.number_format


def _run(
    args: argparse.Namespace,
    docs: dict[str, Any],
    draws: list[Any],
    names: dict[str, str],
    number_format: str,
) -> int:
    from cli.progress import DrawProgress
    from symbiose.executor import run_sweep
    from symbiose.robust import render_text, robust_toile
    from symbiose.sweep import SweepSettings

    settings = SweepSettings(objective_of(args, DEFAULT_OBJECTIVE), args.time_limit, args.gap)
    where = args.scheduler or ("this process" if args.workers == 0 else "a local Dask cluster")
    print(f"sweep: {len(draws)} draws on {where}", file=sys.stderr)
    shown = contextlib.nullcontext() if args.quiet else DrawProgress(len(draws))
    with shown as progress:
        records = run_sweep(
            docs, draws, settings, scheduler=args.scheduler, workers=args.workers, progress=progress
        )
    toile = robust_toile(records, names, number_format)
    print(render_text(toile))
    if args.out:
        files = toile.write(Path(args.out))
        print(f"\nwrote {len(files)} files to {args.out}")
    return ExitCode.OK if toile.summary["solved"] else ExitCode.NO_SOLUTION
