"""The one pipeline every entry point calls: inventory → problem → solve → report.

check (schema and semantics) → convert (units, candidates, annualised costs) → solve (HiGHS
through :mod:`models.solve`) → marginal values (the LP with the builds fixed, for an optimum)
→ report (names, readable units, EUR and t CO2).
"""

from __future__ import annotations

import pandas as pd

from models.marginal import MARGINAL_COLUMNS, marginal_values
from models.problem import Problem
from models.result import Objective, Status
from models.solve import SolveOptions, pareto, solve
from symbiose.convert import to_network
from symbiose.inventory.schema import Inventory
from symbiose.progress import phase
from symbiose.report import Report

_NONE = pd.DataFrame(columns=MARGINAL_COLUMNS)


def optimise(
    inv: Inventory,
    objective: str = "valorisation",
    options: SolveOptions | None = None,
) -> Report:
    """Optimise an inventory and report the result in the user's terms.

    Raises:
        InventoryError: the inventory cannot be converted (every problem, with field paths).
        ValueError: an unknown objective.
    """
    kind = _objective(objective)
    with phase("convert", detail=f"{len(inv.sites)} sites"):
        network = to_network(inv)
    with phase("solve", detail=_sizes(network.problem)):
        result = solve(network.problem, kind, options)
    with phase("marginal values"):
        optimum = result.status is Status.OPTIMAL
        marginal = marginal_values(network.problem, result) if optimum else None
    return Report(result, inv, network, marginal=marginal if marginal is not None else _NONE)


def _sizes(problem: Problem) -> str:
    """The problem's size in one line, for the progress of its solve."""
    sizes = problem.summary()
    return f"{sizes['arcs']} arcs, {sizes['candidate_arcs']} candidates, {sizes['nodes']} nodes"


def optimise_front(
    inv: Inventory, points: int = 5, options: SolveOptions | None = None
) -> list[Report]:
    """The EUR vs CO2 Pareto front of an inventory, one report per point."""
    network = to_network(inv)
    return [Report(r, inv, network) for r in pareto(network.problem, points, options)]


def _objective(name: str) -> Objective:
    try:
        return Objective(name)
    except ValueError:
        choices = ", ".join(o.value for o in Objective)
        raise ValueError(f"unknown objective {name!r} (choose {choices})") from None
