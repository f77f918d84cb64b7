"""The one pipeline every entry point calls: inventory → check → solve → report.

read (the readers check the schema only) → :func:`check` (units, references, candidates,
annualised costs: the inventory converted once, every problem reported with its field path)
→ solve (HiGHS through :mod:`models.solve`) → marginal values (the LP with the builds fixed,
for an optimum) → report (names, readable units, EUR and t CO2).

``symbiose validate``, ``symbiose solve``, the service's parser and its workers all check
through :func:`check`, and :func:`optimise` takes what it returns, so no entry point converts
an inventory twice.  The solver and the report are imported by the functions that need them:
checking an inventory loads neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from symbiose.convert import Network, compile_inventory
from symbiose.inventory.errors import InventoryError
from symbiose.inventory.schema import Inventory
from symbiose.progress import phase

if TYPE_CHECKING:
    from collections.abc import Sequence

    from models.problem import Problem
    from models.result import Objective
    from models.solve import SolveOptions
    from models.stochastic import Method, TaskMapper
    from symbiose.pathway import PathwayNetwork
    from symbiose.pathway_report import PathwayReport
    from symbiose.report import Report


@dataclass(frozen=True)
class CheckedInventory:
    """An inventory whose meaning has been checked, with the network it converted to.

    Made by :func:`check`: holding one means the conversion ran, once, and found nothing wrong.
    """

    inventory: Inventory
    network: Network

    @property
    def problem(self) -> Problem:
        """The numeric problem the solver takes."""
        return self.network.problem


def check(inv: Inventory | CheckedInventory) -> CheckedInventory:
    """Check the meaning of ``inv`` by converting it, once (a checked one is returned as is).

    Units and dimensions, references between sections, duplicates, profiles, the planner's
    choices, candidate links and every derived figure: what passes here solves.

    Raises:
        InventoryError: every problem found, with field paths.
    """
    if isinstance(inv, CheckedInventory):
        return inv
    with phase("convert", detail=f"{len(inv.sites)} sites, candidates and units"):
        network, issues = compile_inventory(inv)
    if issues or network is None:
        raise InventoryError(issues)
    return CheckedInventory(inv, network)


def optimise(
    inv: Inventory | CheckedInventory,
    objective: str = "valorisation",
    options: SolveOptions | None = None,
) -> Report:
    """Optimise an inventory and report the result in the user's terms.

    Raises:
        InventoryError: the inventory does not pass :func:`check` (every problem, with paths).
        ValueError: an unknown objective.
    """
    from models.marginal import MARGINAL_COLUMNS, marginal_values
    from models.result import Status
    from models.solve import solve
    from symbiose.report import Report

    kind = _objective(objective)
    checked = check(inv)
    network = checked.network
    with phase("solve", detail=_sizes(network.problem)):
        result = solve(network.problem, kind, options)
    with phase("marginal values"):
        optimum = result.status is Status.OPTIMAL
        marginal = marginal_values(network.problem, result) if optimum else None
    if marginal is None:
        import pandas as pd

        marginal = pd.DataFrame(columns=MARGINAL_COLUMNS)
    return Report(result, checked.inventory, network, marginal=marginal)


def _sizes(problem: Problem) -> str:
    """The problem's size in one line, for the progress of its solve."""
    sizes = problem.summary()
    return f"{sizes['arcs']} arcs, {sizes['candidate_arcs']} candidates, {sizes['nodes']} nodes"


def optimise_front(
    inv: Inventory | CheckedInventory, points: int = 5, options: SolveOptions | None = None
) -> list[Report]:
    """The EUR vs CO2 Pareto front of an inventory, one report per point."""
    from models.solve import pareto
    from symbiose.report import Report

    checked = check(inv)
    network = checked.network
    return [Report(r, checked.inventory, network) for r in pareto(network.problem, points, options)]


def _objective(name: str) -> Objective:
    from models.result import Objective

    try:
        return Objective(name)
    except ValueError:
        choices = ", ".join(o.value for o in Objective)
        raise ValueError(f"unknown objective {name!r} (choose {choices})") from None


def check_pathway(
    base: Inventory, scenarios: Sequence[tuple[str, Any, Inventory]] = ()
) -> PathwayNetwork:
    """Check a pathway (a base with periods, or scenarios solved together).

    Each period of each scenario is converted once (:func:`symbiose.pathway.compile_pathway`).
    ``scenarios``: each scenario's name, probability (as written, or None) and the inventory
    it makes of the base.  The size is counted before anything is converted.

    Raises:
        InventoryError: every problem found, with field paths and the years they concern.
    """
    from symbiose.pathway import check_size, compile_pathway

    size = check_size(base, len(scenarios))
    if size:
        raise InventoryError(size)
    cases = list(scenarios)
    periods = max(1, len(base.territory.periods))
    with phase("convert", detail=f"{len(base.sites)} sites x {periods} periods"):
        compiled, issues = compile_pathway(base, cases)
    if issues or compiled is None:
        raise InventoryError(issues)
    return compiled


def optimise_pathway(
    compiled: PathwayNetwork,
    objective: str = "valorisation",
    options: SolveOptions | None = None,
    *,
    method: Method = "auto",
    mapper: TaskMapper | None = None,
) -> PathwayReport:
    """Optimise a checked pathway (two stages when it has scenarios) and report it by name.

    The marginal values of each (scenario, period) are those of its problem with the builds
    fixed at the optimum (:func:`models.marginal.marginal_values`).
    """
    from models.marginal import marginal_values
    from models.result import Status
    from models.stochastic import solve_stochastic
    from symbiose.pathway_report import PathwayReport

    kind = _objective(objective)
    pw = compiled.pathway
    detail = f"{pw.periods} periods x {len(pw.scenarios)} scenarios"
    with phase("solve", detail=detail):
        result = solve_stochastic(pw, kind, options, method=method, mapper=mapper)
    marginal = {}
    with phase("marginal values"):
        if result.status is Status.OPTIMAL:
            for sc in pw.scenarios:
                for p, year in enumerate(pw.years):
                    block = result.blocks.get((sc.name, year))
                    if block is not None:
                        table = marginal_values(sc.problems[p], block)
                        marginal[sc.name, year] = table
    return PathwayReport(result, compiled, marginal=marginal)
