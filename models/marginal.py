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
from dataclasses import replace

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
    duals = _fixed_lp_duals(model, decisions)
    if duals is None:
        return pd.DataFrame(columns=MARGINAL_COLUMNS)
    col_dual, row_dual, steps = duals
    rows = _supply_demand_values(model, col_dual, row_dual, kind.value, steps)
    rows += _capacity_values(model, col_dual, row_dual, kind.value, decisions)
    return pd.DataFrame(rows, columns=MARGINAL_COLUMNS)


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


def _fixed_lp_duals(
    model: DirectModel, built: tuple[set[int], set[int]]
) -> tuple[np.ndarray, np.ndarray, dict[tuple[str, int], float]] | None:
    """Row and column duals of the LP with every build decision fixed (None if no optimum).

    Also the values of :func:`_one_more_unit`, where the duals are not unique.

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
    steps = _one_more_unit(highs, model, lower, upper)
    return _upper_bound_duals(solution, lower, upper), np.asarray(solution.row_dual), steps


MAX_STEPS = 200
"""Most supplies and demands whose value a degenerate LP re-solves one unit further."""


def _one_more_unit(
    highs: highspy.Highs, model: DirectModel, lower: np.ndarray, upper: np.ndarray
) -> dict[tuple[str, int], float]:
    """What one more unit a year of each binding supply and demand earns, in a degenerate LP.

    It is measured by re-solving the LP one unit further from its basis.  A degenerate LP has several optimal duals; HiGHS gives one, which may price a binding
    quantity at what it would be worth if a neighbour's did not bind too (two sources filling a
    taker exactly: one more t at either replaces a t of the other).  The value of one more unit
    is the smallest of them, which the re-solve measures.  Must-dispatch supplies and
    must-serve demands (their quantity is a row too) keep their duals; so do items beyond
    :data:`MAX_STEPS`.
    """
    if not _degenerate(highs, lower, upper):
        return {}
    p, T = model.problem, model.slices
    share = np.array([s.share for s in p.slices])
    value = np.asarray(highs.getSolution().col_value)
    dual = np.asarray(highs.getSolution().col_dual)
    base = float(highs.getInfo().objective_function_value)
    basis = highs.getBasis()
    items = [("supply", i, "u") for i, s in enumerate(p.supplies) if not s.must_dispatch]
    items += [("demand", i, "v") for i, d in enumerate(p.demands) if not d.must_serve]
    found: dict[tuple[str, int], float] = {}
    for kind, i, block in items:
        cols = model.columns[block].start + i * T + np.arange(T)
        binding = value[cols] >= upper[cols] - 1e-9 * np.maximum(1.0, upper[cols])
        if not binding.any():
            continue  # not binding: worth nothing, as its dual says
        if (dual[cols][binding] <= _TINY).all():
            continue  # raising a quantity never loses: every dual is at least 0, this one is 0
        if len(found) >= MAX_STEPS:
            break
        highs.changeColsBounds(T, cols, lower[cols], upper[cols] + share)
        highs.run()
        if highs.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            found[kind, i] = float(highs.getInfo().objective_function_value) - base
        highs.changeColsBounds(T, cols, lower[cols], upper[cols])
        highs.setBasis(basis)
    return found


def _degenerate(highs: highspy.Highs, lower: np.ndarray, upper: np.ndarray) -> bool:
    """Whether a basic column or row of the optimum sits at one of its bounds."""
    basic = int(highspy.HighsBasisStatus.kBasic)
    basis, solution, lp = highs.getBasis(), highs.getSolution(), highs.getLp()

    def at_bound(values: np.ndarray, lo: np.ndarray, hi: np.ndarray, status: list) -> bool:
        is_basic = np.fromiter((int(s) == basic for s in status), bool, len(status))
        tol = 1e-9 * np.maximum(1.0, np.abs(values))
        touching = (np.abs(values - lo) <= tol) | (np.abs(values - hi) <= tol)
        return bool(np.any(is_basic & touching))

    rows = (np.asarray(solution.row_value), np.asarray(lp.row_lower_), np.asarray(lp.row_upper_))
    return at_bound(np.asarray(solution.col_value), lower, upper, basis.col_status) or at_bound(
        *rows, basis.row_status
    )


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
    model: DirectModel,
    col_dual: np.ndarray,
    row_dual: np.ndarray,
    objective: str,
    steps: dict[tuple[str, int], float],
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
            if i in first:
                per_slice += row_dual[first[i] + np.arange(T)]
            rows.append(
                {
                    "kind": kind,
                    "item": "",
                    "node": item.node,
                    "commodity": item.commodity,
                    "value_per_unit": steps.get((kind, i), float(share @ per_slice)),
                    "objective": objective,
                }
            )
    return rows


def _capacity_duals(model: DirectModel, col_dual: np.ndarray, row_dual: np.ndarray) -> np.ndarray:
    """Per arc and slice, the dual of its capacity.

    That is the ``arc_capacity`` row's, plus those of the flow columns whose upper bound is
    that same capacity (the tight bounds repeat it).
    """
    p, T = model.problem, model.slices
    share = np.array([s.share for s in p.slices])
    capacity = np.array([a.capacity for a in p.arcs], dtype=np.float64)
    decided = np.zeros(len(p.arcs), dtype=bool)  # the arcs with a build decision y[a]
    decided[model.y_arc] = True
    duals = np.zeros((len(p.arcs), T))
    first = _block_rows(model, "arc_capacity", [bool(f) for f in decided | np.isfinite(capacity)])
    for a, r0 in first.items():
        duals[a] = row_dual[r0 + np.arange(T)]
    x_cols = model.columns["x"].start + np.arange(model.x_arc.size)[:, None] * T + np.arange(T)
    limit = capacity[model.x_arc][:, None] * share
    repeats = np.isclose(model.form.col_upper[x_cols], limit, rtol=1e-12, atol=0.0)
    np.add.at(duals, model.x_arc, np.where(repeats, col_dual[x_cols], 0.0))
    return duals


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
                    }
                )
    return rows


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
                }
            )
    return rows
