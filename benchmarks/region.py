"""Region benchmark: the generated Hauts-de-France region at 1,000 to 24,045 establishments.

``python -m benchmarks.region [--sites 1000,3000,10000,24045] [--seed 0] [--time-limit 300]``
runs, for each size in its own process (so that each size's peak RSS is its own), the
pipeline phase by phase:

* ``generate``: the synthetic establishments file (:mod:`symbiose.region.generate`), written
  to a temporary CSV;
* ``read``: :func:`symbiose.region.build_region` (the CSV read once, coefficients matched)
  and the inventory schema;
* ``convert``: :func:`symbiose.convert.to_network` (units, candidates, the numeric problem);
* ``prune``: ``models.prune.prune`` (links that can never pay their fixed cost), so that the
  two builds below build what the solve builds; its row counts the arcs left and the
  independent blocks (``models.blocks.find_blocks``);
* ``pyomo``: the Pyomo model built and handed over to HiGHS (``models.solve.PyomoBackend``
  and ``models.session.pass_to_highs``), skipped above ``--skip-pyomo-above``;
* ``arrays``: the same MILP built as arrays (``models.direct.build_arrays``) and handed over;
* ``solve``: :func:`models.solve.solve` (the path every entry point takes; it builds its own
  model, with whatever backend and decomposition it chooses) under ``--time-limit``, with
  ``backend="arrays"`` when the Pyomo model is skipped.

Each phase reports its wall time and the process's peak RSS so far; the table adds the
candidate arcs, the MILP's columns / rows / nonzeros, its independent blocks, the objective,
bound and gap, and the Pyomo / array ratio of build + hand-over.  Read ratios, not seconds: the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

SIZES = (1_000, 3_000, 10_000, 24_045)
"""The establishments counts of the acceptance (24,045: the region's industrial count)."""

PHASES = ("generate", "read", "convert", "prune", "pyomo", "arrays", "solve")

ROOT = Path(__file__).resolve().parents[1]


def _peak_rss_gb() -> float:
    """Peak resident set size of this process so far, in GB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


class _Run:
    """One size's measurements, phase by phase (a JSON-ready mapping)."""

    def __init__(self, sites: int) -> None:
        self.record: dict[str, Any] = {"sites": sites, "phases": {}}

    def phase(self, name: str, work: Callable[[], Any]) -> Any:
        """Run ``work``, recording its seconds and the peak RSS after it (or its error)."""
        tick = time.perf_counter()
        try:
            return work()
        except Exception as exc:  # one failing phase must not hide the others' numbers
            self.record["phases"][name] = {"error": f"{type(exc).__name__}: {exc}"}
            raise
        finally:
            entry = self.record["phases"].setdefault(name, {})
            entry["seconds"] = time.perf_counter() - tick
            entry["peak_rss_gb"] = _peak_rss_gb()

    def note(self, name: str, **values: Any) -> None:
        """Add figures to a phase's entry."""
        self.record["phases"].setdefault(name, {}).update(values)


def measure(
    sites: int, seed: int, time_limit: float, gap: float, skip_pyomo: bool
) -> dict[str, Any]:
    """Run every phase on ``sites`` generated establishments; returns the measurements.

    A phase that fails ends the run; the record keeps the phases measured before it and
    the error.
    """
    run = _Run(sites)
    try:
        _phases(run, seed, time_limit, gap, skip_pyomo)
    except Exception as exc:  # reported in the table rather than as a trace
        run.record["error"] = f"{type(exc).__name__}: {exc}"
    return run.record


def _phases(run: _Run, seed: int, time_limit: float, gap: float, skip_pyomo: bool) -> None:
    from models.result import Objective
    from symbiose.convert import to_network
    from symbiose.inventory.schema import Inventory
    from symbiose.region import build_region, generate_establishments, write_establishments

    sites = run.record["sites"]
    objective = Objective.VALORISATION
    _warm_up()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "establishments.csv"
        run.phase(
            "generate",
            lambda: write_establishments(generate_establishments(sites, seed), path, seed),
        )
        inv = run.phase("read", lambda: Inventory.model_validate(build_region(path)))
    run.note("read", inventory_sites=len(inv.sites), items=len(inv.supplies) + len(inv.demands))
    network = run.phase("convert", lambda: to_network(inv))
    problem = network.problem
    run.note("convert", candidate_arcs=network.candidates, arcs=len(problem.arcs))
    built = run.phase("prune", lambda: _pruned(problem, objective))
    run.note("prune", arcs=len(built.arcs), blocks=_blocks(built))
    if not skip_pyomo:
        run.note("pyomo", **run.phase("pyomo", lambda: _pyomo(built, objective)))
    run.note("arrays", **run.phase("arrays", lambda: _arrays(built, objective)))
    result = run.phase("solve", lambda: _solve(problem, objective, time_limit, gap, skip_pyomo))
    run.note(
        "solve",
        status=result.status.value,
        objective=result.objective,
        bound=result.bound,
        gap=result.gap,
        backend_timings=result.timings,
        notes=[n for n in result.notes if "block" in n],
    )


def _warm_up() -> None:
    """Build and hand over a tiny model with both backends, so lazy imports bill no phase."""
    from models.problem import Arc, Demand, Problem, Supply
    from models.result import Objective

    tiny = Problem(
        nodes=("a", "b"),
        commodities=("k",),
        supplies=(Supply("a", "k", 1.0),),
        demands=(Demand("b", "k", 1.0, value=1.0),),
        arcs=(Arc("a", "b", "m", ("k",), capacity=1.0, fixed_cost=0.1),),
        name="warm_up",
    )
    _pyomo(tiny, Objective.VALORISATION)
    _arrays(tiny, Objective.VALORISATION)


def _pyomo(problem: Any, objective: Any) -> dict[str, int]:
    """Build the Pyomo model and hand it over to HiGHS; the size of what HiGHS received."""
    from models.session import pass_to_highs
    from models.solve import PyomoBackend

    backend = PyomoBackend()
    form = backend.form(backend.build(problem, objective))
    pass_to_highs(form)
    rows, columns = form.matrix.shape
    return {"columns": columns, "rows": rows, "nonzeros": int(form.matrix.nnz)}


def _arrays(problem: Any, objective: Any) -> dict[str, int]:
    """Build the same MILP as arrays and hand it over; its size."""
    from models.direct import build_arrays
    from models.session import pass_to_highs

    model = build_arrays(problem, objective)
    pass_to_highs(model.form)
    return {"columns": model.num_col, "rows": model.num_row, "nonzeros": model.num_nz}


def _solve(problem: Any, objective: Any, time_limit: float, gap: float, skip_pyomo: bool) -> Any:
    """The public solve on its default path (``auto`` backend, blocks where it finds them).

    With the array backend where the Pyomo model is skipped.
    """
    from models.solve import SolveOptions, solve

    options = SolveOptions(
        time_limit=time_limit, gap=gap, diagnose=False, backend="arrays" if skip_pyomo else "auto"
    )
    return solve(problem, objective, options)


def _pruned(problem: Any, objective: Any) -> Any:
    """The problem ``models.solve`` builds: pruned of the links that can never pay."""
    from models.prune import prune

    return prune(problem, objective)


def _blocks(problem: Any) -> int:
    """The independent blocks of the problem (:func:`models.blocks.find_blocks`)."""
    from models.blocks import find_blocks

    return find_blocks(problem).count


# -- the parent: one subprocess per size, then the tables ------------------------------------


def run_sizes(
    sizes: Sequence[int],
    seed: int,
    time_limit: float,
    gap: float,
    skip_pyomo_above: int | None,
    say: Callable[[str], Any] = print,
) -> list[dict[str, Any]]:
    """Measure each size in a fresh Python process; returns one record per size."""
    records = []
    for sites in sizes:
        skip = skip_pyomo_above is not None and sites > skip_pyomo_above
        command = [
            sys.executable,
            "-m",
            "benchmarks.region",
            "--one",
            str(sites),
            "--seed",
            str(seed),
            "--time-limit",
            str(time_limit),
            "--gap",
            str(gap),
        ] + (["--skip-pyomo"] if skip else [])
        env = os.environ | {
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        }
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if lines:
            record = json.loads(lines[-1])
        else:
            tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
            record = {"sites": sites, "phases": {}, "error": f"exit {done.returncode}: {tail}"}
        records.append(record)
        say(_progress(record))
    return records


def _progress(record: dict[str, Any]) -> str:
    phases = record["phases"]
    parts = [f"{name} {_sec(phases[name].get('seconds'))} s" for name in PHASES if name in phases]
    error = record.get("error") or next((p["error"] for p in phases.values() if "error" in p), "")
    return (
        f"{record['sites']:,} establishments: "
        + ", ".join(parts)
        + (f"; ERROR {error}" if error else "")
    )


def _sec(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}" if value < 1 else f"{value:.1f}"


def _num(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def _pct(value: Any) -> str:
    return "-" if value is None else f"{100 * value:.2f} %"


def _int(value: Any) -> str:
    return "-" if value is None else f"{value:,}"


def phase_table(records: list[dict[str, Any]]) -> str:
    """One row per size and phase: time, peak RSS and the figures the phase produced."""
    lines = [
        "| sites | phase | time s | peak RSS GB | arcs | columns / rows / nonzeros | blocks | objective | bound | gap |",
        "|---:|---|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for record in records:
        phases = record["phases"]
        for name in PHASES:
            if name not in phases:
                continue
            p = phases[name]
            size = "-"
            if "columns" in p:
                size = f"{p['columns']:,} / {p['rows']:,} / {p['nonzeros']:,}"
            cells = [
                f"{record['sites']:,}",
                name + (" (error)" if "error" in p else ""),
                _sec(p.get("seconds")),
                f"{p.get('peak_rss_gb', 0):.2f}",
                _int(p.get("candidate_arcs", p.get("arcs"))),
                size,
                _int(p.get("blocks")) if name == "prune" else "-",
                _num(p.get("objective")),
                _num(p.get("bound")),
                _pct(p.get("gap")),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def summary_table(records: list[dict[str, Any]]) -> str:
    """One row per size, as the issue's table: sizes, phases, ratio, outcome, peak RSS."""
    lines = [
        "| establishments | sites | candidate arcs | columns / rows | read + convert s | Pyomo build + hand-over s | array build + hand-over s | Pyomo / array | solve s | status | gap | peak RSS GB |",
        "|---:|---:|---:|---|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for record in records:
        p = record["phases"]

        def get(phase: str, key: str, p: dict[str, Any] = p) -> Any:
            return p.get(phase, {}).get(key)

        read = (get("read", "seconds") or 0) + (get("convert", "seconds") or 0)
        pyomo, arrays = get("pyomo", "seconds"), get("arrays", "seconds")
        ratio = f"{pyomo / arrays:.1f}x" if pyomo and arrays else "-"
        size = "-"
        if get("arrays", "columns") is not None:
            size = f"{get('arrays', 'columns'):,} / {get('arrays', 'rows'):,}"
        peak = max((entry.get("peak_rss_gb", 0) for entry in p.values()), default=0)
        cells = [
            f"{record['sites']:,}",
            _int(get("read", "inventory_sites")),
            _int(get("convert", "candidate_arcs")),
            size,
            _sec(read) if "convert" in p else "-",
            _sec(pyomo),
            _sec(arrays),
            ratio,
            _sec(get("solve", "seconds")),
            get("solve", "status") or record.get("error", "-"),
            _pct(get("solve", "gap")),
            f"{peak:.2f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark (or, with ``--one``, one size, printing its JSON record)."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.region",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sites", default=",".join(map(str, SIZES)), help="comma-separated sizes")
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    parser.add_argument(
        "--time-limit", type=float, default=300.0, help="solve seconds (default 300)"
    )
    parser.add_argument("--gap", type=float, default=0.01, help="relative MIP gap (default 0.01)")
    parser.add_argument("--skip-pyomo-above", type=int, help="skip the Pyomo build above this size")
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "benchmarks" / "results",
        help="folder for region.md/.json",
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--skip-pyomo", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one is not None:
        record = measure(args.one, args.seed, args.time_limit, args.gap, args.skip_pyomo)
        print(json.dumps(record, default=float))
        return 0 if "error" not in record else 1
    sizes = [int(s) for s in args.sites.split(",") if s.strip()]
    records = run_sizes(sizes, args.seed, args.time_limit, args.gap, args.skip_pyomo_above)
    text = summary_table(records) + "\n\n" + phase_table(records)
    print("\n" + text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "region.md").write_text(text + "\n")
    (args.out / "region.json").write_text(json.dumps(records, indent=1, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
