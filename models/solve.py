"""Solve a problem with HiGHS: the one pipeline every entry point calls.

``solve`` runs: check → prune (:mod:`models.prune`) → build (by the chosen backend of
:mod:`models.backends`) → hand-over (one ``passModel`` to highspy, :mod:`models.session`) →
solve → tables.  Every outcome is a :class:`~models.result.Result` with a status; no solver
exception escapes.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, TypeVar

import numpy as np
import pyomo.environ as pyo

from models.backends import Backend, DirectBackend, PyomoBackend, backend_name
from models.certificate import certified_run
from models.contradictions import contradictions
from models.problem import Problem, ProblemError
from models.prune import prune
from models.result import Objective, Result, Shortfall, Status
from models.session import BackendName, HighsSession, Progress, SolveOptions

ModelT = TypeVar("ModelT")


def solve(
    problem: Problem,
    objective: Objective | str = Objective.VALORISATION,
    options: SolveOptions | None = None,
    *,
    backend: BackendName | None = None,
    decompose: str = "auto",
    **blocks: Any,
) -> Result:
    """Optimise ``problem`` and return its :class:`Result` (never raises on solver outcomes).

    ``backend`` (default: ``options.backend``) chooses who builds the model: ``"pyomo"``,
    ``"arrays"`` or ``"auto"`` (:func:`models.backends.backend_name`); both build the same
    model.  Unless ``options.prune`` is off, the links that can never pay their fixed cost are
    dropped first (:func:`models.prune.prune`, exact); the result's tables then list only the
    links kept, and a note says how many were dropped.

    ``timings`` holds ``build`` (pruning and the model), ``handover`` (compile to matrices and
    pass to HiGHS), ``solve`` and ``results`` (tables), in seconds.

    ``decompose`` (``auto``, ``on``, ``off``): solve the independent blocks of the problem
    apart, in worker processes (:mod:`models.blocks`); ``blocks`` goes to
    :func:`models.blocks.solve_decomposed` (``workers``, ``mapper``, ``on_block``).

    Raises:
        ProblemError: only if the problem cannot be formulated (e.g. an unbounded candidate
            arc); a validated problem that is infeasible returns ``Status.INFEASIBLE``.
        ValueError: an unknown backend name.
    """
    from models.blocks import solve_decomposed

    options = options or SolveOptions()
    kind = Objective(objective)
    name = backend_name(problem, backend or options.backend)
    contradicting = contradictions(problem)
    if contradicting:
        return Result(
            Status.INFEASIBLE,
            kind,
            message="infeasible: the planner's controls contradict each other: "
            + "; ".join(contradicting),
            problem_name=problem.name,
        )
    tick = time.perf_counter()
    pruned = prune(problem, kind) if options.prune else problem
    prune_seconds = time.perf_counter() - tick

    def whole() -> Result:
        if name == "arrays":
            return run_backend(DirectBackend(), pruned, kind, options)
        return run_backend(PyomoBackend(), pruned, kind, options)

    result = solve_decomposed(pruned, kind, options, whole, decompose=decompose, **blocks)
    # pruning is part of building the model
    result.timings["build"] = result.timings.get("build", 0.0) + prune_seconds
    dropped = len(problem.arcs) - len(pruned.arcs)
    if dropped:
        result.notes.append(
            f"{dropped} candidate link(s) left out before building: none can ever pay its"
            " fixed cost"
        )
    return result


def pareto(problem: Problem, points: int = 5, options: SolveOptions | None = None) -> list[Result]:
    """The valorisation vs CO2-avoided front by the epsilon-constraint method.

    Built with the Pyomo backend (the sweep swaps the model's objective in place) and never
    pruned: pruning is exact for one objective, the front spans two.  The first point
    maximises valorisation; the last maximises CO2 avoided (with the best
    valorisation at that CO2).  In between, each point maximises valorisation subject to
    ``co2_avoided >= eps`` for ``points`` evenly spaced values of eps.  Points that come back
    without a solution are returned with their status, so the caller sees every attempt.
    """
    if points < 2:
        raise ValueError("points: at least 2 points are needed for a front")
    options = options or SolveOptions()
    backend = PyomoBackend()
    formulation = backend.build(problem, Objective.VALORISATION)
    m = formulation.model
    first = run_backend(backend, problem, Objective.VALORISATION, options, model=formulation)
    if first.status not in (Status.OPTIMAL, Status.TIME_LIMIT):
        return [first]
    m.obj.deactivate()
    m.co2_obj = pyo.Objective(expr=m.co2_avoided, sense=pyo.maximize)
    most = run_backend(backend, problem, Objective.CO2, options, model=formulation)
    if most.objective is None:
        return [first, most]
    m.co2_obj.deactivate()
    m.obj.activate()
    m.co2_floor.activate()
    low, high = first.totals["co2_avoided"], most.totals["co2_avoided"]
    front = [first]
    for i in range(1, points):
        target = low + (high - low) * i / (points - 1)
        # Step back by a hair so the last point is not cut off by round-off.
        m.co2_target.set_value(target - 1e-9 * max(1.0, abs(target)))
        front.append(
            run_backend(backend, problem, Objective.VALORISATION, options, model=formulation)
        )
    return front


def run_backend(
    backend: Backend[ModelT],
    problem: Problem,
    objective: Objective,
    options: SolveOptions,
    model: ModelT | None = None,
    build_seconds: float = 0.0,
) -> Result:
    """Hand over, solve and read ``problem`` through ``backend`` (build it unless given)."""
    timings: dict[str, float] = {}
    if model is None:
        tick = time.perf_counter()
        model = backend.build(problem, objective)
        build_seconds = time.perf_counter() - tick
    timings["build"] = build_seconds
    tick = time.perf_counter()
    form = backend.form(model)
    compile_seconds = time.perf_counter() - tick
    session = HighsSession(form, options)
    timings["handover"] = compile_seconds + session.handover_seconds
    result = Result(Status.ERROR, objective, problem_name=problem.name)
    timings["results"] = 0.0

    def read(values: np.ndarray) -> tuple[np.ndarray, float | None]:
        tick = time.perf_counter()
        cleaned = backend.fill(model, result, values)
        timings["results"] += time.perf_counter() - tick
        return cleaned, result.objective

    tick = time.perf_counter()
    answer = certified_run(form, options, read, session, HighsSession)
    outcome = answer.outcome
    # the solve, its certificate and any re-solve (the tables are the results phase)
    timings["solve"] = max(outcome.seconds, time.perf_counter() - tick - timings["results"])
    tick = time.perf_counter()
    if outcome.values is None and result.has_solution:  # an answer its certificate refused
        result = Result(Status.ERROR, objective, problem_name=problem.name)
    result.status, result.message = outcome.status, outcome.message
    result.solve_seconds = timings["solve"]
    result.certificate = answer.certificate
    result.notes.extend(answer.notes)
    if outcome.values is not None:
        result.notes.extend(unused_requirements(problem, result))
        result.bound = outcome.bound if outcome.mip else result.objective
        if outcome.status is Status.OPTIMAL and not outcome.mip:
            result.gap = 0.0
        elif result.bound is not None and result.objective is not None:
            result.gap = abs(result.bound - result.objective) / max(abs(result.objective), 1e-9)
    elif outcome.status is Status.INFEASIBLE and options.diagnose:
        _diagnose(backend, model, problem, objective, options, result, outcome.maybe_unbounded)
        if _unconfirmed(result, options):
            return _without_presolve(backend, problem, objective, options, model, build_seconds)
    timings["results"] += time.perf_counter() - tick
    result.timings = timings
    return result


def _unconfirmed(result: Result, options: SolveOptions) -> bool:
    """An 'infeasible' the diagnosis contradicts: it met every requirement with no slack.

    The elastic model with every slack at zero is a solution of the model itself, so HiGHS's
    presolve, not the data, said infeasible.
    """
    return result.status is Status.INFEASIBLE and not result.shortfalls and options.presolve


def _without_presolve(
    backend: Backend[ModelT],
    problem: Problem,
    objective: Objective,
    options: SolveOptions,
    model: ModelT,
    build_seconds: float,
) -> Result:
    """The solve again with presolve off, after an infeasibility the numbers contradict."""
    again = run_backend(
        backend, problem, objective, replace(options, presolve=False), model, build_seconds
    )
    again.notes.append(
        "HiGHS answered infeasible with presolve on, but its diagnosis met every requirement:"
        " re-solved with presolve off"
    )
    return again


def _diagnose(
    backend: Backend[ModelT],
    model: ModelT,
    problem: Problem,
    objective: Objective,
    options: SolveOptions,
    result: Result,
    maybe_unbounded: bool,
) -> None:
    """Name the hard requirements that cannot be met, by an elastic re-solve."""
    elastic = backend.build(problem, objective, elastic=True, bounds=backend.bounds_of(model))
    quiet = SolveOptions(time_limit=options.time_limit, gap=options.gap, threads=options.threads)
    outcome = HighsSession(backend.form(elastic), quiet).run()
    if outcome.values is None:
        result.message += " (the diagnosis found no solution in time)"
        return
    both = {(s.node, s.commodity) for s in problem.supplies}
    both &= {(d.node, d.commodity) for d in problem.demands}
    for (kind, i, t), need, gap in backend.slacks(elastic, outcome.values):
        if gap <= 1e-6 * max(1.0, need):
            continue
        if kind == "co2_minimum":  # the planner's CO2 target is not a site's requirement
            most = _most_co2(backend, problem, quiet)
            short = need - most if most is not None else gap
            result.shortfalls.append(Shortfall(kind, "", "CO2", "year", need, short))
            continue
        item = problem.supplies[i] if kind == "must_dispatch" else problem.demands[i]
        result.shortfalls.append(
            Shortfall(
                kind,
                item.node,
                item.commodity,
                problem.slices[t].name,
                need,
                gap,
                own_supply=(item.node, item.commodity) in both,
            )
        )
    if result.shortfalls:
        result.message = "infeasible: " + "; ".join(s.describe() for s in result.shortfalls)
    elif maybe_unbounded:
        result.status = Status.UNBOUNDED
        result.message = "the objective is unbounded: a cost or value has no limit"
    else:
        result.message += " (no single requirement could be named)"


def _most_co2(
    backend: Backend[ModelT], problem: Problem, options: SolveOptions
) -> float | None:
    """The most CO2 that can be avoided without the target (None if that fails).

    The elastic re-solve names the CO2 target, but its slack, weighted by one over a target
    of millions of tonnes, costs too little per tonne for the solver to size it exactly; the
    shortfall is the target minus this maximum.
    """
    form = backend.form(backend.build(replace(problem, co2_min=None), Objective.CO2))
    outcome = HighsSession(form, options).run()
    if outcome.status is not Status.OPTIMAL or outcome.values is None:
        return None
    return float(form.col_cost @ outcome.values + form.offset)


def unused_requirements(problem: Problem, result: Result) -> list[str]:
    """A note for each link or converter the planner required that carries nothing.

    A required candidate is built whatever it costs; when no flow can use it, the planner is
    told so rather than left to wonder why a link is paid for and idle.
    """
    notes = []
    flows = result.flows
    for arc in problem.arcs:
        if not arc.required:
            continue
        mine = (
            flows[
                (flows["tail"] == arc.tail)
                & (flows["head"] == arc.head)
                & (flows["mode"] == arc.mode)
            ]
            if len(flows)
            else flows
        )
        if not len(mine) or float(mine["quantity"].sum()) <= 0:
            notes.append(
                f"required link {arc.tail}->{arc.head} ({arc.mode}) carries nothing: "
                "no feasible use"
            )
    active = result.converters
    for conv in problem.converters:
        if not conv.required:
            continue
        mine = active[active["converter"] == conv.name] if len(active) else active
        if not len(mine) or float(mine["activity"].sum()) <= 0:
            notes.append(
                f"required converter {conv.name} at {conv.node} runs idle: no feasible use"
            )
    return notes


__all__ = [
    "ProblemError",
    "Progress",
    "PyomoBackend",
    "SolveOptions",
    "pareto",
    "run_backend",
    "solve",
    "unused_requirements",
]
