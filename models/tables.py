"""Turn solved variable values into the result tables (flows, built arcs, converters, balances)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
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
    slices = problem.slice_names
    charge = loss_charges(problem)
    flows: list[dict[str, Any]] = []
    arc_flow: dict[int, float] = defaultdict(float)
    received: dict[tuple[str, str, int], float] = defaultdict(float)
    sent: dict[tuple[str, str, int], float] = defaultdict(float)
    for (a, k, t), q in x.items():
        if q <= EPS:
            continue
        arc = problem.arcs[a]
        lost = q * arc.loss.get(k, 0.0)
        delivered = q - lost
        arc_flow[a] += q
        sent[(arc.tail, k, t)] += q
        received[(arc.head, k, t)] += delivered
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

    built = []
    for a, arc in enumerate(problem.arcs):
        is_built = arc.existing or y.get(a, 0.0) > 0.5
        # An idle arc is listed only when it was paid for; a free idle "build" is noise.
        if not is_built or (arc_flow[a] <= EPS and (arc.existing or arc.fixed_cost == 0)):
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
                "flow": arc_flow[a],
                "utilisation": arc_flow[a] / capacity if capacity > 0 else 0.0,
            }
        )

    conv_rows = []
    conv_in: dict[tuple[str, str, int], float] = defaultdict(float)
    conv_out: dict[tuple[str, str, int], float] = defaultdict(float)
    for c, conv in enumerate(problem.converters):
        is_built = conv.existing or w.get(c, 0.0) > 0.5
        if not is_built:
            continue
        for t in range(len(slices)):
            act = z.get((c, t), 0.0)
            act = act if act > EPS else 0.0
            for k, yld in conv.inputs.items():
                conv_in[(conv.node, k, t)] += yld * act
            for k, yld in conv.outputs.items():
                conv_out[(conv.node, k, t)] += yld * act
            conv_rows.append(
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

    balance: dict[tuple[str, str, int], dict[str, Any]] = {}

    def row(n: str, k: str, t: int) -> dict[str, Any]:
        if (n, k, t) not in balance:
            balance[(n, k, t)] = {col: 0.0 for col in BALANCE_COLUMNS} | {
                "node": n,
                "commodity": k,
                "slice": slices[t],
            }
        return balance[(n, k, t)]

    for i, s in enumerate(problem.supplies):
        for t in range(len(slices)):
            used = max(u.get((i, t), 0.0), 0.0)
            r = row(s.node, s.commodity, t)
            r["available"] = s.quantities[t]
            r["used"] = used
            r["disposed"] = max(s.quantities[t] - used, 0.0)
            r["disposal_avoided"] = used * s.disposal_cost
            r["co2_avoided"] += used * s.disposal_co2
    for i, d in enumerate(problem.demands):
        for t in range(len(slices)):
            got = max(v.get((i, t), 0.0), 0.0)
            r = row(d.node, d.commodity, t)
            r["delivered"] = got
            r["delivery_value"] = got * d.value
            r["co2_avoided"] += got * d.co2
    for table, column in (
        (received, "received"),
        (sent, "sent"),
        (conv_in, "converted_in"),
        (conv_out, "converted_out"),
    ):
        for (n, k, t), q in table.items():
            if q > EPS:
                row(n, k, t)[column] = q
    T = len(slices)
    for (g, t), q in (stocks or {}).items():
        st = problem.storages[g]
        # what the store gives back in t (kept from t-1) less what it holds at the end of t
        r = row(st.node, st.commodity, t)
        r["from_storage"] += (1.0 - st.loss) * (stocks or {}).get((g, (t - 1) % T), 0.0) - q
    for r in balance.values():
        r["value_gained"] = r["delivery_value"] + r["disposal_avoided"]
        r["internal_reuse"] = _internal_reuse(r)
    held = [
        _stock_row(problem, slices[t], g, q, charge)
        for (g, t), q in sorted((stocks or {}).items())
        if q > EPS
    ]
    return {
        "flows": pd.DataFrame(flows, columns=FLOW_COLUMNS),
        "built_arcs": pd.DataFrame(built, columns=ARC_COLUMNS),
        "stocks": pd.DataFrame(held, columns=STOCK_COLUMNS),
        "converters": pd.DataFrame(conv_rows, columns=CONVERTER_COLUMNS),
        "balances": pd.DataFrame(
            [r for r in balance.values() if any(r[c] for c in BALANCE_COLUMNS[3:])],
            columns=BALANCE_COLUMNS,
        ),
    }


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
