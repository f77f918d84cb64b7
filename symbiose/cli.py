"""The ``symbiose`` command line.

Verbs: ``solve`` (numeric problems, benchmark formats and inventories), ``bench``, and the
verbs registered by the inventory layer (``template``, ``validate``, ``compare``, ``pareto``)
and by the web service (``keys``, ``serve``).  Every verb returns an exit code; bad input is
a one-line message on stderr, never a stack trace.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import pandas as pd

from models.formats import FormatError, read_benchmark
from models.problem import Problem, ProblemError
from models.result import TOTAL_KEYS, Objective, Result, Status
from models.serialise import read_problem_json
from models.solve import Progress, SolveOptions, solve
from symbiose.planner_options import add_planner_options, apply_to_problem

EXIT_OK, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_NO_SOLUTION = 0, 2, 3, 4

# Verb modules of the other layers; each exposes ``register(subparsers)``.
PLUGINS = (
    "symbiose.commands_inventory",
    "symbiose.commands_sweep",
    "symbiose.region.cli",
    "api.commands",
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return EXIT_INPUT
    try:
        return int(args.handler(args))
    except (ProblemError, FormatError, ValueError, OSError) as exc:
        print(f"symbiose: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except (RecursionError, MemoryError):
        # the readers refuse deep and huge documents first; this is the last line of defence
        print("symbiose: error: the input is too large or too deeply nested", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("symbiose: interrupted", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every verb registered."""
    parser = argparse.ArgumentParser(
        prog="symbiose", description="Industrial-symbiosis optimiser (Pyomo + HiGHS)."
    )
    sub = parser.add_subparsers(title="verbs", metavar="VERB")

    solve_p = sub.add_parser("solve", help="optimise a problem, inventory or benchmark instance")
    solve_p.add_argument("problem", help="problem JSON, inventory file/folder, or benchmark path")
    solve_p.add_argument(
        "--format",
        default="auto",
        choices=["auto", "json", "fcnetlib", "canad", "inventory"],
        help="input format (default: guessed from the path)",
    )
    add_solve_options(solve_p)
    add_planner_options(solve_p)
    solve_p.set_defaults(handler=run_solve)

    bench_p = sub.add_parser(
        "bench", help="run the registered benchmarks and print the phase table"
    )
    bench_p.add_argument("--cases", help="comma-separated case names (default: all)")
    bench_p.add_argument("--time-limit", type=float, help="seconds per solve (default: per case)")
    bench_p.add_argument(
        "--out", default="benchmarks/results", help="folder for bench.csv/bench.md"
    )
    bench_p.set_defaults(handler=run_bench)

    for name in PLUGINS:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        module.register(sub)
    return parser


def add_solve_options(parser: argparse.ArgumentParser) -> None:
    """The options shared by every verb that solves."""
    parser.add_argument(
        "--objective",
        choices=[o.value for o in Objective],
        help="valorisation (max EUR/yr), co2 (max t CO2/yr avoided) or cost (min); "
        "default: cost for benchmark formats, valorisation otherwise",
    )
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument("--gap", type=float, default=1e-4, help="relative MIP gap (default 1e-4)")
    parser.add_argument("--threads", type=int, help="HiGHS threads (default: HiGHS's choice)")
    parser.add_argument(
        "--backend",
        choices=["pyomo", "arrays", "auto"],
        default="auto",
        help="who builds the model: pyomo (the reference), arrays (the same model as arrays), "
        "or auto (arrays for large models; default)",
    )
    parser.add_argument("--out", help="folder to write the result tables (CSV, JSON, Excel)")
    parser.add_argument("--quiet", action="store_true", help="no live progress line")


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
        print(f"symbiose: error: {path}: no such file or folder", file=sys.stderr)
        return EXIT_INPUT
    fmt = guess_format(path) if args.format == "auto" else args.format
    if fmt == "inventory":
        try:
            module = importlib.import_module("symbiose.commands_inventory")
        except ImportError:
            print(
                "symbiose: error: inventory files need the symbiose inventory layer",
                file=sys.stderr,
            )
            return EXIT_INPUT
        return int(module.solve_inventory(path, args))
    problem = read_problem_json(path) if fmt == "json" else read_benchmark(path, fmt)
    problem = apply_to_problem(problem, args)
    objective = args.objective or (Objective.VALORISATION if fmt == "json" else Objective.COST)
    result = solve_with_progress(problem, Objective(objective), args)
    print(render_result(result, problem))
    if args.out and result.has_solution:
        from symbiose.exports import write_result

        files = write_result(result, args.out)
        print(f"\nwrote {len(files)} files to {args.out}")
    return exit_code(result)


def solve_with_progress(problem: Problem, objective: Objective, args: argparse.Namespace) -> Result:
    """Solve, showing a live progress line on the terminal unless ``--quiet``."""
    line = None if getattr(args, "quiet", False) else ProgressLine()
    options = SolveOptions(
        time_limit=args.time_limit,
        gap=args.gap,
        threads=args.threads,
        progress=line.update if line else None,
        backend=getattr(args, "backend", "auto"),
    )
    try:
        return solve(problem, objective, options)
    finally:
        if line:
            line.close()


class ProgressLine:
    """A live ``incumbent / bound / gap`` line on the terminal.

    HiGHS captures the process's standard streams while it runs, so the line is written to a
    duplicate of the original stderr descriptor, taken before the solve starts.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        if stream is None:
            try:
                stream = os.fdopen(os.dup(sys.stderr.fileno()), "w", buffering=1)
            except (OSError, AttributeError, io.UnsupportedOperation):
                stream = sys.stderr
        self.stream = stream
        self.live = hasattr(stream, "isatty") and stream.isatty()
        self.shown = False
        self._last_plain = 0.0

    def update(self, p: Progress) -> None:
        """Show one snapshot (rewritten in place on a terminal, every 10 s otherwise)."""
        text = (
            f"  {p.elapsed:7.1f} s   incumbent {_num(p.incumbent):>14}   bound {_num(p.bound):>14}"
            f"   gap {_pct(p.gap):>8}   nodes {p.nodes}"
        )
        if self.live:
            self.stream.write("\r" + text + "\033[K")
        elif p.elapsed - self._last_plain >= 10:
            self._last_plain = p.elapsed
            self.stream.write(text + "\n")
        else:
            return
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        """End the live line."""
        if self.live and self.shown:
            self.stream.write("\n")
            self.stream.flush()
        if self.stream is not sys.stderr:
            with contextlib.suppress(OSError):
                self.stream.close()


def render_result(result: Result, problem: Problem | None = None, top: int = 10) -> str:
    """A readable summary of a numeric result."""
    lines = []
    if problem is not None:
        sizes = ", ".join(f"{v} {k}" for k, v in problem.summary().items() if v)
        lines.append(f"{problem.name}: {sizes}")
    head = [
        (
            "status",
            result.status.value
            + (
                f" ({result.message})"
                if result.message and result.status is not Status.OPTIMAL
                else ""
            ),
        ),
        (f"objective ({result.objective_kind.value})", _num(result.objective)),
        ("bound", _num(result.bound)),
        ("gap", _pct(result.gap)),
        ("solve time", f"{result.solve_seconds:.2f} s"),
    ]
    width = max(len(k) for k, _ in head)
    lines += [f"{k:<{width}}  {v}" for k, v in head]
    for s in result.shortfalls:
        lines.append(f"  cannot be met: {s.describe()}")
    if result.has_solution:
        lines.append("")
        totals = pd.DataFrame(
            [(k, result.totals[k]) for k in TOTAL_KEYS],
            columns=["total", "amount"],
        )
        lines.append(totals.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
        lines.append("")
        lines.append(
            f"{len(result.flows)} flows on {len(result.built_arcs)} arcs "
            f"({int((~result.built_arcs['existing']).sum()) if len(result.built_arcs) else 0} built)"
        )
        if len(result.flows):
            flows = result.flows.sort_values("quantity", ascending=False).head(top)
            lines.append(flows.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    if result.timings:
        phases = "  ".join(f"{k} {v:.3f}s" for k, v in result.timings.items())
        lines.append(f"\nphases: {phases}")
    return "\n".join(lines)


def exit_code(result: Result) -> int:
    """The exit code of a solve outcome."""
    if result.status in (Status.OPTIMAL, Status.TIME_LIMIT):
        return EXIT_OK
    if result.status is Status.INFEASIBLE:
        return EXIT_INFEASIBLE
    return EXIT_NO_SOLUTION


def run_bench(args: argparse.Namespace) -> int:
    """``symbiose bench``: the benchmark harness of ``benchmarks/``."""
    try:
        harness = importlib.import_module("benchmarks.harness")
    except ImportError:
        print(
            "symbiose: error: run from the repository root (benchmarks/ not found)", file=sys.stderr
        )
        return EXIT_INPUT
    names = args.cases.split(",") if args.cases else None
    harness.run_benchmarks(names=names, time_limit=args.time_limit, out_dir=Path(args.out))
    return EXIT_OK


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.4g} %"


if __name__ == "__main__":
    raise SystemExit(main())
