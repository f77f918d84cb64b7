"""``symbiose solve`` on a pathway: periods, scenarios solved together, the schedule.

An inventory that declares ``territory.periods``, or any inventory given ``--scenarios``, is
solved as a pathway (:func:`symbiose.pipeline.optimise_pathway`): one MILP over its periods
and scenarios, the builds up to the decision year shared.  It prints the schedule, the
periods' totals and, with scenarios, each one's regret, EVPI, VSS and the no-regret and
hedge-only builds; ``--out`` writes them as CSV, Excel and JSON.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.exits import for_status

if TYPE_CHECKING:
    from symbiose.inventory import Inventory, Scenario
    from symbiose.pathway_report import PathwayReport


def add_pathway_options(p: Any) -> None:
    """The options of a pathway solve."""
    p.add_argument(
        "--scenarios",
        nargs="+",
        metavar="SCENARIO",
        default=[],
        help="scenario files solved together with FILE as their base, each with its"
        " 'probability' (a stochastic pathway: what to build now whatever happens)",
    )
    p.add_argument(
        "--decision-year",
        type=int,
        help="builds in periods starting in or before this year are shared by every scenario"
        " (default: the inventory's decision_year, else the first period)",
    )
    p.add_argument(
        "--method",
        choices=("auto", "extensive", "hedging"),
        default="auto",
        help="how the scenarios are solved together: one MILP (extensive) or progressive"
        " hedging; auto: the extensive form (faster on every case measured)",
    )


def wants_pathway(inv: Inventory, args: argparse.Namespace) -> bool:
    """Whether ``symbiose solve`` solves ``inv`` as a pathway."""
    return bool(inv.territory.periods or getattr(args, "scenarios", None))


def load_scenarios(paths: list[str], base: Inventory) -> list[tuple[Scenario, Inventory]]:
    """Each scenario file, and the inventory it makes of ``base``.

    Raises:
        InventoryError: a file that cannot be read, or a scenario that does not apply.
    """
    from symbiose.inventory import InventoryError, InventoryIssue, apply_scenario
    from symbiose.inventory.io import load_scenario

    out = []
    for path in paths:
        if not Path(path).is_file():
            raise InventoryError([InventoryIssue((), f"{path}: no such scenario file")])
        scenario, _ = load_scenario(path)
        out.append((scenario, apply_scenario(base, scenario, validate=False)))
    return out


def solve_pathway_inventory(
    inv: Inventory, args: argparse.Namespace, progress: Any
) -> PathwayReport:
    """Check and solve ``inv`` as a pathway (with ``--scenarios``, ``--decision-year``).

    Raises:
        InventoryError: every problem of the pathway, with field paths and years.
    """
    from cli.options import objective_of, solve_options
    from models.constants import DEFAULT_OBJECTIVE
    from symbiose.pipeline import check_pathway, optimise_pathway

    if args.decision_year is not None:
        territory = inv.territory.model_copy(update={"decision_year": args.decision_year})
        inv = inv.model_copy(update={"territory": territory})
    scenarios = load_scenarios(args.scenarios, inv)
    compiled = check_pathway(inv, [(sc.name, sc.probability, case) for sc, case in scenarios])
    return optimise_pathway(
        compiled,
        objective_of(args, DEFAULT_OBJECTIVE),
        solve_options(args, progress),
        method=args.method,
    )


def show_pathway(report: PathwayReport, label: str, args: argparse.Namespace) -> int:
    """Print a pathway's report and write ``--out``; the exit code of its status."""
    report.name = label
    print(report.render_text())
    if args.out and report.result.has_solution:
        files = report.write(args.out)
        print(f"\nwrote {len(files)} files to {args.out}")
    return for_status(report.result.status)
