"""The typed outcome of a solve: status, objective, bound, gap and readable tables."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from models.constants import FEASIBILITY_TOLERANCE, Objective, Status


@dataclass(frozen=True)
class Certificate:
    """What the check of one answer found (see the module's docstring).

    Attributes:
        max_row_violation: the largest row violation, scaled by the row's magnitude.
        max_bound_violation: the largest column-bound violation, scaled by the bound's.
        max_integrality_violation: the largest distance of an integer column to an integer.
        objective: the objective recomputed from the columns, in the objective's own terms.
        bound: the solver's bound on the objective (None when it gave none).
        gap: ``|bound - objective| / |objective|`` from those (None without a bound).
        gap_asked: the relative gap the solve was asked to close.
        failures: what failed, one sentence each (empty: every check passed).
        presolve: whether the answer certified came from a solve with presolve on.
        first_failures: what the first answer failed when it was re-solved without presolve.
        polished: the flows were re-solved with the build decisions fixed (cleaning had left
            a row short).
    """

    max_row_violation: float
    max_bound_violation: float
    max_integrality_violation: float
    objective: float
    bound: float | None
    gap: float | None
    gap_asked: float
    failures: tuple[str, ...] = ()
    presolve: bool = True
    first_failures: tuple[str, ...] = ()
    polished: bool = False

    @property
    def feasible(self) -> bool:
        """Every row, bound and integer holds within the tolerance."""
        return (
            max(self.max_row_violation, self.max_bound_violation, self.max_integrality_violation)
            <= FEASIBILITY_TOLERANCE
        )

    @property
    def passed(self) -> bool:
        """Every check passed."""
        return not self.failures

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (the form stored in result documents)."""
        return {
            "passed": self.passed,
            "max_row_violation": _finite(self.max_row_violation),
            "max_bound_violation": _finite(self.max_bound_violation),
            "max_integrality_violation": _finite(self.max_integrality_violation),
            "objective": _finite(self.objective),
            "bound": _finite(self.bound),
            "gap": _finite(self.gap),
            "gap_asked": self.gap_asked,
            "tolerance": FEASIBILITY_TOLERANCE,
            "failures": list(self.failures),
            "presolve": self.presolve,
            "first_failures": list(self.first_failures),
            "polished": self.polished,
        }

    def describe(self) -> str:
        """One line: the figures, and what failed if anything did."""
        bound = "none" if self.bound is None else _figure(self.bound)
        gap = "" if self.gap is None else f", gap {self.gap:.4%} (asked {self.gap_asked:.4%})"
        text = (
            f"{'passed' if self.passed else 'FAILED'}: max row violation"
            f" {self.max_row_violation:.1e}, objective recomputed {_figure(self.objective)},"
            f" bound {bound}{gap}"
        )
        if not self.presolve:
            text += ", re-solved with presolve off"
        return text + ("" if self.passed else ": " + "; ".join(self.failures))


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


@dataclass(frozen=True)
class Shortfall:
    """A hard requirement that cannot be met, found by the elastic re-solve."""

    kind: str
    """``must_dispatch``, ``must_serve``, ``minimum`` or ``co2_minimum`` (the CO2 target)."""
    node: str
    commodity: str
    slice: str
    required: float
    shortfall: float
    own_supply: bool = False
    """The node both has and wants the commodity: its own supply never meets its own demand
    (``no_internal_reuse``), which the message says."""

    def describe(self) -> str:
        """One readable line."""
        if self.kind == "co2_minimum":
            return (
                f"CO2 target of {self.required:.6g} t CO2/yr avoided: "
                f"{self.shortfall:.6g} short of what can be reached"
            )
        what = {
            "must_dispatch": "must-dispatch supply",
            "must_serve": "must-serve demand",
            "minimum": "minimum delivery",
        }[self.kind]
        return (
            f"{what} of {self.commodity} at {self.node} (slice {self.slice}): "
            f"{self.shortfall:.6g} of {self.required:.6g} cannot be met{self.own_supply_note()}"
        )

    def own_supply_note(self) -> str:
        """Why a site's own supply does not help, when it has and wants the commodity."""
        if not self.own_supply:
            return ""
        return (
            f" ({self.node} both has and wants {self.commodity}: its own supply never meets its"
            " own demand, rule no_internal_reuse)"
        )


PARTS = (
    "value",
    "disposal_avoided",
    "co2_avoided",
    "transport_cost",
    "conversion_cost",
    "fixed_cost",
    "valorisation",
)
"""The named objective expressions of the formulation (``docs/formulation.md``)."""

TOTAL_KEYS = (
    "value",
    "disposal_avoided",
    "carbon_value",
    "transport_cost",
    "conversion_cost",
    "fixed_cost",
    "valorisation",
    "co2_avoided",
)


@dataclass
class Result:
    """Everything a solve returns.

    ``objective`` is in the objective's own terms (EUR/yr for valorisation and cost, t CO2/yr
    for CO2); ``totals`` holds every part of the objective so any can be reported.  The tables
    are empty when there is no solution.
    """

    status: Status
    objective_kind: Objective
    message: str = ""
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    solve_seconds: float = 0.0
    totals: dict[str, float] = field(default_factory=dict)
    flows: pd.DataFrame = field(default_factory=pd.DataFrame)
    built_arcs: pd.DataFrame = field(default_factory=pd.DataFrame)
    converters: pd.DataFrame = field(default_factory=pd.DataFrame)
    balances: pd.DataFrame = field(default_factory=pd.DataFrame)
    shortfalls: list[Shortfall] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    problem_name: str = ""
    stocks: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Seasonal storage: each storage's stock at the end of each slice (may be empty)."""
    notes: list[str] = field(default_factory=list)
    """What the planner should know about the answer (e.g. a required link left idle)."""
    certificate: Certificate | None = None
    """The check of the answer against the model as built (:mod:`models.certificate`); None
    without a solution."""

    def set_solution(
        self, tables: dict[str, pd.DataFrame], parts: dict[str, float], carbon_price: float
    ) -> None:
        """Store a solution's tables and objective parts, and derive totals and objective."""
        self.flows = tables["flows"]
        self.built_arcs = tables["built_arcs"]
        self.converters = tables["converters"]
        self.balances = tables["balances"]
        self.stocks = tables.get("stocks", pd.DataFrame())
        totals = dict(parts)
        totals["carbon_value"] = carbon_price * totals["co2_avoided"]
        totals["carbon_price"] = carbon_price
        self.totals = totals
        self.objective = objective_from_totals(self.objective_kind, totals)

    @property
    def has_solution(self) -> bool:
        """Whether the tables hold a solution."""
        return bool(self.totals)

    def recomputed_totals(self) -> dict[str, float]:
        """The objective's parts recomputed from the tables alone (a consistency check)."""
        if not self.has_solution:
            return {}
        carbon_price = self.totals.get("carbon_price", 0.0)
        value = float(self.balances["delivery_value"].sum())
        # A unit lost on an arc gives back the disposal credit it earned when it was used.
        disposal = (
            float(self.balances["disposal_avoided"].sum())
            - _sum(self.flows, "lost_disposal_cost")
            - _sum(self.stocks, "lost_disposal_cost")
        )
        co2 = (
            float(self.balances["co2_avoided"].sum())
            - float(self.flows["co2"].sum())
            - _sum(self.flows, "lost_co2")
            - _sum(self.stocks, "lost_co2")
            - float(self.converters["co2"].sum() if len(self.converters) else 0.0)
        )
        transport = float(self.flows["cost"].sum())
        if len(self.stocks):  # holding a stock is carrying it in time
            transport += float(self.stocks["cost"].sum())
        conversion = float(self.converters["cost"].sum() if len(self.converters) else 0.0)
        fixed = float(self.built_arcs["fixed_cost"].sum()) if len(self.built_arcs) else 0.0
        if len(self.converters):
            per_converter = self.converters.groupby("converter")["fixed_cost"].first()
            fixed += float(per_converter.sum())
        valorisation = value + disposal + carbon_price * co2 - transport - conversion - fixed
        return {
            "value": value,
            "disposal_avoided": disposal,
            "carbon_value": carbon_price * co2,
            "transport_cost": transport,
            "conversion_cost": conversion,
            "fixed_cost": fixed,
            "valorisation": valorisation,
            "co2_avoided": co2,
        }

    def recomputed_objective(self) -> float | None:
        """The objective recomputed from the tables, in the objective's own terms."""
        totals = self.recomputed_totals()
        if not totals:
            return None
        return objective_from_totals(self.objective_kind, totals)

    def summary(self) -> dict[str, Any]:
        """Status, objective, bound, gap, time and totals as plain JSON-ready values."""
        return {
            "problem": self.problem_name,
            "status": self.status.value,
            "message": self.message,
            "objective_kind": self.objective_kind.value,
            "objective": _clean(self.objective),
            "bound": _clean(self.bound),
            "gap": _clean(self.gap),
            "solve_seconds": round(self.solve_seconds, 3),
            "totals": {k: _clean(v) for k, v in self.totals.items()},
            "shortfalls": [s.__dict__ | {"text": s.describe()} for s in self.shortfalls],
            "notes": list(self.notes),
            "certificate": None if self.certificate is None else self.certificate.as_dict(),
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        """The result tables by name."""
        return {
            "flows": self.flows,
            "built_arcs": self.built_arcs,
            "converters": self.converters,
            "balances": self.balances,
        }

    def to_json(self) -> str:
        """Summary and tables as one JSON document."""
        doc = self.summary()
        doc["tables"] = {
            name: json.loads(t.to_json(orient="records")) for name, t in self.tables().items()
        }
        return json.dumps(doc, indent=2)


def objective_from_totals(kind: Objective, totals: dict[str, float]) -> float:
    """The objective value in its own terms, from the totals."""
    if kind is Objective.CO2:
        return totals["co2_avoided"]
    if kind is Objective.COST:
        return -totals["valorisation"]
    return totals["valorisation"]


def _sum(table: pd.DataFrame, column: str) -> float:
    """The sum of ``column``, 0 for a table without it (one stored by an older version)."""
    return float(table[column].sum()) if column in table else 0.0


def _figure(value: float) -> str:
    """A figure for a person: thousands separated, six significant digits below a million."""
    return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"


def _clean(value: float | None) -> float | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return float(value)
