"""Registers benchmark: the register-anchored inventories of Hauts-de-France and of France.

``python -m benchmarks.registers [--cases hauts-de-france,france] [--time-limit 300] [--out DIR]``
runs, for each case in its own process (so that each case's peak RSS is its own):

* ``build``: :func:`symbiose.region.anchored.build_from_registers` (the register files read,
  matched, the inventory document written in memory);
* ``schema``: the inventory schema (:class:`symbiose.inventory.schema.Inventory`);
* ``convert``: :func:`symbiose.convert.to_network` (units, candidate links, the problem);
* ``solve``: :func:`models.solve.solve` (its default path) under ``--time-limit``.

Each phase reports its wall time, its CPU time (the process's, so that the load of a shared
machine shows as wall > CPU) and the peak RSS so far.  The Hauts-de-France case is the shipped
dataset (``datasets/hauts-de-france/``: its extracts, overrides and additions); the France case
is the France-wide files of ``../shared/data/registers/france/`` with the same overrides.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HDF = ROOT / "datasets" / "hauts-de-france"
SHARED = next(
    (p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.is_dir()),
    ROOT.parent / "shared",
)
FRANCE = Path(os.environ.get("SYMBIOSE_REGISTERS", SHARED / "data" / "registers")) / "france"
"""The France-wide register files: ``../shared/data/registers/france`` beside the checkout
(or its worktrees' folder), or ``$SYMBIOSE_REGISTERS/france``."""

PHASES = ("build", "schema", "convert", "solve")


def case_files(case: str) -> tuple[list[Path], str, Path | None, Path | None]:
    """The register files, territory, overrides and additions of a case."""
    if case == "hauts-de-france":
        files = sorted((HDF / "registers").glob("*.csv"))
        return files, case, HDF / "overrides.csv", HDF / "infrastructure.yaml"
    if case == "france":
        names = ("eutl_emissions_FR_geo.csv", "irep_emissions_2019_geo.csv",
                 "hotmaps_industrial_database_EU.csv")
        return [FRANCE / n for n in names], "france", HDF / "overrides.csv", None
    raise ValueError(f"unknown case {case!r}: hauts-de-france or france")


def _peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def measure(case: str, time_limit: float, gap: float) -> dict[str, Any]:
    """Run every phase on one case; the measurements (a JSON-ready mapping)."""
    from models.result import Objective
    from models.solve import SolveOptions, solve
    from symbiose.convert import to_network
    from symbiose.inventory.schema import Inventory
    from symbiose.region.anchored import build_from_registers

    files, territory, overrides, additions = case_files(case)
    record: dict[str, Any] = {"case": case, "phases": {}}

    def phase(name: str, work: Callable[[], Any]) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        result = work()
        record["phases"][name] = {
            "seconds": time.perf_counter() - wall,
            "cpu_seconds": time.process_time() - cpu,
            "peak_rss_gb": _peak_rss_gb(),
        }
        return result

    built = phase("build", lambda: build_from_registers(
        files, territory=territory, overrides=overrides, additions=additions))
    record["phases"]["build"] |= {k: v for k, v in built.counts.items() if isinstance(v, int)}
    inv = phase("schema", lambda: Inventory.model_validate(built.doc))
    network = phase("convert", lambda: to_network(inv))
    record["phases"]["convert"]["arcs"] = len(network.problem.arcs)
    options = SolveOptions(time_limit=time_limit, gap=gap, diagnose=False)
    result = phase("solve", lambda: solve(network.problem, Objective.VALORISATION, options))
    record["phases"]["solve"] |= {
        "status": result.status.value, "objective": result.objective, "bound": result.bound,
        "gap": result.gap,
    }
    return record


def run_cases(cases: Sequence[str], time_limit: float, gap: float) -> list[dict[str, Any]]:
    """Measure each case in a fresh Python process."""
    records = []
    env = os.environ | {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    }
    for case in cases:
        command = [sys.executable, "-m", "benchmarks.registers", "--one", case,
                   "--time-limit", str(time_limit), "--gap", str(gap)]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if lines:
            records.append(json.loads(lines[-1]))
        else:
            tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
            records.append({"case": case, "phases": {}, "error": f"exit {done.returncode}: {tail}"})
    return records


def table(records: list[dict[str, Any]]) -> str:
    """One row per case and phase: wall and CPU time, peak RSS, and what the phase made."""
    lines = [
        "| case | phase | wall s | CPU s | peak RSS GB | figures |",
        "|---|---|---:|---:|---:|---|",
    ]
    for record in records:
        if "error" in record:
            lines.append(f"| {record['case']} | error | | | | {record['error']} |")
        for name in PHASES:
            p = record["phases"].get(name)
            if p is None:
                continue
            extra = {k: v for k, v in p.items() if k not in ("seconds", "cpu_seconds", "peak_rss_gb")}
            said = ", ".join(f"{k} {v:,.6g}" if isinstance(v, float) else f"{k} {v:,}"
                             if isinstance(v, int) else f"{k} {v}" for k, v in extra.items())
            lines.append(
                f"| {record['case']} | {name} | {p['seconds']:.2f} | {p['cpu_seconds']:.2f} |"
                f" {p['peak_rss_gb']:.2f} | {said} |"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print the table (and write it with ``--out``)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.registers")
    parser.add_argument("--cases", default="hauts-de-france,france")
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--gap", type=float, default=1e-4)
    parser.add_argument("--out", help="folder for registers.md and registers.json")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one, args.time_limit, args.gap)))
        return 0
    records = run_cases([c.strip() for c in args.cases.split(",")], args.time_limit, args.gap)
    text = table(records)
    print(text)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "registers.md").write_text(text + "\n", encoding="utf-8")
        (out / "registers.json").write_text(json.dumps(records, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
