"""The solve vocabulary every layer shares: the objective and the default stopping rules.

This module imports nothing heavy, so the command line can offer the objective's choices and
print its defaults without loading pandas, scipy or Pyomo.  ``models.result`` re-exports
:class:`Objective`; the API's schemas, the CLI's choices and :class:`models.session.SolveOptions`
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
