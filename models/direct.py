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
    y[a]      one per candidate arc, in arc order           (y_arc maps back)
    u[s,t]    at  columns["u"].start + s*T + t
    v[d,t]    at  columns["v"].start + d*T + t
    z[c,t]    at  columns["z"].start + c*T + t
    w[c]      one per buildable converter, in order           (w_converter maps back)
    slack     elastic model only, one per hard requirement    (slack_keys maps back)

Rows come in the order of ``Formulation.FAMILIES``; ``rows[family]`` is each family's block.
The flow-balance row of (node, commodity) pair ``p`` and slice ``t`` is
``rows["flow_balance"].start + p*T + t`` with ``pairs[p]`` the pair, in the order in which
the Pyomo formulation meets them.

``solve_direct`` maps HiGHS's outcome onto :class:`~models.result.Result` by the same rules as
:func:`models.solve.solve` (statuses, bound, gap, the elastic re-solve naming what makes a
problem infeasible), so the two backends can stand in for each other.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np
import scipy.sparse as sp

from models.bounds import Bounds, compute_bounds
from models.problem import Arc, Problem
from models.result import Objective, Result, Shortfall, Status, objective_from_totals
from models.solve import Progress, SolveOptions
from models.tables import EPS, build_tables

log = logging.getLogger(__name__)

FAMILIES = (
    "flow_balance",
    "arc_capacity",
    "arc_commodity_link",
    "converter_capacity",
    "must_dispatch",
    "must_serve",
    "minimum_delivery",
)
"""The constraint families, in row order (the same names as ``Formulation.FAMILIES``)."""

PARTS = (
    "value",
    "disposal_avoided",
    "co2_avoided",
    "transport_cost",
    "conversion_cost",
    "fixed_cost",
    "valorisation",
)
"""The named objective expressions, each kept as one coefficient per column."""

_CONTINUOUS, _INTEGER = 0, 1


@dataclass
class DirectModel:
    """One problem's MILP as arrays, ready for ``Highs.passModel``.

    Attributes:
        problem: the problem it was built from.
        objective: the active objective (ignored by an elastic model).
        elastic: hard requirements carry slacks and the objective minimises them.
        bounds: the data-derived bounds used as big-M values.
        matrix: the constraint matrix, rows × columns, in CSC form.
        col_cost: objective coefficient per column, in HiGHS's sense (see ``maximise``).
        col_lower: lower bound per column.
        col_upper: upper bound per column (``inf`` for none).
        integrality: 1 for a binary build decision, 0 for a continuous column (int32).
        row_lower: lower bound per row (``-inf`` for none).
        row_upper: upper bound per row (``inf`` for none).
        maximise: whether HiGHS maximises ``col_cost @ x``.
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
    """

    problem: Problem
    objective: Objective
    elastic: bool
    bounds: Bounds
    matrix: sp.csc_matrix
    col_cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integrality: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    maximise: bool
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

    @property
    def num_col(self) -> int:
        """Number of columns."""
        return int(self.col_cost.size)

    @property
    def num_row(self) -> int:
        """Number of rows."""
        return int(self.row_lower.size)

    @property
    def num_nz(self) -> int:
        """Number of stored non-zeros of the constraint matrix."""
        return int(self.matrix.nnz)

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


def _per_slice(value: float | Sequence[float]) -> tuple[float, ...]:
    """A validated problem holds per-slice tuples; this narrows the declared type."""
    assert not isinstance(value, (int, float)), "the Problem normalises quantities to tuples"
    return tuple(value)


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
) -> DirectModel:
    """Assemble the MILP of :class:`~models.formulation.Formulation` as arrays.

    Args:
        problem: the validated problem.
        objective: which objective is active.
        elastic: give every hard requirement (``must_dispatch``, ``must_serve``,
            ``minimum_delivery``) a non-negative slack and minimise the weighted slacks
            ``sum slack / max(1, requirement)`` instead of the objective.
        families: constraint families to build (default: all of ``FAMILIES``).
        bounds: precomputed bounds (default: :func:`models.bounds.compute_bounds`).

    Raises:
        ProblemError: as :func:`models.bounds.compute_bounds`, for an unbounded candidate.
    """
    objective = Objective(objective)
    wanted = set(FAMILIES if families is None else families)
    unknown = wanted - set(FAMILIES)
    if unknown:
        raise ValueError(f"families: unknown constraint families {sorted(unknown)}")
    p = problem
    b = bounds or compute_bounds(p)
    T = len(p.slices)
    tt = np.arange(T)
    share = np.array([s.share for s in p.slices], dtype=np.float64)
    com_id = {k: i for i, k in enumerate(p.commodities)}
    node_id = {n: i for i, n in enumerate(p.nodes)}
    K = len(p.commodities)

    # -- arcs and (arc, commodity) pairs ----------------------------------------------------
    A = len(p.arcs)
    per_arc = np.array([len(a.commodities) for a in p.arcs], dtype=np.int64)
    AK = int(per_arc.sum())
    x_arc = np.repeat(np.arange(A), per_arc)
    x_com = np.fromiter((com_id[k] for a in p.arcs for k in a.commodities), np.int64, AK)
    arc_start = np.concatenate(([0], np.cumsum(per_arc)[:-1])).astype(np.int64)
    tail = np.array([node_id[a.tail] for a in p.arcs], dtype=np.int64)
    head = np.array([node_id[a.head] for a in p.arcs], dtype=np.int64)
    capacity = np.array([a.capacity for a in p.arcs], dtype=np.float64)
    existing = np.array([a.existing for a in p.arcs], dtype=bool)
    arc_fixed = np.array([a.fixed_cost for a in p.arcs], dtype=np.float64)
    loss = _per_pair(p.arcs, "loss", 0.0, AK)
    x_varcost = _per_pair(p.arcs, "variable_cost", 0.0, AK)
    x_co2 = _per_pair(p.arcs, "co2", 0.0, AK)
    commodity_capacity = _per_pair(p.arcs, "commodity_capacity", math.inf, AK)

    # B[ak,t] and U[a,t] of models.bounds, computed for all pairs and slices at once.
    available = np.array([b.available[k] for k in p.commodities], dtype=np.float64).reshape(K, T)
    absorbable = np.array([b.absorbable[k] for k in p.commodities], dtype=np.float64)
    absorbable = absorbable.reshape(K, T)
    arc_share = capacity[:, None] * share[None, :]
    pair_bound = np.minimum.reduce(
        [
            arc_share[x_arc],
            commodity_capacity[:, None] * share[None, :],
            available[x_com],
            absorbable[x_com],
        ]
    )
    arc_bound = (
        np.minimum(arc_share, np.add.reduceat(pair_bound, arc_start, axis=0))
        if A
        else np.zeros((0, T))
    )

    # -- supplies, demands, converters ------------------------------------------------------
    S, D, C = len(p.supplies), len(p.demands), len(p.converters)
    supply_q = np.array([_per_slice(s.quantity) for s in p.supplies], dtype=np.float64)
    supply_q = supply_q.reshape(S, T)
    demand_q = np.array([_per_slice(d.quantity) for d in p.demands], dtype=np.float64)
    demand_q = demand_q.reshape(D, T)
    demand_min = np.array([_per_slice(d.minimum) for d in p.demands], dtype=np.float64)
    demand_min = demand_min.reshape(D, T)
    activity = np.array([b.activity[c.name] for c in p.converters], dtype=np.float64)
    activity = activity.reshape(C, T)
    conv_existing = np.array([c.existing for c in p.converters], dtype=bool)

    # -- columns ----------------------------------------------------------------------------
    y_arc = np.flatnonzero(~existing)
    w_converter = np.flatnonzero(~conv_existing)
    sizes = {
        "x": AK * T,
        "y": y_arc.size,
        "u": S * T,
        "v": D * T,
        "z": C * T,
        "w": w_converter.size,
    }
    columns: dict[str, slice] = {}
    start = 0
    for name, size in sizes.items():
        columns[name] = slice(start, start + size)
        start += size
    x0, u0, v0, z0 = (columns[n].start for n in ("x", "u", "v", "z"))
    y_col = np.full(A, -1, dtype=np.int64)
    y_col[y_arc] = columns["y"].start + np.arange(y_arc.size)
    w_col = np.full(C, -1, dtype=np.int64)
    w_col[w_converter] = columns["w"].start + np.arange(w_converter.size)
    x_cols = (x0 + np.arange(AK * T)).reshape(AK, T)
    u_cols = (u0 + np.arange(S * T)).reshape(S, T)
    v_cols = (v0 + np.arange(D * T)).reshape(D, T)
    z_cols = (z0 + np.arange(C * T)).reshape(C, T)

    n_main = start
    lower = np.zeros(n_main)
    upper = np.concatenate(
        [
            pair_bound.ravel(),
            np.ones(y_arc.size),
            supply_q.ravel(),
            demand_q.ravel(),
            activity.ravel(),
            np.ones(w_converter.size),
        ]
    )
    integrality = np.zeros(n_main, dtype=np.int32)
    integrality[columns["y"]] = _INTEGER
    integrality[columns["w"]] = _INTEGER

    # -- rows -------------------------------------------------------------------------------
    triplets = _Triplets()
    row_lower: list[np.ndarray] = []
    row_upper: list[np.ndarray] = []
    rows: dict[str, slice] = {}
    slack_rows: list[np.ndarray] = []
    slack_keys: list[tuple[str, int, int]] = []
    slack_need: list[np.ndarray] = []
    next_row = 0

    def open_block(family: str, lo: np.ndarray, up: np.ndarray) -> int:
        nonlocal next_row
        first = next_row
        rows[family] = slice(first, first + lo.size)
        row_lower.append(lo)
        row_upper.append(up)
        next_row += lo.size
        return first

    # Flow-balance pairs, in the order Formulation meets them: (tail, k) and (head, k) of
    # every pair, then supplies, demands and converters.
    conv_terms = [
        (c, node_id[conv.node] * K + com_id[k], sign * y)
        for c, conv in enumerate(p.converters)
        for sign, table in ((-1.0, conv.inputs), (1.0, conv.outputs))
        for k, y in table.items()
    ]
    conv_c = np.array([c for c, _, _ in conv_terms], dtype=np.int64)
    conv_key = np.array([key for _, key, _ in conv_terms], dtype=np.int64)
    conv_coef = np.array([coef for _, _, coef in conv_terms], dtype=np.float64)
    supply_key = np.array(
        [node_id[s.node] * K + com_id[s.commodity] for s in p.supplies], dtype=np.int64
    )
    demand_key = np.array(
        [node_id[d.node] * K + com_id[d.commodity] for d in p.demands], dtype=np.int64
    )
    tail_key = tail[x_arc] * K + x_com
    head_key = head[x_arc] * K + x_com
    pair_keys, pair_of = _first_seen(
        np.concatenate(
            [np.column_stack([tail_key, head_key]).ravel(), supply_key, demand_key, conv_key]
        )
    )
    pairs = [(p.nodes[key // K], p.commodities[key % K]) for key in pair_keys.tolist()]
    marks = np.cumsum([0, 2 * AK, S, D, conv_key.size])
    tail_pair = pair_of[marks[0] : marks[1] : 2]
    head_pair = pair_of[marks[0] + 1 : marks[1] : 2]
    supply_pair = pair_of[marks[1] : marks[2]]
    demand_pair = pair_of[marks[2] : marks[3]]
    conv_pair = pair_of[marks[3] : marks[4]]

    if "flow_balance" in wanted and pairs:
        zero = np.zeros(len(pairs) * T)
        r0 = open_block("flow_balance", zero, zero)
        # inflow - outflow = 0, with supplies and converter outputs as inflows
        triplets.add(r0 + head_pair[:, None] * T + tt, x_cols, (1.0 - loss)[:, None])
        triplets.add(r0 + tail_pair[:, None] * T + tt, x_cols, -1.0)
        triplets.add(r0 + supply_pair[:, None] * T + tt, u_cols, 1.0)
        triplets.add(r0 + demand_pair[:, None] * T + tt, v_cols, -1.0)
        triplets.add(r0 + conv_pair[:, None] * T + tt, z_cols[conv_c], conv_coef[:, None])

    if "arc_capacity" in wanted:
        arcs = np.flatnonzero(~existing | np.isfinite(capacity))
        if arcs.size:
            bound = arc_bound[arcs]
            up = np.where(existing[arcs, None], bound, 0.0)
            r0 = open_block("arc_capacity", np.full(up.size, -np.inf), up.ravel())
            row_of_arc = np.full(A, -1, dtype=np.int64)
            row_of_arc[arcs] = r0 + np.arange(arcs.size) * T
            on = row_of_arc[x_arc] >= 0
            triplets.add(row_of_arc[x_arc[on], None] + tt, x_cols[on], 1.0)
            cand = ~existing[arcs]
            triplets.add(
                row_of_arc[arcs[cand], None] + tt, y_col[arcs[cand], None], -bound[cand]
            )

    if "arc_commodity_link" in wanted:
        linked = np.flatnonzero(~existing[x_arc] & (per_arc[x_arc] > 1))
        if linked.size:
            n = linked.size * T
            r0 = open_block("arc_commodity_link", np.full(n, -np.inf), np.zeros(n))
            link_rows = r0 + (np.arange(linked.size) * T)[:, None] + tt
            triplets.add(link_rows, x_cols[linked], 1.0)
            triplets.add(link_rows, y_col[x_arc[linked], None], -pair_bound[linked])

    if "converter_capacity" in wanted:
        c_idx, t_idx = np.nonzero(np.isfinite(activity))
        if c_idx.size:
            limit = activity[c_idx, t_idx]
            built = conv_existing[c_idx]
            up = np.where(built, limit, 0.0)
            r0 = open_block("converter_capacity", np.full(up.size, -np.inf), up)
            cap_rows = r0 + np.arange(c_idx.size)
            triplets.add(cap_rows, z_cols[c_idx, t_idx], 1.0)
            triplets.add(cap_rows[~built], w_col[c_idx[~built]], -limit[~built])

    def requirement(
        family: str, kind: str, items: np.ndarray, t_idx: np.ndarray, cols: np.ndarray,
        need: np.ndarray, lo: np.ndarray, up: np.ndarray,
    ) -> None:
        if family not in wanted or items.size == 0:
            return
        r0 = open_block(family, lo, up)
        req_rows = r0 + np.arange(items.size)
        triplets.add(req_rows, cols[items, t_idx], 1.0)
        if elastic:
            slack_rows.append(req_rows)
            slack_need.append(need)
            slack_keys.extend(zip([kind] * items.size, items.tolist(), t_idx.tolist(), strict=True))

    s_idx, st_idx = np.nonzero(
        np.array([s.must_dispatch for s in p.supplies], dtype=bool)[:, None] & np.ones(T, bool)
    )
    q = supply_q[s_idx, st_idx]
    requirement("must_dispatch", "must_dispatch", s_idx, st_idx, u_cols, q, q, q)
    serve = np.array([d.must_serve for d in p.demands], dtype=bool)
    d_idx, dt_idx = np.nonzero(serve[:, None] & np.ones(T, bool))
    q = demand_q[d_idx, dt_idx]
    requirement("must_serve", "must_serve", d_idx, dt_idx, v_cols, q, q, q)
    m_idx, mt_idx = np.nonzero(~serve[:, None] & (demand_min > 0))
    q = demand_min[m_idx, mt_idx]
    requirement(
        "minimum_delivery", "minimum", m_idx, mt_idx, v_cols, q, q, np.full(q.size, np.inf)
    )

    # -- slacks of the elastic model --------------------------------------------------------
    n_slack = len(slack_keys)
    columns["slack"] = slice(n_main, n_main + n_slack)
    if n_slack:
        triplets.add(np.concatenate(slack_rows), n_main + np.arange(n_slack), 1.0)
    num_col = n_main + n_slack
    lower = np.concatenate([lower, np.zeros(n_slack)])
    upper = np.concatenate([upper, np.full(n_slack, np.inf)])
    integrality = np.concatenate([integrality, np.zeros(n_slack, dtype=np.int32)])
    requirement_of = np.concatenate(slack_need) if slack_need else np.zeros(0)

    # -- objective expressions --------------------------------------------------------------
    def vector() -> np.ndarray:
        return np.zeros(num_col)

    parts = {name: vector() for name in PARTS}
    parts["value"][v_cols] = np.array([d.value for d in p.demands])[:, None]
    parts["disposal_avoided"][u_cols] = np.array([s.disposal_cost for s in p.supplies])[:, None]
    co2 = parts["co2_avoided"]
    co2[v_cols] = np.array([d.co2 for d in p.demands])[:, None]
    co2[u_cols] = np.array([s.disposal_co2 for s in p.supplies])[:, None]
    co2[x_cols] = -x_co2[:, None]
    co2[z_cols] = -np.array([c.co2 for c in p.converters])[:, None]
    parts["transport_cost"][x_cols] = x_varcost[:, None]
    parts["conversion_cost"][z_cols] = np.array([c.variable_cost for c in p.converters])[:, None]
    fixed = parts["fixed_cost"]
    fixed[y_col[y_arc]] = arc_fixed[y_arc]
    fixed[w_col[w_converter]] = [p.converters[c].fixed_cost for c in w_converter]
    parts["valorisation"] = (
        parts["value"]
        + parts["disposal_avoided"]
        + p.carbon_price * co2
        - parts["transport_cost"]
        - parts["conversion_cost"]
        - fixed
    )
    if elastic:
        cost = vector()
        cost[columns["slack"]] = 1.0 / np.maximum(1.0, requirement_of)
        maximise = False
    elif objective is Objective.CO2:
        cost, maximise = co2.copy(), True
    elif objective is Objective.COST:
        cost, maximise = -parts["valorisation"], False
    else:
        cost, maximise = parts["valorisation"].copy(), True

    return DirectModel(
        problem=p,
        objective=objective,
        elastic=elastic,
        bounds=b,
        matrix=triplets.matrix(next_row, num_col),
        col_cost=cost,
        col_lower=lower,
        col_upper=upper,
        integrality=integrality,
        row_lower=np.concatenate(row_lower) if row_lower else np.zeros(0),
        row_upper=np.concatenate(row_upper) if row_upper else np.zeros(0),
        maximise=maximise,
        columns=columns,
        rows=rows,
        slices=T,
        x_arc=x_arc,
        x_commodity=x_com,
        y_arc=y_arc,
        w_converter=w_converter,
        pairs=pairs,
        parts=parts,
        slack_keys=slack_keys,
        slack_requirement=requirement_of,
    )


def pass_to_highs(model: DirectModel, highs: highspy.Highs | None = None) -> highspy.Highs:
    """Hand ``model`` to a (new) HiGHS instance in one ``passModel`` call; returns it."""
    h = highs if highs is not None else highspy.Highs()
    h.setOptionValue("output_flag", False)
    a = model.matrix
    sense = highspy.ObjSense.kMaximize if model.maximise else highspy.ObjSense.kMinimize
    status = h.passModel(
        model.num_col,
        model.num_row,
        model.num_nz,
        int(highspy.MatrixFormat.kColwise),
        int(sense),
        0.0,
        model.col_cost,
        model.col_lower,
        model.col_upper,
        model.row_lower,
        model.row_upper,
        a.indptr.astype(np.int32),
        a.indices.astype(np.int32),
        a.data,
        model.integrality,
    )
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the model passed to it")
    return h


def solve_direct(
    problem: Problem,
    objective: Objective | str = Objective.VALORISATION,
    options: SolveOptions | None = None,
) -> Result:
    """Optimise ``problem`` through the array backend; the same contract as ``models.solve``.

    ``timings`` holds ``build`` (arrays), ``handover`` (``passModel``), ``solve`` (HiGHS)
    and ``results`` (tables and totals), in seconds.

    Raises:
        ProblemError: only if the problem cannot be formulated (e.g. an unbounded candidate
            arc); a validated problem that is infeasible returns ``Status.INFEASIBLE``.
    """
    objective = Objective(objective)
    options = options or SolveOptions()
    tick = time.perf_counter()
    model = build_arrays(problem, objective)
    build_seconds = time.perf_counter() - tick
    session = _DirectSession(model, options)
    result = session.run()
    result.timings = {"build": build_seconds, "handover": session.handover_seconds} | (
        result.timings
    )
    return result


class _DirectSession:
    """One :class:`DirectModel` handed to one HiGHS instance; ``run`` solves it."""

    def __init__(self, model: DirectModel, options: SolveOptions) -> None:
        self.model = model
        self.options = options
        tick = time.perf_counter()
        self.highs = pass_to_highs(model)
        self.handover_seconds = time.perf_counter() - tick
        self._start = 0.0
        self._last_progress = 0.0
        self._interrupted = False
        if options.progress is not None or options.should_stop is not None:
            self.highs.cbMipImprovingSolution.subscribe(self._on_event)
            self.highs.cbMipInterrupt.subscribe(self._on_event)
            self.highs.cbSimplexInterrupt.subscribe(self._on_interrupt_only)

    def _on_interrupt_only(self, event: highspy.HighsCallbackEvent) -> None:
        if self.options.should_stop is not None and self.options.should_stop():
            self._interrupted = True
            event.interrupt()

    def _on_event(self, event: highspy.HighsCallbackEvent) -> None:
        self._on_interrupt_only(event)
        if self.options.progress is None:
            return
        now = time.perf_counter()
        improving = (
            event.callback_type == highspy.cb.HighsCallbackType.kCallbackMipImprovingSolution
        )
        if not improving and now - self._last_progress < self.options.progress_every:
            return
        self._last_progress = now
        out = event.data_out
        incumbent = _finite_or_none(out.mip_primal_bound)
        bound = _finite_or_none(out.mip_dual_bound)
        gap = _finite_or_none(out.mip_gap) if incumbent is not None else None
        self.options.progress(
            Progress(now - self._start, incumbent, bound, gap, int(out.mip_node_count))
        )

    def _configure(self) -> None:
        h, opts = self.highs, self.options
        h.setOptionValue("output_flag", opts.log_to_console)
        if opts.threads is not None:
            h.setOptionValue("threads", opts.threads)
        if opts.time_limit is not None:
            h.setOptionValue("time_limit", float(opts.time_limit))
        h.setOptionValue("mip_rel_gap", float(opts.gap))
        h.setOptionValue("mip_abs_gap", 1e-9 if opts.gap == 0 else 1e-6)

    def run(self) -> Result:
        """Solve and read the result (never raises on solver outcomes)."""
        objective = self.model.objective
        name = self.model.problem.name
        self._start = time.perf_counter()
        self._interrupted = False
        try:
            self._configure()
            self.highs.run()
        except Exception as exc:  # the solver's own failure: report it, never a trace
            log.exception("HiGHS failed")
            result = Result(
                Status.ERROR, objective, message=f"solver error: {exc}", problem_name=name
            )
            result.timings = {"solve": time.perf_counter() - self._start, "results": 0.0}
            return result
        solve_seconds = time.perf_counter() - self._start
        tick = time.perf_counter()
        result = self._read(solve_seconds)
        result.timings["results"] = time.perf_counter() - tick
        result.timings["solve"] = solve_seconds
        return result

    def _read(self, seconds: float) -> Result:
        h, model = self.highs, self.model
        objective, name = model.objective, model.problem.name
        status = h.getModelStatus()
        info = h.getInfo()
        has_solution = info.primal_solution_status == 2
        S = highspy.HighsModelStatus
        if status == S.kOptimal:
            state, message = Status.OPTIMAL, "optimal"
        elif self._interrupted:
            state, message = Status.CANCELLED, "cancelled by the user"
        elif status in (S.kTimeLimit, S.kIterationLimit, S.kSolutionLimit, S.kInterrupt):
            if has_solution:
                state, message = Status.TIME_LIMIT, "time limit reached; best solution found so far"
            else:
                state = Status.NO_SOLUTION
                message = "time limit reached before any solution was found"
        elif status in (S.kInfeasible, S.kUnboundedOrInfeasible):
            return self._diagnose(seconds, status == S.kUnboundedOrInfeasible)
        elif status == S.kUnbounded:
            state = Status.UNBOUNDED
            message = "the objective is unbounded: a cost or value has no limit"
        else:
            return Result(
                Status.ERROR,
                objective,
                message=f"HiGHS ended with status {h.modelStatusToString(status)}",
                solve_seconds=seconds,
                problem_name=name,
            )
        result = Result(state, objective, message=message, solve_seconds=seconds, problem_name=name)
        if not has_solution:
            return result
        self._fill(result, np.asarray(h.getSolution().col_value, dtype=np.float64))
        bound = info.mip_dual_bound if info.mip_node_count >= 0 else result.objective
        result.bound = _finite_or_none(bound)
        if state is Status.OPTIMAL and info.mip_node_count < 0:
            result.gap = 0.0
        elif result.bound is not None and result.objective is not None:
            result.gap = abs(result.bound - result.objective) / max(abs(result.objective), 1e-9)
        return result

    def _fill(self, result: Result, solution: np.ndarray) -> None:
        """Read the column values into tables and totals."""
        model, p = self.model, self.model.problem
        T = model.slices
        cols = model.columns
        x = solution[cols["x"]]
        # build_tables ignores flows at or below EPS: pass only the others.
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

        y_values = dict(zip(model.y_arc.tolist(), solution[cols["y"]].tolist(), strict=True))
        w_values = dict(
            zip(model.w_converter.tolist(), solution[cols["w"]].tolist(), strict=True)
        )
        tables = build_tables(
            p,
            x_values,
            y_values,
            by_slice("u", len(p.supplies)),
            by_slice("v", len(p.demands)),
            by_slice("z", len(p.converters)),
            w_values,
        )
        result.flows = tables["flows"]
        result.built_arcs = tables["built_arcs"]
        result.converters = tables["converters"]
        result.balances = tables["balances"]
        totals = model.totals(solution)
        totals["carbon_value"] = p.carbon_price * totals["co2_avoided"]
        totals["carbon_price"] = p.carbon_price
        result.totals = totals
        result.objective = objective_from_totals(result.objective_kind, totals)

    def _diagnose(self, seconds: float, maybe_unbounded: bool) -> Result:
        """Name the hard requirements that cannot be met, by an elastic re-solve."""
        model, p = self.model, self.model.problem
        result = Result(
            Status.INFEASIBLE,
            model.objective,
            solve_seconds=seconds,
            problem_name=p.name,
            message="infeasible: the hard requirements cannot all be met",
        )
        if not self.options.diagnose:
            return result
        elastic = build_arrays(p, model.objective, elastic=True, bounds=model.bounds)
        h = pass_to_highs(elastic)
        if self.options.time_limit is not None:
            h.setOptionValue("time_limit", float(self.options.time_limit))
        if self.options.threads is not None:
            h.setOptionValue("threads", self.options.threads)
        h.run()
        if h.getInfo().primal_solution_status != 2:
            result.message += " (the diagnosis found no solution in time)"
            return result
        slack = np.asarray(h.getSolution().col_value)[elastic.columns["slack"]]
        for key, need, gap in zip(
            elastic.slack_keys, elastic.slack_requirement.tolist(), slack.tolist(), strict=True
        ):
            if gap <= 1e-6 * max(1.0, need):
                continue
            kind, i, t = key
            item = p.supplies[i] if kind == "must_dispatch" else p.demands[i]
            result.shortfalls.append(
                Shortfall(kind, item.node, item.commodity, p.slices[t].name, need, gap)
            )
        if not result.shortfalls:
            if maybe_unbounded:
                result.status = Status.UNBOUNDED
                result.message = "the objective is unbounded: a cost or value has no limit"
            else:
                result.message += " (no single requirement could be named)"
        else:
            result.message = "infeasible: " + "; ".join(s.describe() for s in result.shortfalls)
        return result


def _finite_or_none(value: float | None) -> float | None:
    if value is None or not math.isfinite(value) or abs(value) >= 1e30:
        return None
    return float(value)


__all__ = ["FAMILIES", "PARTS", "DirectModel", "build_arrays", "pass_to_highs", "solve_direct"]
