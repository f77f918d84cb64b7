"""Marginal values of a finished optimum: what one more unit of something is worth.

That is one more unit of a supply, of a demand or of a binding capacity.  The build decisions (``y``, ``w``) are fixed at the optimum and the remaining LP is solved
with HiGHS; its duals are the marginal values.  For a supply or a demand, the value of one
more unit a year (spread over the slices by their share, as a scalar quantity is) is

    sum_t share_t (col_dual(u[s,t]) + row_dual(must_dispatch[s,t]))        (supply s)
    sum_t share_t (col_dual(v[d,t]) + row_dual(must_serve[d,t]))           (demand d)

where a column's dual counts only when it sits at its upper bound (the quantity binds)

and for one more unit of annual capacity of an arc or a converter (capacity × share per slice)

    sum_t share_t row_dual(arc_capacity[a,t])              (arc a)
    sum_t share_t row_dual(converter_capacity[c,t])        (converter c)

They are in the objective's terms per unit: EUR/yr per (unit/yr) for valorisation (and for
cost, reported as the gain, i.e. the valorisation's), t CO2/yr per (unit/yr) for CO2.

The LP is built with bounds derived from an inflated copy of the problem (twice every supply,
demand and converter capacity, plus one), so that the tight data-derived bounds of
:mod:`models.bounds` — which equal the supplies and demands when those bind — cannot take the
dual value away from the supply or demand it belongs to.  With the binaries fixed they are only loose, valid limits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import highspy
import numpy as np
import pandas as pd

from models.bounds import Bounds, compute_bounds
from models.direct import DirectModel, build_arrays
from models.problem import Demand, Problem, Supply
from models.result import Objective, Result
from models.session import MatrixForm, pass_to_highs

MARGINAL_COLUMNS = ["kind", "item", "node", "commodity", "value_per_unit", "objective"]
"""``kind``: supply, demand, arc_capacity, converter_capacity or storage_capacity; ``item``:
the arc ``tail->head (mode)``, the converter or the storage (empty for supplies, demands)."""

_TINY = 1e-9


def marginal_values(problem: Problem, result: Result) -> pd.DataFrame:
    """The marginal value of every supply and demand, and of every binding capacity.

    Returns an empty table when ``result`` holds no solution or the fixed LP does not solve.
    """
    if not result.has_solution:
        return pd.DataFrame(columns=MARGINAL_COLUMNS)
    kind = Objective.CO2 if result.objective_kind is Objective.CO2 else Objective.VALORISATION
    model = build_arrays(problem, kind, bounds=_loose_bounds(problem))
    decisions = _decisions(problem, result)
    lp = _fixed_lp(model, decisions)
    if lp is None:
        return pd.DataFrame(columns=MARGINAL_COLUMNS)
    col_dual, row_dual = lp.col_dual, lp.row_dual
    rows = _supply_demand_values(model, col_dual, row_dual, kind.value)
    rows += _capacity_values(model, col_dual, row_dual, kind.value, decisions)
    if lp.degenerate():
        _one_sided(lp, rows)
        rows = [r for r in rows if r["kind"] in ("supply", "demand") or _worth(r)]
    for row in rows:
        row.pop("_bump", None)
    return pd.DataFrame(rows, columns=MARGINAL_COLUMNS)


def _worth(row: dict[str, object]) -> bool:
    value = row["value_per_unit"]
    return isinstance(value, float) and abs(value) > _TINY


def _loose_bounds(problem: Problem) -> Bounds:
    """Valid bounds that bind nothing but the capacities themselves.

    Flow bounds come from a copy of the problem with every supply, demand and converter
    capacity doubled plus one; converter activity keeps its own capacity (the row whose dual
    is the converter's marginal value) where that is finite.
    """
    loose = compute_bounds(_inflated(problem))
    activity = {
        c.name: [
            min(c.capacity * sl.share, bound) if math.isfinite(c.capacity) else bound
            for sl, bound in zip(problem.slices, loose.activity[c.name], strict=True)
        ]
        for c in problem.converters
    }
    return Bounds(loose.available, loose.absorbable, activity)


def _inflated(problem: Problem) -> Problem:
    """``problem`` with every supply, demand and converter capacity doubled plus one."""
    return replace(
        problem,
        converters=tuple(replace(c, capacity=2 * c.capacity + 1) for c in problem.converters),
        supplies=tuple(
            replace(s, quantity=tuple(2 * q + 1 for q in s.quantities), must_dispatch=False)
            for s in problem.supplies
        ),
        demands=tuple(
            replace(d, quantity=tuple(2 * q + 1 for q in d.quantities), must_serve=False)
            for d in problem.demands
        ),
    )


def _decisions(problem: Problem, result: Result) -> tuple[set[int], set[int]]:
    """The candidate arcs and the buildable converters built at the optimum."""
    keys = {a.key: i for i, a in enumerate(problem.arcs)}
    arcs = {
        keys[(str(r["tail"]), str(r["head"]), str(r["mode"]))]
        for r in result.built_arcs.to_dict(orient="records")
        if not r["existing"]
    }
    names = {c.name: i for i, c in enumerate(problem.converters)}
    convs: set[int] = set()
    if len(result.converters):
        built = result.converters.loc[result.converters["built"].astype(bool), "converter"]
        convs = {names[str(n)] for n in built}
    return arcs, convs


@dataclass
class _FixedLP:
    """The LP with every build decision fixed, solved: HiGHS holds it (and its basis)."""

    highs: highspy.Highs
    form: MatrixForm
    objective: float
    col_dual: np.ndarray
    row_dual: np.ndarray

    def degenerate(self) -> bool:
        """Whether a basic column or row sits at a bound: the duals may then not be unique."""
        basis, solution = self.highs.getBasis(), self.highs.getSolution()
        basic = highspy.HighsBasisStatus.kBasic
        f = self.form
        cols = _at_bound(np.asarray(solution.col_value), f.col_lower, f.col_upper)
        rows = _at_bound(np.asarray(solution.row_value), f.row_lower, f.row_upper)
        cols &= np.array([b == basic for b in basis.col_status], dtype=bool)
        rows &= np.array([b == basic for b in basis.row_status], dtype=bool)
        return bool(cols.any() or rows.any())

    def gain(self, bump: _Bump) -> float | None:
        """What the LP's optimum gains per unit of ``bump`` (None if the re-solve fails)."""
        h, f = self.highs, self.form
        cols, rows = bump.cols, bump.rows
        h.changeColsBounds(
            cols.size, cols, f.col_lower[cols], f.col_upper[cols] + STEP * bump.col_up
        )
        h.changeRowsBounds(  # type: ignore[attr-defined]
            rows.size,
            rows,
            f.row_lower[rows] + STEP * bump.row_lo,
            f.row_upper[rows] + STEP * bump.row_up,
        )
        h.run()
        solved = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        value = (h.getInfo().objective_function_value - self.objective) / STEP if solved else None
        h.changeColsBounds(cols.size, cols, f.col_lower[cols], f.col_upper[cols])
        h.changeRowsBounds(rows.size, rows, f.row_lower[rows], f.row_upper[rows])  # type: ignore[attr-defined]
        return value


@dataclass(frozen=True)
class _Bump:
    """One more unit of an item, as changes to the fixed LP's bounds (per unit)."""

    cols: np.ndarray
    col_up: np.ndarray
    rows: np.ndarray
    row_lo: np.ndarray
    row_up: np.ndarray


STEP = 1e-3
"""The step of the one-sided re-solve on a degenerate LP, in the item's unit a year."""


def _at_bound(value: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    tol = 1e-9 * np.maximum(1.0, np.abs(value))
    return (np.abs(value - lower) <= tol) | (np.abs(upper - value) <= tol)


def _one_sided(lp: _FixedLP, rows: list[dict[str, object]]) -> None:
    """On a degenerate LP, replace each dual by the gain of one more unit, re-solved.

    Several dual solutions are then optimal, and the one HiGHS returns may be the value of one
    unit *less* (e.g. two supplies exactly filling a demand: the first supply's dual may be its
    whole margin, while one more unit of it only displaces the second).  The documented value
    is the gain of one more unit, so each reported item is re-solved with its quantity or
    capacity raised by :data:`STEP` (HiGHS starts from the optimal basis: a few pivots).
    """
    for row in rows:
        bump, dual = row.get("_bump"), row["value_per_unit"]
        if not isinstance(bump, _Bump) or not isinstance(dual, float):
            continue
        gain = lp.gain(bump)
        # the dual is exact where it is the one-sided value; the re-solve is exact only to
        # the objective's round-off over STEP, so it replaces the dual only where they differ
        if gain is not None and abs(gain - dual) > 1e-3 * max(1.0, abs(dual)):
            row["value_per_unit"] = gain


def _fixed_lp(model: DirectModel, built: tuple[set[int], set[int]]) -> _FixedLP | None:
    """The LP with every build decision fixed, solved (None if it has no optimum).

    A candidate the result lists as unbuilt but that costs nothing (no fixed cost, no
    investment, no cap on new links counts it) stays free in [0, 1]: the optimum may have
    "built" it unseen, and it may carry the marginal unit.
    """
    p = model.problem
    arcs, convs = built
    lower = model.form.col_lower.copy()
    upper = model.form.col_upper.copy()
    capped = bool(p.new_link_groups())
    y_cols = range(model.columns["y"].start, model.columns["y"].stop)
    for j, a in zip(y_cols, model.y_arc, strict=True):
        arc = p.arcs[int(a)]
        free = not (arc.fixed_cost or arc.investment or arc.forbidden or arc.sized or capped)
        lower[j] = 1.0 if int(a) in arcs else 0.0
        upper[j] = 1.0 if int(a) in arcs or free else 0.0
    w_cols = range(model.columns["w"].start, model.columns["w"].stop)
    for j, c in zip(w_cols, model.w_converter, strict=True):
        conv = p.converters[int(c)]
        free = not (conv.fixed_cost or conv.investment or conv.forbidden)
        lower[j] = 1.0 if int(c) in convs else 0.0
        upper[j] = 1.0 if int(c) in convs or free else 0.0
    form = MatrixForm(
        matrix=model.form.matrix,
        col_cost=model.form.col_cost,
        col_lower=lower,
        col_upper=upper,
        integrality=np.zeros_like(model.form.integrality),
        row_lower=model.form.row_lower,
        row_upper=model.form.row_upper,
        maximise=model.form.maximise,
    )
    highs = pass_to_highs(form)
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    solution = highs.getSolution()
    if not solution.dual_valid:
        return None
    objective = float(highs.getInfo().objective_function_value)
    col_dual = _upper_bound_duals(solution, lower, upper)
    return _FixedLP(highs, form, objective, col_dual, np.asarray(solution.row_dual))


def _upper_bound_duals(
    solution: highspy.HighsSolution, lower: np.ndarray, upper: np.ndarray
) -> np.ndarray:
    """The value of raising each column's upper bound: its dual where it sits at that bound.

    A column below its upper bound gains nothing from raising it, whatever its reduced cost
    (at its lower bound, that is the value of lowering it).  A column fixed at both bounds
    (a quantity of 0) gains the reduced cost only when it is a gain (the LP maximises).
    """
    value = np.asarray(solution.col_value)
    dual = np.asarray(solution.col_dual)
    finite = np.isfinite(upper)
    limit = np.where(finite, upper, 0.0)
    at_upper = finite & (value >= limit - 1e-9 * np.maximum(1.0, np.abs(limit)))
    fixed = upper - lower <= 1e-12
    return np.where(at_upper & fixed, np.maximum(dual, 0.0), np.where(at_upper, dual, 0.0))


def _block_rows(model: DirectModel, family: str, flagged: list[bool]) -> dict[int, int]:
    """The first row of each flagged item's slice rows in ``family`` (items in order)."""
    if family not in model.rows:
        return {}
    start = model.rows[family].start
    items = [i for i, f in enumerate(flagged) if f]
    return {i: start + rank * model.slices for rank, i in enumerate(items)}


def _supply_demand_values(
    model: DirectModel, col_dual: np.ndarray, row_dual: np.ndarray, objective: str
) -> list[dict[str, object]]:
    p, T = model.problem, model.slices
    share = np.array([s.share for s in p.slices])
    rows: list[dict[str, object]] = []
    sections: tuple[tuple[str, Sequence[Supply | Demand], str, str], ...] = (
        ("supply", p.supplies, "u", "must_dispatch"),
        ("demand", p.demands, "v", "must_serve"),
    )
    for kind, items, block, family in sections:
        first = _block_rows(model, family, [bool(getattr(x, family)) for x in items])
        for i, item in enumerate(items):
            cols = model.columns[block].start + i * T + np.arange(T)
            per_slice = col_dual[cols].copy()
            required = first[i] + np.arange(T) if i in first else np.zeros(0, dtype=np.int64)
            per_slice += row_dual[required] if required.size else 0.0
            rows.append(
                {
                    "kind": kind,
                    "item": "",
                    "node": item.node,
                    "commodity": item.commodity,
                    "value_per_unit": float(share @ per_slice),
                    "objective": objective,
                    "_bump": _Bump(
                        cols, share, required, share[: required.size], share[: required.size]
                    ),
                }
            )
    return rows


def _arc_capacity_entries(model: DirectModel) -> tuple[dict[int, int], np.ndarray, np.ndarray]:
    """Where each arc's capacity stands in the LP.

    Returns the first ``arc_capacity`` row of each arc, the flow columns ``x`` (one row of ``T``
    per (arc, commodity) pair) and which of them have the capacity as their upper bound (the
    tight bounds repeat it).
    """
    p, T = model.problem, model.slices
    share = np.array([s.share for s in p.slices])
    capacity = np.array([a.capacity for a in p.arcs], dtype=np.float64)
    decided = np.zeros(len(p.arcs), dtype=bool)  # the arcs with a build decision y[a]
    decided[model.y_arc] = True
    first = _block_rows(model, "arc_capacity", [bool(f) for f in decided | np.isfinite(capacity)])
    x_cols = model.columns["x"].start + np.arange(model.x_arc.size)[:, None] * T + np.arange(T)
    limit = capacity[model.x_arc][:, None] * share
    repeats = np.isclose(model.form.col_upper[x_cols], limit, rtol=1e-12, atol=0.0)
    return first, x_cols, repeats


def _capacity_duals(model: DirectModel, col_dual: np.ndarray, row_dual: np.ndarray) -> np.ndarray:
    """Per arc and slice, the dual of its capacity.

    That is the ``arc_capacity`` row's, plus those of the flow columns whose upper bound is
    that same capacity (the tight bounds repeat it).
    """
    first, x_cols, repeats = _arc_capacity_entries(model)
    duals = np.zeros((len(model.problem.arcs), model.slices))
    for a, r0 in first.items():
        duals[a] = row_dual[r0 + np.arange(model.slices)]
    np.add.at(duals, model.x_arc, np.where(repeats, col_dual[x_cols], 0.0))
    return duals


def _arc_bump(model: DirectModel, a: int) -> _Bump:
    """One more unit a year of arc ``a``'s capacity: its rows and every bound repeating it.

    A built arc's ``arc_capacity`` row reads ``x - U y <= 0`` with ``y`` fixed at 1, so its
    right-hand side stands for the capacity; so does a commodity-link row whose bound ``B`` is
    the capacity itself.
    """
    p, T = model.problem, model.slices
    share = np.array([s.share for s in p.slices])
    first, x_cols, repeats = _arc_capacity_entries(model)
    rows = [first[a] + np.arange(T)] if a in first else []
    mine = model.x_arc == a
    cols = x_cols[mine][repeats[mine]]
    col_up = np.broadcast_to(share, repeats[mine].shape)[repeats[mine]]
    linked = _linked_rows_of(model, a)
    rows += linked
    row_index = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    row_step = np.tile(share, len(rows))
    return _Bump(cols, col_up, row_index, np.zeros_like(row_step), row_step)


def _linked_rows_of(model: DirectModel, a: int) -> list[np.ndarray]:
    """The ``arc_commodity_link`` rows of arc ``a`` whose bound is its capacity."""
    if "arc_commodity_link" not in model.rows:
        return []
    p, T = model.problem, model.slices
    share = np.array([s.share for s in p.slices])
    decided = np.zeros(len(p.arcs), dtype=bool)
    decided[model.y_arc] = True
    per_arc = np.bincount(model.x_arc, minlength=len(p.arcs))
    linked = np.flatnonzero(decided[model.x_arc] & (per_arc[model.x_arc] > 1))
    y_col = (
        model.columns["y"].start + int(np.flatnonzero(model.y_arc == a)[0]) if decided[a] else -1
    )
    out = []
    for rank in np.flatnonzero(model.x_arc[linked] == a):
        rows = model.rows["arc_commodity_link"].start + rank * T + np.arange(T)
        bound = -model.form.matrix[rows, y_col].toarray().ravel()
        if np.allclose(bound, p.arcs[a].capacity * share, rtol=1e-12, atol=0.0):
            out.append(rows)
    return out


def _capacity_values(
    model: DirectModel,
    col_dual: np.ndarray,
    row_dual: np.ndarray,
    objective: str,
    built: tuple[set[int], set[int]],
) -> list[dict[str, object]]:
    """Marginal values of the arcs and converters whose finite capacity binds.

    Only what exists at the optimum has a capacity to add to: an existing arc or converter,
    or a candidate the optimum builds.  One left unbuilt has none, whatever the dual of its
    linking row (that dual prices a sliver of a build the model does not allow): it is not
    listed (docs/formulation.md, "Marginal values").
    """
    p, T = model.problem, model.slices
    arcs_built, converters_built = built
    share = np.array([s.share for s in p.slices])
    rows: list[dict[str, object]] = []
    if p.arcs:
        duals = _capacity_duals(model, col_dual, row_dual)
        for a, arc in enumerate(p.arcs):
            value = float(share @ duals[a])
            # an arc left unbuilt has no capacity to add to; a sized one chooses its own
            open_ = arc.existing or (a in arcs_built and not arc.sized)
            if open_ and math.isfinite(arc.capacity) and abs(value) > _TINY:
                rows.append(
                    {
                        "kind": "arc_capacity",
                        "item": f"{arc.tail}->{arc.head} ({arc.mode})",
                        "node": arc.tail,
                        "commodity": ", ".join(arc.commodities),
                        "value_per_unit": value,
                        "objective": objective,
                        "_bump": _arc_bump(model, a),
                    }
                )
    rows += _storage_values(model, row_dual, objective)
    if "converter_capacity" in model.rows:
        activity = np.array([model.bounds.activity[c.name] for c in p.converters]).reshape(-1, T)
        c_idx, t_idx = np.nonzero(np.isfinite(activity))
        start = model.rows["converter_capacity"].start
        values = np.zeros(len(p.converters))
        np.add.at(values, c_idx, share[t_idx] * row_dual[start + np.arange(c_idx.size)])
        for c, conv in enumerate(p.converters):
            open_ = conv.existing or c in converters_built
            if open_ and math.isfinite(conv.capacity) and abs(values[c]) > _TINY:
                rows.append(
                    {
                        "kind": "converter_capacity",
                        "item": conv.name,
                        "node": conv.node,
                        "commodity": ", ".join(conv.outputs),
                        "value_per_unit": float(values[c]),
                        "objective": objective,
                        "_bump": _row_bump(
                            start + np.flatnonzero(c_idx == c), share[t_idx[c_idx == c]]
                        ),
                    }
                )
    return rows


def _row_bump(rows: np.ndarray, step: np.ndarray) -> _Bump:
    """One more unit a year of a capacity that stands as the upper bound of ``rows``."""
    empty = np.zeros(0, dtype=np.int64)
    return _Bump(empty, np.zeros(0), rows, np.zeros_like(step), step)


def _storage_values(
    model: DirectModel, row_dual: np.ndarray, objective: str
) -> list[dict[str, object]]:
    """Marginal values of the stores whose capacity binds: one more unit held, every slice.

    The capacity is a stock, not a yearly rate: its value is the sum of the slices' duals.
    """
    if "seasonal_storage" not in model.rows:
        return []
    p, T = model.problem, model.slices
    start = model.rows["seasonal_storage"].start
    rows: list[dict[str, object]] = []
    for i, g in enumerate(model.stored):
        st = p.storages[g]
        value = float(row_dual[start + i * T + np.arange(T)].sum())
        if abs(value) > _TINY:
            rows.append(
                {
                    "kind": "storage_capacity",
                    "item": st.name,
                    "node": st.node,
                    "commodity": st.commodity,
                    "value_per_unit": value,
                    "objective": objective,
                    "_bump": _row_bump(start + i * T + np.arange(T), np.ones(T)),
                }
            )
    return rows
