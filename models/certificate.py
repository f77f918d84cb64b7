"""A certificate for every answer: the cleaned solution checked against the model as built.

HiGHS solves a presolved copy of the model and maps its answer back (postsolve); the answer is
then cleaned to the tolerances (:mod:`models.cleaning`).  Neither step is taken on trust.
After every solve the cleaned column values are checked against the :class:`MatrixForm`
handed to HiGHS (before presolve):

* every row and every column bound holds within :data:`FEASIBILITY_TOLERANCE`, scaled by the
  row's magnitude (``sum_j |a_ij x_j|``, at least 1) or the bound's (at least 1);
* every integer column is integral within the same tolerance;
* the objective recomputed from the columns (``c x + offset``) is the one reported (the
  objective parts the tables are read from);
* the recomputed objective and HiGHS's bound agree within the gap asked for: for a
  maximisation ``bound - objective <= gap * max(|objective|, |bound|) + slack``, and the
  objective is never beyond the bound by more than the slack.  ``slack`` is
  :data:`OBJECTIVE_TOLERANCE` times the objective's magnitude ``sum_j |c_j x_j|`` (at least 1)
  plus what cleaning moved within the tolerances (``sum_j |c_j| |x_j - raw_j|`` over the
  columns that moved by at most :data:`FEASIBILITY_TOLERANCE` of their size): a promoted
  build or a real flow zeroed is never excused.

:func:`certified_run` runs a session and certifies its answer.  A cleaned answer that breaks
a row (a tolerance-size flow zeroed on an unbuilt arc leaves its balance short) is polished:
the build decisions are fixed at their cleaned values and the flows re-solved as an LP.  An
answer that still fails is re-solved once with presolve off, and the better certified of the
two kept; the status never says more than the certificate shows: ``optimal`` only with every
check passed, ``feasible`` for a feasible answer whose gap is not proven, ``error`` for one
that breaks the model (no solution is reported then).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import highspy
import numpy as np

from models.constants import FEASIBILITY_TOLERANCE, OBJECTIVE_TOLERANCE, Status
from models.result import Certificate
from models.session import MatrixForm, Outcome, SolveOptions, pass_to_highs

CROSS_CHECK_MAX_COLUMNS = 2_000
"""``SolveOptions(cross_check=None)`` checks the optimum of a MIP of at most this many columns
against a solve without presolve (Dunkirk has 195 columns, the FCNetLib instances 185 to
776, Canad c33 9,198)."""

CROSS_CHECK_FACTOR = 1.0
"""The cross-check's time limit, in multiples of the first solve's time."""

CROSS_CHECK_MIN_SECONDS = 0.5
"""The least time the cross-check gets (a first solve of a few milliseconds)."""


def check(
    form: MatrixForm,
    values: np.ndarray,
    *,
    bound: float | None,
    gap: float,
    reported: float | None = None,
    raw: np.ndarray | None = None,
    proves_gap: bool = True,
) -> Certificate:
    """The certificate of ``values`` (cleaned columns) against ``form``, the model as built.

    ``bound``: the solver's bound (for an LP, its own objective); ``gap``: the gap asked for;
    ``reported``: the objective the result reports, which must be the recomputed one;
    ``raw``: the solver's values before cleaning (what cleaning moved within the tolerances
    is allowed between objective and bound); ``proves_gap``: the solve claims the gap is
    closed (optimal), so an objective farther from the bound is a failure.
    """
    x = np.asarray(values, dtype=np.float64)
    rows, bounds, integrality = violations(form, x)
    cost = np.asarray(form.col_cost, dtype=np.float64)
    objective = float(cost @ x + form.offset)
    failures: list[str] = []
    if rows > FEASIBILITY_TOLERANCE:
        failures.append(f"a row of the model is violated by {rows:.3g} (scaled)")
    if bounds > FEASIBILITY_TOLERANCE:
        failures.append(f"a column bound is violated by {bounds:.3g} (scaled)")
    if integrality > FEASIBILITY_TOLERANCE:
        failures.append(f"a build decision is {integrality:.3g} from a whole number")
    scale = max(1.0, float(np.abs(cost) @ np.abs(x)))
    if reported is not None and abs(reported - objective) > 1e-9 * scale:
        failures.append(
            f"the objective recomputed from the variables ({objective:,.6g}) is not the one"
            f" reported ({reported:,.6g})"
        )
    relative_gap = None
    if bound is not None and math.isfinite(bound):
        relative_gap = abs(bound - objective) / max(abs(objective), 1e-9)
        slack = OBJECTIVE_TOLERANCE * scale + _moved(cost, x, raw)
        failures += _gap_failures(form.maximise, objective, bound, gap, slack, proves_gap)
    return Certificate(
        max_row_violation=rows,
        max_bound_violation=bounds,
        max_integrality_violation=integrality,
        objective=objective,
        bound=None if bound is None or not math.isfinite(bound) else float(bound),
        gap=relative_gap,
        gap_asked=float(gap),
        failures=tuple(failures),
    )


def _gap_failures(
    maximise: bool, objective: float, bound: float, gap: float, slack: float, proves_gap: bool
) -> list[str]:
    """What the objective and the bound contradict: a gap left open, or a bound overtaken."""
    sense = 1.0 if maximise else -1.0
    open_gap = sense * (bound - objective)
    allowed = gap * max(abs(objective), abs(bound)) + slack
    if -open_gap > slack:
        return [
            f"the objective {objective:,.6g} is beyond the solver's bound {bound:,.6g}: the"
            " bound is wrong"
        ]
    if proves_gap and open_gap > allowed:
        share = open_gap / max(abs(objective), 1e-9)
        return [
            f"the objective {objective:,.6g} is {open_gap:,.6g} from the bound {bound:,.6g}"
            f" (a gap of {share:.4%}, more than the {gap:.4%} asked)"
        ]
    return []


def _moved(cost: np.ndarray, x: np.ndarray, raw: np.ndarray | None) -> float:
    """What cleaning moved the objective by within the tolerances (large moves excluded)."""
    if raw is None or raw.shape != x.shape:
        return 0.0
    moved = np.abs(x - raw)
    small = moved <= FEASIBILITY_TOLERANCE * np.maximum(1.0, np.abs(raw))
    return float(np.abs(cost[small]) @ moved[small])


def violations(form: MatrixForm, x: np.ndarray) -> tuple[float, float, float]:
    """The largest scaled row violation, scaled bound violation and integrality violation."""
    matrix = form.matrix
    activity = np.asarray(matrix @ x, dtype=np.float64).ravel()
    magnitude = np.asarray(abs(matrix) @ np.abs(x), dtype=np.float64).ravel()
    with np.errstate(invalid="ignore"):
        short = np.maximum(np.asarray(form.row_lower) - activity, 0.0)
        over = np.maximum(activity - np.asarray(form.row_upper), 0.0)
    row = np.nan_to_num(np.maximum(short, over)) / np.maximum(1.0, magnitude)
    lower, upper = np.asarray(form.col_lower), np.asarray(form.col_upper)
    below = np.maximum(lower - x, 0.0) / np.maximum(1.0, np.abs(np.nan_to_num(lower)))
    above = np.maximum(x - upper, 0.0) / np.maximum(1.0, np.abs(np.nan_to_num(upper)))
    integer = np.asarray(form.integrality) == 1
    fraction = np.abs(x[integer] - np.round(x[integer]))

    def largest(a: np.ndarray) -> float:
        return float(np.nan_to_num(a).max()) if a.size else 0.0

    return largest(row), max(largest(below), largest(above)), largest(fraction)


class Session(Protocol):
    """What :func:`certified_run` needs of a solver session (:class:`HighsSession`)."""

    def run(self) -> Outcome:
        """Solve and classify the outcome."""
        ...


SessionFactory = Callable[[MatrixForm, SolveOptions], Session]
Reader = Callable[[np.ndarray], tuple[np.ndarray, float | None]]
"""Reads a solution (one value per column) into the result; returns the cleaned columns and
the objective the result now reports."""


@dataclass
class Answer:
    """A certified outcome: the outcome (its status as the certificate allows) and the check."""

    outcome: Outcome
    certificate: Certificate | None
    notes: list[str] = dataclasses.field(default_factory=list)


def certified_run(
    form: MatrixForm,
    options: SolveOptions,
    read: Reader,
    session: Session,
    factory: SessionFactory,
) -> Answer:
    """Run ``session`` on ``form``, read and certify its answer; re-solve once if it fails.

    ``read`` is called on the answer kept last (the result then holds it).  ``factory``
    makes the presolve-off session of the re-solve.
    """
    outcome = session.run()
    if outcome.values is None:
        return Answer(outcome, None)
    first = _certify(form, options, outcome, read)
    if first.passed and outcome.status is Status.OPTIMAL and cross_checks(form, options):
        return _cross_check(form, options, read, outcome, first, factory)
    if first.passed or outcome.status is Status.CANCELLED:
        return _settled(outcome, first)
    again = factory(form, dataclasses.replace(options, presolve=False)).run()
    again = dataclasses.replace(again, seconds=outcome.seconds + again.seconds)
    if again.values is None:  # the result still holds the first answer
        return _settled(
            outcome, first, note="the answer failed its certificate; a re-solve with presolve"
            " off found no solution"
        )
    second = _certify(form, options, again, read)
    second = dataclasses.replace(second, presolve=False, first_failures=first.failures)
    if second.passed or _better(second, first):
        note = "HiGHS's first answer failed its certificate (" + "; ".join(first.failures) + ")"
        return _settled(again, second, note=f"{note}; re-solved with presolve off")
    _certify(form, options, outcome, read)  # the first answer is the one the result shows
    return _settled(
        outcome, first, note="the answer failed its certificate; a re-solve with presolve off"
        " did no better"
    )


def cross_checks(form: MatrixForm, options: SolveOptions) -> bool:
    """Whether an optimum of ``form`` is checked against a presolve-off solve.

    ``options.cross_check``: True always, False never, None (the default) for a MIP of at most
    :data:`CROSS_CHECK_MAX_COLUMNS` columns solved with presolve on.
    """
    if not options.presolve or not np.any(np.asarray(form.integrality) == 1):
        return False
    if options.cross_check is not None:
        return options.cross_check
    return int(np.asarray(form.col_cost).size) <= CROSS_CHECK_MAX_COLUMNS


def _cross_check(
    form: MatrixForm,
    options: SolveOptions,
    read: Reader,
    outcome: Outcome,
    first: Certificate,
    factory: SessionFactory,
) -> Answer:
    """A second solve without presolve, which may not beat the first's optimum.

    A presolve that cuts off the optimum returns a suboptimal point *and* a bound equal to
    it (HiGHS 1.14.0, ERGO-Code/HiGHS #2957, #3043, #3073, #3094): no check of that answer
    alone can tell.  On a small model a solve without presolve costs little; it gets at
    most :data:`CROSS_CHECK_FACTOR` times the first solve's time (at least
    :data:`CROSS_CHECK_MIN_SECONDS`).  If it finds a better solution than the first by more
    than the gap asked for, the first was wrong, and the better one is kept.
    """
    limit = max(CROSS_CHECK_MIN_SECONDS, CROSS_CHECK_FACTOR * outcome.seconds)
    if options.time_limit is not None:
        limit = min(limit, float(options.time_limit))
    quiet = dataclasses.replace(options, presolve=False, time_limit=limit, progress=None)
    other = factory(form, quiet).run()
    if other.values is None or other.status is Status.CANCELLED:
        return _settled(outcome, first)
    cost = np.asarray(form.col_cost, dtype=np.float64)
    found = float(cost @ other.values + form.offset)
    scale = max(1.0, float(np.abs(cost) @ np.abs(other.values)))
    gain = (found - first.objective) * (1.0 if form.maximise else -1.0)
    if gain <= options.gap * abs(first.objective) + OBJECTIVE_TOLERANCE * scale:
        return _settled(outcome, first)  # the result still holds the first answer
    other = dataclasses.replace(other, seconds=outcome.seconds + other.seconds)
    second = _certify(form, options, other, read)
    wrong = (
        f"HiGHS answered {first.objective:,.6g} as optimal with presolve on; without presolve"
        f" it found {found:,.6g}, better by more than the gap asked"
    )
    second = dataclasses.replace(second, presolve=False, first_failures=(wrong,))
    if second.feasible and other.status is Status.TIME_LIMIT:  # better, but not proven
        other = dataclasses.replace(
            other,
            status=Status.FEASIBLE,
            message=f"a feasible solution, not proven optimal: {wrong}, but its time ran out"
            " before it proved its own optimum",
        )
    return _settled(other, second, note=f"{wrong}: the better solution is kept")


def _certify(form: MatrixForm, options: SolveOptions, outcome: Outcome, read: Reader) -> Certificate:
    """Read ``outcome``'s answer and check it; polish its flows if cleaning broke a row."""
    assert outcome.values is not None
    raw = outcome.values
    cleaned, reported = read(raw)
    certificate = _check_outcome(form, options, outcome, cleaned, reported, raw)
    if certificate.feasible or not np.any(np.asarray(form.integrality) == 1):
        return certificate
    polished = polish(form, cleaned)
    if polished is None:
        return certificate
    cleaned, reported = read(polished)
    again = _check_outcome(form, options, outcome, cleaned, reported, polished)
    if again.feasible:
        return dataclasses.replace(again, polished=True)
    read(raw)
    return certificate


def _check_outcome(
    form: MatrixForm,
    options: SolveOptions,
    outcome: Outcome,
    cleaned: np.ndarray,
    reported: float | None,
    raw: np.ndarray,
) -> Certificate:
    bound = outcome.bound if outcome.mip else outcome.objective
    return check(
        form,
        cleaned,
        bound=bound,
        gap=options.gap if outcome.mip else 0.0,
        reported=reported,
        raw=raw,
        proves_gap=outcome.status is Status.OPTIMAL,
    )


def polish(form: MatrixForm, cleaned: np.ndarray) -> np.ndarray | None:
    """The best continuous columns for the cleaned integer columns (an LP), or None.

    Cleaning rounds the build decisions and zeroes what an unbuilt arc carries; the balance
    that flow fed is then short by it.  With the decisions fixed, the LP finds the flows again.
    """
    integer = np.asarray(form.integrality) == 1
    lower, upper = form.col_lower.copy(), form.col_upper.copy()
    lower[integer] = upper[integer] = np.round(cleaned[integer])
    fixed = dataclasses.replace(
        form, col_lower=lower, col_upper=upper, integrality=np.zeros_like(form.integrality)
    )
    highs = pass_to_highs(fixed)
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    values = np.asarray(highs.getSolution().col_value, dtype=np.float64)
    values[integer] = lower[integer]
    return values


def _better(second: Certificate, first: Certificate) -> bool:
    """Whether the re-solve's answer is the one to keep though it failed too."""
    if second.feasible != first.feasible:
        return second.feasible
    return len(second.failures) < len(first.failures)


def _settled(outcome: Outcome, certificate: Certificate, note: str = "") -> Answer:
    """The outcome with the status its certificate allows, and what the user must be told."""
    notes = [note] if note else []
    if certificate.passed:
        return Answer(outcome, certificate, notes)
    reasons = "; ".join(certificate.failures)
    if not certificate.feasible:
        settled = dataclasses.replace(
            outcome,
            status=Status.ERROR,
            message=f"no trustworthy solution: the solver's answer fails its check ({reasons})",
            values=None,
        )
        return Answer(settled, certificate, notes)
    if outcome.status is Status.OPTIMAL:
        settled = dataclasses.replace(
            outcome,
            status=Status.FEASIBLE,
            message=f"a feasible solution, not proven optimal: {reasons}",
        )
        return Answer(settled, certificate, notes)
    return Answer(outcome, certificate, [*notes, f"certificate: {reasons}"])


def combine(certificates: Sequence[Certificate | None]) -> Certificate | None:
    """The certificate of independent blocks (None if a block has none).

    The worst violations, the objectives and bounds added, the gap from those sums, every
    block's failures.
    """
    if not certificates or any(c is None for c in certificates):
        return None
    parts = [c for c in certificates if c is not None]
    objective = sum(c.objective for c in parts)
    bounds = [c.bound for c in parts]
    bound = None if any(b is None for b in bounds) else sum(b for b in bounds if b is not None)
    return Certificate(
        max_row_violation=max(c.max_row_violation for c in parts),
        max_bound_violation=max(c.max_bound_violation for c in parts),
        max_integrality_violation=max(c.max_integrality_violation for c in parts),
        objective=objective,
        bound=bound,
        gap=None if bound is None else abs(bound - objective) / max(abs(objective), 1e-9),
        gap_asked=max(c.gap_asked for c in parts),
        failures=tuple(f for c in parts for f in c.failures),
        presolve=all(c.presolve for c in parts),
        first_failures=tuple(f for c in parts for f in c.first_failures),
        polished=any(c.polished for c in parts),
    )
