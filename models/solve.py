"""Solve a problem with HiGHS through Pyomo: the one pipeline every entry point calls.

``solve`` runs: check → build (Pyomo) → hand-over (Pyomo → highspy) → solve → tables.  Every
outcome is a :class:`~models.result.Result` with a status; no solver exception escapes.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import highspy
import pyomo.environ as pyo
from pyomo.contrib.solver.solvers.highs import Highs

from models.formulation import Formulation
from models.problem import Problem, ProblemError
from models.result import Objective, Result, Shortfall, Status, objective_from_totals
from models.tables import build_tables

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    """A snapshot of a running MIP solve, as HiGHS improves it."""

    elapsed: float
    incumbent: float | None
    bound: float | None
    gap: float | None
    nodes: int


@dataclass(frozen=True)
class SolveOptions:
    """How to solve.

    Attributes:
        time_limit: seconds HiGHS may spend (per solve); None for no limit.
        gap: relative MIP gap at which HiGHS stops (0 proves optimality).
        threads: HiGHS threads; None lets HiGHS choose.
        progress: called with a :class:`Progress` as the solve advances (throttled).
        progress_every: seconds between two progress calls, at most.
        should_stop: polled during the solve; returning True interrupts it (cancellation).
        diagnose: on infeasibility, re-solve with slacks to name the failing requirements.
        log_to_console: let HiGHS print its own log.
    """

    time_limit: float | None = 60.0
    gap: float = 1e-4
    threads: int | None = None
    progress: Callable[[Progress], None] | None = None
    progress_every: float = 0.5
    should_stop: Callable[[], bool] | None = None
    diagnose: bool = True
    log_to_console: bool = False


def solve(
    problem: Problem,
    objective: Objective | str = Objective.VALORISATION,
    options: SolveOptions | None = None,
) -> Result:
    """Optimise ``problem`` and return its :class:`Result` (never raises on solver outcomes).

    Raises:
        ProblemError: only if the problem cannot be formulated (e.g. an unbounded candidate
            arc); a validated problem that is infeasible returns ``Status.INFEASIBLE``.
    """
    objective = Objective(objective)
    options = options or SolveOptions()
    timings: dict[str, float] = {}
    tick = time.perf_counter()
    formulation = Formulation(problem, objective)
    timings["build"] = time.perf_counter() - tick
    session = _Session(formulation, options)
    timings["handover"] = session.handover_seconds
    result = session.run()
    result.timings = timings | result.timings
    return result


def pareto(problem: Problem, points: int = 5, options: SolveOptions | None = None) -> list[Result]:
    """The valorisation vs CO2-avoided front by the epsilon-constraint method.

    The first point maximises valorisation; the last maximises CO2 avoided (with the best
    valorisation at that CO2).  In between, each point maximises valorisation subject to
    ``co2_avoided >= eps`` for ``points`` evenly spaced values of eps.  Points that come back
    without a solution are returned with their status, so the caller sees every attempt.
    """
    if points < 2:
        raise ValueError("points: at least 2 points are needed for a front")
    options = options or SolveOptions()
    formulation = Formulation(problem, Objective.VALORISATION)
    session = _Session(formulation, options)
    first = session.run()
    if first.status not in (Status.OPTIMAL, Status.TIME_LIMIT):
        return [first]
    m = formulation.model
    m.obj.deactivate()
    m.co2_obj = pyo.Objective(expr=m.co2_avoided, sense=pyo.maximize)
    most = session.run(Objective.CO2)
    if most.objective is None:
        return [first, most]
    m.co2_obj.deactivate()
    m.obj.activate()
    m.co2_floor.activate()
    low, high = first.totals["co2_avoided"], most.totals["co2_avoided"]
    front = [first]
    for i in range(1, points):
        target = low + (high - low) * i / (points - 1)
        # Step back by a hair at the end so the last point is not cut off by round-off.
        m.co2_target.set_value(target - 1e-9 * max(1.0, abs(target)))
        front.append(session.run())
    return front


class _Session:
    """One Pyomo model handed to one HiGHS instance; ``run`` solves it (again)."""

    def __init__(self, formulation: Formulation, options: SolveOptions) -> None:
        self.formulation = formulation
        self.options = options
        self.solver = Highs()
        tick = time.perf_counter()
        self.solver.set_instance(formulation.model)
        self.handover_seconds = time.perf_counter() - tick
        self._last_progress = 0.0
        self._start = 0.0
        self._interrupted = False
        self._attach_callbacks()

    @property
    def highs(self) -> highspy.Highs:
        return self.solver._solver_model  # the persistent interface's highspy instance

    def _attach_callbacks(self) -> None:
        if self.options.progress is None and self.options.should_stop is None:
            return
        self.highs.cbMipImprovingSolution.subscribe(self._on_event)
        self.highs.cbMipInterrupt.subscribe(self._on_event)
        self.highs.cbSimplexInterrupt.subscribe(self._on_interrupt_only)

    def _on_interrupt_only(self, event: highspy.HighsCallbackEvent) -> None:
        if self.options.should_stop is not None and self.options.should_stop():
            self._interrupted = True
            event.interrupt()

    def _on_event(self, event: highspy.HighsCallbackEvent) -> None:
        if self.options.should_stop is not None and self.options.should_stop():
            self._interrupted = True
            event.interrupt()
        if self.options.progress is None:
            return
        now = time.perf_counter()
        improving = (
            event.callback_type == highspy.cb.HighsCallbackType.kCallbackMipImprovingSolution
        )
        if not improving and now - self._last_progress < self.options.progress_every:
            return
        self._last_progress = now
        out = event.data_out
        incumbent = _finite_or_none(out.mip_primal_bound)
        bound = _finite_or_none(out.mip_dual_bound)
        gap = _finite_or_none(out.mip_gap) if incumbent is not None else None
        # HiGHS reports both bounds in the model's own sense (max or min): nothing to flip.
        self.options.progress(
            Progress(now - self._start, incumbent, bound, gap, int(out.mip_node_count))
        )

    def run(self, objective: Objective | None = None) -> Result:
        """Solve the model as it stands and read the result."""
        objective = objective or self.formulation.objective
        opts = self.options
        self._start = time.perf_counter()
        self._interrupted = False
        try:
            res = self.solver.solve(
                self.formulation.model,
                time_limit=opts.time_limit,
                rel_gap=opts.gap,
                threads=opts.threads,
                load_solutions=False,
                raise_exception_on_nonoptimal_result=False,
                tee=opts.log_to_console,
                solver_options={"mip_abs_gap": 1e-9 if opts.gap == 0 else 1e-6},
            )
        except Exception as exc:  # the solver's own failure: report it, never a trace
            log.exception("HiGHS failed")
            return Result(
                Status.ERROR,
                objective,
                message=f"solver error: {exc}",
                problem_name=self.formulation.problem.name,
            )
        solve_seconds = time.perf_counter() - self._start
        tick = time.perf_counter()
        result = self._read(res, objective, solve_seconds)
        result.timings["results"] = time.perf_counter() - tick
        result.timings["solve"] = solve_seconds
        return result

    def _read(self, res: object, objective: Objective, seconds: float) -> Result:
        highs = self.highs
        status = highs.getModelStatus()
        info = highs.getInfo()
        has_solution = info.primal_solution_status == 2
        name = self.formulation.problem.name
        S = highspy.HighsModelStatus
        if status == S.kOptimal:
            state, message = Status.OPTIMAL, "optimal"
        elif self._interrupted:
            state, message = Status.CANCELLED, "cancelled by the user"
        elif status in (S.kTimeLimit, S.kIterationLimit, S.kSolutionLimit, S.kInterrupt):
            if has_solution:
                state, message = Status.TIME_LIMIT, "time limit reached; best solution found so far"
            else:
                state, message = (
                    Status.NO_SOLUTION,
                    "time limit reached before any solution was found",
                )
        elif status in (S.kInfeasible, S.kUnboundedOrInfeasible):
            return self._diagnose(objective, seconds, status == S.kUnboundedOrInfeasible)
        elif status == S.kUnbounded:
            state, message = (
                Status.UNBOUNDED,
                "the objective is unbounded: a cost or value has no limit",
            )
        else:
            return Result(
                Status.ERROR,
                objective,
                message=f"HiGHS ended with status {highs.modelStatusToString(status)}",
                solve_seconds=seconds,
                problem_name=name,
            )
        result = Result(state, objective, message=message, solve_seconds=seconds, problem_name=name)
        if not has_solution:
            return result
        res.solution_loader.load_vars()  # type: ignore[attr-defined]
        self._fill(result)
        bound = info.mip_dual_bound if info.mip_node_count >= 0 else result.objective
        result.bound = _finite_or_none(bound)
        if state is Status.OPTIMAL and info.mip_node_count < 0:
            result.gap = 0.0
        elif result.bound is not None and result.objective is not None:
            result.gap = abs(result.bound - result.objective) / max(abs(result.objective), 1e-9)
        return result

    def _fill(self, result: Result) -> None:
        """Read the variable values into tables and totals."""
        m, p = self.formulation.model, self.formulation.problem

        def values(var: pyo.Var) -> dict:
            return {k: (vd.value or 0.0) for k, vd in var.items()}

        tables = build_tables(
            p, values(m.x), values(m.y), values(m.u), values(m.v), values(m.z), values(m.w)
        )
        result.flows = tables["flows"]
        result.built_arcs = tables["built_arcs"]
        result.converters = tables["converters"]
        result.balances = tables["balances"]
        totals = {
            name: float(pyo.value(getattr(m, name)))
            for name in (
                "value",
                "disposal_avoided",
                "co2_avoided",
                "transport_cost",
                "conversion_cost",
                "fixed_cost",
                "valorisation",
            )
        }
        totals["carbon_value"] = p.carbon_price * totals["co2_avoided"]
        totals["carbon_price"] = p.carbon_price
        result.totals = totals
        result.objective = objective_from_totals(result.objective_kind, totals)

    def _diagnose(self, objective: Objective, seconds: float, maybe_unbounded: bool) -> Result:
        """Name the hard requirements that cannot be met, by an elastic re-solve."""
        p = self.formulation.problem
        result = Result(
            Status.INFEASIBLE,
            objective,
            solve_seconds=seconds,
            problem_name=p.name,
            message="infeasible: the hard requirements cannot all be met",
        )
        if not self.options.diagnose:
            return result
        elastic = Formulation(p, objective, elastic=True, bounds=self.formulation.bounds)
        opt = Highs()
        res = opt.solve(
            elastic.model,
            time_limit=self.options.time_limit,
            load_solutions=False,
            raise_exception_on_nonoptimal_result=False,
            threads=self.options.threads,
        )
        if opt._solver_model.getInfo().primal_solution_status != 2:
            result.message += " (the diagnosis found no solution in time)"
            return result
        res.solution_loader.load_vars()
        for key, var in elastic.model.slack.items():
            gap = var.value or 0.0
            if gap <= 1e-6 * max(1.0, elastic.requirement(key)):
                continue
            kind, i, t = key
            item = p.supplies[i] if kind == "must_dispatch" else p.demands[i]
            result.shortfalls.append(
                Shortfall(
                    kind, item.node, item.commodity, p.slices[t].name, elastic.requirement(key), gap
                )
            )
        if not result.shortfalls:
            if maybe_unbounded:
                result.status = Status.UNBOUNDED
                result.message = "the objective is unbounded: a cost or value has no limit"
            else:
                result.message += " (no single requirement could be named)"
        else:
            result.message = "infeasible: " + "; ".join(s.describe() for s in result.shortfalls)
        return result


def _finite_or_none(value: float | None) -> float | None:
    if value is None or not math.isfinite(value) or abs(value) >= 1e30:
        return None
    return float(value)


__all__ = ["ProblemError", "Progress", "SolveOptions", "pareto", "solve"]
