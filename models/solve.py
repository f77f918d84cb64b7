"""Solve a problem with HiGHS through Pyomo: the one pipeline every entry point calls.

``solve`` runs: check → build (Pyomo) → hand-over (Pyomo's linear standard-form compiler, then
one ``passModel`` to highspy) → solve → tables.  Every outcome is a
:class:`~models.result.Result` with a status; no solver exception escapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from models.bounds import Bounds
from models.cleaning import Values, clean_solution
from models.formulation import Formulation
from models.problem import Problem, ProblemError
from models.result import PARTS, Objective, Result, Status
from models.session import MatrixForm, Progress, SolveOptions, run_backend
from models.tables import build_tables


def solve(
    problem: Problem,
    objective: Objective | str = Objective.VALORISATION,
    options: SolveOptions | None = None,
    *,
    decompose: str = "auto",
    **blocks: Any,
) -> Result:
    """Optimise ``problem`` and return its :class:`Result` (never raises on solver outcomes).

    ``timings`` holds ``build`` (Pyomo model), ``handover`` (compile to matrices and pass to
    HiGHS), ``solve`` and ``results`` (tables), in seconds.

    ``decompose`` (``auto``, ``on``, ``off``): solve the independent blocks of the problem
    apart, in worker processes (:mod:`models.blocks`); ``blocks`` goes to
    :func:`models.blocks.solve_decomposed` (``workers``, ``mapper``, ``on_block``).

    Raises:
        ProblemError: only if the problem cannot be formulated (e.g. an unbounded candidate
            arc); a validated problem that is infeasible returns ``Status.INFEASIBLE``.
    """
    from models.blocks import solve_decomposed

    kind, options = Objective(objective), options or SolveOptions()

    def whole() -> Result:
        return run_backend(PyomoBackend(), problem, kind, options)

    return solve_decomposed(problem, kind, options, whole, decompose=decompose, **blocks)


def pareto(problem: Problem, points: int = 5, options: SolveOptions | None = None) -> list[Result]:
    """The valorisation vs CO2-avoided front by the epsilon-constraint method.

    The first point maximises valorisation; the last maximises CO2 avoided (with the best
    valorisation at that CO2).  In between, each point maximises valorisation subject to
    ``co2_avoided >= eps`` for ``points`` evenly spaced values of eps.  Points that come back
    without a solution are returned with their status, so the caller sees every attempt.
    """
    if points < 2:
        raise ValueError("points: at least 2 points are needed for a front")
    options = options or SolveOptions()
    backend = PyomoBackend()
    formulation = backend.build(problem, Objective.VALORISATION)
    m = formulation.model
    first = run_backend(backend, problem, Objective.VALORISATION, options, model=formulation)
    if first.status not in (Status.OPTIMAL, Status.TIME_LIMIT):
        return [first]
    m.obj.deactivate()
    m.co2_obj = pyo.Objective(expr=m.co2_avoided, sense=pyo.maximize)
    most = run_backend(backend, problem, Objective.CO2, options, model=formulation)
    if most.objective is None:
        return [first, most]
    m.co2_obj.deactivate()
    m.obj.activate()
    m.co2_floor.activate()
    low, high = first.totals["co2_avoided"], most.totals["co2_avoided"]
    front = [first]
    for i in range(1, points):
        target = low + (high - low) * i / (points - 1)
        # Step back by a hair so the last point is not cut off by round-off.
        m.co2_target.set_value(target - 1e-9 * max(1.0, abs(target)))
        front.append(
            run_backend(backend, problem, Objective.VALORISATION, options, model=formulation)
        )
    return front


class PyomoBackend:
    """The Pyomo backend of :func:`models.session.run_backend`."""

    def __init__(self) -> None:
        self._columns: dict[int, list[Any]] = {}

    def build(
        self,
        problem: Problem,
        objective: Objective,
        *,
        elastic: bool = False,
        bounds: Bounds | None = None,
    ) -> Formulation:
        """The Pyomo model of ``problem``."""
        return Formulation(problem, objective, elastic=elastic, bounds=bounds)

    def bounds_of(self, formulation: Formulation) -> Bounds:
        """The bounds the model was built with."""
        return formulation.bounds

    def form(self, formulation: Formulation) -> MatrixForm:
        """Compile the model (its active objective and constraints) to matrix form."""
        repn = LinearStandardFormCompiler().write(
            formulation.model, mixed_form=True, set_sense=None
        )
        columns = list(repn.columns)
        self._columns[id(formulation)] = columns
        rhs = np.asarray(repn.rhs, dtype=np.float64)
        kinds = np.fromiter((r.bound_type for r in repn.rows), dtype=np.int8, count=len(repn.rows))
        lower = np.where(kinds <= 0, rhs, -np.inf)
        upper = np.where(kinds >= 0, rhs, np.inf)
        col_lower = np.fromiter(
            (-np.inf if v.lb is None else v.lb for v in columns), float, len(columns)
        )
        col_upper = np.fromiter(
            (np.inf if v.ub is None else v.ub for v in columns), float, len(columns)
        )
        integer = np.fromiter((v.is_integer() for v in columns), np.int32, len(columns))
        (objective,) = repn.objectives
        return MatrixForm(
            matrix=repn.A,
            col_cost=np.asarray(repn.c.toarray()[0], dtype=np.float64),
            col_lower=col_lower,
            col_upper=col_upper,
            integrality=integer,
            row_lower=lower,
            row_upper=upper,
            maximise=objective.sense == pyo.maximize,
            offset=float(repn.c_offset[0]),
        )

    def columns(self, formulation: Formulation) -> list[Any]:
        """The Pyomo variables in the order of the columns of the last ``form`` of the model."""
        return self._columns[id(formulation)]

    def _load(self, formulation: Formulation, values: np.ndarray) -> None:
        # A variable the compiler left out appears in no row: zero is its value.
        for var in formulation.model.component_data_objects(pyo.Var):
            var.set_value(0.0, skip_validation=True)
        for var, value in zip(self.columns(formulation), values.tolist(), strict=True):
            var.set_value(value, skip_validation=True)

    def fill(self, formulation: Formulation, result: Result, values: np.ndarray) -> None:
        """Load the solution, clean it to the tolerances, then read tables and totals.

        The cleaned values go back into the Pyomo variables, so the objective parts are those
        of the solution the tables show (:mod:`models.cleaning`).
        """
        self._load(formulation, values)
        m, p = formulation.model, formulation.problem

        def read(var: pyo.Var) -> dict[Any, float]:
            return {k: (vd.value or 0.0) for k, vd in var.items()}

        clean = clean_solution(
            p, Values(read(m.x), read(m.y), read(m.u), read(m.v), read(m.z), read(m.w))
        )
        for name in ("x", "y", "u", "v", "z", "w"):
            table: Mapping[Any, float] = getattr(clean, name)
            for key, vd in getattr(m, name).items():
                vd.set_value(table.get(key, 0.0), skip_validation=True)
        tables = build_tables(
            p,
            clean.x,
            clean.y,
            clean.u,
            clean.v,
            clean.z,
            clean.w,
            sizes=read(m.k),
            stocks=read(m.stock),
        )
        parts = {name: float(pyo.value(getattr(m, name))) for name in PARTS}
        result.set_solution(tables, parts, p.carbon_price)

    def slacks(
        self, formulation: Formulation, values: np.ndarray
    ) -> list[tuple[tuple[str, int, int], float, float]]:
        """The slack of every hard requirement of an elastic model."""
        self._load(formulation, values)
        return [
            (key, formulation.requirement(key), var.value or 0.0)
            for key, var in formulation.model.slack.items()
        ]


__all__ = ["ProblemError", "Progress", "PyomoBackend", "SolveOptions", "pareto", "solve"]
