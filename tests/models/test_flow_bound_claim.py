"""When the flow bounds ``x <= B`` change nothing, and what is refused or stated otherwise.

docs/formulation.md ("Data-derived bounds") claims the bounds never change the optimum when
no arc earns by carrying (a negative cost per unit is refused) and no commodity an arc loses
has a must-dispatch supply or a converter making it.  The issue's independent model found the
claim false on problem JSON with negative arc costs, and with a lossy loop used to dissipate a
must-dispatch supply (8 of 990 random runs).
"""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import problems  # type: ignore[import-not-found]

from models.backends import DirectBackend
from models.bounds import Bounds, compute_bounds
from models.direct import build_arrays
from models.problem import Arc, Problem, ProblemError, Supply
from models.result import Objective, Result, Status
from models.serialise import problem_from_dict
from models.session import SolveOptions
from models.solve import run_backend, solve

EXACT = SolveOptions(gap=0.0, time_limit=20, prune=False)


def loose(problem: Problem) -> Bounds:
    """Bounds that limit nothing a solution of these small problems carries (10^5 of every
    commodity available and absorbable, instead of the data-derived totals)."""
    tight = compute_bounds(problem)
    T = len(problem.slices)
    return Bounds(
        available={k: [1e5] * T for k in problem.commodities},
        absorbable={k: [1e5] * T for k in problem.commodities},
        activity=tight.activity,
    )


def without_bounds(problem: Problem, objective: Objective = Objective.VALORISATION) -> Result:
    model = build_arrays(problem, objective, bounds=loose(problem))
    return run_backend(DirectBackend(), problem, objective, EXACT, model=model)


def test_a_negative_arc_cost_is_refused_naming_the_field() -> None:
    """A link that earns 3 EUR per t carried would send slag round S->D->S without end: only
    the bounds would stop it.  Refused, in Python and in problem JSON."""
    arcs = (
        Arc("S", "D", "truck", ("slag",), variable_cost={"slag": -3.0}, existing=True),
        Arc("D", "S", "truck", ("slag",), existing=True),
    )
    with pytest.raises(ProblemError) as caught:
        Problem(("S", "D"), ("slag",), (Supply("S", "slag", 10.0),), arcs=arcs)
    assert caught.value.problems == [
        "arcs[S->D:truck].variable_cost[slag]: must be 0 or more, got -3.0: a link that pays"
        " for carrying earns most by sending units round a loop (put a gain at the demand's"
        " value instead)"
    ]
    doc = {
        "nodes": ["S", "D"],
        "commodities": ["slag"],
        "arcs": [{"tail": "S", "head": "D", "mode": "truck", "commodities": ["slag"],
                  "variable_cost": {"slag": -3.0}, "existing": True}],
    }  # fmt: skip
    with pytest.raises(ProblemError, match=r"variable_cost\[slag\]: must be 0 or more"):
        problem_from_dict(doc)


@st.composite
def dispatched(draw: st.DrawFn) -> Problem:
    """The random problems of test_properties with must-dispatch supplies, each of a
    commodity no arc loses and no converter makes (inside the claim)."""
    problem = draw(problems())
    lossy = {k for a in problem.arcs for k, v in a.loss.items() if v > 0}
    made = {k for c in problem.converters for k in c.outputs}
    supplies = tuple(
        replace(s, must_dispatch=draw(st.booleans()))
        if s.commodity not in lossy | made
        else s
        for s in problem.supplies
    )
    return replace(problem, supplies=supplies)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dispatched())
def test_inside_the_claim_the_flow_bounds_never_change_the_optimum(problem: Problem) -> None:
    for objective in (Objective.VALORISATION, Objective.CO2):
        bounded = solve(problem, objective, EXACT, backend="arrays")
        wide = without_bounds(problem, objective)
        assert bounded.status is wide.status, (bounded.message, wide.message)
        if bounded.status is Status.OPTIMAL:
            assert bounded.objective is not None and wide.objective is not None
            assert math.isclose(bounded.objective, wide.objective, rel_tol=1e-6, abs_tol=1e-4)


def lossy_loop() -> Problem:
    """100 t of CO2 at S must be dispatched; no one takes it; two pipes S->M and M->S each
    lose half of what they carry.  Only losses can 'dispatch' it: S sends x, M sends back
    x/2, of which x/4 arrives, so 100 + x/4 = x and x = 133.3 t, above the 100 t there is."""
    return Problem(
        nodes=("S", "M"),
        commodities=("co2",),
        supplies=(Supply("S", "co2", 100.0, must_dispatch=True),),
        arcs=(
            Arc("S", "M", "pipe", ("co2",), loss={"co2": 0.5}, existing=True),
            Arc("M", "S", "pipe", ("co2",), loss={"co2": 0.5}, existing=True),
        ),
    )


def test_outside_the_claim_a_lossy_loop_never_dispatches_beyond_the_bounds() -> None:
    """A must-dispatch supply of a lossy commodity is outside the claim: the bounds are then
    part of the model (no arc carries more of CO2 than there is), so dissipating the 100 t
    round the loop (133.3 t on S->M) is no solution, and the diagnosis names the supply."""
    problem = lossy_loop()
    wide = without_bounds(problem)
    assert wide.status is Status.OPTIMAL  # without the bounds the loop 'dispatches' it
    assert wide.flows["quantity"].max() == pytest.approx(400.0 / 3.0)
    r = solve(problem, options=EXACT)
    assert r.status is Status.INFEASIBLE
    assert [(s.kind, s.node) for s in r.shortfalls] == [("must_dispatch", "S")]
