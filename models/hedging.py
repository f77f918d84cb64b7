"""Progressive hedging: the recourse problem solved scenario by scenario (a decomposition).

Rockafellar and Wets (1991); for binary first stages Watson and Woodruff (2011).  Each
scenario's pathway is solved alone with its first-stage builds ``x_s`` priced by a multiplier
``w_s`` and pulled toward their probability-weighted mean ``x̄``::

    max  V_s(x_s) - w_s x_s - rho/2 |x_s - x̄|^2      (x binary: |x - x̄|^2 = (1 - 2 x̄) x + x̄^2)

so every subproblem stays a MILP; then ``x̄ = sum_s pi_s x_s`` and ``w_s += rho (x_s - x̄)``,
until every scenario builds the same first stage or ``iterations`` run out.  The answer is
exact for the first stage it keeps: ``x̄`` rounded is fixed in the whole pathway, which is then
solved for its recourse (:func:`models.pathway_solve.solve_pathway`).  Its bound is the
Lagrangian one, ``sum_s pi_s max (V_s - w_s x_s)`` (valid since ``sum_s pi_s w_s = 0``), from
each subproblem's own bound; it falls back to the wait-and-see value when a scenario lacks some
first-stage build.  ``rho`` is proportional to each build's charge (cost-proportional rho).

The subproblems of one iteration are independent: a ``mapper`` (e.g. the Dask executor's,
:func:`symbiose.executor.form_mapper`) runs them as tasks; by default they run here in turn.
``benchmarks/pathways.py`` measures this against the extensive form.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np

from models.constants import Objective
from models.pathway import ArcKey, Pathway, scenario_alone
from models.pathway_arrays import build_pathway_arrays
from models.pathway_result import PathwayResult
from models.pathway_solve import FirstStage, solve_pathway
from models.result import Status
from models.session import HighsSession, MatrixForm, SolveOptions

Key = tuple[str, ArcKey | str, int]


@dataclass(frozen=True)
class FormTask:
    """One subproblem: a matrix form to solve (its costs set for this iteration)."""

    index: int
    form: MatrixForm
    options: SolveOptions


@dataclass(frozen=True)
class FormAnswer:
    """What a subproblem's solve returns: its values, objective and bound (None: none)."""

    status: Status
    values: np.ndarray | None
    objective: float | None
    bound: float | None


def solve_form(task: FormTask) -> FormAnswer:
    """Solve one :class:`FormTask` (the function a mapper runs)."""
    outcome = HighsSession(task.form, task.options).run()
    if outcome.values is None:
        return FormAnswer(outcome.status, None, None, None)
    objective = float(task.form.col_cost @ outcome.values + task.form.offset)
    bound = outcome.bound if outcome.mip and outcome.bound is not None else objective
    return FormAnswer(outcome.status, outcome.values, objective, bound)


FormMapper = Callable[
    [Callable[[FormTask], FormAnswer], Sequence[FormTask]], Iterator[tuple[int, FormAnswer]]
]
"""Runs ``solve_form`` on every task, yielding ``(task.index, answer)`` as each one ends."""


def in_turn(
    fn: Callable[[FormTask], FormAnswer], tasks: Sequence[FormTask]
) -> Iterator[tuple[int, FormAnswer]]:
    """The default :data:`FormMapper`: each subproblem here, one after the other."""
    for task in tasks:
        yield task.index, fn(task)


@dataclass
class _Scenario:
    """One scenario's subproblem: its form, its base costs, where its first stage lies."""

    form: MatrixForm
    cost: np.ndarray
    columns: dict[Key, int]
    charge: dict[Key, float]


def _subproblems(pathway: Pathway, kind: Objective) -> list[_Scenario]:
    """Each scenario's pathway alone as arrays, its shared builds found by their key."""
    out = []
    for s in range(len(pathway.scenarios)):
        model = build_pathway_arrays(scenario_alone(pathway, s), kind)
        start = model.columns["build"].start
        columns, charge = {}, {}
        for j, build in enumerate(model.index.builds):
            if build.scenario is None:
                key: Key = (build.kind, build.key, build.period)
                columns[key] = start + j
                charge[key] = abs(model.index.build_cost[j])
        out.append(_Scenario(model.form, model.form.col_cost.copy(), columns, charge))
    return out


def solve_hedging(
    pathway: Pathway,
    objective: Objective | str = Objective.VALORISATION,
    options: SolveOptions | None = None,
    *,
    rho: float = 1.0,
    iterations: int = 30,
    mapper: FormMapper | None = None,
) -> PathwayResult:
    """The recourse problem by progressive hedging (module docstring)."""
    options = options or SolveOptions()
    kind = Objective(objective)
    run = mapper or in_turn
    tick = time.perf_counter()
    subs = _subproblems(pathway, kind)
    pi = np.array([sc.probability for sc in pathway.scenarios])
    keys = sorted({k for sub in subs for k in sub.columns}, key=repr)
    common = all(len(sub.columns) == len(keys) for sub in subs)
    charges = np.array([max(sub.charge.get(k, 0.0) for sub in subs) for k in keys])
    scale = rho * np.where(charges > 0, charges, max(float(charges.mean()), 1.0) if len(keys) else 1.0)
    w = np.zeros((len(subs), len(keys)))
    mean = np.zeros(len(keys))
    sign = -1.0 if kind is Objective.COST else 1.0  # the penalties lower a maximised value
    done = 0
    agreed = False
    for done in range(1, iterations + 1):
        first = done == 1
        answers = _round(run, subs, keys, w, mean, scale, sign, options, proximal=not first)
        if answers is None:
            return _fallback(pathway, kind, options, "a subproblem found no solution")
        x = np.array([a for a, _ in answers])
        mean = pi @ x
        agreed = bool(np.all(x == x[0]))
        if agreed:
            break
        w += scale * (x - mean)
    lagrange = _round(run, subs, keys, w, mean, scale, sign, options, proximal=False)
    bound_parts = [b for _, b in lagrange] if lagrange is not None else None
    # the capacities of shared sized builds are left to the final solve
    fixed: FirstStage = {k: (1.0, None) for k, m in zip(keys, mean, strict=True) if m >= 0.5}
    result = solve_pathway(pathway, kind, _ample(options), first_stage=fixed)
    result.method = "progressive_hedging"
    result.timings["hedging"] = time.perf_counter() - tick
    if bound_parts is not None and common and result.objective is not None:
        bound = float(pi @ np.array(bound_parts))
        result.bound = bound
        result.gap = abs(bound - result.objective) / max(abs(result.objective), 1e-9)
    result.notes.append(
        f"progressive hedging: {done} iteration(s),"
        + (" every scenario agreed on what to build now" if agreed else " no full agreement")
    )
    return result


def _ample(options: SolveOptions) -> SolveOptions:
    """The final solve's options: the first stage fixed, the recourse to the same gap."""
    return replace(options, warm_start=False)


def _round(
    run: FormMapper,
    subs: list[_Scenario],
    keys: list[Key],
    w: np.ndarray,
    mean: np.ndarray,
    scale: np.ndarray,
    sign: float,
    options: SolveOptions,
    *,
    proximal: bool,
) -> list[tuple[np.ndarray, float]] | None:
    """Solve every subproblem once; each one's first stage (rounded) and its bound.

    Without the proximal term, the bounds are those of the Lagrangian at ``w``.
    """
    tasks = []
    for s, sub in enumerate(subs):
        cost = sub.cost.copy()
        for i, k in enumerate(keys):
            col = sub.columns.get(k)
            if col is None:
                continue
            penalty = w[s, i] + (scale[i] / 2 * (1 - 2 * mean[i]) if proximal else 0.0)
            cost[col] -= sign * penalty
        tasks.append(FormTask(s, replace(sub.form, col_cost=cost), options))
    answers = dict(run(solve_form, tasks))
    out = []
    for s, sub in enumerate(subs):
        answer = answers[s]
        if answer.values is None or answer.bound is None:
            return None
        x = np.array(
            [
                float(answer.values[sub.columns[k]] > 0.5) if k in sub.columns else 0.0
                for k in keys
            ]
        )
        out.append((x, answer.bound))
    return out


def _fallback(
    pathway: Pathway, kind: Objective, options: SolveOptions, why: str
) -> PathwayResult:
    """The extensive form, when hedging cannot go on."""
    result = solve_pathway(pathway, kind, options)
    result.notes.append(f"progressive hedging stopped ({why}): solved as one MILP instead")
    return result


__all__ = ["FormAnswer", "FormMapper", "FormTask", "in_turn", "solve_form", "solve_hedging"]
