"""A first incumbent for HiGHS: round the LP relaxation up, then re-solve the flows.

In this formulation every integer column is a build decision (a candidate arc, a buildable
converter) that only *allows* flows (``x <= M * y``) and pays a fixed cost.  Rounding the
relaxation's decisions up therefore keeps every flow of the relaxation allowed; fixing them
and re-solving the LP gives the best flows for those decisions: a feasible solution, usually
within a few per cent of the optimum, that HiGHS takes as its first incumbent
(``Highs.setSolution``) instead of waiting for its own heuristics.

The one exception is a family that counts or prices the decisions together (the investment
budget, the caps on new links): rounding up may break it, the fixed LP is then infeasible and
no start is given.  Nothing here can make a solve worse than without a start: a start that is
not feasible is simply not passed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import highspy
import numpy as np

from models.session import MatrixForm, pass_to_highs

AUTO_MIN_DECISIONS = 500
"""``SolveOptions(warm_start=None)`` offers a start from this many integer columns.  On 3,600
candidate conveyors (60 sources, 60 grinders, all pairs) the start was HiGHS's incumbent after
0.3 s and still its best at the 60 s limit (gap 5.5 %), where HiGHS alone ended 0.6 % lower
(gap 6.2 %); on easy models it changes nothing but the two LP solves it costs."""

INTEGRALITY_SLACK = 1e-6
"""A relaxed decision within this of an integer is read as that integer (not rounded up)."""


def rounded_start(
    form: MatrixForm,
    time_limit: float | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> np.ndarray | None:
    """A feasible point of ``form`` from its rounded-up LP relaxation, or None.

    ``time_limit`` bounds each of the two LP solves (seconds); a start that takes longer than
    that is not worth having.  ``should_stop`` is polled by the simplex: a cancelled run
    stops during its start as during its MIP.
    """
    integer = np.asarray(form.integrality) == 1
    if not integer.any():
        return None
    relaxed = _solve_lp(
        dataclasses.replace(form, integrality=np.zeros_like(form.integrality)),
        time_limit,
        should_stop,
    )
    if relaxed is None:
        return None
    decisions = np.ceil(relaxed[integer] - INTEGRALITY_SLACK)
    decisions = np.clip(decisions, form.col_lower[integer], form.col_upper[integer])
    lower, upper = form.col_lower.copy(), form.col_upper.copy()
    lower[integer] = upper[integer] = decisions
    fixed = dataclasses.replace(
        form, col_lower=lower, col_upper=upper, integrality=np.zeros_like(form.integrality)
    )
    start = _solve_lp(fixed, time_limit, should_stop)
    if start is None:
        return None
    start[integer] = decisions  # exact integers, not the LP's 0.9999999
    return start


def _solve_lp(
    form: MatrixForm, time_limit: float | None, should_stop: Callable[[], bool] | None = None
) -> np.ndarray | None:
    """The optimal column values of the LP ``form``, or None when it is not solved."""
    h = pass_to_highs(form)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    if should_stop is not None:
        if should_stop():
            return None

        def poll(event: highspy.HighsCallbackEvent) -> None:
            if should_stop():
                event.interrupt()

        h.cbSimplexInterrupt.subscribe(poll)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return np.asarray(h.getSolution().col_value, dtype=np.float64)


def violation(form: MatrixForm, x: np.ndarray) -> float:
    """The largest violation of ``form``'s bounds, rows and integrality by the point ``x``."""
    rows = np.asarray(form.matrix @ x).ravel()
    integer = np.asarray(form.integrality) == 1
    parts = [
        np.maximum(form.col_lower - x, 0.0),
        np.maximum(x - form.col_upper, 0.0),
        np.maximum(form.row_lower - rows, 0.0),
        np.maximum(rows - form.row_upper, 0.0),
        np.abs(x[integer] - np.round(x[integer])),
    ]
    return float(max((p.max() for p in parts if p.size), default=0.0))


def offer_start(highs: highspy.Highs, start: np.ndarray) -> bool:
    """Give ``start`` to ``highs`` as a MIP start; whether HiGHS accepted it."""
    solution = highspy.HighsSolution()
    solution.col_value = start.tolist()
    return bool(highs.setSolution(solution) == highspy.HighsStatus.kOk)
