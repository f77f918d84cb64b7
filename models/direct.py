"""The same MILP as :mod:`models.formulation`, assembled as arrays and handed to HiGHS directly.

This is the second backend.  It builds exactly the model of
:class:`~models.formulation.Formulation` — the same variables ``x, y, u, v, z, w``, the same
constraint families with the same data-derived big-M values of :mod:`models.bounds`, the same
objective expressions — but as numpy vectors and one sparse matrix, and passes them to highspy
in a single ``Highs.passModel`` call.  It skips Pyomo's per-element expression objects, so it
is the floor against which the Pyomo path's build and hand-over times are measured.

Column layout (``T`` slices; ``ak`` runs over the (arc, commodity) pairs in the order of
``problem.arcs`` and then of ``arc.commodities``)::

    x[a,k,t]  at  columns["x"].start + ak*T + t
    y[a]      one per arc with a build decision, in arc order  (y_arc maps back)
    u[s,t]    at  columns["u"].start + s*T + t
    v[d,t]    at  columns["v"].start + d*T + t
    z[c,t]    at  columns["z"].start + c*T + t
    w[c]      one per buildable converter, in order           (w_converter maps back)
    k[a]      one per sized candidate arc, in arc order       (k_arc maps back)
    stock[g,t] at columns["stock"].start + i*T + t, g the i-th storage that can hold
    slack     elastic model only, one per hard requirement    (slack_keys maps back)

Rows come in the order of ``Formulation.FAMILIES``; ``rows[family]`` is each family's block.
The flow-balance row of (node, commodity) pair ``p`` and slice ``t`` is
``rows["flow_balance"].start + p*T + t`` with ``pairs[p]`` the pair, in the order in which
the Pyomo formulation meets them.

``solve(problem, backend="arrays")`` (:func:`models.solve.solve`) solves through it by the same
pipeline as the Pyomo backend (statuses, bound, gap, the elastic re-solve naming what makes a
problem infeasible), so the two backends can stand in for each other.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from models.bounds import Bounds, compute_bounds, flow_bounds
from models.cleaning import Values
from models.formulation import Formulation, decided_arcs, stored
from models.losses import loss_charges
from models.problem import Arc, Problem
from models.result import PARTS, Objective
from models.session import MatrixForm
from models.tables import EPS

log = logging.getLogger(__name__)

FAMILIES = Formulation.FAMILIES
"""The constraint families, in row order: the one list, ``Formulation.FAMILIES``."""


_CONTINUOUS, _INTEGER = 0, 1


@dataclass
class DirectModel:
    """One problem's MILP as arrays, ready for ``Highs.passModel``.

    Attributes:
        problem: the problem it was built from.
        objective: the active objective (ignored by an elastic model).
        elastic: hard requirements carry slacks and the objective minimises them.
        bounds: the data-derived bounds used as big-M values.
        form: the matrix, bounds, costs and integrality handed to HiGHS (CSC matrix; integrality
            1 for a binary build decision, 0 for a continuous column).
        columns: the column block of each variable (``x, y, u, v, z, w, slack``).
        rows: the row block of each constraint family that was built (possibly empty).
        slices: the number of time slices ``T``.
        x_arc: the arc of each (arc, commodity) pair ``ak``.
        x_commodity: the commodity index (into ``problem.commodities``) of each pair ``ak``.
        y_arc: the arc of each ``y`` column.
        w_converter: the converter of each ``w`` column.
        pairs: the (node, commodity) pairs of the flow-balance rows.
        parts: the coefficient vector of each named objective expression (see ``PARTS``).
        slack_keys: ``(kind, index, slice)`` of each slack column, as the Pyomo formulation.
        slack_requirement: the required quantity behind each slack column.
        k_arc: the arc of each ``k`` column (the capacity chosen for a sized arc).
        stored: the storage of each block of ``stock`` columns (those that can hold).
    """

    problem: Problem
    objective: Objective
    elastic: bool
    bounds: Bounds
    form: MatrixForm
    columns: dict[str, slice]
    rows: dict[str, slice]
    slices: int
    x_arc: np.ndarray
    x_commodity: np.ndarray
    y_arc: np.ndarray
    w_converter: np.ndarray
    pairs: list[tuple[str, str]]
    parts: dict[str, np.ndarray]
    slack_keys: list[tuple[str, int, int]] = field(default_factory=list)
    slack_requirement: np.ndarray = field(default_factory=lambda: np.zeros(0))
    k_arc: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    stored: list[int] = field(default_factory=list)

    @property
    def num_col(self) -> int:
        """Number of columns."""
        return int(self.form.col_cost.size)

    @property
    def num_row(self) -> int:
        """Number of rows."""
        return int(self.form.row_lower.size)

    @property
    def num_nz(self) -> int:
        """Number of stored non-zeros of the constraint matrix."""
        return int(self.form.matrix.nnz)

    def totals(self, solution: np.ndarray) -> dict[str, float]:
        """The value of every named objective expression at ``solution`` (one per column)."""
        return {name: float(coef @ solution) for name, coef in self.parts.items()}


class _Triplets:
    """Accumulates (row, column, value) triplets, one numpy block at a time."""

    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []

    def add(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray | float) -> None:
        r, c, v = np.broadcast_arrays(
            np.asarray(rows, dtype=np.int64),
            np.asarray(cols, dtype=np.int64),
            np.asarray(vals, dtype=np.float64),
        )
        self.rows.append(r.ravel())
        self.cols.append(c.ravel())
        self.vals.append(v.ravel())

    def matrix(self, num_row: int, num_col: int) -> sp.csc_matrix:
        def cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
            return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

        coo = sp.coo_matrix(
            (cat(self.vals, np.float64), (cat(self.rows, np.int64), cat(self.cols, np.int64))),
            shape=(num_row, num_col),
        )
        matrix = coo.tocsc()
        matrix.sum_duplicates()  # a converter with a commodity both in and out nets it here
        matrix.eliminate_zeros()
        return matrix


def _slice_table(values: Sequence[tuple[float, ...]], rows: int, T: int) -> np.ndarray:
    """Per-slice quantities (one tuple of ``T`` floats per item) as a (rows, T) array."""
    return np.array(values, dtype=np.float64).reshape(rows, T)


def _per_pair(arcs: Sequence[Arc], attr: str, default: float, size: int) -> np.ndarray:
    """One value per (arc, commodity) pair from an arc's per-commodity table ``attr``."""
    out = np.full(size, default, dtype=np.float64)
    start = 0
    for arc in arcs:
        table = getattr(arc, attr)
        n = len(arc.commodities)
        if table:  # most arcs leave most tables empty: skip them whole
            out[start : start + n] = [table.get(k, default) for k in arc.commodities]
        start += n
    return out


def _first_seen(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ``keys`` in order of first occurrence, and each key's position among them."""
    if keys.size == 0:
        return keys, keys
    unique, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return unique[order], rank[inverse]


def build_arrays(
    problem: Problem,
    objective: Objective | str = Objective.VALORISATION,
    *,
    elastic: bool = False,
    families: tuple[str, ...] | None = None,
    bounds: Bounds | None = None,
    decide: Collection[int] = (),
) -> DirectModel:
    """Assemble the MILP of :class:`~models.formulation.Formulation` as arrays.

    Args:
        problem: the validated problem.
        objective: which objective is active.
        elastic: give every hard requirement (``must_dispatch``, ``must_serve``,
            ``minimum_delivery``) a non-negative slack and minimise the weighted slacks
            ``sum slack / max(1, requirement)`` instead of the objective.
        families: constraint families to build (default: all of ``FAMILIES``); tests drop
            one at a time, as with the Pyomo formulation.
        bounds: precomputed bounds (default: :func:`models.bounds.compute_bounds`).
        decide: candidate arcs given a build decision whatever their costs
            (:func:`models.formulation.decided_arcs`).

    Raises:
        ProblemError: as :func:`models.bounds.compute_bounds`, for an unbounded candidate.
        ValueError: an unknown family name.
    """
    objective = Objective(objective)
    wanted = FAMILIES if families is None else tuple(families)
    unknown = set(wanted) - set(FAMILIES)
    if unknown:
        raise ValueError(f"families: unknown constraint families {sorted(unknown)}")
    assembly = _Assembly(problem, bounds or compute_bounds(problem), elastic, decide)
    for family in FAMILIES:  # row order is fixed, whatever order ``families`` lists
        if family in wanted:
            getattr(assembly, family)()
    return assembly.finish(objective)


class _Assembly:
    """The data of one problem as arrays, and the constraint rows as they are added.

    Shapes: ``(AK, T)`` per (arc, commodity) pair and slice, ``(A, T)`` per arc, ``(S, T)``
    per supply, ``(D, T)`` per demand, ``(C, T)`` per converter.  ``B`` and ``U`` are the
    bounds ``arc_commodity`` and ``arc_total`` of :class:`~models.bounds.Bounds`.
    """

    def __init__(
        self, problem: Problem, bounds: Bounds, elastic: bool, decide: Collection[int] = ()
    ) -> None:
        p = self.problem = problem
        self.bounds, self.elastic = bounds, elastic
        T = self.T = len(p.slices)
        self.tt = np.arange(T)
        share = np.array([s.share for s in p.slices], dtype=np.float64)
        self.com_id = {k: i for i, k in enumerate(p.commodities)}
        self.node_id = {n: i for i, n in enumerate(p.nodes)}

        # -- arcs and (arc, commodity) pairs ------------------------------------------------
        A = len(p.arcs)
        self.per_arc = np.array([len(a.commodities) for a in p.arcs], dtype=np.int64)
        AK = int(self.per_arc.sum())
        self.x_arc = np.repeat(np.arange(A), self.per_arc)
        self.x_com = np.fromiter(
            (self.com_id[k] for a in p.arcs for k in a.commodities), np.int64, AK
        )
        self.capacity = np.array([a.capacity for a in p.arcs], dtype=np.float64)
        self.loss = _per_pair(p.arcs, "loss", 0.0, AK)

        # B[ak,t] (local when the bounds hold them) and U[a,t], by the rules of models.bounds.
        arc_share = self.capacity[:, None] * share
        self.B = flow_bounds(p, bounds).reshape(AK, T)
        first_pair = np.concatenate(([0], np.cumsum(self.per_arc)[:-1])).astype(np.int64)
        self.U = (
            np.minimum(arc_share, np.add.reduceat(self.B, first_pair, axis=0))
            if A
            else np.zeros((0, T))
        )

        # -- supplies, demands, converters --------------------------------------------------
        S, D, C = len(p.supplies), len(p.demands), len(p.converters)
        self.supply_q = _slice_table([s.quantities for s in p.supplies], S, T)
        self.demand_q = _slice_table([d.quantities for d in p.demands], D, T)
        self.demand_min = _slice_table([d.minimums for d in p.demands], D, T)
        self.activity = np.array(
            [bounds.activity[c.name] for c in p.converters], dtype=np.float64
        ).reshape(C, T)
        self.conv_existing = np.array([c.existing for c in p.converters], dtype=bool)

        # -- columns ------------------------------------------------------------------------
        self.y_arc = np.array(decided_arcs(p, decide), dtype=np.int64)
        # an arc with a build decision; an existing or free arc has none (y = 1)
        self.decided = np.zeros(A, dtype=bool)
        self.decided[self.y_arc] = True
        self.w_converter = np.flatnonzero(~self.conv_existing)
        self.k_arc = np.array([a for a in self.y_arc.tolist() if p.arcs[a].sized], dtype=np.int64)
        self._pairs()  # the storages need to know which (node, commodity) pairs occur
        self.stored = stored(p, self.pairs)
        sizes = {
            "x": AK * T,
            "y": self.y_arc.size,
            "u": S * T,
            "v": D * T,
            "z": C * T,
            "w": self.w_converter.size,
            "k": self.k_arc.size,
            "stock": len(self.stored) * T,
        }
        self.columns: dict[str, slice] = {}
        start = 0
        for name, size in sizes.items():
            self.columns[name] = slice(start, start + size)
            start += size
        self.n_main = start

        def block(name: str, count: int) -> np.ndarray:
            return (self.columns[name].start + np.arange(count * T)).reshape(count, T)

        self.x_cols, self.u_cols = block("x", AK), block("u", S)
        self.v_cols, self.z_cols = block("v", D), block("z", C)
        self.y_col = np.full(A, -1, dtype=np.int64)
        self.y_col[self.y_arc] = self.columns["y"].start + np.arange(self.y_arc.size)
        self.w_col = np.full(C, -1, dtype=np.int64)
        self.w_col[self.w_converter] = self.columns["w"].start + np.arange(self.w_converter.size)
        self.k_col = self.columns["k"].start + np.arange(self.k_arc.size)
        self.stock_cols = block("stock", len(self.stored))
        self.upper = np.concatenate(
            [
                self.B.ravel(),
                np.ones(self.y_arc.size),
                self.supply_q.ravel(),
                self.demand_q.ravel(),
                np.full(C * T, np.inf),  # activity is limited by the converter_capacity rows
                np.ones(self.w_converter.size),
                np.full(self.k_arc.size, np.inf),  # a size is limited by the link_sizing rows
                np.full(len(self.stored) * T, np.inf),  # by the seasonal_storage rows
            ]
        )
        self.integrality = np.zeros(self.n_main, dtype=np.int32)
        self.integrality[self.columns["y"]] = _INTEGER
        self.integrality[self.columns["w"]] = _INTEGER

        # -- rows, filled by the family methods ---------------------------------------------
        self.triplets = _Triplets()
        self.row_lower: list[np.ndarray] = []
        self.row_upper: list[np.ndarray] = []
        self.rows: dict[str, slice] = {}
        self.num_row = 0
        self.slack_rows: list[np.ndarray] = []
        self.slack_need: list[np.ndarray] = []
        self.slack_keys: list[tuple[str, int, int]] = []

    def _pairs(self) -> None:
        """Number the (node, commodity) pairs in the order ``build_index`` meets them.

        That is (tail, k) and (head, k) of every arc pair in turn, then supplies, demands,
        and each converter's inputs and outputs.
        """
        p, K = self.problem, len(self.problem.commodities)

        def key(node: str, commodity: str) -> int:
            return self.node_id[node] * K + self.com_id[commodity]

        conv_terms = [
            (c, key(conv.node, k), sign * y)
            for c, conv in enumerate(p.converters)
            for sign, table in ((-1.0, conv.inputs), (1.0, conv.outputs))
            for k, y in table.items()
        ]
        self.conv_c = np.array([t[0] for t in conv_terms], dtype=np.int64)
        self.conv_coef = np.array([t[2] for t in conv_terms], dtype=np.float64)
        tail = np.array([self.node_id[a.tail] for a in p.arcs], dtype=np.int64)
        head = np.array([self.node_id[a.head] for a in p.arcs], dtype=np.int64)
        ends = np.column_stack(
            [tail[self.x_arc] * K + self.x_com, head[self.x_arc] * K + self.x_com]
        )
        parts = [
            ends.ravel(),
            np.array([key(s.node, s.commodity) for s in p.supplies], dtype=np.int64),
            np.array([key(d.node, d.commodity) for d in p.demands], dtype=np.int64),
            np.array([t[1] for t in conv_terms], dtype=np.int64),
        ]
        distinct, pair_of = _first_seen(np.concatenate(parts))
        self.pairs = [(p.nodes[k // K], p.commodities[k % K]) for k in distinct.tolist()]
        marks = np.cumsum([0] + [part.size for part in parts])
        self.tail_pair = pair_of[marks[0] : marks[1] : 2]
        self.head_pair = pair_of[marks[0] + 1 : marks[1] : 2]
        self.supply_pair = pair_of[marks[1] : marks[2]]
        self.demand_pair = pair_of[marks[2] : marks[3]]
        self.conv_pair = pair_of[marks[3] : marks[4]]

    def _open(self, family: str, lower: np.ndarray, upper: np.ndarray) -> int:
        """Append a block of rows for ``family``; returns its first row."""
        first = self.num_row
        self.rows[family] = slice(first, first + lower.size)
        self.row_lower.append(np.asarray(lower, dtype=np.float64).ravel())
        self.row_upper.append(np.asarray(upper, dtype=np.float64).ravel())
        self.num_row += lower.size
        return first

    # -- constraint families --------------------------------------------------------------
    def flow_balance(self) -> None:
        """Conservation at every (node n, commodity k, slice t) that occurs::

        u[s(n,k),t] + sum_{a in in(n,k)} (1 - loss_ak) x[a,k,t] + sum_c out_ck z[c,t]
            - sum_{a in out(n,k)} x[a,k,t] - v[d(n,k),t] - sum_c in_ck z[c,t] = 0
        """
        if not self.pairs:
            return
        T, tt = self.T, self.tt
        zero = np.zeros(len(self.pairs) * T)
        r0 = self._open("flow_balance", zero, zero)

        def rows(pair: np.ndarray) -> np.ndarray:
            return r0 + pair[:, None] * T + tt

        add = self.triplets.add
        add(rows(self.head_pair), self.x_cols, (1.0 - self.loss)[:, None])
        add(rows(self.tail_pair), self.x_cols, -1.0)
        add(rows(self.supply_pair), self.u_cols, 1.0)
        add(rows(self.demand_pair), self.v_cols, -1.0)
        # A commodity both consumed and made by one converter nets to one coefficient.
        add(rows(self.conv_pair), self.z_cols[self.conv_c], self.conv_coef[:, None])

    def no_internal_reuse(self) -> None:
        """Internal reuse is not an exchange: at every (n, k, t) with a supply and a demand::

        u[s(n,k),t] - sum_{a in out(n,k)} x[a,k,t] - sum_c in_ck z[c,t] <= 0
        """
        wanted = set(self.demand_pair.tolist())
        supplies = np.array(
            [s for s, pair in enumerate(self.supply_pair.tolist()) if pair in wanted],
            dtype=np.int64,
        )
        if supplies.size == 0:
            return
        T, tt = self.T, self.tt
        n = supplies.size * T
        r0 = self._open("no_internal_reuse", np.full(n, -np.inf), np.zeros(n))
        row_of_pair = np.full(len(self.pairs), -1, dtype=np.int64)
        row_of_pair[self.supply_pair[supplies]] = r0 + np.arange(supplies.size) * T
        add = self.triplets.add
        add(row_of_pair[self.supply_pair[supplies], None] + tt, self.u_cols[supplies], 1.0)
        out = row_of_pair[self.tail_pair] >= 0
        add(row_of_pair[self.tail_pair[out], None] + tt, self.x_cols[out], -1.0)
        fed = (row_of_pair[self.conv_pair] >= 0) & (self.conv_coef < 0)
        add(
            row_of_pair[self.conv_pair[fed], None] + tt,
            self.z_cols[self.conv_c[fed]],
            self.conv_coef[fed, None],
        )

    def arc_capacity(self) -> None:
        """Shared capacity and fixed-charge linking of every arc a and slice t::

        sum_k x[a,k,t] - U[a,t] y[a] <= 0     (arc with a build decision)
        sum_k x[a,k,t] <= U[a,t]              (existing or free arc with a finite capacity)
        """
        arcs = np.flatnonzero(self.decided | np.isfinite(self.capacity))
        if arcs.size == 0:
            return
        T, tt = self.T, self.tt
        bound = self.U[arcs]
        candidate = self.decided[arcs]
        upper = np.where(candidate[:, None], 0.0, bound)
        r0 = self._open("arc_capacity", np.full(upper.size, -np.inf), upper)
        first_row = np.full(len(self.problem.arcs), -1, dtype=np.int64)
        first_row[arcs] = r0 + np.arange(arcs.size) * T
        on = first_row[self.x_arc] >= 0
        self.triplets.add(first_row[self.x_arc[on], None] + tt, self.x_cols[on], 1.0)
        built = arcs[candidate]
        self.triplets.add(first_row[built, None] + tt, self.y_col[built, None], -bound[candidate])

    def arc_commodity_link(self) -> None:
        """Strong linking of each commodity k on a candidate arc a carrying several::

        x[a,k,t] - B[a,k,t] y[a] <= 0
        """
        linked = np.flatnonzero(self.decided[self.x_arc] & (self.per_arc[self.x_arc] > 1))
        if linked.size == 0:
            return
        n = linked.size * self.T
        r0 = self._open("arc_commodity_link", np.full(n, -np.inf), np.zeros(n))
        rows = (r0 + np.arange(n)).reshape(linked.size, self.T)
        self.triplets.add(rows, self.x_cols[linked], 1.0)
        self.triplets.add(rows, self.y_col[self.x_arc[linked], None], -self.B[linked])

    def converter_capacity(self) -> None:
        """Activity limit and build linking of converter c in slice t (finite limits only)::

        z[c,t] - Z[c,t] w[c] <= 0     (buildable)        z[c,t] <= Z[c,t]     (existing)
        """
        c_idx, t_idx = np.nonzero(np.isfinite(self.activity))
        if c_idx.size == 0:
            return
        limit = self.activity[c_idx, t_idx]
        buildable = ~self.conv_existing[c_idx]
        upper = np.where(buildable, 0.0, limit)
        r0 = self._open("converter_capacity", np.full(upper.size, -np.inf), upper)
        rows = r0 + np.arange(c_idx.size)
        self.triplets.add(rows, self.z_cols[c_idx, t_idx], 1.0)
        self.triplets.add(rows[buildable], self.w_col[c_idx[buildable]], -limit[buildable])

    def must_dispatch(self) -> None:
        """Every unit of a must-dispatch supply s leaves its node::  u[s,t] = q[s,t]."""
        flagged = np.array([s.must_dispatch for s in self.problem.supplies], dtype=bool)
        s_idx, t_idx = np.nonzero(np.repeat(flagged[:, None], self.T, axis=1))
        q = self.supply_q[s_idx, t_idx]
        self._requirement("must_dispatch", "must_dispatch", s_idx, t_idx, self.u_cols, q, q)

    def must_serve(self) -> None:
        """Every must-serve demand d is met in full::  v[d,t] = q[d,t]."""
        flagged = np.array([d.must_serve for d in self.problem.demands], dtype=bool)
        d_idx, t_idx = np.nonzero(np.repeat(flagged[:, None], self.T, axis=1))
        q = self.demand_q[d_idx, t_idx]
        self._requirement("must_serve", "must_serve", d_idx, t_idx, self.v_cols, q, q)

    def minimum_delivery(self) -> None:
        """A demand d (not must-serve) with a minimum gets at least it::  v[d,t] >= min[d,t]."""
        serve = np.array([d.must_serve for d in self.problem.demands], dtype=bool)
        d_idx, t_idx = np.nonzero(~serve[:, None] & (self.demand_min > 0))
        q = self.demand_min[d_idx, t_idx]
        self._requirement(
            "minimum_delivery", "minimum", d_idx, t_idx, self.v_cols, q, np.full(q.size, np.inf)
        )

    def _requirement(
        self,
        family: str,
        kind: str,
        items: np.ndarray,
        slices: np.ndarray,
        cols: np.ndarray,
        lower: np.ndarray,
        upper: np.ndarray,
    ) -> None:
        """One row ``lower <= col (+ slack) <= upper`` per (item, slice); ``lower`` is needed."""
        if items.size == 0:
            return
        rows = self._open(family, lower, upper) + np.arange(items.size)
        self.triplets.add(rows, cols[items, slices], 1.0)
        if self.elastic:
            self.slack_rows.append(rows)
            self.slack_need.append(lower)
            self.slack_keys.extend(
                zip([kind] * items.size, items.tolist(), slices.tolist(), strict=True)
            )

    # -- the planner's families -----------------------------------------------------------
    def build_decisions(self) -> None:
        """What the planner requires or forbids to be built::

        y[a] = 1  (a required)     y[a] = 0  (a forbidden)
        w[c] = 1  (c required)     w[c] = 0  (c forbidden)
        """
        p = self.problem
        arcs = [a for a in self.y_arc.tolist() if p.arcs[a].required or p.arcs[a].forbidden]
        convs = [
            c
            for c in self.w_converter.tolist()
            if p.converters[c].required or p.converters[c].forbidden
        ]
        if not arcs and not convs:
            return
        cols = np.concatenate([self.y_col[arcs], self.w_col[convs]]).astype(np.int64)
        value = np.array(
            [float(p.arcs[a].required) for a in arcs]
            + [float(p.converters[c].required) for c in convs]
        )
        rows = self._open("build_decisions", value, value) + np.arange(value.size)
        self.triplets.add(rows, cols, 1.0)

    def investment_budget(self) -> None:
        """The investment in what is built stays within the budget::

        sum_a investment_a y[a] + sum_c investment_c w[c] <= budget
        """
        p = self.problem
        if p.investment_budget is None:
            return
        cols = np.concatenate([self.y_col[self.y_arc], self.w_col[self.w_converter], self.k_col])
        spend = np.array(
            [p.arcs[a].investment for a in self.y_arc.tolist()]
            + [p.converters[c].investment for c in self.w_converter.tolist()]
            + [p.arcs[a].capacity_investment for a in self.k_arc.tolist()],
            dtype=np.float64,
        )
        if not spend.any():
            return
        row = self._open("investment_budget", np.array([-np.inf]), np.array([p.investment_budget]))
        self.triplets.add(np.full(cols.size, row), cols, spend)

    def new_link_limit(self) -> None:
        """At most N new links, in all, per mode and per commodity carried.

        Existing arcs do not count::

        sum_{a candidate} y[a] <= N      sum_{a of mode m} y[a] <= N_m
        sum_{a carrying k} y[a] <= N_k
        """
        groups = self.problem.new_link_groups()
        if not groups:
            return
        upper = np.array([cap for _, cap, _ in groups], dtype=np.float64)
        r0 = self._open("new_link_limit", np.full(upper.size, -np.inf), upper)
        for i, (_, _, arcs) in enumerate(groups):
            chosen = np.array(arcs, dtype=np.int64)
            self.triplets.add(np.full(chosen.size, r0 + i), self.y_col[chosen], 1.0)

    def co2_minimum(self) -> None:
        """The planner's CO2 target::  co2_avoided (+ slack) >= co2_min."""
        p = self.problem
        if p.co2_min is None:
            return
        co2 = self._parts(self.n_main)["co2_avoided"]
        cols = np.flatnonzero(co2)
        target = np.array([float(p.co2_min)])
        row = self._open("co2_minimum", target, np.array([np.inf]))
        self.triplets.add(np.full(cols.size, row), cols, co2[cols])
        if self.elastic:
            self.slack_rows.append(np.array([row]))
            self.slack_need.append(target)
            self.slack_keys.append(("co2_minimum", 0, 0))

    def link_sizing(self) -> None:
        """A sized arc carries at most the capacity chosen for it, chosen only if built::

        sum_k x[a,k,t] - share_t k[a] <= 0        k[a] - K[a] y[a] <= 0

        with ``K[a] = max_t U[a,t] / share_t``, the most capacity any slice could use.
        """
        if self.k_arc.size == 0:
            return
        T, tt, p = self.T, self.tt, self.problem
        share = np.array([s.share for s in p.slices], dtype=np.float64)
        n, K = self.k_arc.size * T, self.k_arc.size
        r0 = self._open("link_sizing", np.full(n + K, -np.inf), np.zeros(n + K))
        first_row = np.full(len(p.arcs), -1, dtype=np.int64)
        first_row[self.k_arc] = r0 + np.arange(K) * T
        on = first_row[self.x_arc] >= 0
        self.triplets.add(first_row[self.x_arc[on], None] + tt, self.x_cols[on], 1.0)
        self.triplets.add(first_row[self.k_arc, None] + tt, self.k_col[:, None], -share)
        largest = (self.U[self.k_arc] / share).max(axis=1)
        rows = r0 + n + np.arange(K)
        self.triplets.add(rows, self.k_col, 1.0)
        self.triplets.add(rows, self.y_col[self.k_arc], -largest)

    def seasonal_storage(self) -> None:
        """A stock carries a commodity from one slice to the next, the slices in a cycle::

        flow balance of (n_g, k_g, t):  ... + (1 - loss_g) stock[g,t-1] - stock[g,t] = ...
        stock[g,t] <= capacity_g
        """
        if not self.stored:
            return
        p, T, tt = self.problem, self.T, self.tt
        G = len(self.stored)
        capacity = np.array([p.storages[g].capacity for g in self.stored], dtype=np.float64)
        r0 = self._open("seasonal_storage", np.full(G * T, -np.inf), np.repeat(capacity, T))
        self.triplets.add(r0 + np.arange(G * T), self.stock_cols.ravel(), 1.0)
        if "flow_balance" not in self.rows:
            return
        pair_of = {pair: i for i, pair in enumerate(self.pairs)}
        where = [pair_of[p.storages[g].node, p.storages[g].commodity] for g in self.stored]
        kept = np.array([1.0 - p.storages[g].loss for g in self.stored])
        balance = self.rows["flow_balance"].start + np.array(where)[:, None] * T
        self.triplets.add(balance + tt, self.stock_cols, -1.0)  # held at the end of t
        self.triplets.add(balance + (tt + 1) % T, self.stock_cols, kept[:, None])  # kept in t+1

    # -- objective and the finished model -------------------------------------------------
    def _parts(self, num_col: int) -> dict[str, np.ndarray]:
        """The objective expressions of ``Formulation._expressions``, one coefficient a column::

        value            = sum value_d v[d,t]
        disposal_avoided = sum disposal_cost_s u[s,t] - sum lostcost_k loss_ak x[a,k,t]
                           - sum lostcost_k loss_g stock[g,t]
        co2_avoided      = sum co2_d v[d,t] + sum disposal_co2_s u[s,t]
                           - sum lostco2_k loss_ak x[a,k,t] - sum lostco2_k loss_g stock[g,t]
                           - sum co2_ak x[a,k,t] - sum co2_c z[c,t]
        transport_cost   = sum varcost_ak x[a,k,t] + sum cost_g stock[g,t]
        conversion_cost  = sum varcost_c z[c,t]
        fixed_cost       = sum_{candidate a} fixed_a y[a] + sum_{buildable c} fixed_c w[c]
                           + sum capacity_cost_a k[a]
        valorisation     = value + disposal_avoided + carbon_price co2_avoided
                           - transport_cost - conversion_cost - fixed_cost
        """
        p = self.problem
        AK = self.x_arc.size

        def column(values: Sequence[float] | np.ndarray) -> np.ndarray:
            return np.asarray(values, dtype=np.float64)[:, None]

        parts = {name: np.zeros(num_col) for name in PARTS}
        parts["value"][self.v_cols] = column([d.value for d in p.demands])
        # A unit lost on the way is disposed of: it gives back the credit of a unit used.
        charge = loss_charges(p)
        lost_cost = np.array([charge.cost[k] for k in p.commodities], dtype=np.float64)[self.x_com]
        lost_co2 = np.array([charge.co2[k] for k in p.commodities], dtype=np.float64)[self.x_com]
        parts["disposal_avoided"][self.u_cols] = column([s.disposal_cost for s in p.supplies])
        parts["disposal_avoided"][self.x_cols] = -column(lost_cost * self.loss)
        co2 = parts["co2_avoided"]
        co2[self.v_cols] = column([d.co2 for d in p.demands])
        co2[self.u_cols] = column([s.disposal_co2 for s in p.supplies])
        co2[self.x_cols] = -column(_per_pair(p.arcs, "co2", 0.0, AK) + lost_co2 * self.loss)
        co2[self.z_cols] = -column([c.co2 for c in p.converters])
        parts["transport_cost"][self.x_cols] = column(_per_pair(p.arcs, "variable_cost", 0.0, AK))
        parts["transport_cost"][self.stock_cols] = column([p.storages[g].cost for g in self.stored])
        # a store's loss from one slice to the next is disposed of too
        held = [p.storages[g] for g in self.stored]
        stock_cost = [st.loss * charge.cost[st.commodity] for st in held]
        stock_co2 = [st.loss * charge.co2[st.commodity] for st in held]
        parts["disposal_avoided"][self.stock_cols] = -column(stock_cost)
        co2[self.stock_cols] = -column(stock_co2)
        parts["conversion_cost"][self.z_cols] = column([c.variable_cost for c in p.converters])
        fixed = parts["fixed_cost"]
        fixed[self.y_col[self.y_arc]] = [p.arcs[a].fixed_cost for a in self.y_arc.tolist()]
        fixed[self.w_col[self.w_converter]] = [
            p.converters[c].fixed_cost for c in self.w_converter.tolist()
        ]
        fixed[self.k_col] = [p.arcs[a].capacity_cost for a in self.k_arc.tolist()]
        parts["valorisation"] = (
            parts["value"]
            + parts["disposal_avoided"]
            + p.carbon_price * co2
            - parts["transport_cost"]
            - parts["conversion_cost"]
            - fixed
        )
        return parts

    def finish(self, objective: Objective) -> DirectModel:
        """Add the elastic slacks, the objective, and return the :class:`DirectModel`."""
        n_slack = len(self.slack_keys)
        num_col = self.n_main + n_slack
        self.columns["slack"] = slice(self.n_main, num_col)
        if n_slack:
            self.triplets.add(
                np.concatenate(self.slack_rows), self.n_main + np.arange(n_slack), 1.0
            )
        need = np.concatenate(self.slack_need) if self.slack_need else np.zeros(0)
        parts = self._parts(num_col)
        if self.elastic:
            cost = np.zeros(num_col)
            cost[self.columns["slack"]] = 1.0 / np.maximum(1.0, need)
            maximise = False
        elif objective is Objective.CO2:
            cost, maximise = parts["co2_avoided"].copy(), True
        elif objective is Objective.COST:
            cost, maximise = -parts["valorisation"], False
        else:
            cost, maximise = parts["valorisation"].copy(), True

        def stack(blocks: list[np.ndarray]) -> np.ndarray:
            return np.concatenate(blocks) if blocks else np.zeros(0)

        return DirectModel(
            problem=self.problem,
            objective=objective,
            elastic=self.elastic,
            bounds=self.bounds,
            form=MatrixForm(
                matrix=self.triplets.matrix(self.num_row, num_col),
                col_cost=cost,
                col_lower=np.zeros(num_col),
                col_upper=np.concatenate([self.upper, np.full(n_slack, np.inf)]),
                integrality=np.concatenate([self.integrality, np.zeros(n_slack, dtype=np.int32)]),
                row_lower=stack(self.row_lower),
                row_upper=stack(self.row_upper),
                maximise=maximise,
            ),
            columns=self.columns,
            rows=self.rows,
            slices=self.T,
            x_arc=self.x_arc,
            x_commodity=self.x_com,
            y_arc=self.y_arc,
            w_converter=self.w_converter,
            pairs=self.pairs,
            parts=parts,
            slack_keys=self.slack_keys,
            slack_requirement=need,
            k_arc=self.k_arc,
            stored=self.stored,
        )


def column_values(model: DirectModel, solution: np.ndarray) -> Values:
    """The variable values of ``solution`` by index; flows at or below ``EPS`` are left out."""
    p, T, cols = model.problem, model.slices, model.columns
    x = solution[cols["x"]]
    hot = np.flatnonzero(x > EPS)
    ak, t = np.divmod(hot, T)
    names = p.commodities
    x_values = {
        (a, names[k], s): q
        for a, k, s, q in zip(
            model.x_arc[ak].tolist(),
            model.x_commodity[ak].tolist(),
            t.tolist(),
            x[hot].tolist(),
            strict=True,
        )
    }

    def by_slice(block: str, count: int) -> dict[tuple[int, int], float]:
        values = solution[cols[block]].reshape(count, T)
        return {(i, s): float(values[i, s]) for i in range(count) for s in range(T)}

    return Values(
        x=x_values,
        y=dict(zip(model.y_arc.tolist(), solution[cols["y"]].tolist(), strict=True)),
        u=by_slice("u", len(p.supplies)),
        v=by_slice("v", len(p.demands)),
        z=by_slice("z", len(p.converters)),
        w=dict(zip(model.w_converter.tolist(), solution[cols["w"]].tolist(), strict=True)),
    )


def cleaned_columns(model: DirectModel, values: Values, solution: np.ndarray) -> np.ndarray:
    """A copy of ``solution`` holding ``values`` in the columns of the variables."""
    p, T, cols = model.problem, model.slices, model.columns
    out = solution.copy()
    pair = {
        (a, p.commodities[k]): i
        for i, (a, k) in enumerate(
            zip(model.x_arc.tolist(), model.x_commodity.tolist(), strict=True)
        )
    }
    x = np.zeros(model.x_arc.size * T)
    for (a, k, t), q in values.x.items():
        x[pair[a, k] * T + t] = q
    out[cols["x"]] = x
    out[cols["y"]] = [values.y[a] for a in model.y_arc.tolist()]
    out[cols["w"]] = [values.w[c] for c in model.w_converter.tolist()]
    for block, table, count in (
        ("u", values.u, len(p.supplies)),
        ("v", values.v, len(p.demands)),
        ("z", values.z, len(p.converters)),
    ):
        out[cols[block]] = [table[i, t] for i in range(count) for t in range(T)]
    return out


__all__ = ["FAMILIES", "PARTS", "DirectModel", "build_arrays", "cleaned_columns", "column_values"]
