"""Solve outcomes other than a plain optimum: progress, cancellation, limits, exports."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cli.progress import ProgressLine
from models.formats import read_canad
from models.problem import Arc, Problem
from models.result import Status
from models.serialise import read_problem_json
from models.solve import Progress, SolveOptions, solve

ROOT = Path(__file__).resolve().parents[2]
C33 = ROOT / "benchmarks" / "instances" / "canad" / "c33.dow"


def test_progress_reports_incumbent_bound_and_gap() -> None:
    seen: list[Progress] = []
    r = solve(
        read_canad(C33), "cost", SolveOptions(gap=0.0, progress=seen.append, progress_every=0.0)
    )
    assert r.status is Status.OPTIMAL
    with_incumbent = [p for p in seen if p.incumbent is not None]
    assert with_incumbent, "no progress snapshot carried an incumbent"
    # Incumbents only improve (minimisation) and never beat the optimum.
    values = [p.incumbent for p in with_incumbent if p.incumbent is not None]
    assert values == sorted(values, reverse=True)
    assert min(values) >= 423848 - 1e-6


def test_should_stop_cancels_the_solve() -> None:
    r = solve(read_canad(C33), "cost", SolveOptions(gap=0.0, should_stop=lambda: True))
    assert r.status is Status.CANCELLED
    assert "cancelled" in r.message


def test_no_time_to_find_a_solution() -> None:
    problem = read_canad(ROOT / "benchmarks" / "instances" / "canad" / "c37.dow")
    r = solve(problem, "cost", SolveOptions(time_limit=0.01))
    assert r.status is Status.NO_SOLUTION
    assert r.objective is None and not r.has_solution


def test_result_exports(tmp_path: Path) -> None:
    r = solve(
        read_problem_json(ROOT / "models" / "examples" / "port.json"), options=SolveOptions(gap=0.0)
    )
    from symbiose.exports import write_result

    files = {p.name for p in write_result(r, tmp_path)}
    assert {
        "result.json",
        "flows.csv",
        "built_arcs.csv",
        "converters.csv",
        "balances.csv",
        "result.xlsx",
    } <= files
    doc = json.loads((tmp_path / "result.json").read_text())
    assert doc["objective"] == pytest.approx(r.objective)
    assert len(doc["tables"]["flows"]) == len(r.flows)
    sheets = pd.read_excel(tmp_path / "result.xlsx", sheet_name=None)
    assert set(sheets) == {"summary", "flows", "built_arcs", "converters", "balances"}
    flows = pd.read_csv(tmp_path / "flows.csv")
    assert flows["cost"].sum() == pytest.approx(r.totals["transport_cost"])


def test_progress_line_writes_plain_lines_off_a_terminal(tmp_path: Path) -> None:
    out = (tmp_path / "log").open("w")
    line = ProgressLine(out)
    line.update(Progress(12.0, 130469.0, 91382.0, 0.3, 42))
    line.close()
    text = (tmp_path / "log").read_text()
    assert "incumbent" in text and "130,469" in text and "30 %" in text


def links_that_never_pay() -> Problem:
    """Two sites and one candidate truck link, nothing to exchange: pruning leaves no column."""
    return Problem(
        nodes=("S", "D"),
        commodities=("slag",),
        arcs=(Arc("S", "D", "truck", ("slag",), fixed_cost=1000.0),),
    )


@pytest.mark.parametrize("backend", ["pyomo", "arrays"])
def test_a_problem_pruning_empties_is_optimal_at_zero_not_an_empty_status_error(
    backend: str,
) -> None:
    """HiGHS answers an empty model 'Empty', which used to end in error, exit 4."""
    r = solve(links_that_never_pay(), options=SolveOptions(gap=0.0), backend=backend)  # type: ignore[arg-type]
    assert r.status is Status.OPTIMAL, r.message
    assert r.objective == 0.0 and r.bound == 0.0 and r.gap == 0.0
    assert r.built_arcs.empty and r.flows.empty
    assert r.certificate is not None and r.certificate.passed
    assert any("left out before building" in note for note in r.notes)


def test_an_empty_problem_solves_through_the_command_line_with_exit_0(tmp_path: Path) -> None:
    from cli.main import main
    from models.serialise import problem_to_dict

    path = tmp_path / "empty.json"
    path.write_text(json.dumps(problem_to_dict(links_that_never_pay())))
    assert main(["solve", str(path), "--quiet"]) == 0
