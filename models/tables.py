"""Turn solved variable values into the result tables (flows, built arcs, converters, balances)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from models.cleaning import TOLERANCE
from models.losses import loss_charges
from models.problem import Problem

# Values below the solver's tolerance are noise, not flows (see models.cleaning).
EPS = TOLERANCE

FLOW_COLUMNS = [
    "tail",
    "head",
    "mode",
    "commodity",
    "slice",
    "quantity",
    "delivered",
    "cost",
    "co2",
    "lost",
    "lost_disposal_cost",
    "lost_co2",
]
ARC_COLUMNS = [
    "tail",
    "head",
    "mode",
    "existing",
    "capacity",
    "fixed_cost",
    "flow",
    "utilisation",
]
CONVERTER_COLUMNS = [
    "converter",
    "node",
    "slice",
    "activity",
    "cost",
    "co2",
    "fixed_cost",
    "built",
]
STOCK_COLUMNS = [
    "storage",
    "node",
    "commodity",
    "slice",
    "stock",
    "lost",
    "lost_disposal_cost",
    "lost_co2",
    "cost",
]
"""A storage's stock at the end of a slice, the part of it lost by the next (and the disposal
credit that loss gives back, :mod:`models.losses`), its holding cost."""
BALANCE_COLUMNS = [
    "node",
    "commodity",
    "slice",
    "available",
    "used",
    "disposed",
    "received",
    "sent",
    "delivered",
    "internal_reuse",
    "from_storage",
    "converted_in",
    "converted_out",
    "delivery_value",
    "disposal_avoided",
    "co2_avoided",
    "value_gained",
]


def build_tables(
    problem: Problem,
    x: Mapping[tuple[int, str, int], float],
    y: Mapping[int, float],
    u: Mapping[tuple[int, int], float],
    v: Mapping[tuple[int, int], float],
    z: Mapping[tuple[int, int], float],
    w: Mapping[int, float],
    sizes: Mapping[int, float] | None = None,
    stocks: Mapping[tuple[int, int], float] | None = None,
) -> dict[str, pd.DataFrame]:
    """Tables of a solution given the variable values by index (see ``models.formulation``).

    Every objective term is carried by exactly one table row, so summing the tables
    reproduces the objective (``Result.recomputed_totals``).  A flow row carries what is
    lost on its arc (``lost``) and what that loss gives back of the disposal credit
    (``lost_disposal_cost``, EUR; ``lost_co2``, t CO2; see :mod:`models.losses`).
    ``sizes`` holds the capacity chosen for each sized arc: it is the arc's ``capacity``, and
    its cost is in ``fixed_cost``.  ``stocks`` holds each storage's stock at the end of each
    slice (the ``stocks`` table; its holding cost is a transport cost: carrying in time).
    """
    charge = loss_charges(problem)
    stocks = stocks or {}
    moved = _Moved()
    flows = _flow_rows(problem, x, charge, moved)
    built = _built_rows(problem, y, moved.arc_flow, sizes)
    conv_rows = _converter_rows(problem, z, w, moved)
    balance = _Balances(problem.slice_names)
    balance.add_supplies(problem, u)
    balance.add_demands(problem, v)
    for table, column in (
        (moved.received, "received"),
        (moved.sent, "sent"),
        (moved.conv_in, "converted_in"),
        (moved.conv_out, "converted_out"),
    ):
        balance.add_movements(table, column)
    balance.add_stocks(problem, stocks)
    slices = problem.slice_names
    held = [
        _stock_row(problem, slices[t], g, q, charge)
        for (g, t), q in sorted(stocks.items())
        if q > EPS
    ]
    return {
        "flows": pd.DataFrame(flows, columns=FLOW_COLUMNS),
        "built_arcs": pd.DataFrame(built, columns=ARC_COLUMNS),
        "stocks": pd.DataFrame(held, columns=STOCK_COLUMNS),
        "converters": pd.DataFrame(conv_rows, columns=CONVERTER_COLUMNS),
        "balances": pd.DataFrame(balance.rows(), columns=BALANCE_COLUMNS),
    }


Movements = dict[tuple[str, str, int], float]
"""Quantities by (node, commodity, slice)."""


class _Moved:
    """What moved, gathered while the flow and converter rows are written."""

    def __init__(self) -> None:
        self.arc_flow: dict[int, float] = defaultdict(float)
        self.received: Movements = defaultdict(float)
        self.sent: Movements = defaultdict(float)
        self.conv_in: Movements = defaultdict(float)
        self.conv_out: Movements = defaultdict(float)


def _flow_rows(
    problem: Problem, x: Mapping[tuple[int, str, int], float], charge: Any, moved: _Moved
) -> list[dict[str, Any]]:
    """The ``flows`` table: one row per arc, commodity and slice that carries something."""
    slices = problem.slice_names
    flows: list[dict[str, Any]] = []
    for (a, k, t), q in x.items():
        if q <= EPS:
            continue
        arc = problem.arcs[a]
        lost = q * arc.loss.get(k, 0.0)
        delivered = q - lost
        moved.arc_flow[a] += q
        moved.sent[(arc.tail, k, t)] += q
        moved.received[(arc.head, k, t)] += delivered
        flows.append(
            {
                "tail": arc.tail,
                "head": arc.head,
                "mode": arc.mode,
                "commodity": k,
                "slice": slices[t],
                "quantity": q,
                "delivered": delivered,
                "cost": q * arc.variable_cost.get(k, 0.0),
                "co2": q * arc.co2.get(k, 0.0),
                "lost": lost,
                "lost_disposal_cost": lost * charge.cost[k],
                "lost_co2": lost * charge.co2[k],
            }
        )
    return flows


def _built_rows(
    problem: Problem,
    y: Mapping[int, float],
    arc_flow: Mapping[int, float],
    sizes: Mapping[int, float] | None,
) -> list[dict[str, Any]]:
    """The ``built_arcs`` table: existing arcs that carry something and arcs paid for."""
    built = []
    for a, arc in enumerate(problem.arcs):
        is_built = arc.existing or y.get(a, 0.0) > 0.5
        flow = arc_flow.get(a, 0.0)
        # An idle arc is listed only when it was paid for; a free idle "build" is noise.
        if not is_built or (flow <= EPS and (arc.existing or arc.fixed_cost == 0)):
            continue
        capacity, fixed = arc.capacity, 0.0 if arc.existing else arc.fixed_cost
        if arc.sized and sizes is not None:
            capacity = sizes.get(a, 0.0)
            fixed += arc.capacity_cost * capacity
        built.append(
            {
                "tail": arc.tail,
                "head": arc.head,
                "mode": arc.mode,
                "existing": arc.existing,
                "capacity": capacity,
                "fixed_cost": fixed,
                "flow": flow,
                "utilisation": flow / capacity if capacity > 0 else 0.0,
            }
        )
    return built


def _converter_rows(
    problem: Problem,
    z: Mapping[tuple[int, int], float],
    w: Mapping[int, float],
    moved: _Moved,
) -> list[dict[str, Any]]:
    """The ``converters`` table: each built converter's activity in each slice."""
    slices = problem.slice_names
    rows = []
    for c, conv in enumerate(problem.converters):
        if not (conv.existing or w.get(c, 0.0) > 0.5):
            continue
        for t in range(len(slices)):
            act = z.get((c, t), 0.0)
            act = act if act > EPS else 0.0
            for k, yld in conv.inputs.items():
                moved.conv_in[(conv.node, k, t)] += yld * act
            for k, yld in conv.outputs.items():
                moved.conv_out[(conv.node, k, t)] += yld * act
            rows.append(
                {
                    "converter": conv.name,
                    "node": conv.node,
                    "slice": slices[t],
                    "activity": act,
                    "cost": act * conv.variable_cost,
                    "co2": act * conv.co2,
                    "fixed_cost": 0.0 if conv.existing else conv.fixed_cost,
                    "built": not conv.existing,
                }
            )
    return rows


class _Balances:
    """The ``balances`` table, one row per (node, commodity, slice) where anything happened."""

    def __init__(self, slices: Sequence[str]) -> None:
        self.slices = slices
        self.balance: dict[tuple[str, str, int], dict[str, Any]] = {}

    def row(self, n: str, k: str, t: int) -> dict[str, Any]:
        """The row of ``(n, k, t)``, made empty on first use."""
        if (n, k, t) not in self.balance:
            self.balance[(n, k, t)] = {col: 0.0 for col in BALANCE_COLUMNS} | {
                "node": n,
                "commodity": k,
                "slice": self.slices[t],
            }
        return self.balance[(n, k, t)]

    def add_supplies(self, problem: Problem, u: Mapping[tuple[int, int], float]) -> None:
        """What each supply had, used and disposed of, and the disposal it avoided."""
        for i, s in enumerate(problem.supplies):
            for t in range(len(self.slices)):
                used = max(u.get((i, t), 0.0), 0.0)
                r = self.row(s.node, s.commodity, t)
                r["available"] = s.quantities[t]
                r["used"] = used
                r["disposed"] = max(s.quantities[t] - used, 0.0)
                r["disposal_avoided"] = used * s.disposal_cost
                r["co2_avoided"] += used * s.disposal_co2

    def add_demands(self, problem: Problem, v: Mapping[tuple[int, int], float]) -> None:
        """What each demand received and its value."""
        for i, d in enumerate(problem.demands):
            for t in range(len(self.slices)):
                got = max(v.get((i, t), 0.0), 0.0)
                r = self.row(d.node, d.commodity, t)
                r["delivered"] = got
                r["delivery_value"] = got * d.value
                r["co2_avoided"] += got * d.co2

    def add_movements(self, table: Movements, column: str) -> None:
        """Quantities received, sent or converted, into ``column``."""
        for (n, k, t), q in table.items():
            if q > EPS:
                self.row(n, k, t)[column] = q

    def add_stocks(self, problem: Problem, stocks: Mapping[tuple[int, int], float]) -> None:
        """What each store gives back in a slice (kept from the one before) less what it holds."""
        count = len(self.slices)
        for (g, t), q in stocks.items():
            st = problem.storages[g]
            r = self.row(st.node, st.commodity, t)
            r["from_storage"] += (1.0 - st.loss) * stocks.get((g, (t - 1) % count), 0.0) - q

    def rows(self) -> list[dict[str, Any]]:
        """The rows where anything happened, with their value gained and internal reuse."""
        for r in self.balance.values():
            r["value_gained"] = r["delivery_value"] + r["disposal_avoided"]
            r["internal_reuse"] = _internal_reuse(r)
        return [r for r in self.balance.values() if any(r[c] for c in BALANCE_COLUMNS[3:])]


def _stock_row(problem: Problem, slice_name: str, g: int, q: float, charge: Any) -> dict[str, Any]:
    """A row of the ``stocks`` table: what store ``g`` holds at the end of a slice."""
    st = problem.storages[g]
    lost = q * st.loss
    return {
        "storage": st.name,
        "node": st.node,
        "commodity": st.commodity,
        "slice": slice_name,
        "stock": q,
        "lost": lost,
        "lost_disposal_cost": lost * charge.cost[st.commodity],
        "lost_co2": lost * charge.co2[st.commodity],
        "cost": q * st.cost,
    }


def _internal_reuse(row: dict[str, Any]) -> float:
    """What a node delivered to itself: beyond what arrived, was converted or left its stores.

    Zero under the ``no_internal_reuse`` family; it shows the units no flow row explains,
    should a model be built without it.  Differences within the solver's tolerance are noise.
    """
    excess = row["delivered"] - row["received"] - row["converted_out"] - row["from_storage"]
    return excess if excess > 1e-6 * max(1.0, row["delivered"]) else 0.0
