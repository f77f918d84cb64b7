"""Tight, data-derived bounds for the linking constraints (no constant big-M).

For each time slice we bound how much of a commodity can exist anywhere (``available``:
supplies plus what converters can make plus what stores can give back) and how much can be
taken anywhere (``absorbable``: demands plus what converters can consume plus what stores can
take in).  No arc ever needs to carry more than either of these in a solution where no unit
passes the same arc twice (the demand side is dropped for a commodity that some arc loses,
since the source end then carries more than is delivered).  Circulation, a unit going round a
loop, never pays (with transport costs of at least zero): a unit lost on a loop gives back the
credit it earned when it was used (``models.losses``), and a loss-free loop earns nothing and
pays its transport.  So some optimum lies within the bounds, they only tighten the model, and

    x[a,k,t] <= min(capacity_a * share_t, capacity_ak * share_t, available_kt, absorbable_kt)

is valid, and it is the big-M of the per-commodity linking constraint.  Converter activity is
bounded the same way: by its capacity, by what its inputs can supply and by what its outputs
can be absorbed.  Chains of converters are handled by iterating to a fixed point.

Local bounds (``Bounds.flow``).  The rule above bounds a flow by the region's total of its
commodity.  A flow leaving node ``n`` cannot exceed what ``n`` has, makes, takes out of store
and receives; a flow entering ``n`` cannot exceed, once its loss is taken, what ``n`` wants,
consumes, puts in store and passes on.  With ``B`` any valid bounds of the flows, for every
(arc a from n to m, commodity k, slice t)::

    x[a,k,t] <= q_supply(n,k,t) + sum_c out_ck Z[c,t] + cap_store(n,k)
                + sum_{b into n} (1 - loss_bk) B[b,k,t]
    (1 - loss_ak) x[a,k,t] <= q_demand(m,k,t) + sum_c in_ck Z[c,t] + cap_store(m,k)
                              + sum_{b out of m} B[b,k,t]

(the flow balance of ``n`` and ``m`` with every other term at its bound).  Each is implied by
the model's own rows and bounds, so replacing ``B`` by the smaller of it and these changes no
feasible solution; repeating to a fixed point (at most ``LOCAL_ROUNDS`` rounds) makes each
flow's bound local.  Only the big-M values of the linking rows get smaller, which is what
tightens the LP relaxation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from models.problem import Arc, Problem, ProblemError

LOCAL_ROUNDS = 30
"""Most rounds of the local flow bounds (each round is valid; the fixed point is tightest)."""


@dataclass(frozen=True)
class Bounds:
    """Per-slice bounds: ``available[k][t]``, ``absorbable[k][t]``, ``activity[c][t]``.

    ``flow`` holds the local bound of every flow, shape ``(AK, T)`` with ``AK`` the (arc,
    commodity) pairs in the order of ``problem.arcs`` and then of ``arc.commodities``; None
    bounds each flow by the region's totals alone (:func:`global_flow_bounds`).
    """

    available: dict[str, list[float]]
    absorbable: dict[str, list[float]]
    activity: dict[str, list[float]]
    flow: np.ndarray | None = None

    def arc_commodity(self, problem: Problem, arc: Arc, commodity: str, t: int) -> float:
        """The most ``arc`` can carry of ``commodity`` in slice ``t`` by the region's totals."""
        share = problem.slices[t].share
        return min(
            arc.capacity * share,
            arc.commodity_capacity.get(commodity, math.inf) * share,
            self.available[commodity][t],
            self.absorbable[commodity][t],
        )

    def arc_total(self, problem: Problem, arc: Arc, t: int) -> float:
        """The most ``arc`` can carry in slice ``t``, all commodities, by the region's totals."""
        per_commodity = sum(self.arc_commodity(problem, arc, k, t) for k in arc.commodities)
        return min(arc.capacity * problem.slices[t].share, per_commodity)


def compute_bounds(problem: Problem, local: bool = True) -> Bounds:
    """Derive the bounds of :class:`Bounds` from the problem data.

    ``local``: also bound each flow by what its tail can supply and its head absorb
    (``Bounds.flow``); without it each flow is bounded by the region's totals.

    Raises:
        ProblemError: a candidate arc or buildable converter whose flow has no finite bound
            (an uncapacitated loop of converters); give it a capacity.
    """
    base_available, base_absorbable = _base_totals(problem)
    available, absorbable, activity = _converter_fixed_point(
        problem, base_available, base_absorbable
    )
    bounds = Bounds(available, absorbable, activity)
    flow = global_flow_bounds(problem, bounds)
    errors = _unbounded(problem, bounds, flow)
    if errors:
        raise ProblemError(errors)
    if not local:
        return bounds
    return Bounds(available, absorbable, activity, local_flow_bounds(problem, bounds, flow))


def _base_totals(
    problem: Problem,
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """What supplies and stores offer, and what demands and stores take, per commodity."""
    n = len(problem.slices)
    available = {k: [0.0] * n for k in problem.commodities}
    absorbable = {k: [0.0] * n for k in problem.commodities}
    for s in problem.supplies:
        for t, q in enumerate(s.quantities):
            available[s.commodity][t] += q
    for d in problem.demands:
        for t, q in enumerate(d.quantities):
            absorbable[d.commodity][t] += q
    # A store gives back or takes in at most its capacity in a slice (seasonal_storage).
    for st in problem.storages if n > 1 else ():
        for t in range(n):
            available[st.commodity][t] += st.capacity
            absorbable[st.commodity][t] += st.capacity
    return available, absorbable


def _converter_fixed_point(
    problem: Problem,
    base_available: dict[str, list[float]],
    base_absorbable: dict[str, list[float]],
) -> tuple[dict[str, list[float]], dict[str, list[float]], dict[str, list[float]]]:
    """Totals with what converters make and take, and their activity bounds, to a fixed point.

    A commodity lost on some arc may need more than the demand at the source end, so the
    demand side gives no bound for it.
    """
    n = len(problem.slices)
    lossy = {k for a in problem.arcs for k, loss in a.loss.items() if loss > 0}
    activity = {
        c.name: [c.capacity * sl.share for sl in problem.slices] for c in problem.converters
    }
    available, absorbable = base_available, base_absorbable
    for _ in range(len(problem.converters) + 2):
        available = {k: list(v) for k, v in base_available.items()}
        absorbable = {k: list(v) for k, v in base_absorbable.items()}
        for c in problem.converters:
            for t in range(n):
                for k, y in c.outputs.items():
                    available[k][t] += y * activity[c.name][t]
                for k, y in c.inputs.items():
                    absorbable[k][t] += y * activity[c.name][t]
        for k in lossy:
            absorbable[k] = [math.inf] * n
        if not _tighten_activity(problem, activity, available, absorbable):
            break
    return available, absorbable, activity


def _tighten_activity(
    problem: Problem,
    activity: dict[str, list[float]],
    available: dict[str, list[float]],
    absorbable: dict[str, list[float]],
) -> bool:
    """Bound each converter's activity by its inputs' supply and its outputs' takers."""
    changed = False
    for c in problem.converters:
        for t in range(len(problem.slices)):
            limit = min(
                [activity[c.name][t]]
                + [available[k][t] / y for k, y in c.inputs.items()]
                + [absorbable[k][t] / y for k, y in c.outputs.items()]
            )
            if limit < activity[c.name][t] - 1e-12 * max(1.0, abs(limit)):
                activity[c.name][t] = limit
                changed = True
    return changed


def _unbounded(problem: Problem, bounds: Bounds, flow: np.ndarray) -> list[str]:
    """The candidate arcs and buildable converters left without a finite bound.

    ``flow`` holds the global flow bounds (:func:`global_flow_bounds`).
    """
    errors: list[str] = []
    total = arc_totals(problem, flow)
    for a in np.flatnonzero(~np.isfinite(total).all(axis=1)).tolist():
        arc = problem.arcs[a]
        if not arc.existing:
            errors.append(
                f"arcs[{arc.tail}->{arc.head}:{arc.mode}].capacity: no finite bound can be "
                "derived for this candidate arc; give it a capacity"
            )
    for c in problem.converters:
        if not c.existing and any(not math.isfinite(v) for v in bounds.activity[c.name]):
            errors.append(
                f"converters[{c.name}].capacity: no finite bound can be derived for this "
                "buildable converter; give it a capacity"
            )
    return errors


# -- flow bounds, as arrays over the (arc, commodity) pairs -----------------------------------


def flow_bounds(problem: Problem, bounds: Bounds) -> np.ndarray:
    """``B[ak, t]``: the bound of every flow, local when ``bounds`` holds them."""
    if bounds.flow is not None:
        return bounds.flow
    return global_flow_bounds(problem, bounds)


def global_flow_bounds(problem: Problem, bounds: Bounds) -> np.ndarray:
    """``min(capacity_a share_t, capacity_ak share_t, available_kt, absorbable_kt)`` per pair."""
    share = np.array([s.share for s in problem.slices], dtype=np.float64)
    per_arc = [len(arc.commodities) for arc in problem.arcs]
    capacity = np.repeat(np.array([a.capacity for a in problem.arcs], dtype=np.float64), per_arc)
    # most arcs have no per-commodity capacity: look it up only where there is one
    own = np.full(capacity.size, math.inf)
    start = 0
    for arc, n in zip(problem.arcs, per_arc, strict=True):
        if arc.commodity_capacity:
            own[start : start + n] = [
                arc.commodity_capacity.get(k, math.inf) for k in arc.commodities
            ]
        start += n
    com = {k: i for i, k in enumerate(problem.commodities)}
    k_of = np.fromiter(
        (com[k] for arc in problem.arcs for k in arc.commodities), np.int64, capacity.size
    )
    totals = np.minimum(
        np.array([bounds.available[k] for k in problem.commodities], dtype=np.float64),
        np.array([bounds.absorbable[k] for k in problem.commodities], dtype=np.float64),
    ).reshape(len(problem.commodities), share.size)
    return np.minimum(np.minimum(capacity, own)[:, None] * share, totals[k_of])


def arc_totals(problem: Problem, flow: np.ndarray) -> np.ndarray:
    """``U[a,t] = min(capacity_a share_t, sum_k B[a,k,t])``: what each arc carries in all."""
    share = np.array([s.share for s in problem.slices], dtype=np.float64)
    capacity = np.array([a.capacity for a in problem.arcs], dtype=np.float64)
    per_arc = np.array([len(a.commodities) for a in problem.arcs], dtype=np.int64)
    first = np.concatenate(([0], np.cumsum(per_arc)[:-1])).astype(np.int64)
    if not problem.arcs:
        return np.zeros((0, share.size))
    return np.minimum(capacity[:, None] * share, np.add.reduceat(flow, first, axis=0))


def local_flow_bounds(
    problem: Problem, bounds: Bounds, flow: np.ndarray | None = None
) -> np.ndarray:
    """The local bound of every flow (module docstring), from the global ones (``flow``)."""
    B = global_flow_bounds(problem, bounds) if flow is None else flow
    if B.size == 0:
        return B
    ends = _flow_ends(problem, bounds.activity)
    tail, head, loss = ends.tail, ends.head, ends.loss
    keep = 1.0 - loss[:, None]
    for _ in range(LOCAL_ROUNDS):
        # what each pair can send (has, makes, unstores, receives) and take (wants,
        # consumes, stores, passes on)
        sends = ends.has + ends.into @ (keep * B)
        takes = ends.wants + ends.out_of @ B
        tighter = np.minimum(B, np.minimum(sends[tail], takes[head] / keep))
        if np.array_equal(tighter, B):
            break
        B = tighter
    return B


@dataclass(frozen=True)
class _FlowEnds:
    """The (node, commodity) pairs at both ends of every flow, and what each pair holds.

    ``tail[ak]``, ``head[ak]``: pair indices; ``loss[ak]``; ``has[p, t]`` and ``wants[p, t]``:
    what pair ``p`` has, makes and unstores / wants, consumes and stores in slice ``t``;
    ``into`` and ``out_of``: (pairs × flows) incidence of the flows entering / leaving a pair.
    """

    tail: np.ndarray
    head: np.ndarray
    loss: np.ndarray
    has: np.ndarray
    wants: np.ndarray
    into: sp.csr_matrix
    out_of: sp.csr_matrix


def _flow_ends(problem: Problem, activity: dict[str, list[float]]) -> _FlowEnds:
    """Index the pairs at the ends of the flows and what each holds (see :class:`_FlowEnds`)."""
    node = {n: i for i, n in enumerate(problem.nodes)}
    com = {k: i for i, k in enumerate(problem.commodities)}
    K, T = len(com), len(problem.slices)

    def key(n: str, k: str) -> int:
        return node[n] * K + com[k]

    ends = np.array(
        [(key(arc.tail, k), key(arc.head, k)) for arc in problem.arcs for k in arc.commodities],
        dtype=np.int64,
    ).reshape(-1, 2)
    keys, inverse = np.unique(ends, return_inverse=True)
    tail, head = inverse.reshape(-1, 2).T
    loss = np.array(
        [arc.loss.get(k, 0.0) for arc in problem.arcs for k in arc.commodities], dtype=np.float64
    )
    has, wants = np.zeros((keys.size, T)), np.zeros((keys.size, T))

    def add(into: np.ndarray, items: Sequence[tuple[str, str, Sequence[float]]]) -> None:
        """Add each item's per-slice quantity to its pair, when a flow touches that pair."""
        if not items:
            return
        at = np.array([key(n, k) for n, k, _ in items], dtype=np.int64)
        quantity = np.array([q for _, _, q in items], dtype=np.float64).reshape(len(items), T)
        pos = np.minimum(np.searchsorted(keys, at), keys.size - 1)
        touched = keys[pos] == at
        np.add.at(into, pos[touched], quantity[touched])

    add(has, [(s.node, s.commodity, s.quantities) for s in problem.supplies])
    add(wants, [(d.node, d.commodity, d.quantities) for d in problem.demands])
    made, taken = _converter_terms(problem, activity)
    add(has, made)
    add(wants, taken)
    held = [(st.node, st.commodity, [st.capacity] * T) for st in problem.storages] if T > 1 else []
    add(has, held)
    add(wants, held)
    n, flows_n = keys.size, tail.size
    ones = np.ones(flows_n)
    into = sp.csr_matrix((ones, (head, np.arange(flows_n))), shape=(n, flows_n))
    out_of = sp.csr_matrix((ones, (tail, np.arange(flows_n))), shape=(n, flows_n))
    return _FlowEnds(tail, head, loss, has, wants, into, out_of)


def _converter_terms(
    problem: Problem, activity: dict[str, list[float]]
) -> tuple[list[tuple[str, str, Sequence[float]]], list[tuple[str, str, Sequence[float]]]]:
    """What each converter can make and take of each commodity per slice: yield × Z."""
    made: list[tuple[str, str, Sequence[float]]] = []
    taken: list[tuple[str, str, Sequence[float]]] = []
    for c in problem.converters:
        limit = activity[c.name]
        made += [(c.node, k, [y * z for z in limit]) for k, y in c.outputs.items()]
        taken += [(c.node, k, [y * z for z in limit]) for k, y in c.inputs.items()]
    return made, taken
