"""The typed outcome of a pathway solve: the schedule, the periods, the scenarios, the blocks.

Values are in the objective's terms.  For valorisation the objective is the **equivalent
annual value** (EUR/yr): the expected net present value divided by the horizon's annuity
``W`` (one euro a year over the horizon, discounted), so that one period is today's model; the
net present value itself is ``npv = objective * W``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from models.constants import Objective
from models.result import Result, Status

SCHEDULE_COLUMNS = [
    "kind",
    "item",
    "tail",
    "head",
    "mode",
    "converter",
    "node",
    "year",
    "until",
    "scenario",
    "shared",
    "investment",
    "discounted_investment",
    "yearly_charge",
    "discounted_charges",
    "capacity",
]
"""One row per build made: ``kind`` link or converter; ``item`` its label; ``year`` the period
it is built in and ``until`` the first year it no longer serves; ``scenario`` empty for a build
shared by every scenario (``shared``); ``investment`` (EUR, once, in ``year``; expected over the
scenarios it is made for), ``discounted_investment`` (to the base year), ``yearly_charge`` (its
annuity and upkeep, EUR/yr, charged every year it serves within the horizon) and
``discounted_charges`` (those charges in the base year's euros)."""

PERIOD_COLUMNS = [
    "scenario",
    "probability",
    "year",
    "until",
    "years",
    "weight",
    "value",
    "disposal_avoided",
    "carbon_value",
    "transport_cost",
    "conversion_cost",
    "fixed_cost",
    "stranded_cost",
    "valorisation",
    "co2_avoided",
    "investment",
    "new_links",
]
"""Each scenario's periods: the yearly figures of the period (EUR/yr, t CO2/yr), its
``weight`` ``W_p`` (its years, discounted), the charges of every build serving it
(``fixed_cost``, of which ``stranded_cost`` for items the period no longer has), what it
invests (EUR) and how many links it builds."""

SCENARIO_COLUMNS = [
    "scenario",
    "probability",
    "value",
    "npv",
    "co2_avoided",
    "own_optimum",
    "regret",
]
"""Each scenario's value under the chosen builds, its net present value and yearly CO2, its
own optimum (the best pathway had it been known for sure) and the regret (own optimum less
value, in the objective's sense); the last two only for a stochastic solve."""


@dataclass
class PathwayResult:
    """Everything a pathway solve returns.

    Attributes:
        status: how the solve ended.
        objective_kind: the objective.
        message: the solver's or the diagnosis's words.
        objective: the expected value, in the objective's terms per year (module docstring).
        bound: the solver's bound on it.
        gap: the relative gap.
        annuity: ``W``, what one euro a year over the horizon is worth in the base year.
        schedule: the builds made (:data:`SCHEDULE_COLUMNS`).
        periods: the periods of each scenario (:data:`PERIOD_COLUMNS`).
        scenarios: the scenarios (:data:`SCENARIO_COLUMNS`).
        blocks: each (scenario, year)'s ordinary result: flows, built links, balances.
        measures: for a stochastic solve, ``expected_value``, ``wait_and_see``, ``evpi``,
            ``expected_value_solution`` (EEV), ``vss``.
        no_regret: links and converters built now in the chosen builds and in every
            scenario's own optimum.
        hedge_only: those built now that no scenario's own optimum builds now.
        timings: seconds by phase.
        notes: what the planner should know.
        method: ``extensive`` (one MILP) or ``progressive_hedging``.
    """

    status: Status
    objective_kind: Objective
    name: str = ""
    message: str = ""
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    annuity: float = 1.0
    years: tuple[int, ...] = ()
    decision_year: int | None = None
    schedule: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SCHEDULE_COLUMNS))
    periods: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PERIOD_COLUMNS))
    scenarios: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=SCENARIO_COLUMNS)
    )
    blocks: dict[tuple[str, int], Result] = field(default_factory=dict)
    measures: dict[str, float | None] = field(default_factory=dict)
    no_regret: list[str] = field(default_factory=list)
    hedge_only: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    method: str = "extensive"

    @property
    def has_solution(self) -> bool:
        """Whether the tables hold a solution."""
        return self.objective is not None

    @property
    def npv(self) -> float | None:
        """The expected net present value (objective × annuity), for valorisation or cost."""
        if self.objective is None or self.objective_kind is Objective.CO2:
            return None
        return self.objective * self.annuity

    @property
    def stochastic(self) -> bool:
        """Whether the pathway has more than one scenario."""
        return len(self.scenarios) > 1

    def built_now(self) -> list[str]:
        """The items the shared builds make (those decided now, for every scenario)."""
        if not len(self.schedule):
            return []
        return sorted(set(self.schedule.loc[self.schedule["shared"], "item"]))

    def summary(self) -> dict[str, Any]:
        """Status, objective, bound, gap, measures and lists as plain JSON-ready values."""
        return {
            "pathway": self.name,
            "status": self.status.value,
            "message": self.message,
            "objective_kind": self.objective_kind.value,
            "objective": _clean(self.objective),
            "bound": _clean(self.bound),
            "gap": _clean(self.gap),
            "npv": _clean(self.npv),
            "annuity": _clean(self.annuity),
            "years": list(self.years),
            "decision_year": self.decision_year,
            "method": self.method,
            "measures": {k: _clean(v) for k, v in self.measures.items()},
            "no_regret": list(self.no_regret),
            "hedge_only": list(self.hedge_only),
            "notes": list(self.notes),
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        """The pathway's tables by name, then each block's flows and built links."""
        out = {"schedule": self.schedule, "periods": self.periods, "scenarios": self.scenarios}
        flows, built = [], []
        for (scenario, year), block in self.blocks.items():
            if len(block.flows):
                flows.append(block.flows.assign(scenario=scenario, year=year))
            if len(block.built_arcs):
                built.append(block.built_arcs.assign(scenario=scenario, year=year))
        out["flows"] = pd.concat(flows, ignore_index=True) if flows else pd.DataFrame()
        out["built_arcs"] = pd.concat(built, ignore_index=True) if built else pd.DataFrame()
        return out

    def to_json(self) -> str:
        """Summary and tables as one JSON document."""
        doc = self.summary()
        doc["tables"] = {
            name: json.loads(t.to_json(orient="records")) for name, t in self.tables().items()
        }
        return json.dumps(doc, indent=2)


def _clean(value: float | None) -> float | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return float(value)


__all__ = [
    "PERIOD_COLUMNS",
    "SCENARIO_COLUMNS",
    "SCHEDULE_COLUMNS",
    "PathwayResult",
]
