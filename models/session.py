"""What both backends share: the matrix hand-over to HiGHS, the solve and its outcome.

A backend (Pyomo in :mod:`models.solve`, arrays in :mod:`models.direct`) builds a model and
turns it into a :class:`MatrixForm`; :func:`run_backend` does the rest the same way for both:
hand-over, solve with progress and cancellation callbacks, status mapping, tables, bound and
gap, and the elastic re-solve that names the hard requirements an infeasible problem cannot
meet.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

import highspy
import numpy as np
import scipy.sparse as sp

from models.constants import DEFAULT_GAP, DEFAULT_TIME_LIMIT
from models.problem import Problem
from models.result import Objective, Result, Shortfall, Status

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

    time_limit: float | None = DEFAULT_TIME_LIMIT
    gap: float = DEFAULT_GAP
    threads: int | None = None
    progress: Callable[[Progress], None] | None = None
    progress_every: float = 0.5
    should_stop: Callable[[], bool] | None = None
    diagnose: bool = True
    log_to_console: bool = False


@dataclass
class MatrixForm:
    """A MILP in HiGHS's column-wise form.

    Optimise ``col_cost @ x + offset`` subject to ``row_lower <= matrix @ x <= row_upper``,
    ``col_lower <= x <= col_upper``, and ``x[j]`` integer where ``integrality[j] == 1``.
    """

    matrix: sp.csc_matrix | sp.csc_array
    col_cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integrality: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    maximise: bool
    offset: float = 0.0


def pass_to_highs(form: MatrixForm, highs: highspy.Highs | None = None) -> highspy.Highs:
    """Hand ``form`` to a (new) HiGHS instance in one ``passModel`` call; returns it."""
    h = highs if highs is not None else highspy.Highs()
    h.setOptionValue("output_flag", False)
    a = sp.csc_matrix(form.matrix)
    sense = highspy.ObjSense.kMaximize if form.maximise else highspy.ObjSense.kMinimize
    num_row, num_col = a.shape
    status = h.passModel(
        num_col,
        num_row,
        int(a.nnz),
        int(highspy.MatrixFormat.kColwise),
        int(sense),
        float(form.offset),
        np.asarray(form.col_cost, dtype=np.float64),
        np.asarray(form.col_lower, dtype=np.float64),
        np.asarray(form.col_upper, dtype=np.float64),
        np.asarray(form.row_lower, dtype=np.float64),
        np.asarray(form.row_upper, dtype=np.float64),
        a.indptr.astype(np.int32),
        a.indices.astype(np.int32),
        a.data.astype(np.float64),
        np.asarray(form.integrality, dtype=np.int32),
    )
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the model passed to it")
    return h


@dataclass
class Outcome:
    """How one HiGHS run ended, before any table is built."""

    status: Status
    message: str
    seconds: float
    values: np.ndarray | None = None
    bound: float | None = None
    mip: bool = False
    maybe_unbounded: bool = False


class HighsSession:
    """One matrix model handed to one HiGHS instance; ``run`` solves it."""

    def __init__(self, form: MatrixForm, options: SolveOptions) -> None:
        self.options = options
        tick = time.perf_counter()
        self.highs = pass_to_highs(form)
        self.handover_seconds = time.perf_counter() - tick
        self._start = 0.0
        self._last_progress = 0.0
        self._interrupted = False
        if options.progress is not None or options.should_stop is not None:
            self.highs.cbMipImprovingSolution.subscribe(self._on_event)
            self.highs.cbMipInterrupt.subscribe(self._on_event)
            self.highs.cbSimplexInterrupt.subscribe(self._poll_stop)

    def _poll_stop(self, event: highspy.HighsCallbackEvent) -> None:
        if self.options.should_stop is not None and self.options.should_stop():
            self._interrupted = True
            event.interrupt()

    def _on_event(self, event: highspy.HighsCallbackEvent) -> None:
        self._poll_stop(event)
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
        # HiGHS reports both bounds in the model's own sense (max or min): nothing to flip.
        incumbent = finite_or_none(out.mip_primal_bound)
        bound = finite_or_none(out.mip_dual_bound)
        gap = finite_or_none(out.mip_gap) if incumbent is not None else None
        self.options.progress(
            Progress(now - self._start, incumbent, bound, gap, int(out.mip_node_count))
        )

    def _configure(self) -> None:
        h, opts = self.highs, self.options
        h.setOptionValue("output_flag", opts.log_to_console)
        if opts.threads is not None:
            h.setOptionValue("threads", opts.threads)
        if opts.time_limit is not None:
            h.setOptionValue("time_limit", float(opts.time_limit))
        h.setOptionValue("mip_rel_gap", float(opts.gap))
        h.setOptionValue("mip_abs_gap", 1e-9 if opts.gap == 0 else 1e-6)

    def run(self) -> Outcome:
        """Solve and classify the outcome (never raises on solver outcomes)."""
        self._start = time.perf_counter()
        self._interrupted = False
        try:
            self._configure()
            self.highs.run()
        except Exception as exc:  # the solver's own failure: report it, never a trace
            log.exception("HiGHS failed")
            return Outcome(Status.ERROR, f"solver error: {exc}", time.perf_counter() - self._start)
        seconds = time.perf_counter() - self._start
        h = self.highs
        status = h.getModelStatus()
        info = h.getInfo()
        has_solution = info.primal_solution_status == 2
        S = highspy.HighsModelStatus
        if status == S.kOptimal:
            state, message = Status.OPTIMAL, "optimal"
        elif self._interrupted:
            state, message = Status.CANCELLED, "cancelled by the user"
        elif status in (S.kTimeLimit, S.kIterationLimit, S.kSolutionLimit, S.kInterrupt):
            if has_solution:
                state, message = Status.TIME_LIMIT, "time limit reached; best solution found so far"
            else:
                state = Status.NO_SOLUTION
                message = "time limit reached before any solution was found"
        elif status in (S.kInfeasible, S.kUnboundedOrInfeasible):
            return Outcome(
                Status.INFEASIBLE,
                "infeasible: the hard requirements cannot all be met",
                seconds,
                maybe_unbounded=status == S.kUnboundedOrInfeasible,
            )
        elif status == S.kUnbounded:
            state = Status.UNBOUNDED
            message = "the objective is unbounded: a cost or value has no limit"
        else:
            return Outcome(
                Status.ERROR, f"HiGHS ended with status {h.modelStatusToString(status)}", seconds
            )
        outcome = Outcome(state, message, seconds, mip=info.mip_node_count >= 0)
        if has_solution:
            outcome.values = np.asarray(h.getSolution().col_value, dtype=np.float64)
            outcome.bound = finite_or_none(info.mip_dual_bound) if outcome.mip else None
        return outcome


class Backend(Protocol):
    """What a backend provides to :func:`run_backend`.

    ``build`` returns the backend's own model object; the other methods take it back.
    """

    def build(
        self, problem: Problem, objective: Objective, *, elastic: bool = False, bounds: Any = None
    ) -> Any:
        """Build the model of ``problem`` (``elastic``: with slacks on hard requirements)."""

    def form(self, model: Any) -> MatrixForm:
        """The model in matrix form."""

    def fill(self, model: Any, result: Result, values: np.ndarray) -> None:
        """Read a solution (one value per column) into ``result``'s tables and totals."""

    def slacks(
        self, model: Any, values: np.ndarray
    ) -> list[tuple[tuple[str, int, int], float, float]]:
        """``(key, requirement, slack)`` of every hard requirement of an elastic model."""

    def bounds_of(self, model: Any) -> Any:
        """The data-derived bounds the model was built with (reused by the elastic model)."""


def run_backend(
    backend: Backend,
    problem: Problem,
    objective: Objective,
    options: SolveOptions,
    model: Any = None,
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
    outcome = session.run()
    timings["solve"] = outcome.seconds
    tick = time.perf_counter()
    result = Result(
        outcome.status,
        objective,
        message=outcome.message,
        solve_seconds=outcome.seconds,
        problem_name=problem.name,
    )
    if outcome.values is not None:
        backend.fill(model, result, outcome.values)
        result.notes.extend(unused_requirements(problem, result))
        result.bound = outcome.bound if outcome.mip else result.objective
        if outcome.status is Status.OPTIMAL and not outcome.mip:
            result.gap = 0.0
        elif result.bound is not None and result.objective is not None:
            result.gap = abs(result.bound - result.objective) / max(abs(result.objective), 1e-9)
    elif outcome.status is Status.INFEASIBLE and options.diagnose:
        _diagnose(backend, model, problem, objective, options, result, outcome.maybe_unbounded)
    timings["results"] = time.perf_counter() - tick
    result.timings = timings
    return result


def _diagnose(
    backend: Backend,
    model: Any,
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
            Shortfall(kind, item.node, item.commodity, problem.slices[t].name, need, gap)
        )
    if result.shortfalls:
        result.message = "infeasible: " + "; ".join(s.describe() for s in result.shortfalls)
    elif maybe_unbounded:
        result.status = Status.UNBOUNDED
        result.message = "the objective is unbounded: a cost or value has no limit"
    else:
        result.message += " (no single requirement could be named)"


def _most_co2(backend: Backend, problem: Problem, options: SolveOptions) -> float | None:
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


def finite_or_none(value: float | None) -> float | None:
    """``value`` as a float, or None when HiGHS reports it as infinite or absent."""
    if value is None or not math.isfinite(value) or abs(value) >= 1e30:
        return None
    return float(value)
