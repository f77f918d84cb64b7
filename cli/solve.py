"""The ``solve`` verb: an inventory, a scenario, a numeric problem JSON or a benchmark file.

An inventory (or a scenario applied to its base) goes through :func:`symbiose.pipeline.optimise`
and prints the report; a numeric problem goes straight to :func:`models.solve.solve` and
prints a summary table.  Both take the same solve options and planner questions.
"""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.exits import fail, for_status
from cli.options import add_solve_options, objective_of, solve_options
from cli.pathway import add_pathway_options
from cli.progress import number, percent, solve_progress
from models.constants import DEFAULT_OBJECTIVE, Objective

if TYPE_CHECKING:
    from models.problem import Problem
    from models.result import Result

FORMATS = ("auto", "json", "fcnetlib", "canad", "inventory")


def register(subparsers: Any) -> None:
    """Add ``solve`` to the ``symbiose`` parser."""
    p = subparsers.add_parser("solve", help="optimise a problem, inventory or benchmark instance")
    p.add_argument("problem", help="problem JSON, inventory file/folder, or benchmark path")
    p.add_argument(
        "--format",
        default="auto",
        choices=FORMATS,
        help="input format (default: guessed from the path)",
    )
    add_solve_options(
        p, objective="cost for benchmark formats, valorisation otherwise", planner=True
    )
    p.add_argument("--out", help="folder to write the result tables (CSV, JSON, Excel)")
    add_pathway_options(p)
    p.set_defaults(handler=run_solve)


def guess_format(path: Path) -> str:
    """The input format of ``path``: fcnetlib, canad, json (numeric problem) or inventory."""
    if path.is_dir() and (path / "arcs.csv").is_file() and (path / "nodes.csv").is_file():
        return "fcnetlib"
    if path.suffix == ".dow":
        return "canad"
    if path.suffix == ".json" and path.is_file():
        with contextlib.suppress(OSError, ValueError), path.open() as fh:
            head = fh.read(4096)
            if '"arcs"' in head or '"nodes"' in head:
                return "json"
    return "inventory"


def run_solve(args: argparse.Namespace) -> int:
    """``symbiose solve``."""
    path = Path(args.problem)
    if not path.exists():
        return fail(f"{path}: no such file or folder")
    fmt = guess_format(path) if args.format == "auto" else args.format
    if fmt == "inventory":
        return solve_inventory(path, args)
    return solve_numeric(path, fmt, args)


def solve_numeric(path: Path, fmt: str, args: argparse.Namespace) -> int:
    """``symbiose solve`` on a numeric problem JSON or a benchmark file."""
    from cli.planner import apply_to_problem
    from models.formats import read_benchmark
    from models.serialise import read_problem_json
    from models.solve import solve

    problem = read_problem_json(path) if fmt == "json" else read_benchmark(path, fmt)
    problem = apply_to_problem(problem, args)
    objective = objective_of(args, DEFAULT_OBJECTIVE if fmt == "json" else Objective.COST)
    with solve_progress(args.quiet) as progress:
        result = solve(problem, objective, solve_options(args, progress))
    print_result(result, problem)
    if args.out and result.has_solution:
        from symbiose.exports import write_result

        files = write_result(result, args.out)
        print(f"\nwrote {len(files)} files to {args.out}")
    return for_status(result.status)


def solve_inventory(path: Path, args: argparse.Namespace) -> int:
    """``symbiose solve`` on an inventory or scenario: solve, print the report, write ``--out``."""
    from cli.inventory import load_any, report_issues, report_warnings
    from cli.pathway import show_pathway, solve_pathway_inventory, wants_pathway
    from cli.planner import apply_to_inventory
    from symbiose.inventory import InventoryError
    from symbiose.pipeline import check, optimise
    from symbiose.progress import phase

    with solve_progress(args.quiet) as progress:  # every phase, from reading on
        try:
            with phase("read", detail=path.name):
                inv, label = load_any(path, validate=False)
            inv = apply_to_inventory(inv, args)
            if wants_pathway(inv, args):
                pathway = solve_pathway_inventory(inv, args, progress)
            else:
                checked = check(inv)  # the one conversion
                report_warnings(path, inv)
                report = optimise(
                    checked, objective_of(args, DEFAULT_OBJECTIVE), solve_options(args, progress)
                )
        except InventoryError as exc:
            return report_issues(path, exc)
    if wants_pathway(inv, args):
        return show_pathway(pathway, label, args)
    report.name = label
    print(report.render_text())
    if args.out and report.result.has_solution:
        files = report.write(args.out)
        print(f"\nwrote {len(files)} files to {args.out}")
    return for_status(report.result.status)


def print_result(result: Result, problem: Problem | None = None, top: int = 10) -> None:
    """Print a numeric result's summary: status, objective and gap, totals, the largest flows."""
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=True)
    if not console.is_terminal:
        console.width = 160  # a log or a pipe: wide tables stay on one line
    if problem is not None:
        sizes = ", ".join(f"{v} {k}" for k, v in problem.summary().items() if v)
        console.print(f"{problem.name}: {sizes}")
    console.print(_head_table(result))
    for s in result.shortfalls:
        console.print(f"  cannot be met: {s.describe()}")
    if result.has_solution:
        console.print()
        console.print(_totals_table(result))
        console.print()
        built = (~result.built_arcs["existing"]).sum() if len(result.built_arcs) else 0
        console.print(
            f"{len(result.flows)} flows on {len(result.built_arcs)} arcs ({int(built)} built)"
        )
        if len(result.flows):
            console.print(_flows_table(result, top))
    if result.timings:
        phases = "  ".join(f"{k} {v:.3f}s" for k, v in result.timings.items())
        console.print(f"\nphases: {phases}")


def _head_table(result: Result) -> Any:
    from rich.table import Table

    from models.result import Status

    status = result.status.value
    if result.message and result.status is not Status.OPTIMAL:
        status += f" ({result.message})"
    table = Table.grid(padding=(0, 2))
    table.add_row("status", status)
    table.add_row(f"objective ({result.objective_kind.value})", number(result.objective))
    table.add_row("bound", number(result.bound))
    table.add_row("gap", percent(result.gap))
    if result.certificate is not None:
        table.add_row("certificate", result.certificate.describe())
    table.add_row("solve time", f"{result.solve_seconds:.2f} s")
    return table


def _totals_table(result: Result) -> Any:
    from rich.table import Table

    from models.result import TOTAL_KEYS

    table = Table("total", "amount", box=None, pad_edge=False)
    table.columns[1].justify = "right"
    for key in TOTAL_KEYS:
        table.add_row(key, f"{result.totals[key]:,.2f}")
    return table


def _flows_table(result: Result, top: int) -> Any:
    from pandas.api.types import is_numeric_dtype
    from rich.table import Table

    flows = result.flows.sort_values("quantity", ascending=False).head(top)
    table = Table(box=None, pad_edge=False)
    for name in flows.columns:
        table.add_column(str(name), justify="right" if is_numeric_dtype(flows[name]) else "left")
    for row in flows.itertuples(index=False):
        table.add_row(*(f"{v:,.3f}" if isinstance(v, float) else str(v) for v in row))
    return table
