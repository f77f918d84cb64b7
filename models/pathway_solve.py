"""Solve a pathway: build (Pyomo or arrays) → hand-over → solve → schedule, periods, scenarios.

The same steps as :func:`models.solve.solve` for one problem, with the pathway's model
(:mod:`models.pathway_formulation`, :mod:`models.pathway_arrays`) and its result
(:class:`~models.pathway_result.PathwayResult`).  No solver exception escapes: every outcome
has a status.  Pathways are never pruned: a link that cannot pay in one period may still serve
one built earlier.

``first_stage`` fixes the shared builds (those decided now) to given values: how the value
of the expected-value solution is measured (:mod:`models.stochastic`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np
import pyomo.environ as pyo

from models.backends import AUTO_ARRAYS_FROM, DirectBackend, flow_columns
from models.backends.pyomo import read_loaded, standard_form
from models.cleaning import TOLERANCE
from models.pathway import ArcKey, Pathway
from models.pathway_arrays import PathwayArrays, build_pathway_arrays
from models.pathway_formulation import PathwayFormulation
from models.pathway_index import PathwayIndex, build_index
from models.pathway_reading import read_pathway
from models.pathway_result import PathwayResult
from models.result import Objective, Result, Status
from models.session import BackendName, HighsSession, MatrixForm, SolveOptions

ModelT = TypeVar("ModelT")

FirstStage = Mapping[tuple[str, ArcKey | str, int], tuple[float, float | None]]
"""Shared builds by ``(kind, key, period)``: ``(built, capacity)``, the capacity of a sized
build None when it is left to the solve; a shared build not listed is not made."""


class PathwayBackend(Protocol[ModelT]):
    """What each pathway backend provides to :func:`solve_pathway`."""

    def build(self, index: PathwayIndex) -> ModelT:
        """The model of the pathway ``index`` describes."""
        ...

    def form(self, model: ModelT) -> MatrixForm:
        """The model in matrix form."""
        ...

    def positions(self, model: ModelT) -> tuple[np.ndarray, np.ndarray]:
        """The column of each ``build`` and each ``capacity_build`` in the form (-1: none)."""
        ...

    def fill(self, model: ModelT, values: np.ndarray, results: list[Result]) -> None:
        """Read each block's solution into its result."""
        ...


class PyomoPathway:
    """The Pyomo pathway backend (:class:`~models.pathway_formulation.PathwayFormulation`)."""

    def __init__(self) -> None:
        self.columns: list[Any] = []

    def build(self, index: PathwayIndex) -> PathwayFormulation:
        """The Pyomo model."""
        return PathwayFormulation(index.pathway, index.objective, index=index)

    def form(self, model: PathwayFormulation) -> MatrixForm:
        """Compiled by Pyomo; the integer columns are the blocks' decisions and the builds."""
        integer = {id(v) for v in model.model.build.values()}
        for f in model.blocks:
            integer.update(id(v) for name in ("y", "w") for v in getattr(f.model, name).values())
        form, self.columns = standard_form(model.model, integer)
        return form

    def positions(self, model: PathwayFormulation) -> tuple[np.ndarray, np.ndarray]:
        """Where each build variable landed among the compiled columns."""
        at = {id(v): i for i, v in enumerate(self.columns)}
        m = model.model
        builds = np.array([at.get(id(v), -1) for v in m.build.values()], dtype=np.int64)
        sizes = np.array([at.get(id(v), -1) for v in m.capacity_build.values()], dtype=np.int64)
        return builds, sizes

    def fill(self, model: PathwayFormulation, values: np.ndarray, results: list[Result]) -> None:
        """Load the solution into the variables, then read each block."""
        for var in model.model.component_data_objects(pyo.Var):
            var.set_value(0.0, skip_validation=True)
        for var, value in zip(self.columns, values.tolist(), strict=True):
            var.set_value(value, skip_validation=True)
        for f, result in zip(model.blocks, results, strict=True):
            read_loaded(f, result)


class ArraysPathway:
    """The array pathway backend (:mod:`models.pathway_arrays`)."""

    def build(self, index: PathwayIndex) -> PathwayArrays:
        """The array model."""
        return build_pathway_arrays(index.pathway, index.objective, index=index)

    def form(self, model: PathwayArrays) -> MatrixForm:
        """The arrays, as they are."""
        return model.form

    def positions(self, model: PathwayArrays) -> tuple[np.ndarray, np.ndarray]:
        """The build and capacity columns, in order."""
        cols = model.columns
        return (
            np.arange(cols["build"].start, cols["build"].stop),
            np.arange(cols["capacity_build"].start, cols["capacity_build"].stop),
        )

    def fill(self, model: PathwayArrays, values: np.ndarray, results: list[Result]) -> None:
        """Each block read by the array backend from its columns."""
        backend = DirectBackend()
        for b, result in enumerate(results):
            backend.fill(model.blocks[b], result, model.block_values(b, values))


def pathway_backend(pathway: Pathway, choice: BackendName) -> str:
    """``pyomo`` or ``arrays`` for ``choice`` (``auto``: by the flow columns of all blocks)."""
    if choice == "auto":
        columns = sum(flow_columns(q) for s in pathway.scenarios for q in s.problems)
        return "arrays" if columns >= AUTO_ARRAYS_FROM else "pyomo"
    if choice not in ("pyomo", "arrays"):
        raise ValueError(f"backend: {choice!r} is not one of 'pyomo', 'arrays', 'auto'")
    return choice


@dataclass
class _Run:
    """One pathway model built, handed over and solved."""

    index: PathwayIndex
    form: MatrixForm
    builds: np.ndarray
    sizes: np.ndarray


def solve_pathway(
    pathway: Pathway,
    objective: Objective | str = Objective.VALORISATION,
    options: SolveOptions | None = None,
    *,
    backend: BackendName | None = None,
    first_stage: FirstStage | None = None,
) -> PathwayResult:
    """Optimise ``pathway`` and return its :class:`PathwayResult` (never raises on outcomes).

    ``timings`` holds ``build``, ``handover``, ``solve`` and ``results`` in seconds.

    Raises:
        ProblemError: only if a block cannot be formulated (an unbounded candidate arc).
        ValueError: an unknown backend name.
    """
    options = options or SolveOptions()
    kind = Objective(objective)
    if pathway_backend(pathway, backend or options.backend) == "pyomo":
        return _solve_with(PyomoPathway(), pathway, kind, options, first_stage)
    return _solve_with(ArraysPathway(), pathway, kind, options, first_stage)


def _solve_with(
    backend: PathwayBackend[ModelT],
    pathway: Pathway,
    kind: Objective,
    options: SolveOptions,
    first_stage: FirstStage | None,
) -> PathwayResult:
    timings: dict[str, float] = {}
    tick = time.perf_counter()
    index = build_index(pathway, kind)
    model = backend.build(index)
    timings["build"] = time.perf_counter() - tick
    tick = time.perf_counter()
    form = backend.form(model)
    builds, sizes = backend.positions(model)
    if first_stage is not None:
        _fix_first_stage(index, form, builds, sizes, first_stage)
    session = HighsSession(form, options)
    timings["handover"] = time.perf_counter() - tick + session.handover_seconds
    outcome = session.run()
    timings["solve"] = outcome.seconds
    tick = time.perf_counter()
    result = PathwayResult(
        outcome.status,
        kind,
        name=pathway.name,
        message=outcome.message,
        annuity=pathway.annuity(),
        years=pathway.years,
        decision_year=pathway.decided_by,
    )
    if outcome.values is not None:
        run = _Run(index, form, builds, sizes)
        blocks = [
            Result(outcome.status, kind, problem_name=f"{q.name}") for q in index.problems
        ]
        backend.fill(model, outcome.values, blocks)
        read_pathway(result, index, _take(run, outcome.values), blocks)
        result.bound = outcome.bound if outcome.mip else result.objective
        if result.bound is not None and result.objective is not None:
            result.gap = abs(result.bound - result.objective) / max(abs(result.objective), 1e-9)
        if outcome.status is Status.OPTIMAL and not outcome.mip:
            result.gap = 0.0
    elif outcome.status is Status.INFEASIBLE and options.diagnose:
        _diagnose(result, index, options)
    timings["results"] = time.perf_counter() - tick
    result.timings = timings
    return result


def _take(run: _Run, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The builds made (rounded) and the capacities given (0 where not built or noise)."""
    def at(cols: np.ndarray) -> np.ndarray:
        out = np.zeros(cols.size)
        found = cols >= 0
        out[found] = values[cols[found]]
        return out

    built = (at(run.builds) > 0.5).astype(np.float64)
    capacity = at(run.sizes)
    sized = np.array(run.index.sized, dtype=np.int64)
    if sized.size:
        capacity = np.where((built[sized] > 0) & (capacity >= TOLERANCE), capacity, 0.0)
    return built, capacity


def _fix_first_stage(
    index: PathwayIndex,
    form: MatrixForm,
    builds: np.ndarray,
    sizes: np.ndarray,
    first_stage: FirstStage,
) -> None:
    """Every shared build fixed at its ``first_stage`` value (not listed: not made)."""
    slot = {j: i for i, j in enumerate(index.sized)}
    for j, build in enumerate(index.builds):
        if build.scenario is not None or builds[j] < 0:
            continue
        built, capacity = first_stage.get((build.kind, build.key, build.period), (0.0, 0.0))
        form.col_lower[builds[j]] = form.col_upper[builds[j]] = float(built > 0.5)
        if j in slot and sizes[slot[j]] >= 0 and (capacity is not None or built <= 0.5):
            col = sizes[slot[j]]
            form.col_lower[col] = form.col_upper[col] = capacity if built > 0.5 else 0.0


def _diagnose(result: PathwayResult, index: PathwayIndex, options: SolveOptions) -> None:
    """Name the (scenario, year) whose problem cannot be met, solving each alone."""
    from models.solve import solve

    pathway = index.pathway
    quick = SolveOptions(time_limit=options.time_limit, gap=options.gap, threads=options.threads)
    found = []
    for b, (s, p) in enumerate(index.blocks):
        alone = solve(index.problems[b], index.objective, quick)
        if alone.status is Status.INFEASIBLE:
            found.append(f"{pathway.scenarios[s].name} {pathway.years[p]}: {alone.message}")
    if found:
        result.message = "infeasible: " + "; ".join(found)
    else:
        result.message += (
            " (each period is feasible alone: the budgets, caps or lifetimes over the"
            " horizon cannot all be met)"
        )


def first_stage_of(
    result: PathwayResult,
) -> dict[tuple[str, ArcKey | str, int], tuple[float, float | None]]:
    """The shared builds ``result`` made, as :data:`FirstStage` (built, capacity)."""
    out: dict[tuple[str, ArcKey | str, int], tuple[float, float | None]] = {}
    years = list(result.years)
    for row in result.schedule.to_dict("records"):
        if not row["shared"]:
            continue
        link = row["kind"] == "link"
        key: ArcKey | str = (
            (str(row["tail"]), str(row["head"]), str(row["mode"])) if link else str(row["converter"])
        )
        capacity = float(row["capacity"])
        out["arc" if link else "converter", key, years.index(int(row["year"]))] = (
            1.0,
            0.0 if math.isnan(capacity) else capacity,
        )
    return out


__all__ = [
    "ArraysPathway",
    "FirstStage",
    "PyomoPathway",
    "first_stage_of",
    "pathway_backend",
    "solve_pathway",
]
