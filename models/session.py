"""The HiGHS session: one matrix model handed to one HiGHS instance, solved, its outcome read.

Nothing here knows a backend or a problem: a backend (:mod:`models.backends`) turns its model
into a :class:`MatrixForm`, :func:`pass_to_highs` hands it over in one ``passModel`` call, and
:class:`HighsSession` solves it with progress and cancellation callbacks and classifies the
outcome.  The pipeline around it (tables, bound and gap, the elastic re-solve) is
:func:`models.solve.run_backend`.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import highspy
import numpy as np
import scipy.sparse as sp

from models.constants import DEFAULT_GAP, DEFAULT_TIME_LIMIT, Status

log = logging.getLogger(__name__)


def _swallow_banner() -> None:
    """Create this process's first HiGHS instance with standard output closed.

    highspy 1.16 prints HiGHS's banner from its constructor, before any option (``output_flag``)
    can be set, and only for the first instance of a process: done here, at import, it never
    reaches a command's output (``symbiose solve`` prints its own report on stdout).
    """
    libc = ctypes.CDLL(None)
    sys.stdout.flush()
    libc.fflush(None)
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        highspy.Highs()
        libc.fflush(None)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


with contextlib.suppress(OSError, TypeError, AttributeError):  # no C library, no descriptor 1
    _swallow_banner()

BackendName = Literal["pyomo", "arrays", "auto"]
"""The backends a solve may use (see :class:`SolveOptions`)."""


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
        backend: which backend builds the model: ``"pyomo"`` (the reference formulation),
            ``"arrays"`` (the same model assembled as arrays), or ``"auto"``: arrays from
            :data:`models.backends.AUTO_ARRAYS_FROM` flow columns up, Pyomo below.
        prune: drop, before building, the candidate links that can never pay their fixed
            cost (:mod:`models.prune`; exact: the optimum is unchanged).
        warm_start: before the MIP, offer HiGHS the rounded-up LP relaxation as a first
            incumbent (:mod:`models.warmstart`); costs two LP solves, pays on large models.
            None (the default): only for a model with at least
            :data:`models.warmstart.AUTO_MIN_DECISIONS` integer columns.
        presolve: let HiGHS presolve the model (off: the re-solve of an answer that failed
            its certificate, :mod:`models.certificate`).
        cross_check: check an optimum against a solve without presolve
            (:func:`models.certificate.cross_checks`); None (the default): for a MIP of at most
            :data:`models.certificate.CROSS_CHECK_MAX_COLUMNS` columns.
    """

    time_limit: float | None = DEFAULT_TIME_LIMIT
    gap: float = DEFAULT_GAP
    threads: int | None = None
    progress: Callable[[Progress], None] | None = None
    progress_every: float = 0.5
    should_stop: Callable[[], bool] | None = None
    diagnose: bool = True
    log_to_console: bool = False
    backend: BackendName = "auto"
    prune: bool = True
    warm_start: bool | None = None
    presolve: bool = True
    cross_check: bool | None = None


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
    objective: float | None = None
    """HiGHS's own objective value of its solution (what an LP's certificate checks)."""


class HighsSession:
    """One matrix model handed to one HiGHS instance; ``run`` solves it."""

    def __init__(self, form: MatrixForm, options: SolveOptions) -> None:
        self.options = options
        tick = time.perf_counter()
        self.highs = pass_to_highs(form)
        self.handover_seconds = time.perf_counter() - tick
        self.start_objective: float | None = None
        """The objective of the start HiGHS accepted (``warm_start``), or None."""
        self.start_seconds = 0.0
        """Time spent making the start; taken off the solve's time limit."""
        if options.warm_start is not False:
            self._offer_start(form)
        self._start = 0.0
        self._last_progress = 0.0
        self._interrupted = False
        if options.progress is not None or options.should_stop is not None:
            self.highs.cbMipImprovingSolution.subscribe(self._on_event)
            self.highs.cbMipInterrupt.subscribe(self._on_event)
            self.highs.cbSimplexInterrupt.subscribe(self._poll_stop)

    def _offer_start(self, form: MatrixForm) -> None:
        from models.warmstart import AUTO_MIN_DECISIONS, offer_start, rounded_start

        decisions = int(np.count_nonzero(np.asarray(form.integrality) == 1))
        if self.options.warm_start is None and decisions < AUTO_MIN_DECISIONS:
            return
        limit = self.options.time_limit
        tick = time.perf_counter()
        # Each of its two LPs gets a quarter of the limit: a start is worth half of it at most.
        start = rounded_start(form, None if limit is None else limit / 4, self.options.should_stop)
        self.start_seconds = time.perf_counter() - tick
        if start is not None and offer_start(self.highs, start):
            self.start_objective = float(form.col_cost @ start + form.offset)

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
        use_threads(opts.threads)
        if opts.threads is not None:
            h.setOptionValue("threads", opts.threads)
        if opts.time_limit is not None:
            h.setOptionValue("time_limit", max(float(opts.time_limit) - self.start_seconds, 0.01))
        h.setOptionValue("mip_rel_gap", float(opts.gap))
        h.setOptionValue("mip_abs_gap", 1e-9 if opts.gap == 0 else 1e-6)
        h.setOptionValue("presolve", "on" if opts.presolve else "off")

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
        if status == S.kModelEmpty:
            return self._empty(seconds)
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
            outcome.objective = finite_or_none(info.objective_function_value)
        return outcome

    def _empty(self, seconds: float) -> Outcome:
        """An empty model (no column: pruning left nothing) is solved: it builds nothing.

        HiGHS answers ``Empty`` without a solution; the optimum is the constant offset.
        """
        lp = self.highs.getLp()
        values = np.zeros(int(lp.num_col_), dtype=np.float64)
        offset = float(lp.offset_)
        return Outcome(
            Status.OPTIMAL, "optimal", seconds, values=values, bound=offset, objective=offset
        )


_scheduler_threads: int | None = None
"""The ``threads`` this process's HiGHS thread scheduler was started for (None: not started)."""


def use_threads(threads: int | None) -> None:
    """Make this process's HiGHS thread scheduler fit a solve on ``threads`` (None: HiGHS's choice).

    HiGHS starts one thread scheduler per process, at its first solve, and refuses a later
    solve that asks for another number of threads ("the scheduler has already been initialized
    to use 2 threads": the run ends with status Not Set).  A process may solve on all cores and
    then on one (a sweep's draws after the main solve), so the scheduler is restarted when the
    number changes.  Solves in one process run one after another, never side by side.
    """
    global _scheduler_threads
    wanted = 0 if threads is None else int(threads)
    if _scheduler_threads is not None and _scheduler_threads != wanted:
        highspy.Highs.resetThreadScheduler(False)
    _scheduler_threads = wanted


def finite_or_none(value: float | None) -> float | None:
    """``value`` as a float, or None when HiGHS reports it as infinite or absent."""
    if value is None or not math.isfinite(value) or abs(value) >= 1e30:
        return None
    return float(value)
