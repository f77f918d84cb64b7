"""The solve vocabulary every layer shares: the objective and the default stopping rules.

This module imports nothing heavy, so the command line can offer the objective's choices and
print its defaults without loading pandas, scipy or Pyomo.  ``models.result`` re-exports
:class:`Objective` and :class:`Status`; the API's schemas, the CLI's choices and :class:`models.session.SolveOptions`
all take their values from here.
"""

from __future__ import annotations

from enum import StrEnum


class Objective(StrEnum):
    """What the solve optimises."""

    VALORISATION = "valorisation"
    """Maximise EUR/yr gained (deliveries + disposal avoided + carbon value − costs)."""
    CO2 = "co2"
    """Maximise t CO2/yr avoided."""
    COST = "cost"
    """Minimise total cost, i.e. −valorisation (the benchmark sets' objective)."""

    @property
    def sense(self) -> str:
        """``max`` or ``min``."""
        return "min" if self is Objective.COST else "max"


DEFAULT_OBJECTIVE = Objective.VALORISATION
"""The objective of an inventory's solve when none is asked for."""

DEFAULT_TIME_LIMIT = 60.0
"""Seconds HiGHS may spend on one solve unless told otherwise."""

DEFAULT_GAP = 1e-4
"""Relative MIP gap at which HiGHS stops unless told otherwise (0 proves optimality)."""


FEASIBILITY_TOLERANCE = 1e-6
"""HiGHS's ``mip_feasibility_tolerance``: how far a MIP solution it accepts may miss a row, a
bound or an integer (here scaled by the row's or the bound's magnitude, at least 1)."""

OBJECTIVE_TOLERANCE = 1e-6
"""How far the recomputed objective may stand from the bound beyond the gap asked for,
relative to the objective's magnitude ``sum_j |c_j x_j|`` (at least 1)."""


class Status(StrEnum):
    """How a solve ended."""

    OPTIMAL = "optimal"
    """Solved, and its certificate (:mod:`models.certificate`) proves the gap asked for."""
    TIME_LIMIT = "time_limit"
    """Stopped by the time limit with a feasible incumbent (see ``bound`` and ``gap``)."""
    FEASIBLE = "feasible"
    """The solver said optimal, but its certificate does not prove it, even after a re-solve
    without presolve: a feasible solution whose bound and gap are shown as they are."""
    NO_SOLUTION = "no_solution"
    """Stopped by the time limit (or interrupted) before any feasible solution was found."""
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    CANCELLED = "cancelled"
    ERROR = "error"


SOLVED = frozenset({Status.OPTIMAL.value, Status.TIME_LIMIT.value, Status.FEASIBLE.value})
"""The statuses that come with a solution to show (and exit code 0 on the command line)."""
