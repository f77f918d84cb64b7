"""Start-up benchmark: what the command line costs before, and around, a Dunkirk solve.

``symbiose bench startup [--repeat 5] [--solves 3] [--inventory PATH]`` prints, as medians:

* ``python -c pass``: the interpreter's own start, the floor of any command;
* ``symbiose --help``: start, parse and register every verb (no heavy import; target < 0.3 s);
* ``symbiose solve DUNKIRK --quiet``: a Dunkirk solve through the command line, in a fresh
  process (start, imports, read, convert, solve, report);
* the same solve called in this process (read, optimise, report): once cold (the imports of the first call
  included) and then warm (every module already loaded);

and the ratios ``--help`` / ``pass`` and CLI solve / warm in-process solve: what a fresh
process adds to the same work.  Read ratios, not seconds: the machine may be shared.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DUNKERQUE = ROOT / "datasets" / "dunkerque" / "dunkerque.yaml"
HELP_TARGET = 0.3
"""Seconds ``symbiose --help`` should answer in."""


def _median_seconds(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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

    Read, check plausibility, optimise with the default solve options and
    render the report: the domain's functions, so that the benchmark does not import the
    command line it times.
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


def measure(inventory: Path = DUNKERQUE, repeat: int = 5, solves: int = 3) -> dict[str, float]:
    """The medians, in seconds, of each way to start and to solve (see the module's docstring)."""
    seconds = {
        "pass": _median_seconds(_process("-c", "pass"), repeat),
        "help": _median_seconds(_process("-m", "cli", "--help"), repeat),
        "cli_solve": _median_seconds(
            _process("-m", "cli", "solve", str(inventory), "--quiet"), solves
        ),
        "in_process_cold": _median_seconds(_in_process(inventory), 1),
    }
    seconds["in_process_warm"] = _median_seconds(_in_process(inventory), solves)
    return seconds


def render(seconds: dict[str, float], inventory: Path) -> str:
    """The measurements as a Markdown table, with the ratios."""
    rows = [
        ("python -c pass", seconds["pass"]),
        ("symbiose --help", seconds["help"]),
        (f"symbiose solve {inventory.name} (fresh process)", seconds["cli_solve"]),
        ("the same solve in-process, first call (imports included)", seconds["in_process_cold"]),
        ("the same solve in-process, warm", seconds["in_process_warm"]),
    ]
    lines = ["| command | median s |", "|---|---:|"]
    lines += [f"| {name} | {s:.3f} |" for name, s in rows]
    met = "met" if seconds["help"] < HELP_TARGET else "MISSED"
    lines += [
        "",
        f"--help / pass: {seconds['help'] / seconds['pass']:.2f}x"
        f" (--help {seconds['help']:.3f} s, target < {HELP_TARGET} s: {met})",
        f"CLI solve / in-process warm solve: {seconds['cli_solve'] / seconds['in_process_warm']:.2f}x"
        f" (a fresh process adds {seconds['cli_solve'] - seconds['in_process_warm']:.2f} s)",
    ]
    return "\n".join(lines)


def run(inventory: Path = DUNKERQUE, repeat: int = 5, solves: int = 3) -> dict[str, float]:
    """Measure and print the table; returns the medians."""
    seconds = measure(inventory, repeat, solves)
    print(f"start-up of the command line, {inventory.name}; read ratios, not seconds")
    print(render(seconds, inventory))
    return seconds
