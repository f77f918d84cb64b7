"""Solutions are cleaned to the solver's tolerances before tables and totals are read.

HiGHS may return a flow of 1e-8 on an arc it did not build, or a build decision of 1e-7 (within
its integrality tolerance) under a real flow.  Both backends clean such values the same way
(``models.cleaning``) and compute tables and totals from the cleaned solution, so the two
always agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest

from models.backends import DirectBackend
from models.bounds import compute_bounds
from models.cleaning import TOLERANCE, Values, clean_solution
from models.direct import build_arrays
from models.formulation import Formulation
from models.problem import Arc, Converter, Demand, Problem, Supply
from models.result import Objective, Result, Status
from models.solve import PyomoBackend


def one_link() -> Problem:
    """Slag at S (100 t, disposal 10 EUR/t); D wants 80 t at 30 EUR/t; a candidate truck link
    S->D costs 500 EUR/yr and 5 EUR/t.  Shipping 80 t: 2400 + 800 - 400 - 500 = 2300."""
    return Problem(
        nodes=("S", "D"),
        commodities=("slag",),
        supplies=(Supply("S", "slag", 100, disposal_cost=10.0),),
        demands=(Demand("D", "slag", 80, value=30.0),),
        arcs=(Arc("S", "D", "truck", ("slag",), fixed_cost=500.0, variable_cost={"slag": 5.0}),),
    )


def noise() -> dict[str, float]:
    """A 1e-8 t flow on the unbuilt truck, 'used' and 'delivered' at both ends."""
    return {"x": 1e-8, "y": 0.0, "u": 1e-8, "v": 1e-8}


def flow_on_a_fractional_build() -> dict[str, float]:
    """80 t on a truck built to 1e-7: within HiGHS's integrality tolerance, but paid 5e-5."""
    return {"x": 80.0, "y": 1e-7, "u": 80.0, "v": 80.0}


def through_direct(problem: Problem, values: dict[str, float]) -> Result:
    """The array backend's reading of a solution vector holding ``values``."""
    model = build_arrays(problem)
    vector = np.zeros(model.num_col)
    for name, value in values.items():
        vector[model.columns[name]] = value
    result = Result(Status.OPTIMAL, Objective.VALORISATION)
    DirectBackend().fill(model, result, vector)
    return result


def through_pyomo(problem: Problem, values: dict[str, float]) -> Result:
    """The Pyomo backend's reading of a solution vector holding ``values``."""
    backend = PyomoBackend()
    formulation = Formulation(problem)
    backend.form(formulation)
    columns = backend.columns(formulation)
    vector = np.array([values.get(var.parent_component().name, 0.0) for var in columns])
    result = Result(Status.OPTIMAL, Objective.VALORISATION)
    backend.fill(formulation, result, vector)
    return result


READERS: dict[str, Callable[[Problem, dict[str, float]], Result]] = {
    "direct": through_direct,
    "pyomo": through_pyomo,
}


def test_noise_below_the_tolerance_is_zero_and_rounds_builds() -> None:
    raw = Values(
        x={(0, "slag", 0): 1e-8},
        y={0: 0.0},
        u={(0, 0): 1e-8},
        v={(0, 0): -1e-9},
        z={},
        w={},
    )
    clean = clean_solution(one_link(), raw)
    assert clean == Values(x={}, y={0: 0.0}, u={(0, 0): 0.0}, v={(0, 0): 0.0}, z={}, w={})
    assert TOLERANCE == 1e-7


@pytest.mark.parametrize("reader", list(READERS))
def test_a_tolerance_size_flow_on_an_unbuilt_arc_gives_no_flow_row(reader: str) -> None:
    r = READERS[reader](one_link(), noise())
    assert r.flows.empty and r.built_arcs.empty
    assert r.balances[["used", "received", "delivered"]].abs().sum().sum() == 0.0
    assert r.totals["valorisation"] == 0.0
    assert r.recomputed_totals() == pytest.approx({k: r.totals[k] for k in r.recomputed_totals()})


@pytest.mark.parametrize("reader", list(READERS))
def test_an_arc_with_flow_is_built_and_pays_its_fixed_cost(reader: str) -> None:
    """Read raw, the objective would be 2800 - 500 * 1e-7 with the truck 'not built'."""
    r = READERS[reader](one_link(), flow_on_a_fractional_build())
    assert r.built_arcs[["tail", "head", "fixed_cost"]].values.tolist() == [["S", "D", 500.0]]
    assert r.totals["fixed_cost"] == 500.0
    assert r.objective == pytest.approx(2300.0)
    assert r.recomputed_objective() == pytest.approx(r.objective)


def test_a_converter_that_runs_is_built_and_one_built_by_noise_is_not() -> None:
    """Grinder A runs 40 t/yr with its build decision at 1e-7, far beyond what 1e-7 of its
    activity bound (50) allows: a real activity, built.  Grinder B is 'built' at 0.4 and runs
    1e-9 t/yr: neither running nor built."""
    grinder = Converter(
        "A", "G", {"slag": 1.05}, {"ggbs": 1.0}, capacity=80.0, fixed_cost=100.0, existing=False
    )
    problem = Problem(
        nodes=("G",),
        commodities=("slag", "ggbs"),
        supplies=(Supply("G", "slag", 100.0),),
        demands=(Demand("G", "ggbs", 50.0, value=30.0),),
        converters=(grinder, replace(grinder, name="B")),
    )
    raw = Values(x={}, y={}, u={}, v={}, z={(0, 0): 40.0, (1, 0): 1e-9}, w={0: 1e-7, 1: 0.4})
    clean = clean_solution(problem, raw, bounds=compute_bounds(problem))
    assert clean.z == {(0, 0): 40.0, (1, 0): 0.0}
    assert clean.w == {0: 1.0, 1: 0.0}
