"""The array backend: the MILP of :mod:`models.direct`, assembled as numpy arrays.

The same families as the Pyomo formulation, in the same order, built as columns and one
sparse matrix; it is the floor the Pyomo path's build and hand-over are measured against.
"""

from __future__ import annotations

import numpy as np

from models.bounds import Bounds
from models.cleaning import clean_solution
from models.direct import DirectModel, build_arrays, cleaned_columns, column_values
from models.problem import Problem
from models.result import Objective, Result
from models.session import MatrixForm
from models.tables import build_tables


class DirectBackend:
    """The array backend of :func:`models.solve.run_backend`."""

    def build(
        self,
        problem: Problem,
        objective: Objective,
        *,
        elastic: bool = False,
        bounds: Bounds | None = None,
    ) -> DirectModel:
        """The array model of ``problem``."""
        return build_arrays(problem, objective, elastic=elastic, bounds=bounds)

    def bounds_of(self, model: DirectModel) -> Bounds:
        """The bounds the model was built with."""
        return model.bounds

    def form(self, model: DirectModel) -> MatrixForm:
        """The arrays, as they are."""
        return model.form

    def fill(self, model: DirectModel, result: Result, solution: np.ndarray) -> np.ndarray:
        """Clean the column values to the tolerances, then read tables and totals.

        The totals are those of the cleaned values (:mod:`models.cleaning`), written back into
        a copy of ``solution``, which is returned.
        """
        p = model.problem
        clean = clean_solution(p, column_values(model, solution), bounds=model.bounds)
        T, cols = model.slices, model.columns
        sizes = dict(zip(model.k_arc.tolist(), solution[cols["k"]].tolist(), strict=True))
        stock = solution[cols["stock"]].reshape(len(model.stored), T)
        stocks = {(g, t): float(stock[i, t]) for i, g in enumerate(model.stored) for t in range(T)}
        tables = build_tables(
            p, clean.x, clean.y, clean.u, clean.v, clean.z, clean.w, sizes=sizes, stocks=stocks
        )
        cleaned = cleaned_columns(model, clean, solution)
        result.set_solution(tables, model.totals(cleaned), p.carbon_price)
        return cleaned

    def slacks(
        self, model: DirectModel, solution: np.ndarray
    ) -> list[tuple[tuple[str, int, int], float, float]]:
        """The slack of every hard requirement of an elastic model."""
        slack = solution[model.columns["slack"]]
        return list(
            zip(model.slack_keys, model.slack_requirement.tolist(), slack.tolist(), strict=True)
        )
