"""The backends that build the MILP, behind one typed interface.

Two backends build the same model (same matrix, bounds and objective; proven by
``tests/models/test_direct_backend.py`` and ``tests/models/test_backend_identity.py``):

* ``pyomo`` — :class:`PyomoBackend`, the reference: :class:`models.formulation.Formulation`,
  one named function per constraint family, compiled to matrices by Pyomo;
* ``arrays`` — :class:`DirectBackend`, the same families assembled as numpy arrays and one
  sparse matrix (:mod:`models.direct`), the floor the Pyomo path is measured against.

``auto`` (the default of :class:`models.session.SolveOptions`) picks arrays from
:data:`AUTO_ARRAYS_FROM` flow columns up and Pyomo below: on a small model the reference costs
nothing worth saving, on a regional one Pyomo's build and hand-over take 5 to 10 times the
array floor (``benchmarks/tightness.py`` measures the ratio by size).
"""

from __future__ import annotations

from typing import Protocol, TypeVar

import numpy as np

from models.bounds import Bounds
from models.direct import DirectModel
from models.formulation import Formulation
from models.problem import Problem
from models.result import Objective, Result
from models.session import BackendName, MatrixForm

from .arrays import DirectBackend
from .pyomo import PyomoBackend

ModelT = TypeVar("ModelT")

AUTO_ARRAYS_FROM = 10_000
"""``auto`` builds with arrays when the model has at least this many flow columns
(``x[a,k,t]``: (arc, commodity) pairs times slices).  Below it Pyomo's build and hand-over
cost well under a second of CPU and the reference formulation is used: Dunkirk has 87, the
FCNetLib instances at most 380, Canad c33 8,892.  From it up (Canad c41 11,520 and the large
Canad instances; a 3,000-site synthetic region about 10,700) Pyomo costs 5 to 10 times the
array floor (``benchmarks/tightness.py``)."""


class Backend(Protocol[ModelT]):
    """What a backend provides to :func:`models.solve.run_backend`.

    ``ModelT`` is the backend's own model (a :class:`Formulation` for Pyomo, a
    :class:`DirectModel` for arrays): ``build`` makes it, every other method takes it back.
    """

    def build(
        self,
        problem: Problem,
        objective: Objective,
        *,
        elastic: bool = False,
        bounds: Bounds | None = None,
    ) -> ModelT:
        """Build the model of ``problem`` (``elastic``: with slacks on hard requirements)."""
        ...

    def form(self, model: ModelT) -> MatrixForm:
        """The model in matrix form."""
        ...

    def fill(self, model: ModelT, result: Result, values: np.ndarray) -> np.ndarray:
        """Read a solution (one value per column) into ``result``'s tables and totals.

        Returns the cleaned solution, one value per column (what the certificate checks).
        """
        ...

    def slacks(
        self, model: ModelT, values: np.ndarray
    ) -> list[tuple[tuple[str, int, int], float, float]]:
        """``(key, requirement, slack)`` of every hard requirement of an elastic model."""
        ...

    def bounds_of(self, model: ModelT) -> Bounds:
        """The data-derived bounds the model was built with (reused by the elastic model)."""
        ...


def flow_columns(problem: Problem) -> int:
    """The number of flow columns ``x[a,k,t]`` of ``problem``'s model."""
    return sum(len(arc.commodities) for arc in problem.arcs) * len(problem.slices)


def backend_name(problem: Problem, choice: BackendName) -> str:
    """The backend ``choice`` stands for with ``problem`` (``auto`` resolved by size).

    Raises:
        ValueError: an unknown backend name.
    """
    if choice == "auto":
        return "arrays" if flow_columns(problem) >= AUTO_ARRAYS_FROM else "pyomo"
    if choice not in ("pyomo", "arrays"):
        raise ValueError(f"backend: {choice!r} is not one of 'pyomo', 'arrays', 'auto'")
    return choice


__all__ = [
    "AUTO_ARRAYS_FROM",
    "Backend",
    "DirectBackend",
    "DirectModel",
    "Formulation",
    "PyomoBackend",
    "backend_name",
    "flow_columns",
]
