"""Decisions that hold across uncertain projects: the two-stage pathway and its measures.

:func:`solve_stochastic` solves the pathway with every scenario at once (the builds up to the
decision year shared: the *recourse problem*, RP), then what planners judge it by
(Birge and Louveaux, *Introduction to Stochastic Programming*, ch. 4), in the value's terms
(EUR/yr, higher is better; t CO2/yr for the CO2 objective):

* each scenario's **own optimum** ``V*_s``: its pathway solved alone, as if it were sure;
* its **regret** ``V*_s - V_s``: what the shared builds cost it against its own optimum;
* the **expected value of perfect information** ``EVPI = sum_s pi_s V*_s - RP`` (the
  wait-and-see value ``WS`` less the expected value);
* the **value of the stochastic solution** ``VSS = RP - EEV``, ``EEV`` the expected value
  when the shared builds are those of the mean-value problem (:mod:`models.mean_value`);
* the **no-regret** items, built now by the chosen builds and by every scenario's own
  optimum, and the **hedge-only** items, built now by the chosen builds and by none of them.

The scenario solves are independent: with a ``mapper`` (e.g. the Dask executor's) they run
as tasks; without one, here, one after the other.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from models.constants import Objective
from models.mean_value import mean_problem
from models.pathway import Pathway, PathwayScenario, scenario_alone
from models.pathway_result import PathwayResult
from models.pathway_solve import FirstStage, first_stage_of, solve_pathway
from models.result import Status
from models.session import BackendName, SolveOptions


@dataclass(frozen=True)
class PathwayTask:
    """One independent pathway solve of a stochastic study (a scenario alone, the mean)."""

    index: int
    pathway: Pathway
    objective: Objective
    options: SolveOptions
    backend: BackendName | None = None
    first_stage: FirstStage | None = None


def solve_task(task: PathwayTask) -> PathwayResult:
    """Solve one :class:`PathwayTask` (the function a mapper runs)."""
    return solve_pathway(
        task.pathway,
        task.objective,
        task.options,
        backend=task.backend,
        first_stage=task.first_stage,
    )


Method = Literal["auto", "extensive", "hedging"]
"""How the recourse problem is solved (see :func:`solve_stochastic`)."""

TaskMapper = Callable[[Callable[[Any], Any], Sequence[Any]], Iterator[tuple[int, Any]]]
"""Runs a function on every task (each with an ``index``), yielding ``(task.index, result)``
as each one ends: the scenario solves here, the subproblems of :mod:`models.hedging`."""


def in_order(fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[tuple[int, Any]]:
    """The default :data:`TaskMapper`: each task here, one after the other."""
    for task in tasks:
        yield task.index, fn(task)


def mean_pathway(pathway: Pathway) -> Pathway | None:
    """The mean-value pathway: one scenario, each period's problem the scenarios' average.

    None when a period's scenarios do not share their slices (no average to take).
    """
    pi = [sc.probability for sc in pathway.scenarios]
    problems = []
    for p in range(pathway.periods):
        mean = mean_problem([sc.problems[p] for sc in pathway.scenarios], pi)
        if mean is None:
            return None
        problems.append(mean)
    return replace(pathway, scenarios=(PathwayScenario("mean", 1.0, tuple(problems)),))


def solve_stochastic(
    pathway: Pathway,
    objective: Objective | str = Objective.VALORISATION,
    options: SolveOptions | None = None,
    *,
    backend: BackendName | None = None,
    mapper: TaskMapper | None = None,
    method: Method = "auto",
) -> PathwayResult:
    """The two-stage pathway and its measures (module docstring).

    ``method`` solves the recourse problem: ``extensive`` (one MILP, the scenarios side by
    side), ``hedging`` (progressive hedging, :mod:`models.hedging`), or ``auto``: the
    extensive form, faster on every case measured (``benchmarks/README.md``, *Pathways*).
    A pathway of one scenario is solved as is, without measures.
    """
    options = options or SolveOptions()
    kind = Objective(objective)
    if method == "hedging" and len(pathway.scenarios) > 1:
        from models.hedging import solve_hedging

        rp = solve_hedging(pathway, kind, options, mapper=mapper)
    elif method in ("auto", "extensive", "hedging"):
        rp = solve_pathway(pathway, kind, options, backend=backend)
    else:
        raise ValueError(f"method: {method!r} is not one of 'auto', 'extensive', 'hedging'")
    if len(pathway.scenarios) == 1 or not rp.has_solution or rp.status is Status.CANCELLED:
        return rp
    tasks = [
        PathwayTask(s, scenario_alone(pathway, s), kind, options, backend)
        for s in range(len(pathway.scenarios))
    ]
    mean = mean_pathway(pathway)
    if mean is not None:
        tasks.append(PathwayTask(len(tasks), mean, kind, options, backend))
    done = dict((mapper or in_order)(solve_task, tasks))
    own = [done[s] for s in range(len(pathway.scenarios))]
    eev = _expected_value_solution(pathway, kind, options, backend, done.get(len(own)))
    _measures(rp, own, eev)
    return rp


def _expected_value_solution(
    pathway: Pathway,
    kind: Objective,
    options: SolveOptions,
    backend: BackendName | None,
    mean: PathwayResult | None,
) -> PathwayResult | None:
    """The pathway with its shared builds fixed at the mean-value problem's (EEV)."""
    if mean is None or not mean.has_solution:
        return None
    fixed = first_stage_of(mean)
    return solve_pathway(pathway, kind, options, backend=backend, first_stage=fixed)


def value_of(result: PathwayResult) -> float | None:
    """The expected value in the value's terms (higher is better)."""
    if not result.has_solution or not len(result.scenarios):
        return None
    values = result.scenarios["value"].to_numpy()
    return float((result.scenarios["probability"].to_numpy() * values).sum())


def _measures(rp: PathwayResult, own: list[PathwayResult], eev: PathwayResult | None) -> None:
    """Regrets, WS, EVPI, EEV, VSS and the no-regret and hedge-only items, into ``rp``."""
    expected = value_of(rp)
    values = [value_of(r) for r in own]
    table = rp.scenarios
    table["own_optimum"] = [math.nan if v is None else v for v in values]
    table["regret"] = table["own_optimum"] - table["value"]
    known = all(v is not None for v in values)
    ws = (
        math.fsum(p * v for p, v in zip(table["probability"], values, strict=True) if v is not None)
        if known
        else None
    )
    eev_value = value_of(eev) if eev is not None else None
    rp.measures = {
        "expected_value": expected,
        "wait_and_see": ws,
        "evpi": None if ws is None or expected is None else ws - expected,
        "expected_value_solution": eev_value,
        "vss": None if eev_value is None or expected is None else expected - eev_value,
    }
    inexact = [r for r in [*own, *([eev] if eev else [])] if r.status is not Status.OPTIMAL]
    if rp.status is not Status.OPTIMAL or inexact:
        rp.notes.append(
            "some solves stopped before proving their optimum: regrets, EVPI and VSS are"
            " within their gaps"
        )
    if eev is not None and not eev.has_solution:
        rp.notes.append(
            "the mean-value problem's builds leave some scenario without a feasible pathway:"
            " the value of the stochastic solution is unbounded"
        )
        rp.measures["vss"] = math.inf
    now = set(rp.built_now())
    theirs = [set(r.built_now()) for r in own if r.has_solution]
    rp.no_regret = sorted(now.intersection(*theirs)) if theirs else []
    rp.hedge_only = sorted(now.difference(*theirs)) if theirs else []
    rp.scenarios = table


__all__ = [
    "Method",
    "PathwayTask",
    "TaskMapper",
    "in_order",
    "mean_pathway",
    "scenario_alone",
    "solve_stochastic",
    "solve_task",
]
