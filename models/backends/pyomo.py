"""The Pyomo backend: :class:`models.formulation.Formulation` compiled by Pyomo.

The reference: every family is written once, with its algebra, in the formulation; the
array backend (:mod:`models.direct`) must build the same matrix, bounds and objective.
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
from models.problem import Problem
from models.result import PARTS, Objective, Result
from models.session import MatrixForm
from models.tables import build_tables


class PyomoBackend:
    """The Pyomo backend: the reference formulation, compiled to matrices by Pyomo."""

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
        # the model's only integer columns are its build decisions
        decisions = {
            id(v) for name in ("y", "w") for v in getattr(formulation.model, name).values()
        }
        form, columns = standard_form(formulation.model, decisions)
        self._columns[id(formulation)] = columns
        return form

    def columns(self, formulation: Formulation) -> list[Any]:
        """The Pyomo variables in the order of the columns of the last ``form`` of the model."""
        return self._columns[id(formulation)]

    def _load(self, formulation: Formulation, values: np.ndarray) -> None:
        # A variable the compiler left out appears in no row: zero is its value.
        for var in formulation.model.component_data_objects(pyo.Var):
            var.set_value(0.0, skip_validation=True)
        for var, value in zip(self.columns(formulation), values.tolist(), strict=True):
            var.set_value(value, skip_validation=True)

    def fill(self, formulation: Formulation, result: Result, values: np.ndarray) -> np.ndarray:
        """Load the solution, clean it to the tolerances, then read tables and totals.

        The cleaned values go back into the Pyomo variables, so the objective parts are those
        of the solution the tables show (:mod:`models.cleaning`); they are returned, one per
        column of the last ``form``.
        """
        self._load(formulation, values)
        read_loaded(formulation, result)
        return np.array([vd.value or 0.0 for vd in self.columns(formulation)], dtype=np.float64)

    def slacks(
        self, formulation: Formulation, values: np.ndarray
    ) -> list[tuple[tuple[str, int, int], float, float]]:
        """The slack of every hard requirement of an elastic model."""
        self._load(formulation, values)
        return [
            (key, formulation.requirement(key), var.value or 0.0)
            for key, var in formulation.model.slack.items()
        ]


def standard_form(model: pyo.Block, integer: set[int]) -> tuple[MatrixForm, list[Any]]:
    """``model``'s active objective and constraints in matrix form, and its columns' variables.

    ``integer``: the ids of the variables that are integer columns.
    """
    repn = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=None)
    columns = list(repn.columns)
    rhs = np.asarray(repn.rhs, dtype=np.float64)
    kinds = np.fromiter((r.bound_type for r in repn.rows), dtype=np.int8, count=len(repn.rows))
    lower = np.where(kinds <= 0, rhs, -np.inf)
    upper = np.where(kinds >= 0, rhs, np.inf)
    # one ``bounds`` call per column reads both (``lb`` and ``ub`` each resolve both)
    bounds = np.array(
        [
            (-np.inf if lb is None else lb, np.inf if ub is None else ub)
            for lb, ub in (v.bounds for v in columns)
        ],
        dtype=np.float64,
    ).reshape(len(columns), 2)
    flags = np.fromiter((id(v) in integer for v in columns), np.int32, len(columns))
    (objective,) = repn.objectives
    form = MatrixForm(
        matrix=repn.A,
        col_cost=np.asarray(repn.c.toarray()[0], dtype=np.float64),
        col_lower=bounds[:, 0],
        col_upper=bounds[:, 1],
        integrality=flags,
        row_lower=lower,
        row_upper=upper,
        maximise=objective.sense == pyo.maximize,
        offset=float(repn.c_offset[0]),
    )
    return form, columns


def read_loaded(formulation: Formulation, result: Result) -> None:
    """Clean the values loaded in ``formulation``'s variables, then read tables and totals.

    The cleaned values go back into the variables (:mod:`models.cleaning`).
    """
    m, p = formulation.model, formulation.problem

    def read(var: pyo.Var) -> dict[Any, float]:
        return {k: (vd.value or 0.0) for k, vd in var.items()}

    clean = clean_solution(
        p,
        Values(read(m.x), read(m.y), read(m.u), read(m.v), read(m.z), read(m.w)),
        bounds=formulation.bounds,
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
