"""Contradicting planner controls are named, not reported as a diagnosis out of time.

The issue: a pinned link carrying a commodity whose cap of new links is 0, or a pin whose
investment exceeds the budget, was reported as "the diagnosis found no solution in time".
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from models.contradictions import contradictions
from models.problem import Arc, Converter, Demand, Problem, Supply
from models.result import Status
from models.session import SolveOptions
from models.solve import solve

EXACT = SolveOptions(gap=0.0, time_limit=20)


def co2_and_slag() -> Problem:
    """CO2 and slag leave the steelworks S for two takers by candidate links (investments 5
    and 3 MEUR, fixed 100 EUR/yr each)."""
    return Problem(
        nodes=("S", "H", "C"),
        commodities=("co2", "slag"),
        supplies=(Supply("S", "co2", 100.0), Supply("S", "slag", 50.0)),
        demands=(Demand("H", "co2", 100.0, value=20.0), Demand("C", "slag", 50.0, value=30.0)),
        arcs=(
            Arc("S", "H", "pipe", ("co2",), fixed_cost=100.0, investment=5e6, required=True),
            Arc("S", "C", "truck", ("slag",), fixed_cost=100.0, investment=3e6),
        ),
    )


@pytest.mark.parametrize("backend", ["pyomo", "arrays"])
def test_a_pinned_link_of_a_commodity_capped_at_zero_names_both_controls(backend: str) -> None:
    problem = replace(co2_and_slag(), max_new_links_per_commodity={"co2": 0})
    r = solve(problem, options=EXACT, backend=backend)  # type: ignore[arg-type]
    assert r.status is Status.INFEASIBLE
    assert r.message == (
        "infeasible: the planner's controls contradict each other: link S->H (pipe) is pinned,"
        " but the cap of new links carrying co2 is 0"
    )


def test_a_pin_whose_investment_exceeds_the_budget_names_the_pin_and_the_budget() -> None:
    grinder = Converter("grinder", "C", {"slag": 1.0}, {"slag": 1.0}, existing=False,
                        investment=2e6, required=True)  # fmt: skip
    problem = replace(co2_and_slag(), investment_budget=4e6, converters=(grinder,))
    r = solve(problem, options=EXACT)
    assert r.status is Status.INFEASIBLE
    assert r.message.endswith(
        "the pins S->H (pipe), converter grinder invest 7,000,000 EUR, above the investment"
        " budget of 4,000,000 EUR"
    )


def test_pins_beyond_a_cap_in_all_and_per_mode_are_each_named() -> None:
    base = co2_and_slag()
    both = replace(base.arcs[1], required=True)
    problem = replace(
        base, arcs=(base.arcs[0], both), max_new_links=1, max_new_links_per_mode={"truck": 0}
    )
    assert contradictions(problem) == [
        "links S->H (pipe), S->C (truck) are pinned, but the cap of new links is 1",
        "link S->C (truck) is pinned, but the cap of new links of mode truck is 0",
    ]


def test_pins_within_the_caps_and_the_budget_contradict_nothing() -> None:
    problem = replace(co2_and_slag(), max_new_links=1, investment_budget=5e6)
    assert contradictions(problem) == []
    r = solve(problem, options=EXACT)
    assert r.status is Status.OPTIMAL
    assert r.built_arcs["head"].tolist() == ["H"]
