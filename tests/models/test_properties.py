"""Property tests on random small problems: what every returned solution must satisfy."""

from __future__ import annotations

import math
from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.backends import DirectBackend
from models.bounds import Bounds, compute_bounds
from models.direct import build_arrays
from models.problem import Arc, Converter, Demand, Problem, Supply, TimeSlice
from models.result import Objective, Status
from models.solve import SolveOptions, run_backend, solve

TOL = 1e-6
COMMODITIES = ("heat", "slag", "ggbs")


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    """3-5 nodes, up to 3 commodities, random arcs (some parallel), optional converter and
    seasons; nothing mandatory, so an empty solution is always feasible."""
    n = draw(st.integers(3, 5))
    nodes = tuple(f"n{i}" for i in range(n))
    seasons = draw(st.booleans())
    slices = (
        (TimeSlice("winter", 0.5), TimeSlice("summer", 0.5))
        if seasons
        else (TimeSlice("year", 1.0),)
    )
    money = st.floats(-20, 60, allow_nan=False).map(lambda v: round(v, 2))
    qty = st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 1))
    supplies, demands = {}, {}
    for _ in range(draw(st.integers(1, 4))):
        key = (draw(st.sampled_from(nodes)), draw(st.sampled_from(COMMODITIES)))
        supplies[key] = Supply(
            *key,
            quantity=draw(qty),
            disposal_cost=draw(money),
            disposal_co2=draw(st.floats(0, 1).map(lambda v: round(v, 3))),
        )
    for _ in range(draw(st.integers(1, 4))):
        key = (draw(st.sampled_from(nodes)), draw(st.sampled_from(COMMODITIES)))
        demands[key] = Demand(
            *key,
            quantity=draw(qty),
            value=draw(money),
            co2=draw(st.floats(0, 1).map(lambda v: round(v, 3))),
        )
    arcs = {}
    for _ in range(draw(st.integers(1, 8))):
        tail, head = draw(st.sampled_from(nodes)), draw(st.sampled_from(nodes))
        if tail == head:
            continue
        mode = draw(st.sampled_from(("truck", "pipe")))
        carried = tuple(sorted(draw(st.sets(st.sampled_from(COMMODITIES), min_size=1))))
        arcs[(tail, head, mode)] = Arc(
            tail,
            head,
            mode,
            carried,
            capacity=draw(st.sampled_from((math.inf, 20.0, 50.0, 150.0))),
            fixed_cost=draw(st.sampled_from((0.0, 10.0, 200.0, 1000.0))),
            variable_cost={k: draw(st.floats(0, 5).map(lambda v: round(v, 2))) for k in carried},
            loss={k: draw(st.sampled_from((0.0, 0.05, 0.2))) for k in carried},
            co2={k: draw(st.sampled_from((0.0, 0.01))) for k in carried},
            existing=draw(st.booleans()),
        )
    converters = ()
    if draw(st.booleans()):
        converters = (
            Converter(
                "grinder",
                draw(st.sampled_from(nodes)),
                {"slag": 1.05},
                {"ggbs": 1.0},
                capacity=draw(st.sampled_from((30.0, 80.0))),
                variable_cost=draw(st.floats(0, 10).map(lambda v: round(v, 2))),
                fixed_cost=draw(st.sampled_from((0.0, 100.0))),
                existing=draw(st.booleans()),
            ),
        )
    return Problem(
        nodes,
        COMMODITIES,
        tuple(supplies.values()),
        tuple(demands.values()),
        tuple(arcs.values()),
        converters,
        slices,
        carbon_price=draw(st.sampled_from((0.0, 80.0))),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_solutions_respect_the_model(problem: Problem) -> None:
    r = solve(problem, options=SolveOptions(gap=0.0, time_limit=20))
    assert r.status is Status.OPTIMAL

    # With nothing mandatory, doing nothing is feasible: the optimum is never negative.
    assert r.objective is not None and r.objective >= -TOL

    # The objective recomputed from the tables is the reported one.
    assert math.isclose(r.recomputed_objective() or 0.0, r.objective, rel_tol=1e-7, abs_tol=1e-5)

    # No flow on an arc that is neither existing nor built; shared capacity holds per slice.
    built = {(a.tail, a.head, a.mode) for a in r.built_arcs.itertuples()}
    shares = {s.name: s.share for s in problem.slices}
    per_arc: dict[tuple[str, str, str, str], float] = defaultdict(float)
    for f in r.flows.itertuples():
        assert (f.tail, f.head, f.mode) in built
        per_arc[(f.tail, f.head, f.mode, f.slice)] += f.quantity
    capacity = {a.key: a.capacity for a in problem.arcs}
    for (tail, head, mode, sl), total in per_arc.items():
        assert total <= capacity[(tail, head, mode)] * shares[sl] + TOL

    # Conservation at every (node, commodity, slice) from the balance table.
    for b in r.balances.itertuples():
        inflow = b.used + b.received + b.converted_out
        outflow = b.sent + b.delivered + b.converted_in
        assert math.isclose(inflow, outflow, rel_tol=1e-7, abs_tol=1e-5), b
        assert b.used <= b.available + TOL

    # No site delivers to itself: every delivery arrived on a flow row or left a converter.
    assert (r.balances["internal_reuse"] <= TOL).all()

    # Demands are never over-served; converter activity within capacity.
    for d in problem.demands:
        got = r.balances[(r.balances.node == d.node) & (r.balances.commodity == d.commodity)]
        for row in got.itertuples():
            t = problem.slice_names.index(row.slice)
            assert row.delivered <= d.quantities[t] + TOL
    for c in r.converters.itertuples():
        assert c.activity <= problem.converters[0].capacity * shares[c.slice] + TOL


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_the_flow_bounds_only_tighten(problem: Problem) -> None:
    """With loose flow bounds (10^5 of every commodity available and absorbable, instead of
    the data-derived ones), the optimum is the same: no lossy loop may become a disposal sink
    whose size only ``x <= B`` limits."""
    tight = compute_bounds(problem)
    T = len(problem.slices)
    loose = Bounds(
        available={k: [1e5] * T for k in problem.commodities},
        absorbable={k: [1e5] * T for k in problem.commodities},
        activity=tight.activity,
    )
    exact = SolveOptions(gap=0.0, time_limit=20)
    model = build_arrays(problem, Objective.VALORISATION, bounds=loose)
    wide = run_backend(DirectBackend(), problem, Objective.VALORISATION, exact, model=model)
    r = solve(problem, options=exact)
    assert wide.status is r.status is Status.OPTIMAL
    assert wide.objective is not None and r.objective is not None
    assert math.isclose(wide.objective, r.objective, rel_tol=1e-6, abs_tol=1e-4)
