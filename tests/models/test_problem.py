"""Validation of the numeric problem contract and its JSON form."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from models.problem import Arc, Converter, Demand, Problem, ProblemError, Supply, TimeSlice
from models.serialise import problem_from_dict, problem_to_dict, read_problem_json
from models.solve import SolveOptions, solve

EXAMPLE = Path(__file__).resolve().parents[2] / "models" / "examples" / "port.json"


def base(**changes: object) -> Problem:
    fields: dict[str, object] = {
        "nodes": ("A", "B"),
        "commodities": ("heat",),
        "supplies": (Supply("A", "heat", 10),),
        "demands": (Demand("B", "heat", 5, value=1.0),),
        "arcs": (Arc("A", "B", "pipe", ("heat",), capacity=10.0),),
    }
    fields.update(changes)
    return Problem(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"arcs": (Arc("A", "Z", "pipe", ("heat",)),)}, "arcs[A->Z:pipe]: unknown node 'Z'"),
        (
            {"arcs": (Arc("A", "B", "pipe", ("heat",), capacity=-1.0),)},
            "arcs[A->B:pipe].capacity: must be non-negative",
        ),
        (
            {"arcs": (Arc("A", "B", "pipe", ("heat",), fixed_cost=math.nan),)},
            "arcs[A->B:pipe].fixed_cost: must be a finite number",
        ),
        (
            {"arcs": (Arc("A", "B", "pipe", ("heat",)), Arc("A", "B", "pipe", ("heat",)))},
            "duplicate arc",
        ),
        (
            {"arcs": (Arc("A", "B", "pipe", ("steam",)),)},
            "arcs[A->B:pipe].commodities: unknown commodity 'steam'",
        ),
        (
            {"arcs": (Arc("A", "B", "pipe", ("heat",), loss={"heat": 1.2}),)},
            "loss[heat]: must be below 1",
        ),
        (
            {"supplies": (Supply("A", "heat", -3),)},
            "supplies[A,heat].quantity: must be finite and non-negative",
        ),
        ({"supplies": (Supply("A", "heat", (1, 2)),)}, "2 values given for 1 time slices"),
        ({"demands": (Demand("C", "heat", 5),)}, "demands[C,heat]: unknown node 'C'"),
        (
            {"demands": (Demand("B", "heat", 5, minimum=6),)},
            "demands[B,heat].minimum: exceeds the quantity wanted",
        ),
        ({"slices": (TimeSlice("w", 0.5), TimeSlice("s", 0.4))}, "shares must sum to 1"),
        ({"nodes": ("A", "A", "B")}, "nodes: duplicate name 'A'"),
        (
            {"converters": (Converter("g", "A", {"heat": 0.0}, {"heat": 1.0}),)},
            "converters[g].inputs[heat]: yield must be positive",
        ),
    ],
)
def test_malformed_problem_is_named(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ProblemError) as err:
        base(**changes)
    assert message in str(err.value)


def test_every_fault_is_listed() -> None:
    with pytest.raises(ProblemError) as err:
        base(supplies=(Supply("A", "heat", -1),), arcs=(Arc("A", "Z", "pipe", ("heat",)),))
    assert len(err.value.problems) == 2


def test_scalar_quantities_are_spread_over_slices() -> None:
    p = base(slices=(TimeSlice("winter", 0.25), TimeSlice("rest", 0.75)))
    assert p.supplies[0].quantities == (2.5, 7.5)


def test_json_round_trip_solves_the_same(tmp_path: Path) -> None:
    problem = read_problem_json(EXAMPLE)
    again = problem_from_dict(json.loads(json.dumps(problem_to_dict(problem))))
    assert again == problem
    options = SolveOptions(gap=0.0)
    assert solve(again, options=options).objective == pytest.approx(
        solve(problem, options=options).objective
    )


def test_json_unknown_keys_are_rejected() -> None:
    doc = problem_to_dict(base())
    doc["arcs"][0]["colour"] = "red"
    doc["extra"] = 1
    with pytest.raises(ProblemError) as err:
        problem_from_dict(doc)
    assert "arcs[0].colour: unknown key" in str(err.value)
    assert "extra: unknown key" in str(err.value)
