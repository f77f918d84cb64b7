"""Time every phase of the pipeline on the registered cases, against the array-backend floor.

For each case, in one run:

* the Pyomo path of :func:`models.solve.solve`, phase by phase: read (instance file →
  ``Problem``), build (Pyomo model), hand-over (Pyomo → highspy), solve (HiGHS), results
  (tables and totals);
* the floor: the same MILP through :mod:`models.direct` — build (numpy/scipy arrays) and
  hand-over (one ``Highs.passModel``) — optionally solved too, to check both backends agree.

``ratio`` = (Pyomo build + hand-over) / (floor build + hand-over): what the modelling layer
costs over the least that assembling the same matrix can cost.  Solve time is the same
solver on the same MILP, so it is reported but left out of the ratio.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.cases import Case, select
from models.direct import build_arrays
from models.formulation import Formulation
from models.problem import Arc, Demand, Problem, Supply
from models.result import Objective, Result, Status
from models.session import pass_to_highs
from models.solve import SolveOptions, solve
from symbiose import exports

solve_direct = partial(solve, backend="arrays")
"""The array backend through the one pipeline, :func:`models.solve.solve`."""

FLOOR_REPEATS = 3
"""The floor's build and hand-over take milliseconds: time them this often, keep the median."""

AGREE_RTOL = 1e-6
"""Relative tolerance within which two objectives (or an objective and the optimum) agree."""

COLUMNS = [
    "case",
    "family",
    "nodes",
    "arcs",
    "commodities",
    "columns",
    "rows",
    "nonzeros",
    "status",
    "objective",
    "expected",
    "rel_error",
    "bound",
    "gap",
    "time_limit",
    "read_s",
    "build_s",
    "handover_s",
    "solve_s",
    "results_s",
    "floor_build_s",
    "floor_handover_s",
    "ratio",
    "floor_status",
    "floor_objective",
    "floor_solve_s",
    "agree",
    "message",
]


def run_benchmarks(
    names: list[str] | tuple[str, ...] | None = None,
    time_limit: float | None = None,
    out_dir: Path = Path("benchmarks/results"),
    progress: Callable[[str], Any] | None = print,
    *,
    solve_floor: bool = False,
    gap: float = 0.0,
    threads: int | None = None,
) -> pd.DataFrame:
    """Run the cases ``names`` (all when None) and return one row of timings per case.

    Args:
        names: case names of :mod:`benchmarks.cases` (all when None).
        time_limit: seconds per solve for every case, overriding the cases' own limits.
        out_dir: where ``bench.csv`` and ``bench.md`` are written (created if missing).
        progress: called with one line per case and then the Markdown table; None is quiet.
        solve_floor: solve the array backend's model too and check both objectives agree
            (by default only its build and hand-over are timed).
        gap: relative MIP gap for the solves (0 proves optimality).
        threads: HiGHS threads (None lets HiGHS choose).

    Raises:
        ValueError: an unknown case name.
    """
    cases = select(names)
    say = progress or (lambda _line: None)
    _warm_up()
    rows = []
    for case in cases:
        limit = time_limit if time_limit is not None else case.time_limit
        options = SolveOptions(time_limit=limit, gap=gap, threads=threads, diagnose=False)
        row = _run_case(case, options, solve_floor)
        rows.append(row)
        say(_progress_line(row))
    table = pd.DataFrame(rows, columns=COLUMNS)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    exports.write_csv(exports.frame_rows(table), out / "bench.csv")
    markdown = to_markdown(table)
    (out / "bench.md").write_text(markdown + "\n")
    say(markdown)
    return table


def _run_case(case: Case, options: SolveOptions, solve_floor: bool) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row |= {
        "case": case.name,
        "family": case.family,
        "expected": case.expected,
        "time_limit": options.time_limit,
    }
    try:
        tick = time.perf_counter()
        problem = case.read()
        row["read_s"] = time.perf_counter() - tick
        summary = problem.summary()
        row |= {k: summary[k] for k in ("nodes", "arcs", "commodities")}

        result = solve(problem, Objective.COST, options, backend="pyomo")
        row |= _result_columns(result, case.expected)
        row |= {f"{phase}_s": result.timings.get(phase) for phase in _PHASES}

        floor_build, floor_handover, size = _time_floor(problem)
        row |= size | {"floor_build_s": floor_build, "floor_handover_s": floor_handover}
        pyomo = result.timings.get("build", math.nan) + result.timings.get("handover", math.nan)
        row["ratio"] = pyomo / (floor_build + floor_handover)

        if solve_floor:
            floor = solve_direct(problem, Objective.COST, options)
            row["floor_status"] = floor.status.value
            row["floor_objective"] = floor.objective
            row["floor_solve_s"] = floor.timings.get("solve")
            row["agree"] = _agree(result, floor)
    except Exception as exc:  # one broken case must not hide the others' timings
        row["status"] = "error"
        row["message"] = f"{type(exc).__name__}: {exc}"
    return row


_PHASES = ("build", "handover", "solve", "results")


def _result_columns(result: Result, expected: float | None) -> dict[str, Any]:
    rel_error = None
    if expected is not None and result.objective is not None:
        rel_error = abs(result.objective - expected) / max(abs(expected), 1e-9)
    return {
        "status": result.status.value,
        "objective": result.objective,
        "rel_error": rel_error,
        "bound": result.bound,
        "gap": result.gap,
        "message": result.message,
    }


def _time_floor(problem: Problem) -> tuple[float, float, dict[str, int]]:
    """Median build and hand-over seconds of the array backend, and the model's size."""
    builds, handovers = [], []
    model = None
    for _ in range(FLOOR_REPEATS):
        tick = time.perf_counter()
        model = build_arrays(problem, Objective.COST)
        builds.append(time.perf_counter() - tick)
        tick = time.perf_counter()
        pass_to_highs(model.form)
        handovers.append(time.perf_counter() - tick)
    assert model is not None
    size = {"columns": model.num_col, "rows": model.num_row, "nonzeros": model.num_nz}
    return statistics.median(builds), statistics.median(handovers), size


def _agree(a: Result, b: Result) -> bool | None:
    """Whether both backends' objectives agree; None when they cannot be compared.

    Only proven optima must agree: two solves stopped by a time limit may hold different
    incumbents of the same MILP.
    """
    if a.objective is None or b.objective is None:
        return None
    if a.status is not Status.OPTIMAL or b.status is not Status.OPTIMAL:
        return None
    return abs(a.objective - b.objective) <= AGREE_RTOL * max(1.0, abs(a.objective))


def _warm_up() -> None:
    """Build a tiny model with both backends, so lazy imports do not bill the first case."""
    problem = Problem(
        nodes=("a", "b"),
        commodities=("k",),
        supplies=(Supply("a", "k", 1.0, must_dispatch=True),),
        demands=(Demand("b", "k", 1.0, must_serve=True),),
        arcs=(Arc("a", "b", "m", ("k",), capacity=1.0, fixed_cost=1.0),),
        name="warm_up",
    )
    Formulation(problem, Objective.COST)
    solve(problem, Objective.COST, SolveOptions(time_limit=10, diagnose=False), backend="pyomo")
    solve_direct(problem, Objective.COST, SolveOptions(time_limit=10, diagnose=False))


def _progress_line(row: dict[str, Any]) -> str:
    if row["status"] == "error":
        return f"{row['case']}: error: {row['message']}"
    expected = "" if row["expected"] is None else f" (expected {_num(row['expected'])})"
    floor = ""
    if row["floor_status"] is not None:
        floor = f"; floor {row['floor_status']} {_num(row['floor_objective'])}"
    return (
        f"{row['case']}: {row['status']} {_num(row['objective'])}{expected}, gap {_pct(row['gap'])};"
        f" build {_sec(row['build_s'])} + hand-over {_sec(row['handover_s'])},"
        f" solve {_sec(row['solve_s'])};"
        f" floor {_sec(row['floor_build_s'])} + {_sec(row['floor_handover_s'])}"
        f" (ratio {_ratio(row['ratio'])}){floor}"
    )


# -- the Markdown table -----------------------------------------------------------------


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _num(value: Any) -> str:
    if _missing(value):
        return "-"
    return f"{value:.10g}" if abs(value) < 1e9 else f"{value:.6g}"


def _int(value: Any) -> str:
    return "-" if _missing(value) else f"{int(value):,}"


def _sci(value: Any) -> str:
    return "-" if _missing(value) else f"{value:.1e}"


def _pct(value: Any) -> str:
    return "-" if _missing(value) else f"{100 * value:.3g} %"


def _sec(value: Any) -> str:
    if _missing(value):
        return "-"
    return f"{value:.4f}" if value < 0.1 else f"{value:.2f}"


def _ratio(value: Any) -> str:
    return "-" if _missing(value) else f"{value:.0f}x" if value >= 10 else f"{value:.1f}x"


_MD_COLUMNS: list[tuple[str, str, Callable[[Any], str]]] = [
    ("case", "case", str),
    ("columns", "cols", _int),
    ("rows", "rows", _int),
    ("status", "status", str),
    ("objective", "objective", _num),
    ("expected", "expected", _num),
    ("rel_error", "rel. error", _sci),
    ("bound", "bound", _num),
    ("gap", "gap", _pct),
    ("read_s", "read", _sec),
    ("build_s", "build", _sec),
    ("handover_s", "hand-over", _sec),
    ("solve_s", "solve", _sec),
    ("results_s", "results", _sec),
    ("floor_build_s", "floor build", _sec),
    ("floor_handover_s", "floor hand-over", _sec),
    ("ratio", "ratio", _ratio),
]
_MD_FLOOR = [
    ("floor_objective", "floor objective", _num),
    ("agree", "agree", lambda v: "-" if _missing(v) else ("yes" if v else "NO")),
]
_RIGHT = {"case": False, "status": False}


def to_markdown(table: pd.DataFrame) -> str:
    """The benchmark table as Markdown (times in seconds; ratio = Pyomo / floor)."""
    columns = list(_MD_COLUMNS)
    if "floor_status" in table and table["floor_status"].notna().any():
        columns += _MD_FLOOR
    header = "| " + " | ".join(title for _, title, _ in columns) + " |"
    rule = "|" + "|".join("---" if not _RIGHT.get(key, True) else "---:" for key, _, _ in columns)
    lines = [header, rule + "|"]
    for record in table.to_dict("records"):
        cells = [
            "-" if _missing(record.get(key)) else fmt(record.get(key)) for key, _, fmt in columns
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
