"""The pathway MILP of :mod:`models.pathway_formulation`, assembled as arrays.

Each block is the array model of its period's problem (:func:`models.direct.build_arrays`,
the same families as the Pyomo block); the blocks' matrices are stacked on the diagonal, then
come the ``build`` and ``capacity_build`` columns and the pathway's rows in the order of
:data:`models.pathway_formulation.PATHWAY_FAMILIES`.  Column layout::

    block b's columns     at  offsets[b] + (its own layout, models.direct)
    build[j]              at  columns["build"].start + j
    capacity_build[i]     at  columns["capacity_build"].start + i   (i-th sized build)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from models.direct import DirectModel, build_arrays
from models.pathway import Pathway
from models.pathway_formulation import BLOCK_FAMILIES, PATHWAY_FAMILIES
from models.pathway_index import PathwayIndex, build_index
from models.result import Objective
from models.session import MatrixForm


@dataclass
class PathwayArrays:
    """A pathway's MILP as arrays.

    Attributes:
        index: what it was built from.
        blocks: each block's array model.
        offsets: the first column of each block.
        columns: the ``build`` and ``capacity_build`` column blocks.
        rows: the row block of each pathway family built.
        form: the matrix form handed to HiGHS.
    """

    index: PathwayIndex
    blocks: list[DirectModel]
    offsets: list[int]
    columns: dict[str, slice]
    rows: dict[str, slice]
    form: MatrixForm

    def block_values(self, b: int, solution: np.ndarray) -> np.ndarray:
        """The columns of block ``b`` in ``solution``."""
        start = self.offsets[b]
        return solution[start : start + self.blocks[b].num_col]


def _decision_columns(model: DirectModel) -> dict[str, dict[int, int]]:
    """The block-local column of each arc's ``y`` and ``k`` and each converter's ``w``."""
    cols = model.columns
    return {
        "y": {a: cols["y"].start + i for i, a in enumerate(model.y_arc.tolist())},
        "w": {c: cols["w"].start + i for i, c in enumerate(model.w_converter.tolist())},
        "k": {a: cols["k"].start + i for i, a in enumerate(model.k_arc.tolist())},
    }


def build_pathway_arrays(
    pathway: Pathway,
    objective: Objective | str = Objective.VALORISATION,
    *,
    index: PathwayIndex | None = None,
    families: tuple[str, ...] | None = None,
) -> PathwayArrays:
    """Assemble the pathway MILP of :class:`~models.pathway_formulation.PathwayFormulation`."""
    kind = Objective(objective)
    ix = index or build_index(pathway, kind)
    blocks = [
        build_arrays(q, kind, families=BLOCK_FAMILIES, bounds=ix.bounds[b], decide=ix.decide[b])
        for b, q in enumerate(ix.problems)
    ]
    offsets = np.concatenate(([0], np.cumsum([m.num_col for m in blocks]))).astype(int).tolist()
    n_blocks = offsets[-1]
    J, K = len(ix.builds), len(ix.sized)
    columns = {
        "build": slice(n_blocks, n_blocks + J),
        "capacity_build": slice(n_blocks + J, n_blocks + J + K),
    }
    rows = _Rows(sum(m.num_row for m in blocks))
    wanted = PATHWAY_FAMILIES if families is None else families
    if "build_link" in wanted:
        _build_links(rows, ix, blocks, offsets, columns)
    if "capacity_build_link" in wanted and K:
        r0 = rows.open("capacity_build_link", np.full(K, -np.inf), np.zeros(K))
        rows.add(r0 + np.arange(K), columns["capacity_build"].start + np.arange(K), 1.0)
        rows.add(
            r0 + np.arange(K),
            columns["build"].start + np.array(ix.sized, dtype=np.int64),
            -np.array(ix.capacity_bound),
        )
    for family in PATHWAY_FAMILIES[2:]:
        if family in wanted:
            _limits(rows, ix, family, columns)
    num_col = n_blocks + J + K
    matrix = sp.csc_matrix(sp.block_diag([m.form.matrix for m in blocks], format="csc"))
    extra = rows.matrix(num_col)
    stacked = sp.vstack(
        [sp.hstack([matrix, sp.csc_matrix((matrix.shape[0], J + K))]), extra], format="csc"
    )
    form = MatrixForm(
        matrix=stacked,
        col_cost=_costs(ix, blocks, num_col, n_blocks),
        col_lower=np.zeros(num_col),
        col_upper=np.concatenate(
            [*(m.form.col_upper for m in blocks), np.ones(J), np.full(K, np.inf)]
        ),
        integrality=np.concatenate(
            [
                *(m.form.integrality for m in blocks),
                np.ones(J, dtype=np.int32),
                np.zeros(K, dtype=np.int32),
            ]
        ),
        row_lower=np.concatenate([*(m.form.row_lower for m in blocks), rows.lower()]),
        row_upper=np.concatenate([*(m.form.row_upper for m in blocks), rows.upper()]),
        maximise=kind is not Objective.COST,
    )
    return PathwayArrays(ix, blocks, offsets[:-1], columns, rows.blocks, form)


class _Rows:
    """The pathway's rows as (row, column, value) triplets, numbered after the blocks' rows."""

    def __init__(self, first: int) -> None:
        self.first = first
        self.count = 0
        self.triplets: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.lows: list[np.ndarray] = []
        self.highs: list[np.ndarray] = []
        self.blocks: dict[str, slice] = {}

    def open(self, family: str, lower: np.ndarray, upper: np.ndarray) -> int:
        """Open a family's rows; the first one's number (counted from the pathway's rows)."""
        start = self.count
        self.count += lower.size
        self.lows.append(lower)
        self.highs.append(upper)
        self.blocks[family] = slice(self.first + start, self.first + self.count)
        return start

    def add(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray | float) -> None:
        """Triplets of the rows just opened."""
        r, c, v = np.broadcast_arrays(
            np.asarray(rows, dtype=np.int64),
            np.asarray(cols, dtype=np.int64),
            np.asarray(vals, dtype=np.float64),
        )
        self.triplets.append((r.ravel(), c.ravel(), v.ravel()))

    def matrix(self, num_col: int) -> sp.csc_matrix:
        """The pathway's rows as one matrix."""
        if not self.triplets:
            return sp.csc_matrix((self.count, num_col))
        r, c, v = (np.concatenate(part) for part in zip(*self.triplets, strict=True))
        return sp.csc_matrix(sp.coo_matrix((v, (r, c)), shape=(self.count, num_col)))

    def lower(self) -> np.ndarray:
        """The rows' lower bounds."""
        return np.concatenate(self.lows) if self.lows else np.zeros(0)

    def upper(self) -> np.ndarray:
        """The rows' upper bounds."""
        return np.concatenate(self.highs) if self.highs else np.zeros(0)


def _build_links(
    rows: _Rows,
    ix: PathwayIndex,
    blocks: list[DirectModel],
    offsets: list[int],
    columns: dict[str, slice],
) -> None:
    """``y (w, k) of a block - sum of the builds (capacities) serving it = 0``."""
    if not ix.links:
        return
    local = [_decision_columns(m) for m in blocks]
    slot = {j: i for i, j in enumerate(ix.sized)}
    n = len(ix.links)
    r0 = rows.open("build_link", np.zeros(n), np.zeros(n))
    own = np.array(
        [offsets[link.block] + local[link.block][link.what][link.item] for link in ix.links],
        dtype=np.int64,
    )
    rows.add(r0 + np.arange(n), own, 1.0)
    r, c = [], []
    for i, link in enumerate(ix.links):
        if link.what == "k":
            cols = [columns["capacity_build"].start + slot[j] for j in link.builds]
        else:
            cols = [columns["build"].start + j for j in link.builds]
        r += [r0 + i] * len(cols)
        c += cols
    rows.add(np.array(r, dtype=np.int64), np.array(c, dtype=np.int64), -1.0)


def _limits(rows: _Rows, ix: PathwayIndex, family: str, columns: dict[str, slice]) -> None:
    """The rows of one limit family: ``sum coef build (+ coef capacity_build) <= upper``."""
    chosen = [row for row in ix.limits if row.family == family]
    if not chosen:
        return
    r0 = rows.open(
        family, np.full(len(chosen), -np.inf), np.array([row.upper for row in chosen])
    )
    for i, row in enumerate(chosen):
        if row.builds:
            j, coef = zip(*row.builds, strict=True)
            rows.add(np.full(len(j), r0 + i), columns["build"].start + np.array(j), np.array(coef))
        if row.capacities:
            k, coef = zip(*row.capacities, strict=True)
            rows.add(
                np.full(len(k), r0 + i),
                columns["capacity_build"].start + np.array(k),
                np.array(coef),
            )


def _costs(ix: PathwayIndex, blocks: list[DirectModel], num_col: int, n_blocks: int) -> np.ndarray:
    """The objective: each block's weighted value, then the builds' charges."""
    parts = []
    for b, model in enumerate(blocks):
        weight = ix.weight[b]
        main = slice(0, model.num_col)
        if ix.objective is Objective.CO2:
            parts.append(weight * model.parts["co2_avoided"][main])
            continue
        own = model.parts["valorisation"][main] + model.parts["fixed_cost"][main]
        parts.append(-weight * own if ix.objective is Objective.COST else weight * own)
    cost = np.concatenate([*parts, np.array(ix.build_cost), np.array(ix.capacity_cost)])
    assert cost.size == num_col and n_blocks == num_col - len(ix.builds) - len(ix.sized)
    return cost


__all__ = ["PathwayArrays", "build_pathway_arrays"]
