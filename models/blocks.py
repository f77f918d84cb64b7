"""Independent blocks of a problem: found, solved apart (in parallel) and combined honestly.

A block is a connected component (``scipy.sparse.csgraph``) of the graph whose vertices are
the ``(node, commodity)`` pairs of the problem: an arc joins its tail and its head in each
commodity it carries, and joins those commodities at its tail (they share its capacity and its
build decision); a converter joins its inputs and outputs at its node.  A supply, a demand or a
storage sits on one pair; nothing else ties two pairs (each balance and each reuse rule is per
node and commodity).  So a site sending slag one way and heat another is in two blocks, and
without a family that counts across the whole problem, the MILP is a sum of independent
MILPs, one per block::

    max sum_b c_b x_b   s.t.   A_b x_b <= r_b  (each b)     =   sum_b max { c_b x_b : A_b x_b <= r_b }

so the blocks are solved apart and their answers added: objective = sum of the block
objectives, bound = sum of the block bounds (each bound is valid for its block, so the sum is
valid for the whole), gap = |bound - objective| / |objective| from those sums.

Three planner families couple the blocks: the ``investment_budget``, the ``new_link_limit``
caps (when a cap binds) and the ``co2_minimum`` target.  When one is active the problem is
solved whole, and the result says so in its notes.

Blocks run in worker processes (a process pool of one worker per core by default, or any
:data:`Mapper`, e.g. :func:`symbiose.executor.dask_mapper`).  Small blocks are batched into one
task until a task holds :data:`MIN_TASK_SIZE` elements, so a region of thousands of isolated
pairs does not pay a process round-trip per pair.  Each task shares the overall time limit as
a deadline, and a cancellation reaches the tasks already running.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from models import certificate, processes
from models.constants import SOLVED
from models.losses import LossCharge, loss_charges
from models.problem import Problem, Supply
from models.result import PARTS, Objective, Result, Status
from models.session import SolveOptions

AUTO_MIN_ELEMENTS = 5_000
"""``decompose="auto"`` splits a problem only from this many elements (arcs, converters,
supplies, demands): below it one HiGHS run is faster than starting worker processes."""

MIN_TASK_SIZE = 500
"""Small blocks are batched until a task holds at least this many elements."""


class Decompose(StrEnum):
    """Whether :func:`models.solve.solve` splits a problem into its independent blocks."""

    AUTO = "auto"
    """Split when the problem is large (:data:`AUTO_MIN_ELEMENTS`) and has several blocks."""
    ON = "on"
    """Split whenever there are several blocks and no coupling family."""
    OFF = "off"
    """Always solve the problem whole."""


BlockCallback = Callable[[int, int, Result], None]
"""Called as ``on_block(done, total, result)`` each time a task of blocks is solved."""

block_progress: ContextVar[BlockCallback | None] = ContextVar("block_progress", default=None)
"""The ``on_block`` of a solve not given one: how a caller far above (the service's run state,
the command line's progress bars, :mod:`symbiose.progress`) follows the blocks."""

Mapper = Callable[
    [Callable[["BlockTask"], Result], Sequence["BlockTask"]], Iterator[tuple[int, Result]]
]
"""Runs ``solve_task`` on every task, yielding ``(task.index, result)`` as each one ends."""


@dataclass(frozen=True)
class BlockTask:
    """One unit of work: a sub-problem (one block or a batch of small ones) to solve."""

    index: int
    problem: Problem
    objective: Objective
    options: SolveOptions
    deadline: float | None
    """Wall-clock time (``time.time()``) by which the task must end; None for no limit."""
    blocks: int


def coupling_families(problem: Problem) -> list[str]:
    """The active families that tie the blocks together (empty: the blocks are independent)."""
    families = []
    if problem.investment_budget is not None:
        families.append("investment_budget")
    if problem.new_link_groups():
        families.append("new_link_limit")
    if problem.co2_min is not None:
        families.append("co2_minimum")
    return families


@dataclass(frozen=True)
class Blocks:
    """The independent blocks of a problem.

    The vertices are the ``(node, commodity)`` pairs that occur; an arc joins its tail and head
    in each commodity it carries, and its commodities at its tail (they share its capacity and
    its build decision); a converter joins its inputs and outputs at its node.  A site that
    sends slag one way and heat another is thus in two blocks, one per commodity.
    """

    count: int
    labels: dict[str, list[int]]
    """The block of each element, by kind (``supplies``, ``demands``, ``arcs``, ``converters``,
    ``storages``), in the problem's order."""

    def sizes(self) -> np.ndarray:
        """How many elements each block holds."""
        every = np.fromiter(
            (b for kind in self.labels.values() for b in kind), np.int64, self.elements
        )
        return np.bincount(every, minlength=self.count)

    @property
    def elements(self) -> int:
        """How many elements the blocks hold together."""
        return sum(len(kind) for kind in self.labels.values())


def find_blocks(problem: Problem) -> Blocks:
    """The connected components of the (node, commodity) graph (see :class:`Blocks`)."""
    pairs: dict[tuple[str, str], int] = {}

    def vertex(node: str, commodity: str) -> int:
        return pairs.setdefault((node, commodity), len(pairs))

    joins: list[tuple[int, int]] = []
    for arc in problem.arcs:
        tails = [vertex(arc.tail, k) for k in arc.commodities]
        joins += [(t, vertex(arc.head, k)) for t, k in zip(tails, arc.commodities, strict=True)]
        joins += list(pairwise(tails))
    for cv in problem.converters:
        ends = [vertex(cv.node, k) for k in (*cv.inputs, *cv.outputs)]
        joins += list(pairwise(ends))
    held = {
        "supplies": [vertex(s.node, s.commodity) for s in problem.supplies],
        "demands": [vertex(d.node, d.commodity) for d in problem.demands],
        "storages": [vertex(st.node, st.commodity) for st in problem.storages],
        "arcs": [pairs[(a.tail, a.commodities[0])] for a in problem.arcs],
        "converters": [pairs[(c.node, next(iter(c.inputs)))] for c in problem.converters],
    }
    n = len(pairs)
    rows = np.fromiter((u for u, _ in joins), np.int64, len(joins))
    cols = np.fromiter((v for _, v in joins), np.int64, len(joins))
    graph = coo_matrix((np.ones(len(joins)), (rows, cols)), shape=(n, n))
    count, label = connected_components(graph, directed=False)
    labels = {kind: label[np.asarray(ids, dtype=np.int64)].tolist() for kind, ids in held.items()}
    return Blocks(int(count), labels)


def group_blocks(blocks: Blocks, min_size: int | None = None) -> list[list[int]]:
    """The blocks gathered into tasks: large blocks alone, small ones batched.

    ``min_size``: the least elements of a batch (default :data:`MIN_TASK_SIZE`).

    Largest first, so the longest solves start first and the workers stay busy to the end.
    """
    sizes = blocks.sizes()
    min_size = MIN_TASK_SIZE if min_size is None else min_size
    groups: list[list[int]] = []
    batch: list[int] = []
    batch_size = 0
    for label in np.argsort(-sizes, kind="stable").tolist():
        if sizes[label] >= min_size:
            groups.append([label])
            continue
        batch.append(label)
        batch_size += int(sizes[label])
        if batch_size >= min_size:
            groups.append(batch)
            batch, batch_size = [], 0
    if batch:
        groups.append(batch)
    return groups


def split(problem: Problem, blocks: Blocks, groups: Sequence[Sequence[int]]) -> list[Problem]:
    """One sub-problem per group of blocks; every element goes to the group of its block."""
    group_of = {label: g for g, labels in enumerate(groups) for label in labels}
    parts: list[dict[str, list[Any]]] = [
        {"supplies": [], "demands": [], "arcs": [], "converters": [], "storages": []}
        for _ in groups
    ]
    for kind, labels in blocks.labels.items():
        for item, label in zip(getattr(problem, kind), labels, strict=True):
            parts[group_of[label]][kind].append(item)
    charges = loss_charges(problem)
    return [
        _with_charges(
            _sub_problem(problem, part, f"{problem.name} [block {g + 1}/{len(groups)}]"), charges
        )
        for g, part in enumerate(parts)
    ]


CHARGES_NODE = "(loss charges of the whole problem)"
"""A node added to a block, alone, to carry the whole problem's loss charges (see
:func:`_with_charges`); its rows are dropped from the combined tables."""


class LossChargesCouple(Exception):
    """A block's loss charges cannot be made those of the whole problem."""


def _with_charges(sub: Problem, whole: LossCharge) -> Problem:
    """``sub`` charging a lost unit what the whole problem charges it.

    A unit lost on an arc or in a store is charged the largest disposal credit of its
    commodity over *all* its supplies (:mod:`models.losses`): a block that lacks the supply
    with the largest credit would charge less.  A supply of quantity 0 carrying the whole
    problem's charge, at a node of its own, restores it without adding anything else.

    Raises:
        LossChargesCouple: a converter chain makes the charges differ all the same.
    """
    lossy = {k for a in sub.arcs for k, v in a.loss.items() if v > 0}
    lossy |= {st.commodity for st in sub.storages if st.loss > 0}
    mine = loss_charges(sub)
    differ = [
        k for k in sub.commodities if (mine.cost[k], mine.co2[k]) != (whole.cost[k], whole.co2[k])
    ]
    if not lossy or not differ:
        return sub
    if CHARGES_NODE in sub.nodes:
        raise LossChargesCouple(sub.name)
    carried = tuple(
        Supply(CHARGES_NODE, k, 0.0, disposal_cost=whole.cost[k], disposal_co2=whole.co2[k])
        for k in differ
    )
    fixed = dataclasses.replace(
        sub, nodes=(*sub.nodes, CHARGES_NODE), supplies=(*sub.supplies, *carried)
    )
    again = loss_charges(fixed)
    if any((again.cost[k], again.co2[k]) != (whole.cost[k], whole.co2[k]) for k in lossy):
        raise LossChargesCouple(sub.name)
    return fixed


def _sub_problem(problem: Problem, part: dict[str, list[Any]], name: str) -> Problem:
    """The problem restricted to ``part``: same slices and prices, no coupling family."""
    used: set[str] = {s.commodity for s in part["supplies"]}
    used |= {d.commodity for d in part["demands"]}
    used |= {s.commodity for s in part["storages"]}
    for arc in part["arcs"]:
        used.update(arc.commodities)
    for cv in part["converters"]:
        used.update(cv.inputs)
        used.update(cv.outputs)
    commodities = tuple(k for k in problem.commodities if k in used) or problem.commodities
    held = {s.node for s in part["supplies"]} | {d.node for d in part["demands"]}
    held |= {x.node for x in (*part["converters"], *part["storages"])}
    held |= {a.tail for a in part["arcs"]} | {a.head for a in part["arcs"]}
    return Problem(
        nodes=tuple(n for n in problem.nodes if n in held),
        commodities=commodities,
        supplies=tuple(part["supplies"]),
        demands=tuple(part["demands"]),
        arcs=tuple(part["arcs"]),
        converters=tuple(part["converters"]),
        storages=tuple(part["storages"]),
        slices=problem.slices,
        carbon_price=problem.carbon_price,
        name=name,
    )


def elements(problem: Problem) -> int:
    """How many arcs, converters, supplies and demands ``problem`` has (a size measure)."""
    return (
        len(problem.arcs) + len(problem.converters) + len(problem.supplies) + len(problem.demands)
    )


def solve_decomposed(
    problem: Problem,
    objective: Objective,
    options: SolveOptions,
    whole: Callable[[], Result],
    *,
    decompose: Decompose | str = Decompose.AUTO,
    mapper: Mapper | None = None,
    workers: int | None = None,
    on_block: BlockCallback | None = None,
) -> Result:
    """Solve ``problem`` block by block when it splits, else by ``whole()``.

    Args:
        problem: the problem.
        objective: what to optimise.
        options: how to solve each block; ``time_limit`` is the limit of the whole solve.
        whole: solves the problem in one piece (the monolithic path).
        decompose: ``auto``, ``on`` or ``off`` (see :class:`Decompose`).
        mapper: where tasks run; default a process pool of ``workers`` processes.
        workers: worker processes of the default pool (default: one per core).
        on_block: told each time a task of blocks is solved.
    """
    mode = Decompose(decompose)
    if mode is Decompose.OFF or (mode is Decompose.AUTO and elements(problem) < AUTO_MIN_ELEMENTS):
        return whole()
    tick = time.perf_counter()
    coupled = coupling_families(problem)
    blocks = find_blocks(problem)
    count = blocks.count
    if coupled or count < 2:
        result = whole()
        if coupled and count >= 2:
            result.notes.append(
                f"solved as one problem: {', '.join(coupled)} couples its {count} independent "
                "blocks"
            )
        return result
    groups = group_blocks(blocks)
    try:
        subs = split(problem, blocks, groups)
    except LossChargesCouple:
        result = whole()
        result.notes.append(
            f"solved as one problem: the loss charges of a converter chain couple its {count} "
            "independent blocks"
        )
        return result
    split_seconds = time.perf_counter() - tick
    deadline = time.time() + options.time_limit if options.time_limit is not None else None
    portable = dataclasses.replace(options, progress=None, should_stop=None)
    tasks = [
        BlockTask(i, sub, objective, portable, deadline, len(group))
        for i, (sub, group) in enumerate(zip(subs, groups, strict=True))
    ]
    tick = time.perf_counter()
    results = _run(tasks, options, mapper, workers, on_block)
    wall = time.perf_counter() - tick
    combined = combine(problem, objective, results, blocks=count)
    combined.timings = {"split": split_seconds, **combined.timings, "solve": wall}
    combined.solve_seconds = wall
    return combined


def _run(
    tasks: Sequence[BlockTask],
    options: SolveOptions,
    mapper: Mapper | None,
    workers: int | None,
    on_block: BlockCallback | None,
) -> list[Result]:
    """Every task's result, in task order, reporting each as it ends.

    In this process, each task gets the caller's ``should_stop``; in the process pool, the
    parent polls it and sets an event the workers' solves poll.  On any mapper, a stop also
    ends the loop: the tasks not yet back are reported as cancelled.
    """
    should_stop = options.should_stop
    n = min(workers or os.cpu_count() or 1, len(tasks))
    if mapper is None and n > 1:
        mapper = process_pool(n, should_stop)
    elif mapper is None or mapper is in_process:
        mapper = in_process
        tasks = [
            dataclasses.replace(t, options=dataclasses.replace(t.options, should_stop=should_stop))
            for t in tasks
        ]
    on_block = on_block or block_progress.get()
    results: dict[int, Result] = {}
    stopped = False
    for index, result in mapper(solve_task, tasks):
        results[index] = result
        if on_block is not None:
            on_block(len(results), len(tasks), result)
        if should_stop is not None and len(results) < len(tasks) and should_stop():
            stopped = True
            break
    why = "cancelled by the user" if stopped else "no result came back"
    return [
        results.get(t.index) or lost(t, why, Status.CANCELLED if stopped else Status.ERROR)
        for t in tasks
    ]


_stop_event: Any = None
"""In a pool worker: the event the parent sets to cancel the running solves."""


def _init_worker(stop: Any) -> None:
    """Start a block worker: it ends with its parent (no orphaned solve) and polls ``stop``."""
    global _stop_event
    processes.die_with_parent()
    _stop_event = stop


def solve_task(task: BlockTask) -> Result:
    """Solve one task's sub-problem whole (in a worker process or here); never raises."""
    from models.solve import solve

    options = task.options
    if task.deadline is not None:
        options = dataclasses.replace(options, time_limit=max(task.deadline - time.time(), 0.01))
    if _stop_event is not None:
        options = dataclasses.replace(options, should_stop=_stop_event.is_set)
    try:
        return solve(task.problem, task.objective, options, decompose=Decompose.OFF)
    except Exception as exc:  # e.g. a ProblemError of this block: the block reports it
        return lost(task, f"{type(exc).__name__}: {exc}")


def in_process(
    fn: Callable[[BlockTask], Result], tasks: Sequence[BlockTask]
) -> Iterator[tuple[int, Result]]:
    """The reference mapper: every task in this process, one after the other."""
    for task in tasks:
        yield task.index, fn(task)


def process_pool(workers: int, should_stop: Callable[[], bool] | None = None) -> Mapper:
    """A mapper on a pool of ``workers`` processes (HiGHS keeps one core busy each).

    The pool is started once per solve from :func:`models.processes.context` (never forked
    from this process, which may hold HiGHS's threads); each task carries only its
    sub-problem.  ``should_stop`` is polled here, in the parent, every quarter second; when it
    answers True the workers' solves are interrupted (through an event they poll).
    """

    def run(
        fn: Callable[[BlockTask], Result], tasks: Sequence[BlockTask]
    ) -> Iterator[tuple[int, Result]]:
        ctx = processes.context()
        stop = ctx.Event()
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(stop,)
        ) as pool:
            futures = {pool.submit(fn, task): task for task in tasks}
            pending = set(futures)
            try:
                while pending:
                    done, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
                    if should_stop is not None and should_stop():
                        stop.set()
                    for future in done:
                        yield futures[future].index, _outcome(future, futures[future])
            finally:
                stop.set()  # the caller stopped early: end the running solves now
                for future in pending:
                    future.cancel()

    return run


def _outcome(future: Future[Result], task: BlockTask) -> Result:
    try:
        return future.result()
    except Exception as exc:  # the worker died (e.g. out of memory)
        return lost(task, f"the worker solving it died: {type(exc).__name__}: {exc}")


def lost(
    task: BlockTask, why: str = "no result came back", status: Status = Status.ERROR
) -> Result:
    """The result of a task whose solve never came back (``why`` says what happened)."""
    return Result(status, task.objective, message=why, problem_name=task.problem.name)


_WORST_FIRST = (
    Status.ERROR,
    Status.INFEASIBLE,
    Status.UNBOUNDED,
    Status.CANCELLED,
    Status.NO_SOLUTION,
    Status.TIME_LIMIT,
    Status.FEASIBLE,
    Status.OPTIMAL,
)


def combine(
    problem: Problem, objective: Objective, results: Sequence[Result], blocks: int
) -> Result:
    """One result from the results of independent parts of ``problem``.

    The status is the worst of the parts (an infeasible block makes the whole infeasible);
    tables are stacked, objective parts and bounds added, and the gap computed from the sums.
    """
    status = min((r.status for r in results), key=_WORST_FIRST.index)
    failing = [r for r in results if r.status is status and r.status is not Status.OPTIMAL]
    message = "; ".join(f"{r.problem_name}: {r.message}" for r in failing[:3]) or "optimal"
    result = Result(status, objective, message=message, problem_name=problem.name)
    for part in results:
        result.shortfalls.extend(part.shortfalls)
        result.notes.extend(part.notes)
    result.notes.append(
        f"solved as {blocks} independent blocks in {len(results)} tasks; objective, bound and "
        "gap are the sums over the blocks"
    )
    result.timings = {
        phase: sum(r.timings.get(phase, 0.0) for r in results)
        for phase in ("build", "handover", "results")
    }
    if status.value in SOLVED and all(r.has_solution for r in results):
        _stack(result, problem, results)
        result.certificate = certificate.combine([r.certificate for r in results])
    return result


def _stack(result: Result, problem: Problem, results: Sequence[Result]) -> None:
    """Stack the parts' tables, add their objective parts and bounds, derive the gap."""
    tables = {
        name: pd.concat([getattr(r, name) for r in results], ignore_index=True)
        for name in ("flows", "built_arcs", "converters", "balances", "stocks")
    }
    balances = tables["balances"]
    if len(balances):
        tables["balances"] = balances[balances["node"] != CHARGES_NODE].reset_index(drop=True)
    parts = {name: sum(r.totals.get(name, 0.0) for r in results) for name in PARTS}
    result.set_solution(tables, parts, problem.carbon_price)
    bounds = [r.bound for r in results]
    if any(b is None for b in bounds) or result.objective is None:
        return
    result.bound = float(sum(b for b in bounds if b is not None))
    result.gap = abs(result.bound - result.objective) / max(abs(result.objective), 1e-9)
