"""Independent blocks solved apart equal the whole; coupling families keep it whole; warm start.

The hand-built instance has two blocks whose optima are worked out by hand; the synthetic ones
are clusters of sources and grinders far apart (numeric, and through the inventory pipeline
with ``symbiose.synthetic.synthetic_inventory``).
"""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pandas as pd
import pytest

import models.blocks as blocks_module
from models.blocks import (
    BlockTask,
    combine,
    find_blocks,
    group_blocks,
    in_process,
    lost,
    split,
)
from models.problem import Arc, Converter, Demand, Problem, Supply
from models.result import Objective, Result, Status
from models.session import HighsSession
from models.solve import PyomoBackend, SolveOptions, run_backend, solve
from models.warmstart import rounded_start, violation

EXACT = SolveOptions(gap=0.0, time_limit=60)


def two_pairs(**planner: object) -> Problem:
    """Block A: a -> b, a candidate arc (fixed 10); block B: c -> d, an existing arc.

    A: 100 t at a (disposal 1 EUR/t), b wants 100 t at 2 EUR/t: 100 * (1 + 2) - 10 = 290.
    B: 50 t at c (no disposal cost), d wants 40 t at 3 EUR/t, carried at 0.5 EUR/t:
       40 * (3 - 0.5) = 100.  Whole: 390 EUR/yr.
    """
    return Problem(
        nodes=("a", "b", "c", "d"),
        commodities=("slag", "heat"),
        supplies=(
            Supply("a", "slag", 100.0, disposal_cost=1.0),
            Supply("c", "heat", 50.0),
        ),
        demands=(Demand("b", "slag", 100.0, value=2.0), Demand("d", "heat", 40.0, value=3.0)),
        arcs=(
            Arc("a", "b", "truck", ("slag",), capacity=500.0, fixed_cost=10.0),
            Arc("c", "d", "pipe", ("heat",), existing=True, variable_cost={"heat": 0.5}),
        ),
        **planner,  # type: ignore[arg-type]
    )


def clusters(count: int, seed: int = 3) -> Problem:
    """``count`` clusters of 3 sources, 3 grinders and a hub converter, each apart from the rest.

    Every source may send slag to every grinder of its cluster by truck (no fixed cost) or by a
    conveyor to be built (fixed cost, cheaper per tonne); a grinder turns slag into ground slag
    that a cement works of the cluster buys.
    """
    rng = random.Random(seed)
    nodes, supplies, demands, arcs, converters = [], [], [], [], []
    for c in range(count):
        cement = f"k{c}_cement"
        nodes.append(cement)
        demands.append(Demand(cement, "ground", rng.uniform(150, 400), value=rng.uniform(20, 40)))
        for i in range(3):
            src, snk = f"k{c}_src{i}", f"k{c}_grd{i}"
            nodes += [src, snk]
            supplies.append(
                Supply(src, "slag", rng.uniform(50, 300), disposal_cost=rng.uniform(2, 12))
            )
            demands.append(Demand(snk, "slag", rng.uniform(50, 200), value=rng.uniform(3, 9)))
            converters.append(
                Converter(
                    f"k{c}_mill{i}",
                    snk,
                    {"slag": 1.05},
                    {"ground": 1.0},
                    capacity=rng.uniform(50, 150),
                    variable_cost=rng.uniform(1, 4),
                )
            )
            arcs.append(Arc(snk, cement, "truck", ("ground",), variable_cost={"ground": 1.0}))
        for i in range(3):
            for j in range(3):
                src, snk = f"k{c}_src{i}", f"k{c}_grd{j}"
                arcs.append(
                    Arc(src, snk, "truck", ("slag",), variable_cost={"slag": rng.uniform(1, 6)})
                )
                arcs.append(
                    Arc(
                        src,
                        snk,
                        "conveyor",
                        ("slag",),
                        capacity=rng.uniform(80, 200),
                        fixed_cost=rng.uniform(100, 600),
                        variable_cost={"slag": rng.uniform(0.1, 0.5)},
                    )
                )
    return Problem(
        nodes=tuple(nodes),
        commodities=("slag", "ground"),
        supplies=tuple(supplies),
        demands=tuple(demands),
        arcs=tuple(arcs),
        converters=tuple(converters),
        carbon_price=0.0,
        name="clusters",
    )


def _sorted(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return table.sort_values(keys).reset_index(drop=True)


def _same_flows(a: Result, b: Result) -> None:
    keys = ["tail", "head", "mode", "commodity"]
    left, right = _sorted(a.flows, keys), _sorted(b.flows, keys)
    assert left[keys].equals(right[keys])
    np.testing.assert_allclose(left["quantity"], right["quantity"], rtol=1e-6, atol=1e-6)


def test_the_arc_graph_splits_into_its_connected_components() -> None:
    blocks = find_blocks(two_pairs())
    assert blocks.count == 2
    assert blocks.labels["arcs"][0] == blocks.labels["supplies"][0] == blocks.labels["demands"][0]
    assert blocks.labels["arcs"][1] == blocks.labels["supplies"][1] != blocks.labels["arcs"][0]
    assert find_blocks(clusters(4)).count == 4


def _one_site_two_ways(*, shared_arc: bool = False, converter: bool = False) -> Problem:
    """Site x sends slag to y and heat to z: two blocks, unless something joins the two."""
    arcs = [
        Arc("x", "y", "truck", ("slag",), variable_cost={"slag": 1.0}),
        Arc("x", "z", "pipe", ("heat",), fixed_cost=5.0),
    ]
    if shared_arc:  # one arc carrying both, whose capacity they share
        arcs.append(Arc("x", "w", "barge", ("slag", "heat"), capacity=10.0))
    converters = (Converter("boiler", "x", {"slag": 1.0}, {"heat": 0.5}),) if converter else ()
    return Problem(
        nodes=("x", "y", "z", "w"),
        commodities=("slag", "heat"),
        supplies=(Supply("x", "slag", 20.0), Supply("x", "heat", 30.0)),
        demands=(
            Demand("y", "slag", 20.0, value=4.0),
            Demand("z", "heat", 30.0, value=2.0),
            Demand("w", "heat", 5.0, value=3.0),
            Demand("w", "slag", 5.0, value=6.0),
        ),
        arcs=tuple(arcs),
        converters=converters,
    )


def test_one_site_in_two_commodities_is_in_two_blocks_unless_an_arc_or_converter_joins_them() -> (
    None
):
    assert find_blocks(_one_site_two_ways()).count == 4  # slag x-y, heat x-z, and w's two
    assert find_blocks(_one_site_two_ways(shared_arc=True)).count == 1
    assert find_blocks(_one_site_two_ways(converter=True)).count == 3  # x's two joined


@pytest.mark.parametrize(
    "shape", [{}, {"shared_arc": True}, {"converter": True}], ids=["apart", "arc", "converter"]
)
def test_a_site_split_by_commodity_gives_the_whole_optimum(shape: dict) -> None:
    problem = _one_site_two_ways(**shape)
    whole = solve(problem, options=EXACT, decompose="off")
    apart = solve(problem, options=EXACT, decompose="on", mapper=in_process)
    assert apart.objective == pytest.approx(whole.objective, rel=1e-9)
    _same_flows(whole, apart)


def test_hand_built_blocks_solved_apart_give_the_hand_checked_optimum() -> None:
    whole = solve(two_pairs(), options=EXACT, decompose="off")
    apart = solve(two_pairs(), options=EXACT, decompose="on", mapper=in_process)
    assert whole.objective == pytest.approx(390.0)
    assert apart.status is Status.OPTIMAL
    assert apart.objective == pytest.approx(390.0)
    assert apart.bound == pytest.approx(390.0)
    assert apart.gap == pytest.approx(0.0, abs=1e-9)
    _same_flows(whole, apart)
    assert apart.totals == pytest.approx(whole.totals)
    assert any("2 independent blocks" in note for note in apart.notes)


@pytest.fixture
def one_block_per_task(monkeypatch: pytest.MonkeyPatch) -> None:
    """No batching: each block is a task of its own (small instances, several tasks)."""
    monkeypatch.setattr(blocks_module, "MIN_TASK_SIZE", 1)


def test_synthetic_clusters_solved_apart_in_worker_processes_equal_the_whole(
    one_block_per_task: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    problem = clusters(5)
    whole = solve(problem, options=EXACT, decompose="off")
    assert len(group_blocks(find_blocks(problem))) == 5
    pools: list[int] = []
    real_pool = blocks_module.process_pool

    def counted_pool(workers: int, should_stop: object = None) -> object:
        pools.append(workers)
        return real_pool(workers, should_stop)  # type: ignore[arg-type]

    monkeypatch.setattr(blocks_module, "process_pool", counted_pool)
    done: list[tuple[int, int]] = []
    apart = solve(
        problem,
        options=EXACT,
        decompose="on",
        workers=2,
        on_block=lambda i, n, _r: done.append((i, n)),
    )
    assert pools == [2]  # a pool of two worker processes ran the five tasks
    assert done == [(i, 5) for i in range(1, 6)]
    assert whole.status is apart.status is Status.OPTIMAL
    assert apart.objective == pytest.approx(whole.objective, rel=1e-9)
    _same_flows(whole, apart)
    assert sorted(apart.built_arcs["tail"] + apart.built_arcs["head"]) == sorted(
        whole.built_arcs["tail"] + whole.built_arcs["head"]
    )
    assert apart.recomputed_objective() == pytest.approx(apart.objective, rel=1e-9)


def test_small_blocks_are_batched_and_every_element_lands_in_exactly_one_sub_problem() -> None:
    problem = clusters(6)
    blocks = find_blocks(problem)
    groups = group_blocks(blocks, min_size=40)  # a cluster holds 31 elements
    assert sorted(label for g in groups for label in g) == list(range(blocks.count))
    assert len(groups) == 3
    subs = split(problem, blocks, groups)
    assert sum(len(s.arcs) for s in subs) == len(problem.arcs)
    assert sum(len(s.converters) for s in subs) == len(problem.converters)
    assert sorted(n for s in subs for n in s.nodes) == sorted(problem.nodes)


def test_blocks_of_a_synthetic_inventory_equal_the_whole() -> None:
    from symbiose.convert import to_problem
    from symbiose.inventory.schema import Inventory
    from symbiose.synthetic import synthetic_inventory

    west = synthetic_inventory(4, 3, seed=2, name="West")
    east = synthetic_inventory(3, 4, seed=7, name="East")
    for site in east["sites"]:  # two territories 60 km apart: beyond every mode's reach
        site["id"] = "e_" + site["id"]
        site["longitude"] += 0.9
    for item in east["supplies"] + east["demands"]:
        item["site"] = "e_" + item["site"]
    doc = dict(west, sites=west["sites"] + east["sites"])
    doc["supplies"] = west["supplies"] + east["supplies"]
    doc["demands"] = west["demands"] + east["demands"]
    problem = to_problem(Inventory.model_validate(doc))
    assert find_blocks(problem).count >= 2
    whole = solve(problem, options=EXACT, decompose="off")
    apart = solve(problem, options=EXACT, decompose="on", mapper=in_process)
    assert apart.objective == pytest.approx(whole.objective, rel=1e-9)
    _same_flows(whole, apart)


@pytest.mark.parametrize(
    ("planner", "family"),
    [
        ({"investment_budget": 1e9}, "investment_budget"),
        ({"max_new_links": 0}, "new_link_limit"),
        ({"co2_min": 0.0}, "co2_minimum"),
    ],
)
def test_a_coupling_family_forces_one_monolithic_solve(planner: dict, family: str) -> None:
    calls: list[BlockTask] = []

    def spy(fn, tasks):  # type: ignore[no-untyped-def]
        calls.extend(tasks)
        yield from in_process(fn, tasks)

    result = solve(two_pairs(**planner), options=EXACT, decompose="on", mapper=spy)
    assert calls == []
    assert result.status is Status.OPTIMAL
    assert f"{family} couples its 2 independent blocks" in " ".join(result.notes)


def test_auto_keeps_a_small_problem_whole() -> None:
    calls: list[BlockTask] = []

    def spy(fn, tasks):  # type: ignore[no-untyped-def]
        calls.extend(tasks)
        yield from in_process(fn, tasks)

    result = solve(two_pairs(), options=EXACT, mapper=spy)
    assert calls == [] and result.objective == pytest.approx(390.0)
    assert not any("independent blocks" in note for note in result.notes)


def test_auto_splits_a_problem_from_the_size_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocks_module, "AUTO_MIN_ELEMENTS", 10)
    problem = clusters(3)
    result = solve(problem, options=EXACT, mapper=in_process)
    assert any("solved as 3 independent blocks" in note for note in result.notes)
    assert result.objective == pytest.approx(
        solve(problem, options=EXACT, decompose="off").objective, rel=1e-9
    )


def lossy_pairs() -> Problem:
    """Two blocks of the same commodity, each with a lossy arc; a unit lost is charged 10.

    The charge of a lost unit is the largest disposal credit of its commodity over all supplies
    (10, at a): block B alone would charge 2, so it must carry the whole problem's charge.
    B: 100 t at c (disposal 2), 10 % lost on the way to d (value 3, wants 100 t):
       gain 100 * 2 + 90 * 3 - 10 * 10 = 370 (charging 2 would give 450).
    """
    return Problem(
        nodes=("a", "b", "c", "d"),
        commodities=("slag",),
        supplies=(
            Supply("a", "slag", 50.0, disposal_cost=10.0),
            Supply("c", "slag", 100.0, disposal_cost=2.0),
        ),
        demands=(Demand("b", "slag", 50.0, value=1.0), Demand("d", "slag", 100.0, value=3.0)),
        arcs=(
            Arc("a", "b", "truck", ("slag",), existing=True, loss={"slag": 0.2}),
            Arc("c", "d", "truck", ("slag",), existing=True, loss={"slag": 0.1}),
        ),
    )


def test_a_block_charges_a_lost_unit_what_the_whole_problem_charges_it(
    one_block_per_task: None,
) -> None:
    whole = solve(lossy_pairs(), options=EXACT, decompose="off")
    apart = solve(lossy_pairs(), options=EXACT, decompose="on", mapper=in_process)
    # A: 50 * 10 + 40 * 1 - 10 * 10 = 440; B: 370 (see lossy_pairs).
    assert whole.objective == pytest.approx(440.0 + 370.0)
    assert apart.objective == pytest.approx(whole.objective)
    assert any("2 independent blocks" in note for note in apart.notes)
    assert blocks_module.CHARGES_NODE not in set(apart.balances["node"])
    _same_flows(whole, apart)
    assert apart.recomputed_objective() == pytest.approx(apart.objective)


def _part(status: Status, objective: float | None, bound: float | None, name: str) -> Result:
    result = Result(status, Objective.VALORISATION, message=status.value, problem_name=name)
    if objective is not None:
        parts = dict.fromkeys(
            (
                "value",
                "disposal_avoided",
                "co2_avoided",
                "transport_cost",
                "conversion_cost",
                "fixed_cost",
            ),
            0.0,
        )
        parts["valorisation"] = objective
        empty = {k: pd.DataFrame() for k in ("flows", "built_arcs", "converters", "balances")}
        result.set_solution(empty, parts, 0.0)
        result.bound = bound
    return result


def test_gap_is_computed_from_the_sums_of_objectives_and_bounds() -> None:
    """Block 1: 100 found, bound 110; block 2: 50, proven.  Whole: 150, bound 160, gap 1/15.

    Not the mean of the block gaps (5 %) nor their largest (10 %): 10 / 150 = 6.67 %.
    """
    parts = [
        _part(Status.TIME_LIMIT, 100.0, 110.0, "b1"),
        _part(Status.OPTIMAL, 50.0, 50.0, "b2"),
    ]
    result = combine(two_pairs(), Objective.VALORISATION, parts, blocks=2)
    assert result.status is Status.TIME_LIMIT
    assert result.objective == pytest.approx(150.0)
    assert result.bound == pytest.approx(160.0)
    assert result.gap == pytest.approx(10.0 / 150.0)


def test_one_infeasible_block_makes_the_whole_infeasible_and_is_named() -> None:
    parts = [
        _part(Status.OPTIMAL, 50.0, 50.0, "b1"),
        _part(Status.INFEASIBLE, None, None, "b2"),
    ]
    result = combine(two_pairs(), Objective.VALORISATION, parts, blocks=2)
    assert result.status is Status.INFEASIBLE
    assert not result.has_solution and result.objective is None
    assert "b2: infeasible" in result.message


def test_an_infeasible_block_is_diagnosed_in_its_own_sub_problem() -> None:
    problem = dataclasses.replace(
        two_pairs(),
        demands=(
            Demand("b", "slag", 100.0, value=2.0),
            Demand("d", "heat", 80.0, value=3.0, must_serve=True),  # c only has 50
        ),
    )
    result = solve(problem, options=EXACT, decompose="on", mapper=in_process)
    assert result.status is Status.INFEASIBLE
    assert [(s.kind, s.node, s.commodity) for s in result.shortfalls] == [
        ("must_serve", "d", "heat")
    ]


def _search_without_help(session: HighsSession) -> list[float]:
    """Run HiGHS with no search of its own (no presolve, heuristics or branching).

    Returns the objectives HiGHS reported as improving incumbents.
    """
    h = session.highs
    h.setOptionValue("presolve", "off")
    h.setOptionValue("mip_heuristic_effort", 0.0)
    h.setOptionValue("mip_max_nodes", 0)
    found: list[float] = []
    h.cbMipImprovingSolution.subscribe(lambda e: found.append(e.data_out.objective_function_value))
    h.run()
    return found


def test_the_rounded_lp_start_is_feasible_and_accepted_by_highs_as_its_incumbent() -> None:
    problem = clusters(2)
    backend = PyomoBackend()
    form = backend.form(backend.build(problem, Objective.VALORISATION))
    start = rounded_start(form)
    assert start is not None
    assert violation(form, start) <= 1e-6
    # Without a start, HiGHS held back from its own search finds nothing ...
    cold = HighsSession(form, dataclasses.replace(EXACT, warm_start=False))
    assert _search_without_help(cold) == []
    assert cold.highs.getInfo().primal_solution_status == 0
    # ... with it, it reports the start as its incumbent and ends with it.
    warm = HighsSession(form, dataclasses.replace(EXACT, warm_start=True))
    assert warm.start_objective == pytest.approx(float(form.col_cost @ start + form.offset))
    assert _search_without_help(warm) == [pytest.approx(warm.start_objective)]
    assert warm.highs.getInfo().primal_solution_status == 2
    assert warm.highs.getInfo().objective_function_value == pytest.approx(warm.start_objective)


def test_warm_start_does_not_change_the_optimum() -> None:
    problem = clusters(3)
    cold = solve(problem, options=EXACT, decompose="off")
    warm = run_backend(
        PyomoBackend(), problem, Objective.VALORISATION, dataclasses.replace(EXACT, warm_start=True)
    )
    assert warm.status is Status.OPTIMAL
    assert warm.objective == pytest.approx(cold.objective, rel=1e-9)
    _same_flows(cold, warm)


def test_no_start_is_offered_for_a_model_without_decisions() -> None:
    backend = PyomoBackend()
    lp = dataclasses.replace(two_pairs(), arcs=two_pairs().arcs[1:])
    form = backend.form(backend.build(lp, Objective.VALORISATION))
    assert rounded_start(form) is None


def test_blocks_run_as_tasks_of_a_dask_cluster_with_the_same_optimum(
    one_block_per_task: None,
) -> None:
    from distributed import Client

    from symbiose.executor import dask_mapper

    problem = clusters(3)
    whole = solve(problem, options=EXACT, decompose="off")
    with Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as c:
        apart = solve(problem, options=EXACT, decompose="on", mapper=dask_mapper(c))
    assert apart.status is Status.OPTIMAL
    assert apart.objective == pytest.approx(whole.objective, rel=1e-9)
    _same_flows(whole, apart)


def test_a_block_whose_task_never_came_back_fails_the_solve_with_its_name() -> None:
    def dying(fn, tasks):  # type: ignore[no-untyped-def]
        for task in tasks:
            yield task.index, lost(task, "the worker solving it died: BrokenProcessPool")

    result = solve(two_pairs(), options=EXACT, decompose="on", mapper=dying)
    assert result.status is Status.ERROR
    assert not result.has_solution
    assert "worker solving it died" in result.message


def test_a_cancelled_solve_reports_the_blocks_not_yet_solved_as_cancelled(
    one_block_per_task: None,
) -> None:
    asked: list[int] = []

    def stop_after_the_first() -> bool:
        asked.append(1)
        return True

    options = dataclasses.replace(EXACT, should_stop=stop_after_the_first)
    result = solve(clusters(3), options=options, decompose="on", mapper=in_process)
    assert asked
    assert result.status is Status.CANCELLED
    assert not result.has_solution
    assert "cancelled by the user" in result.message


def test_a_cancellation_reaches_the_forked_workers(one_block_per_task: None) -> None:
    result = solve(
        clusters(4),
        options=dataclasses.replace(EXACT, should_stop=lambda: True),
        decompose="on",
        workers=2,
    )
    assert result.status is Status.CANCELLED


def test_by_default_a_start_is_offered_only_to_models_with_many_decisions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import models.warmstart as warmstart

    backend = PyomoBackend()
    form = backend.form(backend.build(clusters(1), Objective.VALORISATION))
    assert HighsSession(form, EXACT).start_objective is None  # 9 decisions < 500
    monkeypatch.setattr(warmstart, "AUTO_MIN_DECISIONS", 9)
    assert HighsSession(form, EXACT).start_objective is not None
    assert HighsSession(form, dataclasses.replace(EXACT, warm_start=False)).start_objective is None
