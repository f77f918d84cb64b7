"""How small and tight the model is, and what the Pyomo path costs over the array floor.

For a synthetic regional inventory (``symbiose.synthetic.synthetic_inventory``, its sites spread
over a Hauts-de-France-sized box so that each source reaches a handful of sinks) and for the
FCNetLib/Canad instances, prints per case:

* the model's size: candidate arcs, binaries, links pruned, columns, rows;
* the LP relaxation with the region-wide bounds (``global``) and with the local ones, both
  after pruning, and the best MILP solution found (``best``, arrays, under a time limit);
  ``gap`` = |LP − best| / |best|: how far the relaxation sits from the best solution;
* Pyomo build + hand-over against the array backend's (``ratio``).

Run: ``python -m benchmarks.tightness --sites 1000 3000 --time-limit 120``.  Timings are never
asserted; read the ratios, not the seconds (2 shared cores).
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import replace
from typing import Any

import numpy as np

from benchmarks.cases import select
from models.backends import PyomoBackend
from models.bounds import compute_bounds
from models.direct import build_arrays
from models.problem import Problem
from models.prune import prune
from models.result import Objective
from models.session import MatrixForm, SolveOptions, pass_to_highs
from models.solve import solve

REACH_KM = 8.0
"""The reach of both modes in the synthetic region: about 3 sinks per source at 1,000 sites,
10 at 3,000, as in a real region where most pairs are too far apart to exchange slag."""


def regional_problem(sites: int, seed: int = 7) -> Problem:
    """The synthetic inventory of ``sites`` sites over a 2.9° × 2.1° box, as a problem."""
    from symbiose.convert import to_network
    from symbiose.inventory.schema import Inventory
    from symbiose.synthetic import synthetic_inventory

    data = synthetic_inventory(sites // 2, sites - sites // 2, seed=seed, name=f"Region {sites}")
    rng = random.Random(seed)
    for site in data["sites"]:
        site["latitude"] = 49.0 + rng.uniform(0, 2.1)
        site["longitude"] = 1.4 + rng.uniform(0, 2.9)
    for mode in data["modes"]:
        mode["max_distance"] = f"{REACH_KM} km"
    return to_network(Inventory.model_validate(data)).problem


def lp_bound(form: MatrixForm) -> float:
    """The LP relaxation's optimum of ``form``."""
    highs = pass_to_highs(replace(form, integrality=np.zeros_like(form.integrality)))
    highs.run()
    return float(highs.getInfo().objective_function_value)


def build_and_handover(problem: Problem, objective: Objective) -> tuple[float, float]:
    """Seconds of Pyomo build + hand-over and of the array backend's, on the same problem."""
    tick = time.perf_counter()
    backend = PyomoBackend()
    pass_to_highs(backend.form(backend.build(problem, objective)))
    pyomo = time.perf_counter() - tick
    tick = time.perf_counter()
    pass_to_highs(build_arrays(problem, objective).form)
    return pyomo, time.perf_counter() - tick


def measure(name: str, problem: Problem, objective: Objective, time_limit: float) -> dict[str, Any]:
    """One row of the table (see the module docstring)."""
    tick = time.perf_counter()
    pruned = prune(problem, objective)
    prune_s = time.perf_counter() - tick
    wide = build_arrays(pruned, objective, bounds=compute_bounds(pruned, local=False))
    local = build_arrays(pruned, objective)
    options = SolveOptions(time_limit=time_limit, gap=1e-4, diagnose=False, prune=False)
    best = solve(pruned, objective, options, backend="arrays")
    pyomo_s, arrays_s = build_and_handover(pruned, objective)
    row: dict[str, Any] = {
        "case": name,
        "candidates": sum(1 for a in problem.arcs if not a.existing),
        "pruned": len(problem.arcs) - len(pruned.arcs),
        "binaries": int(local.form.integrality.sum()),
        "was_binaries": sum(1 for a in pruned.arcs if not a.existing)
        + sum(1 for c in pruned.converters if not c.existing),
        "columns": local.num_col,
        "rows": local.num_row,
        "prune_s": round(prune_s, 3),
        "best": best.objective,
        "status": best.status.value,
        "mip_gap": best.gap,
        "pyomo_s": round(pyomo_s, 3),
        "arrays_s": round(arrays_s, 3),
        "ratio": round(pyomo_s / arrays_s, 1),
    }
    for label, model in (("global", wide), ("local", local)):
        relaxed = lp_bound(model.form)
        row[f"lp_{label}"] = relaxed
        if best.objective:
            row[f"gap_{label}"] = abs(relaxed - best.objective) / abs(best.objective)
    return row


def main(argv: list[str] | None = None) -> None:
    """Print the table for the sizes and benchmark cases asked for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, nargs="*", default=[1000, 3000])
    parser.add_argument("--cases", nargs="*", default=[], help="benchmark cases (e.g. c33 k10x90)")
    parser.add_argument("--time-limit", type=float, default=120.0)
    args = parser.parse_args(argv)
    rows = []
    for n in args.sites:
        tick = time.perf_counter()
        problem = regional_problem(n)
        convert = time.perf_counter() - tick
        row = measure(f"region-{n}", problem, Objective.VALORISATION, args.time_limit)
        row["convert_s"] = round(convert, 2)
        rows.append(row)
        print(row, flush=True)
    for case in select(args.cases) if args.cases else ():
        rows.append(measure(case.name, case.read(), Objective.COST, args.time_limit))
        print(rows[-1], flush=True)
    keys = list(dict.fromkeys(k for row in rows for k in row))
    print("\t".join(keys))
    for row in rows:
        print("\t".join(_fmt(row.get(k)) for k in keys))


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return "" if value is None else str(value)


if __name__ == "__main__":
    main()
