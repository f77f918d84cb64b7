"""The installed HiGHS against the wrong "optimal" answers its own releases have shipped.

HiGHS 1.14.0 returned suboptimal MIP solutions with status Optimal, from its presolve; each
model below is a reproducer from HiGHS's tracker, with the optimum checked by hand in its
docstring.  They are solved through the project's own session (its options, its reading of the
outcome), so a solver release that the lock moves to is refused here if it brings such a
regression back (``scripts/solver-check.sh`` runs these against the newest highspy).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from models.result import Status
from models.session import HighsSession, MatrixForm, SolveOptions

INF = np.inf


@dataclass(frozen=True)
class Canary:
    """A minimisation ``min c x`` s.t. ``lo <= A x <= hi``, ``l <= x <= u``, with its optimum."""

    issue: str
    cost: tuple[float, ...]
    rows: tuple[tuple[float, ...], ...]
    row_lower: tuple[float, ...]
    row_upper: tuple[float, ...]
    col_lower: tuple[float, ...]
    col_upper: tuple[float, ...]
    integer: tuple[int, ...]
    optimum: float

    def form(self) -> MatrixForm:
        return MatrixForm(
            matrix=sp.csc_matrix(np.array(self.rows, dtype=float)),
            col_cost=np.array(self.cost, dtype=float),
            col_lower=np.array(self.col_lower, dtype=float),
            col_upper=np.array(self.col_upper, dtype=float),
            integrality=np.array(self.integer, dtype=np.int32),
            row_lower=np.array(self.row_lower, dtype=float),
            row_upper=np.array(self.row_upper, dtype=float),
            maximise=False,
        )


CANARIES = [
    # x integer in [0, 20], y in [8, 20], x + y >= 20.1: x = 12, y = 8.1 gives 28.2.
    Canary("#2957", (1, 2), ((1, 1),), (20.1,), (INF,), (0, 8), (20, 20), (1, 0), 28.2),
    # a + b = 10, a <= 100 y, y binary, cost 2 b + 99999 y: y = 0, b = 10 gives 20.
    Canary(
        "#2975",
        (0, 2, 99999),
        ((1, 1, 0), (1, 0, -100)),
        (10, -INF),
        (10, 0),
        (0, 0, 0),
        (INF, INF, 1),
        (0, 0, 1),
        20.0,
    ),
    # x + z >= 4.5, x in [0, 10], z integer in [0, 10], cost 2 x + 3 z: z = 0, x = 4.5 gives 9.
    Canary("#3043", (2, 3), ((1, 1),), (4.5,), (INF,), (0, 0), (10, 10), (0, 1), 9.0),
    # gap + x = 3, t >= |x|, 0.45 <= x <= 3 integer, cost 100 gap + 0.01 t: x = t = 3 gives 0.03.
    Canary(
        "#3073",
        (100, 0.01, 0),
        ((1, 0, 1), (0, -1, 1), (0, -1, -1), (0, 0, 1), (0, 0, -1)),
        (3, -INF, -INF, -INF, -INF),
        (3, 0, 0, 3, -0.45),
        (0, -INF, 0),
        (INF, INF, INF),
        (0, 0, 1),
        0.03,
    ),
    # two slots (x0, x1 binary, at most one), z_i <= 1000 x_i, z_i + d_i = 1000, cost
    # 10 d0 + 8 d1: serve the heavier side, x0 = 1, d1 = 1000, gives 8000.
    Canary(
        "#3094",
        (0, 0, 0, 0, 10, 8),  # x0, x1, z0, z1, d0, d1
        (
            (-1000, 0, 1, 0, 0, 0),
            (0, -1000, 0, 1, 0, 0),
            (0, 0, 1, 0, 1, 0),
            (0, 0, 0, 1, 0, 1),
            (1, 1, 0, 0, 0, 0),
        ),
        (-INF, -INF, 1000, 1000, -INF),
        (0, 0, 1000, 1000, 1),
        (0, 0, 0, 0, 0, 0),
        (1, 1, 1000, 1000, 1000, 1000),
        (1, 1, 0, 0, 0, 0),
        8000.0,
    ),
    # x in [0, 4], y in [-1, 1], z integer >= 0; x + y <= 5, x + z >= 10, z - y = 7.5:
    # z = 7, y = -0.5, x = 3 gives 3 - 2 + 63 = 64 (z = 8 gives 76).
    Canary(
        "#3002",
        (1, 4, 9),
        ((1, 1, 0), (1, 0, 1), (0, -1, 1)),
        (-INF, 10, 7.5),
        (5, INF, 7.5),
        (0, -1, 0),
        (4, 1, INF),
        (0, 0, 1),
        64.0,
    ),
]


@pytest.mark.parametrize("canary", CANARIES, ids=[c.issue for c in CANARIES])
def test_the_installed_highs_finds_the_optimum_its_release_once_missed(canary: Canary) -> None:
    form = canary.form()
    outcome = HighsSession(form, SolveOptions(time_limit=30, gap=0.0, warm_start=False)).run()
    assert outcome.status is Status.OPTIMAL
    assert outcome.values is not None
    objective = float(form.col_cost @ outcome.values)
    # within HiGHS's MIP feasibility tolerance (1e-6): a wrong answer is off by far more
    assert objective == pytest.approx(canary.optimum, rel=1e-6, abs=1e-6), canary.issue


def test_the_solver_prints_nothing_on_standard_output() -> None:
    """highspy 1.16 prints its banner from the first constructor, before options can be set."""
    script = (
        "from tests.models.test_solver_canaries import CANARIES\n"
        "from models.session import HighsSession, SolveOptions\n"
        "HighsSession(CANARIES[0].form(), SolveOptions(time_limit=10)).run()\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""


def test_a_solve_on_one_thread_after_one_on_highs_default_threads_is_still_solved() -> None:
    """HiGHS's thread scheduler is per process: a later solve asking another thread count ended
    "Not Set" (a sweep's one-thread draws after the main solve, issue 16's full-suite run)."""
    script = (
        "from tests.models.test_solver_canaries import CANARIES\n"
        "from models.session import HighsSession, SolveOptions\n"
        "for threads in (None, 1, 2, 1):\n"
        "    out = HighsSession(CANARIES[1].form(), SolveOptions(threads=threads)).run()\n"
        "    print(threads, out.status.value)\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:4] == ["None optimal", "1 optimal", "2 optimal", "1 optimal"]
