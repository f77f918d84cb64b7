"""Both backends build the identical model: same matrix, bounds, integrality and objective.

Pyomo's compiler orders columns and rows its own way, so each Pyomo column is mapped to the
array column of the same variable (``x[a,k,t]``, ``y[a]``, ...) by the column maps of
:class:`~models.direct.DirectModel`; then every column's cost, bounds and integrality must be
equal, and the rows, written over the array columns, must be the same set of rows (each row up
to its sign, which Pyomo may choose differently for an equality).  Checked on the hand-made
problems that use every feature, on Dunkirk, and on a regional case: a 300-site synthetic
inventory (``benchmarks.tightness.regional_problem``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from test_direct_backend import SMALL  # type: ignore[import-not-found]

from models.backends import PyomoBackend
from models.direct import DirectModel, build_arrays
from models.formulation import Formulation
from models.pathway import Pathway, PathwayScenario
from models.pathway_arrays import PathwayArrays, build_pathway_arrays
from models.pathway_formulation import PathwayFormulation
from models.problem import Problem
from models.result import Objective
from models.session import MatrixForm

DUNKIRK = Path(__file__).parents[2] / "datasets" / "dunkerque" / "dunkerque.yaml"

Row = tuple[float, float, tuple[tuple[int, float], ...]]


def _column_of(model: DirectModel) -> dict[tuple[str, object], int]:
    """The array column of every variable, by (component name, index)."""
    p, T, cols = model.problem, model.slices, model.columns
    where: dict[tuple[str, object], int] = {}
    for i, (a, k) in enumerate(zip(model.x_arc.tolist(), model.x_commodity.tolist(), strict=True)):
        for t in range(T):
            where["x", (a, p.commodities[k], t)] = cols["x"].start + i * T + t
    for name, items in (("y", model.y_arc), ("w", model.w_converter), ("k", model.k_arc)):
        for i, item in enumerate(items.tolist()):
            where[name, item] = cols[name].start + i
    for name, count in (("u", len(p.supplies)), ("v", len(p.demands)), ("z", len(p.converters))):
        for i in range(count):
            for t in range(T):
                where[name, (i, t)] = cols[name].start + i * T + t
    for i, g in enumerate(model.stored):
        for t in range(T):
            where["stock", (g, t)] = cols["stock"].start + i * T + t
    return where


def _rows(form: MatrixForm, columns: np.ndarray) -> list[Row]:
    """Every row as (lower, upper, sorted (column, coefficient)), columns renamed by
    ``columns``, each in the orientation that sorts first (a row and its negation are one)."""
    matrix = sp.csr_matrix(form.matrix)
    rows = []
    for r in range(matrix.shape[0]):
        lo, hi = matrix.indptr[r], matrix.indptr[r + 1]
        terms = tuple(
            sorted(
                zip(
                    columns[matrix.indices[lo:hi]].tolist(),
                    matrix.data[lo:hi].tolist(),
                    strict=True,
                )
            )
        )
        lower, upper = float(form.row_lower[r]), float(form.row_upper[r])
        flipped = (-upper, -lower, tuple((c, -v) for c, v in terms))
        rows.append(min((lower, upper, terms), flipped))
    return sorted(rows)


def assert_identical(problem: Problem, objective: Objective) -> None:
    """The Pyomo and array models of ``problem`` are the same model (module docstring)."""
    arrays = build_arrays(problem, objective)
    backend = PyomoBackend()
    formulation = Formulation(problem, objective)
    pyomo = backend.form(formulation)
    where = _column_of(arrays)
    columns = np.array(
        [where[v.parent_component().name, v.index()] for v in backend.columns(formulation)]
    )
    assert sorted(columns.tolist()) == list(range(arrays.num_col))  # a one-to-one map
    mine = arrays.form
    assert pyomo.maximise == mine.maximise
    assert pyomo.offset == pytest.approx(mine.offset)
    for attr in ("col_cost", "col_lower", "col_upper", "integrality"):
        np.testing.assert_array_equal(getattr(pyomo, attr), getattr(mine, attr)[columns], attr)
    assert _rows(pyomo, columns) == _rows(mine, np.arange(arrays.num_col))


@pytest.mark.parametrize("objective", list(Objective))
@pytest.mark.parametrize("make", list(SMALL))
def test_both_backends_build_the_identical_model_on_small_problems(
    make: str, objective: Objective
) -> None:
    assert_identical(SMALL[make](), objective)


def test_both_backends_build_the_identical_model_of_dunkirk() -> None:
    from symbiose.convert import to_network
    from symbiose.inventory import load_inventory

    assert_identical(to_network(load_inventory(DUNKIRK)).problem, Objective.VALORISATION)


def test_both_backends_build_the_identical_model_of_a_300_site_region() -> None:
    from benchmarks.tightness import regional_problem

    problem = regional_problem(300)
    assert len(problem.arcs) >= 50  # a regional case, not a toy
    assert_identical(problem, Objective.VALORISATION)


def test_the_identity_check_sees_a_changed_coefficient() -> None:
    """Guard: the comparison fails when one backend's matrix differs by one coefficient."""
    problem = SMALL["plant"]()
    arrays = build_arrays(problem)
    arrays.form.matrix.data[0] *= 2
    backend = PyomoBackend()
    formulation = Formulation(problem)
    pyomo = backend.form(formulation)
    where = _column_of(arrays)
    columns = np.array(
        [where[v.parent_component().name, v.index()] for v in backend.columns(formulation)]
    )
    assert _rows(pyomo, columns) != _rows(arrays.form, np.arange(arrays.num_col))


def test_auto_builds_with_arrays_from_the_threshold_and_pyomo_below() -> None:
    from dataclasses import replace

    from models.backends import AUTO_ARRAYS_FROM, backend_name, flow_columns

    small = SMALL["single_slice"]()
    assert flow_columns(small) == 5 < AUTO_ARRAYS_FROM
    assert backend_name(small, "auto") == "pyomo"
    assert backend_name(small, "arrays") == "arrays"
    arc = small.arcs[0]
    copies = AUTO_ARRAYS_FROM  # one flow column each, one slice
    many = replace(small, arcs=tuple(replace(arc, mode=f"m{i}") for i in range(copies)))
    assert flow_columns(many) == AUTO_ARRAYS_FROM
    assert backend_name(many, "auto") == "arrays"
    assert backend_name(many, "pyomo") == "pyomo"


def test_an_unknown_backend_is_refused_with_the_choices() -> None:
    from models.solve import solve

    with pytest.raises(
        ValueError, match="backend: 'gurobi' is not one of 'pyomo', 'arrays', 'auto'"
    ):
        solve(SMALL["plant"](), backend="gurobi")  # type: ignore[arg-type]


def test_the_command_line_solves_with_the_backend_asked_for(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``symbiose solve --backend arrays`` reaches ``solve`` as ``SolveOptions.backend``."""
    import models.solve
    from cli import main as cli

    seen: list[str] = []
    real = models.solve.solve

    def spy(problem: Problem, objective: Objective, options: object = None, **kw: object) -> object:
        seen.append(options.backend)  # type: ignore[union-attr]
        return real(problem, objective, options)  # type: ignore[arg-type]

    monkeypatch.setattr(models.solve, "solve", spy)
    instance = Path(__file__).parents[2] / "benchmarks" / "instances" / "fcnetlib" / "k10x90"
    for choice in ("arrays", "pyomo"):
        assert cli.main(["solve", str(instance), "--backend", choice, "--quiet"]) == 0
    assert seen == ["arrays", "pyomo"]
    assert "568" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["solve", str(instance), "--backend", "gurobi"])


# -- pathways: the blocks and the builds ------------------------------------------------------


def _pathway_column_of(arrays: PathwayArrays) -> dict[tuple[object, str, object], int]:
    """The array column of every pathway variable, by (block or None, name, index)."""
    where: dict[tuple[object, str, object], int] = {}
    for b, model in enumerate(arrays.blocks):
        for (name, index), col in _column_of(model).items():
            where[b, name, index] = arrays.offsets[b] + col
    for name in ("build", "capacity_build"):
        cols = arrays.columns[name]
        for j in range(cols.stop - cols.start):
            where[None, name, j] = cols.start + j
    return where


def assert_pathway_identical(pathway: Pathway, objective: Objective) -> None:
    """The Pyomo and array models of a pathway are the same model (as for one problem)."""
    from models.pathway_solve import PyomoPathway

    arrays = build_pathway_arrays(pathway, objective)
    formulation = PathwayFormulation(pathway, objective)
    backend = PyomoPathway()
    pyomo = backend.form(formulation)
    block_of = {id(f.model): b for b, f in enumerate(formulation.blocks)}
    where = _pathway_column_of(arrays)
    columns = np.array(
        [
            where[
                block_of.get(id(v.parent_block())),
                v.parent_component().local_name,
                v.index(),
            ]
            for v in backend.columns
        ]
    )
    num_col = arrays.form.col_cost.size
    assert sorted(columns.tolist()) == list(range(num_col))  # a one-to-one map
    mine = arrays.form
    assert pyomo.maximise == mine.maximise
    for attr in ("col_cost", "col_lower", "col_upper", "integrality"):
        np.testing.assert_array_equal(getattr(pyomo, attr), getattr(mine, attr)[columns], attr)
    assert _rows(pyomo, columns) == _rows(mine, np.arange(num_col))


def rich_pathway() -> Pathway:
    """Two scenarios of three periods from the small problems: every block family, builds
    shared to 2028, per-period budgets and caps, horizon limits, sized links, lifetimes."""
    from dataclasses import replace

    planned = SMALL["planned"]()
    plant = replace(planned, co2_min=None, max_new_links=None, investment_budget=None)

    def scaled(problem: Problem, factor: float) -> Problem:
        return replace(
            problem,
            supplies=tuple(replace(s, quantity=tuple(q * factor for q in s.quantities))
                           for s in problem.supplies),
        )

    low = (planned, scaled(planned, 1.2), replace(scaled(plant, 0.8), investment_budget=5e6))
    high = (plant, scaled(planned, 0.5), scaled(plant, 1.5))
    lives = {a.key: 3.0 for a in planned.arcs[::2]}
    return Pathway(
        "rich",
        years=(2026, 2028, 2030),
        end=2035,
        scenarios=(PathwayScenario("low", 0.4, low), PathwayScenario("high", 0.6, high)),
        discount_rate=0.04,
        decision_year=2028,
        arc_lifetime=lives,
        converter_lifetime={c.name: 4.0 for c in plant.converters},
        investment_budget=2e7,
        max_new_links=4,
        max_new_links_per_mode={"truck": 2},
    )


@pytest.mark.parametrize("objective", list(Objective))
def test_both_backends_build_the_identical_pathway_model(objective: Objective) -> None:
    from models.pathway_index import build_index

    pathway = rich_pathway()
    index = build_index(pathway, objective)
    families = {row.family for row in index.limits}
    assert families == {"period_budget", "horizon_budget", "period_link_limit", "horizon_link_limit"}
    assert index.sized and any(b.scenario is None for b in index.builds)
    assert any(b.scenario is not None for b in index.builds)
    assert_pathway_identical(pathway, objective)


def test_both_backends_build_the_identical_model_of_one_dunkirk_period() -> None:
    from models.pathway import one_period
    from symbiose.convert import to_network
    from symbiose.inventory import load_inventory

    problem = to_network(load_inventory(DUNKIRK)).problem
    assert_pathway_identical(one_period(problem), Objective.VALORISATION)


def test_both_backends_build_the_identical_model_of_the_dunkirk_pathway() -> None:
    """Dunkirk's pathway, 4 periods x 3 scenarios (12 blocks), every objective's matrix."""
    from benchmarks.pathways import dunkirk_pathway

    pathway = dunkirk_pathway()
    assert pathway.periods == 4 and len(pathway.scenarios) == 3
    assert_pathway_identical(pathway, Objective.VALORISATION)
