"""Start-up benchmark: what the command line costs before, and around, a Dunkirk solve.

``symbiose bench startup [--repeat 5] [--solves 3] [--inventory PATH]`` prints, as medians of
wall-clock and CPU seconds:

* ``python -c pass``: the interpreter's own start, the floor of any command;
* ``symbiose --help``: start, parse and register every verb (no heavy import; target < 0.3 s);
* ``symbiose solve DUNKIRK --quiet``: a Dunkirk solve through the command line, in a fresh
  process (start, imports, read, convert, solve, report);
* the same solve called in this process (read, optimise, report): once cold (the imports of
  the first call included) and then warm (every module already loaded);

and the ratios ``--help`` / ``pass`` and CLI solve / warm in-process solve: what a fresh
process adds to the same work.  Read ratios, not seconds: the machine may be shared (CPU
seconds are the steadier of the two there).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
DUNKERQUE = ROOT / "datasets" / "dunkerque" / "dunkerque.yaml"
HELP_TARGET = 0.3
"""Seconds ``symbiose --help`` should answer in."""


class Timing(NamedTuple):
    """Medians of one measurement: wall-clock seconds and CPU seconds (user + system)."""

    wall: float
    cpu: float


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(action: Callable[[], object], repeat: int, cpu_clock: Callable[[], float]) -> Timing:
    """Run ``action`` ``repeat`` times; the medians of its wall and CPU seconds.

    CPU seconds are what a shared machine does not inflate: a process waiting for a core is
    slow on the wall clock, not on this one.
    """
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), cpu_clock()
        action()
        walls.append(time.perf_counter() - wall)
        cpus.append(cpu_clock() - cpu)
    return Timing(statistics.median(walls), statistics.median(cpus))


def _process(*args: str) -> Callable[[], object]:
    """A fresh Python process running ``args`` from the repository root, output discarded."""
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )

    def run() -> object:
        return subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, check=True
        )

    return run


def _in_process(inventory: Path) -> Callable[[], object]:
    """What ``symbiose solve INVENTORY --quiet`` does, called in this process.

    Read, check plausibility, optimise with the default solve options and render the report:
    the domain's functions, so that the benchmark does not import the command line it times.
    """

    def run() -> object:
        from models.solve import SolveOptions
        from symbiose.inventory import load_inventory
        from symbiose.pipeline import optimise
        from symbiose.plausibility import plausibility_warnings

        inv = load_inventory(inventory)
        plausibility_warnings(inv)
        report = optimise(inv, options=SolveOptions())
        return report.render_text()

    return run


def measure(inventory: Path = DUNKERQUE, repeat: int = 5, solves: int = 3) -> dict[str, Timing]:
    """The medians of each way to start and to solve (see the module's docstring)."""
    here = time.process_time
    solve = ("-m", "cli", "solve", str(inventory), "--quiet")
    timings = {
        "pass": _timed(_process("-c", "pass"), repeat, _children_cpu),
        "help": _timed(_process("-m", "cli", "--help"), repeat, _children_cpu),
        "cli_solve": _timed(_process(*solve), solves, _children_cpu),
        "in_process_cold": _timed(_in_process(inventory), 1, here),
    }
    timings["in_process_warm"] = _timed(_in_process(inventory), solves, here)
    return timings


def render(timings: dict[str, Timing], inventory: Path) -> str:
    """The measurements as a Markdown table, with the ratios."""
    rows = [
        ("python -c pass", "pass"),
        ("symbiose --help", "help"),
        (f"symbiose solve {inventory.name} --quiet (fresh process)", "cli_solve"),
        ("the same solve in-process, first call (imports included)", "in_process_cold"),
        ("the same solve in-process, warm", "in_process_warm"),
    ]
    lines = ["| command | wall s | CPU s |", "|---|---:|---:|"]
    lines += [f"| {name} | {timings[k].wall:.3f} | {timings[k].cpu:.3f} |" for name, k in rows]
    help_, pass_ = timings["help"], timings["pass"]
    cli, warm = timings["cli_solve"], timings["in_process_warm"]
    met = "met" if help_.wall < HELP_TARGET else "missed"
    lines += [
        "",
        f"--help / pass: {help_.wall / pass_.wall:.2f}x wall, {help_.cpu / pass_.cpu:.2f}x CPU;"
        f" --help adds {help_.wall - pass_.wall:.3f} s to the interpreter's start"
        f" (target < {HELP_TARGET} s in all: {met})",
        f"CLI solve / in-process warm solve: {cli.wall / warm.wall:.2f}x wall,"
        f" {cli.cpu / warm.cpu:.2f}x CPU; a fresh process adds {cli.wall - warm.wall:.2f} s"
        f" ({cli.cpu - warm.cpu:.2f} CPU s), mostly imports",
    ]
    return "\n".join(lines)


def run(inventory: Path = DUNKERQUE, repeat: int = 5, solves: int = 3) -> dict[str, Timing]:
    """Measure and print the table; returns the medians."""
    timings = measure(inventory, repeat, solves)
    print(f"start-up of the command line, {inventory.name}; read ratios, not seconds")
    print(render(timings, inventory))
    return timings
