"""The MILP in Pyomo: one named function per constraint family.

The names here are the names of ``docs/formulation.md``.  Index sets are built sparsely from
the data (only arcs and (node, commodity) pairs that occur), and every linking constraint uses
the data-derived bound of :mod:`models.bounds` as its big-M.

Symbols: ``t`` a time slice, ``k`` a commodity, ``a`` an arc, ``s`` a supply, ``d`` a demand,
``c`` a converter.  Variables: ``x[a,k,t]`` flow entering arc ``a``; ``y[a]`` build decision of
a candidate arc; ``u[s,t]`` supply used; ``v[d,t]`` quantity delivered; ``z[c,t]`` converter
activity; ``w[c]`` build decision of a buildable converter; ``k[a]`` capacity chosen for a sized
arc; ``stock[g,t]`` what storage ``g`` holds at the end of slice ``t``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

from models.bounds import Bounds, compute_bounds, flow_bounds
from models.losses import loss_charges
from models.problem import Problem
from models.result import Objective


@dataclass
class Index:
    """Sparse index sets of one problem, shared by the formulation and the result tables."""

    slices: list[int]
    arc_commodities: list[tuple[int, str]]
    decided_arcs: list[int]
    buildable_converters: list[int]
    node_commodities: list[tuple[str, str]]
    arcs_in: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    arcs_out: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    supply_at: dict[tuple[str, str], int] = field(default_factory=dict)
    demand_at: dict[tuple[str, str], int] = field(default_factory=dict)
    converters_at: dict[tuple[str, str], list[int]] = field(default_factory=dict)


def build_index(problem: Problem, decide: Collection[int] = ()) -> Index:
    """Collect the sparse index sets of ``problem`` (``decide``: see :func:`decided_arcs`)."""
    arcs_in: dict[tuple[str, str], list[int]] = defaultdict(list)
    arcs_out: dict[tuple[str, str], list[int]] = defaultdict(list)
    converters_at: dict[tuple[str, str], list[int]] = defaultdict(list)
    pairs: dict[tuple[str, str], None] = {}
    arc_commodities = []
    for a, arc in enumerate(problem.arcs):
        for k in arc.commodities:
            arc_commodities.append((a, k))
            arcs_out[(arc.tail, k)].append(a)
            arcs_in[(arc.head, k)].append(a)
            pairs[(arc.tail, k)] = None
            pairs[(arc.head, k)] = None
    supply_at = {}
    for i, s in enumerate(problem.supplies):
        supply_at[(s.node, s.commodity)] = i
        pairs[(s.node, s.commodity)] = None
    demand_at = {}
    for i, d in enumerate(problem.demands):
        demand_at[(d.node, d.commodity)] = i
        pairs[(d.node, d.commodity)] = None
    for c, conv in enumerate(problem.converters):
        for k in list(conv.inputs) + list(conv.outputs):
            if c not in converters_at[(conv.node, k)]:
                converters_at[(conv.node, k)].append(c)
            pairs[(conv.node, k)] = None
    return Index(
        slices=list(range(len(problem.slices))),
        arc_commodities=arc_commodities,
        decided_arcs=decided_arcs(problem, decide),
        buildable_converters=[c for c, cv in enumerate(problem.converters) if not cv.existing],
        node_commodities=list(pairs),
        arcs_in=dict(arcs_in),
        arcs_out=dict(arcs_out),
        supply_at=supply_at,
        demand_at=demand_at,
        converters_at=dict(converters_at),
    )


def decided_arcs(problem: Problem, decide: Collection[int] = ()) -> list[int]:
    """The candidate arcs that need a build decision ``y[a]``, in arc order.

    A candidate arc costs nothing to build when it has no fixed cost, no capacity to size, no
    investment a budget counts, and no cap on new links counts it; nor is it required or
    forbidden.  Building it then changes nothing but what it may carry, so it behaves as an
    existing arc: no binary, its flows bounded by their data-derived bounds (13 of Dunkirk's
    25 candidate arcs are such).  The tables report it built when it carries flow.

    ``decide``: candidate arcs given a decision whatever their costs (a pathway decides an arc
    that costs something in another period or scenario, :mod:`models.pathway_index`).
    """
    counted = {a for _, _, arcs in problem.new_link_groups() for a in arcs}
    counted.update(decide)
    budget = problem.investment_budget is not None

    def needs(a: int) -> bool:
        arc = problem.arcs[a]
        return (
            arc.fixed_cost != 0
            or arc.sized
            or arc.required
            or arc.forbidden
            or (budget and arc.investment != 0)
            or a in counted
        )

    return [a for a, arc in enumerate(problem.arcs) if not arc.existing and needs(a)]


def stored(problem: Problem, pairs: list[tuple[str, str]]) -> list[int]:
    """The storages that can hold something: more than one slice, a (node, commodity) in use."""
    occurs = set(pairs)
    if len(problem.slices) < 2:
        return []
    return [g for g, st in enumerate(problem.storages) if (st.node, st.commodity) in occurs]


def linear(terms: Iterable[tuple[float, Any]]) -> LinearExpression:
    """``sum_i c_i v_i`` of ``(c_i, v_i)`` terms as one Pyomo ``LinearExpression``.

    Built from the list of terms at once: no per-term operator overloading, which is most of
    what building a Pyomo model costs; a unit coefficient is the variable itself.
    """
    return LinearExpression(
        [var if coef == 1.0 else MonomialTermExpression((coef, var)) for coef, var in terms]
    )


class Formulation:
    """Builds the Pyomo model of a problem; ``model`` holds it, ``index`` its sets.

    Args:
        problem: the validated problem.
        objective: which objective is active.
        elastic: give every hard requirement a non-negative slack and minimise the slacks
            instead of the objective (used to name what makes a problem infeasible).
        families: constraint families to build (default: all); tests drop one at a time to
            prove each is needed.
        decide: candidate arcs given a build decision whatever their costs
            (:func:`decided_arcs`).
    """

    FAMILIES = (
        "flow_balance",
        "no_internal_reuse",
        "arc_capacity",
        "arc_commodity_link",
        "converter_capacity",
        "must_dispatch",
        "must_serve",
        "minimum_delivery",
        "build_decisions",
        "investment_budget",
        "new_link_limit",
        "co2_minimum",
        "link_sizing",
        "seasonal_storage",
    )

    def __init__(
        self,
        problem: Problem,
        objective: Objective = Objective.VALORISATION,
        *,
        elastic: bool = False,
        families: tuple[str, ...] | None = None,
        bounds: Bounds | None = None,
        decide: Collection[int] = (),
    ) -> None:
        self.problem = problem
        self.objective = Objective(objective)
        self.elastic = elastic
        self.bounds = bounds or compute_bounds(problem)
        self.index = build_index(problem, decide)
        self.loss_charge = loss_charges(problem)
        b, ix = self.bounds, self.index
        # B[a,k,t] (local when the bounds hold them) and U[a,t] of models.bounds, computed once.
        bound = flow_bounds(problem, b).tolist()
        self.flow_bound = {
            (a, k, t): bound[i][t] for i, (a, k) in enumerate(ix.arc_commodities) for t in ix.slices
        }
        self.arc_bound = {
            (a, t): min(
                arc.capacity * problem.slices[t].share,
                sum(self.flow_bound[a, k, t] for k in arc.commodities),
            )
            for a, arc in enumerate(problem.arcs)
            for t in ix.slices
        }
        self.model = pyo.ConcreteModel(name=problem.name)
        self._variables()
        self._expressions()
        for family in families or self.FAMILIES:
            getattr(self, family)()
        self._objectives()

    # -- variables ----------------------------------------------------------------------
    def _variables(self) -> None:
        m, p, ix = self.model, self.problem, self.index

        m.x = pyo.Var(
            [(a, k, t) for a, k in ix.arc_commodities for t in ix.slices],
            domain=pyo.NonNegativeReals,
        )
        # set after construction: cheaper than a bounds rule called once per flow
        inf = float("inf")
        for key, var in m.x.items():
            ub = self.flow_bound[key]
            if ub < inf:
                var.setub(ub)
        m.y = pyo.Var(ix.decided_arcs, domain=pyo.Binary)
        self.decided = set(ix.decided_arcs)
        m.u = pyo.Var(
            [(s, t) for s in range(len(p.supplies)) for t in ix.slices],
            domain=pyo.NonNegativeReals,
            bounds=lambda _m, s, t: (0.0, p.supplies[s].quantities[t]),
        )
        m.v = pyo.Var(
            [(d, t) for d in range(len(p.demands)) for t in ix.slices],
            domain=pyo.NonNegativeReals,
            bounds=lambda _m, d, t: (0.0, p.demands[d].quantities[t]),
        )

        # The activity's upper bound is the converter_capacity family (a row, not a bound).
        m.z = pyo.Var(
            [(c, t) for c in range(len(p.converters)) for t in ix.slices],
            domain=pyo.NonNegativeReals,
        )
        m.w = pyo.Var(ix.buildable_converters, domain=pyo.Binary)
        # The capacity chosen for each sized candidate arc (link_sizing).
        self.sized = [a for a in ix.decided_arcs if p.arcs[a].sized]
        m.k = pyo.Var(self.sized, domain=pyo.NonNegativeReals)
        # The stock of each storage at the end of each slice (seasonal_storage).
        self.stored = stored(p, ix.node_commodities)
        m.stock = pyo.Var(
            [(g, t) for g in self.stored for t in ix.slices], domain=pyo.NonNegativeReals
        )
        # Slacks of the elastic re-solve, one per hard requirement (empty otherwise).
        m.slack = pyo.Var(pyo.Any, dense=False, domain=pyo.NonNegativeReals)

    def _built(self, a: int) -> float | pyo.Var:
        """``y[a]`` for an arc with a build decision, 1 for an existing or a free one."""
        return self.model.y[a] if a in self.decided else 1.0

    def _slack(self, key: tuple[str, int, int]) -> float | pyo.Var:
        return self.model.slack[key] if self.elastic else 0.0

    # -- constraint families ------------------------------------------------------------
    def flow_balance(self) -> None:
        """Conservation at every (node n, commodity k, slice t) that occurs::

        u[s(n,k),t] + sum_{a in in(n,k)} (1 - loss_ak) x[a,k,t]
            + sum_c out_ck z[c,t]
        = sum_{a in out(n,k)} x[a,k,t] + v[d(n,k),t] + sum_c in_ck z[c,t]
        """
        m, p, ix = self.model, self.problem, self.index

        def rule(_m: pyo.ConcreteModel, n: str, k: str, t: int) -> pyo.Expression:
            terms: list[tuple[float, Any]] = []  # lhs - rhs
            if (n, k) in ix.supply_at:
                terms.append((1.0, m.u[ix.supply_at[(n, k)], t]))
            for a in ix.arcs_in.get((n, k), ()):
                terms.append((1.0 - p.arcs[a].loss.get(k, 0.0), m.x[a, k, t]))
            terms += [(-1.0, m.x[a, k, t]) for a in ix.arcs_out.get((n, k), ())]
            if (n, k) in ix.demand_at:
                terms.append((-1.0, m.v[ix.demand_at[(n, k)], t]))
            for c in ix.converters_at.get((n, k), ()):
                conv = p.converters[c]
                if k in conv.outputs:
                    terms.append((conv.outputs[k], m.z[c, t]))
                if k in conv.inputs:
                    terms.append((-conv.inputs[k], m.z[c, t]))
            return linear(terms) == 0

        m.flow_balance = pyo.Constraint(
            [(n, k, t) for n, k in ix.node_commodities for t in ix.slices], rule=rule
        )

    def no_internal_reuse(self) -> None:
        """Internal reuse is not an exchange: at every (n, k, t) with a supply and a demand::

            u[s(n,k),t] <= sum_{a in out(n,k)} x[a,k,t] + sum_c in_ck z[c,t]

        A site's own supply may leave by an arc or feed a converter, never meet its own demand
        of the same commodity; with ``flow_balance`` this is the same as
        ``v[d(n,k),t] <= sum_{a in in(n,k)} (1 - loss_ak) x[a,k,t] + sum_c out_ck z[c,t]``:
        every unit delivered arrives by a flow row or comes out of a converter.
        """
        m, p, ix = self.model, self.problem, self.index
        pairs = [pair for pair in ix.supply_at if pair in ix.demand_at]
        if not pairs:
            return

        def rule(_m: pyo.ConcreteModel, n: str, k: str, t: int) -> pyo.Expression:
            leaves = sum(m.x[a, k, t] for a in ix.arcs_out.get((n, k), ()))
            for c in ix.converters_at.get((n, k), ()):
                if k in p.converters[c].inputs:
                    leaves += p.converters[c].inputs[k] * m.z[c, t]
            return m.u[ix.supply_at[(n, k)], t] - leaves <= 0

        m.no_internal_reuse = pyo.Constraint(
            [(n, k, t) for n, k in pairs for t in ix.slices], rule=rule
        )

    def arc_capacity(self) -> None:
        """Shared capacity and fixed-charge linking of every arc a and slice t::

            sum_k x[a,k,t] <= U[a,t] * y[a]      (y[a] = 1 for an existing or free arc)

        with ``U[a,t] = min(capacity_a * share_t, sum_k B[a,k,t])``, the tight bound.
        """
        m, p, ix = self.model, self.problem, self.index
        rows = [
            (a, t)
            for a, arc in enumerate(p.arcs)
            for t in ix.slices
            if a in self.decided or arc.capacity < float("inf")
        ]
        if not rows:
            return

        def rule(_m: pyo.ConcreteModel, a: int, t: int) -> pyo.Expression:
            terms = [(1.0, m.x[a, k, t]) for k in p.arcs[a].commodities]
            if a in self.decided:
                return linear([*terms, (-self.arc_bound[a, t], m.y[a])]) <= 0
            return linear(terms) <= self.arc_bound[a, t]

        m.arc_capacity = pyo.Constraint(rows, rule=rule)

    def arc_commodity_link(self) -> None:
        """Per-commodity linking of candidate arcs carrying several commodities::

            x[a,k,t] <= B[a,k,t] * y[a]

        with ``B[a,k,t] = min(capacity_a, capacity_ak, available_kt, absorbable_kt)``: the
        strong linking cuts.  A single-commodity arc needs none (``arc_capacity`` is as tight).
        """
        m, p, ix = self.model, self.problem, self.index
        rows = [
            (a, k, t)
            for a, k in ix.arc_commodities
            if a in self.decided and len(p.arcs[a].commodities) > 1
            for t in ix.slices
        ]
        if not rows:
            return
        m.arc_commodity_link = pyo.Constraint(
            rows,
            rule=lambda _m, a, k, t: (
                linear([(1.0, m.x[a, k, t]), (-self.flow_bound[a, k, t], m.y[a])]) <= 0
            ),
        )

    def converter_capacity(self) -> None:
        """Converter capacity and build linking, for every converter c and slice t::

            z[c,t] <= Z[c,t] * w[c]              (w[c] = 1 for an existing converter)

        where ``Z[c,t]`` is the converter's capacity × share, tightened by what its inputs
        can supply and its outputs can place.
        """
        m, p, ix, b = self.model, self.problem, self.index, self.bounds
        rows = [
            (c, t)
            for c, conv in enumerate(p.converters)
            for t in ix.slices
            if b.activity[conv.name][t] < float("inf")
        ]
        if not rows:
            return

        def rule(_m: pyo.ConcreteModel, c: int, t: int) -> pyo.Expression:
            conv = p.converters[c]
            built = 1.0 if conv.existing else m.w[c]
            return m.z[c, t] <= b.activity[conv.name][t] * built

        m.converter_capacity = pyo.Constraint(rows, rule=rule)

    def must_dispatch(self) -> None:
        """Every unit of a must-dispatch supply s leaves its node::  u[s,t] = q[s,t]."""
        m, p, ix = self.model, self.problem, self.index
        rows = [(s, t) for s, sup in enumerate(p.supplies) if sup.must_dispatch for t in ix.slices]
        if not rows:
            return
        m.must_dispatch = pyo.Constraint(
            rows,
            rule=lambda _m, s, t: (
                m.u[s, t] + self._slack(("must_dispatch", s, t)) == p.supplies[s].quantities[t]
            ),
        )

    def must_serve(self) -> None:
        """Every must-serve demand d is met in full::  v[d,t] = q[d,t]."""
        m, p, ix = self.model, self.problem, self.index
        rows = [(d, t) for d, dem in enumerate(p.demands) if dem.must_serve for t in ix.slices]
        if not rows:
            return
        m.must_serve = pyo.Constraint(
            rows,
            rule=lambda _m, d, t: (
                m.v[d, t] + self._slack(("must_serve", d, t)) == p.demands[d].quantities[t]
            ),
        )

    def minimum_delivery(self) -> None:
        """A demand d with a minimum gets at least it::  v[d,t] >= min[d,t]."""
        m, p, ix = self.model, self.problem, self.index
        rows = [
            (d, t)
            for d, dem in enumerate(p.demands)
            if not dem.must_serve
            for t in ix.slices
            if dem.minimums[t] > 0
        ]
        if not rows:
            return
        m.minimum_delivery = pyo.Constraint(
            rows,
            rule=lambda _m, d, t: (
                m.v[d, t] + self._slack(("minimum", d, t)) >= p.demands[d].minimums[t]
            ),
        )

    # -- the planner's families ---------------------------------------------------------
    def build_decisions(self) -> None:
        """What the planner requires or forbids to be built::

        y[a] = 1  (a required)     y[a] = 0  (a forbidden)
        w[c] = 1  (c required)     w[c] = 0  (c forbidden)
        """
        m, p, ix = self.model, self.problem, self.index
        rows = [("arc", a) for a in ix.decided_arcs if p.arcs[a].required or p.arcs[a].forbidden]
        rows += [
            ("converter", c)
            for c in ix.buildable_converters
            if p.converters[c].required or p.converters[c].forbidden
        ]
        if not rows:
            return

        def rule(_m: pyo.ConcreteModel, kind: str, i: int) -> pyo.Expression:
            if kind == "arc":
                return m.y[i] == (1.0 if p.arcs[i].required else 0.0)
            return m.w[i] == (1.0 if p.converters[i].required else 0.0)

        m.build_decisions = pyo.Constraint(rows, rule=rule)

    def investment_budget(self) -> None:
        """The investment in what is built stays within the budget::

        sum_a investment_a y[a] + sum_c investment_c w[c] <= budget
        """
        m, p, ix = self.model, self.problem, self.index
        if p.investment_budget is None:
            return
        spent = sum(p.arcs[a].investment * m.y[a] for a in ix.decided_arcs if p.arcs[a].investment)
        spent += sum(
            p.converters[c].investment * m.w[c]
            for c in ix.buildable_converters
            if p.converters[c].investment
        )
        spent += sum(
            p.arcs[a].capacity_investment * m.k[a]
            for a in self.sized
            if p.arcs[a].capacity_investment
        )
        if isinstance(spent, (int, float)):  # nothing to build costs anything
            return
        m.investment_budget = pyo.Constraint(expr=spent <= p.investment_budget)

    def new_link_limit(self) -> None:
        """At most N new links, in all, per mode and per commodity carried.

        Existing arcs do not count::

        sum_{a candidate} y[a] <= N      sum_{a of mode m} y[a] <= N_m
        sum_{a carrying k} y[a] <= N_k
        """
        m = self.model
        groups = {label: (cap, arcs) for label, cap, arcs in self.problem.new_link_groups()}
        if not groups:
            return
        m.new_link_limit = pyo.Constraint(
            list(groups),
            rule=lambda _m, label: sum(m.y[a] for a in groups[label][1]) <= groups[label][0],
        )

    def co2_minimum(self) -> None:
        """The planner's CO2 target::  co2_avoided (+ slack) >= co2_min."""
        m, p = self.model, self.problem
        if p.co2_min is None:
            return
        m.co2_minimum = pyo.Constraint(
            expr=m.co2_avoided + self._slack(("co2_minimum", 0, 0)) >= p.co2_min
        )

    def link_sizing(self) -> None:
        """A sized arc carries at most the capacity chosen for it, chosen only if built::

            sum_k x[a,k,t] <= share_t k[a]        k[a] <= K[a] y[a]

        with ``K[a] = max_t U[a,t] / share_t``, the most capacity any slice could use.
        """
        m, p, ix = self.model, self.problem, self.index
        if not self.sized:
            return
        m.link_sizing = pyo.Constraint(
            [(a, t) for a in self.sized for t in ix.slices],
            rule=lambda _m, a, t: (
                sum(m.x[a, k, t] for k in p.arcs[a].commodities) <= p.slices[t].share * m.k[a]
            ),
        )
        m.link_sizing_build = pyo.Constraint(
            self.sized, rule=lambda _m, a: m.k[a] <= self.largest_size(a) * m.y[a]
        )

    def largest_size(self, a: int) -> float:
        """``K[a]``: the most annual capacity any slice of arc ``a`` could use."""
        return max(self.arc_bound[a, t] / s.share for t, s in enumerate(self.problem.slices))

    def seasonal_storage(self) -> None:
        """A stock carries a commodity from one slice to the next, the slices in a cycle.

        Each storage g of commodity k at node n adds to the flow balance of (n, k, t)::

            ... + (1 - loss_g) stock[g,t-1] = ... + stock[g,t]      (t-1 of the first: the last)

        and holds at most its capacity::   stock[g,t] <= capacity_g
        """
        m, p, ix = self.model, self.problem, self.index
        if not self.stored:
            return
        T = len(ix.slices)
        if hasattr(m, "flow_balance"):
            for g in self.stored:
                st = p.storages[g]
                for t in ix.slices:
                    row = m.flow_balance[st.node, st.commodity, t]
                    kept = (1.0 - st.loss) * m.stock[g, (t - 1) % T]
                    row.set_value(row.body + kept - m.stock[g, t] == 0)
        m.seasonal_storage = pyo.Constraint(
            [(g, t) for g in self.stored for t in ix.slices],
            rule=lambda _m, g, t: m.stock[g, t] <= p.storages[g].capacity,
        )

    # -- objectives ---------------------------------------------------------------------
    def _expressions(self) -> None:
        """The parts of the objectives, as named expressions (EUR/yr and t CO2/yr)::

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

        ``lostcost_k`` and ``lostco2_k`` are the charges of :mod:`models.losses`: a unit lost on
        the way is disposed of, not avoided.  The fixed cost of an existing arc or converter is
        sunk and not counted.
        """
        m, p = self.model, self.problem
        m.value = pyo.Expression(
            expr=linear(
                (p.demands[d].value, var) for (d, _), var in m.v.items() if p.demands[d].value
            )
        )
        m.disposal_avoided = pyo.Expression(expr=linear(self._disposal_terms()))
        m.co2_avoided = pyo.Expression(expr=linear(self._co2_terms()))
        m.transport_cost = pyo.Expression(
            expr=linear(
                [
                    (p.arcs[a].variable_cost[k], var)
                    for (a, k, _), var in m.x.items()
                    if p.arcs[a].variable_cost.get(k)
                ]
                + [
                    (p.storages[g].cost, var)
                    for (g, _), var in m.stock.items()
                    if p.storages[g].cost
                ]
            )
        )
        m.conversion_cost = pyo.Expression(
            expr=linear(
                (p.converters[c].variable_cost, var)
                for (c, _), var in m.z.items()
                if p.converters[c].variable_cost
            )
        )
        m.fixed_cost = pyo.Expression(expr=linear(self._fixed_terms()))
        m.valorisation = pyo.Expression(
            expr=m.value
            + m.disposal_avoided
            + p.carbon_price * m.co2_avoided
            - m.transport_cost
            - m.conversion_cost
            - m.fixed_cost
        )

    def _disposal_terms(self) -> list[tuple[float, Any]]:
        """The terms of ``disposal_avoided``: supplies used, minus what losses give back."""
        m, p = self.model, self.problem
        lost = self.loss_charge.cost
        terms = [
            (p.supplies[s].disposal_cost, var)
            for (s, _), var in m.u.items()
            if p.supplies[s].disposal_cost
        ]
        return terms + self._lost_terms(lost)

    def _lost_terms(self, lost: Mapping[str, float]) -> list[tuple[float, Any]]:
        """What lost units take back of a credit (``lost``: its charge per unit of a commodity).

        A unit lost on an arc, or by a store from one slice to the next, is disposed of like a
        link's (:mod:`models.losses`).
        """
        m, p = self.model, self.problem
        terms = [
            (-lost[k] * p.arcs[a].loss[k], var)
            for (a, k, _), var in m.x.items()
            if p.arcs[a].loss.get(k) and lost[k]
        ]
        terms += [
            (-p.storages[g].loss * lost[p.storages[g].commodity], var)
            for (g, _), var in m.stock.items()
        ]
        return terms

    def _co2_terms(self) -> list[tuple[float, Any]]:
        """The terms of ``co2_avoided`` (see ``_expressions``)."""
        m, p = self.model, self.problem
        lost = self.loss_charge.co2
        terms = [(p.demands[d].co2, var) for (d, _), var in m.v.items() if p.demands[d].co2]
        terms += [
            (p.supplies[s].disposal_co2, var)
            for (s, _), var in m.u.items()
            if p.supplies[s].disposal_co2
        ]
        terms += self._lost_terms(lost)
        terms += [
            (-p.arcs[a].co2[k], var) for (a, k, _), var in m.x.items() if p.arcs[a].co2.get(k)
        ]
        terms += [(-p.converters[c].co2, var) for (c, _), var in m.z.items() if p.converters[c].co2]
        return terms

    def _fixed_terms(self) -> list[tuple[float, Any]]:
        """The terms of ``fixed_cost``: what is built, and the capacity chosen."""
        m, p, ix = self.model, self.problem, self.index
        terms = [(p.arcs[a].fixed_cost, m.y[a]) for a in ix.decided_arcs if p.arcs[a].fixed_cost]
        terms += [
            (p.converters[c].fixed_cost, m.w[c])
            for c in ix.buildable_converters
            if p.converters[c].fixed_cost
        ]
        terms += [(p.arcs[a].capacity_cost, m.k[a]) for a in self.sized if p.arcs[a].capacity_cost]
        return terms

    def _objectives(self) -> None:
        m = self.model
        if self.elastic:
            weights = {key: 1.0 / max(1.0, self._requirement(key)) for key in m.slack}
            m.obj = pyo.Objective(
                expr=sum(w * m.slack[key] for key, w in weights.items()), sense=pyo.minimize
            )
            return
        if self.objective is Objective.CO2:
            m.obj = pyo.Objective(expr=m.co2_avoided, sense=pyo.maximize)
        elif self.objective is Objective.COST:
            m.obj = pyo.Objective(expr=-m.valorisation, sense=pyo.minimize)
        else:
            m.obj = pyo.Objective(expr=m.valorisation, sense=pyo.maximize)
        # The epsilon-constraint of the Pareto sweep; inactive until a floor is set.
        m.co2_target = pyo.Param(mutable=True, initialize=0.0)
        m.co2_floor = pyo.Constraint(expr=m.co2_avoided >= m.co2_target)
        m.co2_floor.deactivate()

    def _requirement(self, key: tuple[str, int, int]) -> float:
        kind, i, t = key
        p = self.problem
        if kind == "must_dispatch":
            return p.supplies[i].quantities[t]
        if kind == "must_serve":
            return p.demands[i].quantities[t]
        if kind == "co2_minimum":
            return p.co2_min or 0.0
        return p.demands[i].minimums[t]

    def requirement(self, key: tuple[str, int, int]) -> float:
        """The required quantity behind an elastic slack ``(kind, index, slice)``."""
        return self._requirement(key)
