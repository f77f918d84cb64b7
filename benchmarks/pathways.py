"""Pathway benchmarks: Dunkirk 4 x 3, a 1,000-site region 3 x 3, growth with both.

Dunkirk over 4 periods and 3 scenarios, a 1,000-site region over 3 periods and 3 scenarios,
and how build and solve time grow with periods and scenarios.

``python -m benchmarks.pathways [--case dunkirk|region|growth|all] [--sites 1000]
[--time-limit 300] [--gap 0.01]`` prints one table per case (and ``--json`` the records):

* ``dunkirk``: ``datasets/dunkerque/pathway/`` (4 periods) with its three scenarios, solved to
  optimality by the extensive form (one MILP) and by progressive hedging (scenario by scenario,
  :mod:`models.hedging`), each with its measures (own optima, EEV);
* ``region``: the generated Hauts-de-France region (:mod:`symbiose.region`) at ``--sites``
  establishments, 3 periods (supplies at 100 %, 90 % and 80 %: a territory that loses some of
  its by-products) and 3 scenarios (demands at 80 %, 100 %, 120 %, probabilities 1/4, 1/2, 1/4),
  the recourse problem to ``--gap`` (1 %) by the extensive form, with the process's peak RSS;
* ``growth``: the Dunkirk pathway cut to its first 1 to 4 periods, with 1 to 3 scenarios: the
  build (index and model) and solve seconds of the extensive form, and its size.

Each case runs in a process of its own, so its peak RSS is its own.  Times are wall seconds
with the machine's load beside them (``uptime``); read ratios, not seconds, on a shared one.
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
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PATHWAY = ROOT / "datasets" / "dunkerque" / "pathway"
SCENARIOS = ("reuze-goes-ahead", "reuze-stops", "h2v-returns")


def _peak_rss_gb() -> float:
    """Peak resident set size of this process so far, in GB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _load() -> float:
    return os.getloadavg()[0]


def dunkirk_pathway(scenarios: int = 3, periods: int = 4) -> Any:
    """The Dunkirk pathway (a models.pathway.Pathway), cut.

    Its first ``scenarios`` scenarios and its first ``periods`` periods (the horizon then ends
    where the next period starts).
    """
    from symbiose.inventory import apply_scenario, load_inventory
    from symbiose.inventory.io import load_scenario
    from symbiose.pipeline import check_pathway

    scenario, root = load_scenario(PATHWAY / "pathway.yaml")
    assert root is not None
    inv = apply_scenario(load_inventory(root, validate=False), scenario, validate=False)
    years = list(inv.territory.periods)
    end = years[periods] if periods < len(years) else inv.territory.horizon_end
    territory = inv.territory.model_copy(update={"periods": years[:periods], "horizon_end": end})
    inv = inv.model_copy(update={"territory": territory})
    cases, chances = [], []
    for name in SCENARIOS[:scenarios] if scenarios > 1 else ():
        sc, _ = load_scenario(PATHWAY / f"{name}.yaml")
        cases.append((sc.name, None, apply_scenario(inv, sc, validate=False)))
        chances.append(float(sc.probability or 1.0))
    pathway = check_pathway(inv, cases).pathway
    if chances:  # the files' probabilities of the scenarios kept, made to sum to 1
        pathway = replace(
            pathway,
            scenarios=tuple(
                replace(s, probability=p / sum(chances))
                for s, p in zip(pathway.scenarios, chances, strict=True)
            ),
        )
    return pathway


def case_dunkirk(time_limit: float) -> list[dict[str, Any]]:
    """Extensive form against progressive hedging on Dunkirk, 4 periods x 3 scenarios."""
    from models.session import SolveOptions
    from models.stochastic import solve_stochastic
    from symbiose.executor import task_mapper

    pathway = dunkirk_pathway()
    options = SolveOptions(gap=0.0, time_limit=time_limit)
    rows = []
    for method, dask in (("extensive", False), ("hedging", False), ("hedging", True)):
        load, tick, cpu = _load(), time.perf_counter(), time.process_time()
        if dask:  # the subproblems and scenario solves as tasks of 2 local Dask workers
            with task_mapper(workers=2) as mapper:
                result = solve_stochastic(pathway, options=options, method="hedging", mapper=mapper)
        else:
            result = solve_stochastic(pathway, options=options, method=method)  # type: ignore[arg-type]
        rows.append(
            {
                "case": "dunkirk 4 x 3",
                "method": method + (" on 2 Dask workers" if dask else ""),
                "status": result.status.value,
                "objective": result.objective,
                "gap": result.gap,
                "rp_seconds": sum(result.timings.values()),
                "wall_seconds": time.perf_counter() - tick,
                "cpu_seconds": time.process_time() - cpu,
                "evpi": result.measures.get("evpi"),
                "vss": result.measures.get("vss"),
                "load": load,
                "peak_rss_gb": _peak_rss_gb(),
            }
        )
    return rows


def region_pathway(sites: int, seed: int = 0) -> Any:
    """The generated region at ``sites`` establishments, 3 periods x 3 scenarios (module doc)."""
    from models.pathway import Pathway, PathwayScenario
    from symbiose.convert import to_network
    from symbiose.inventory.schema import Inventory
    from symbiose.region import build_region, generate_establishments, write_establishments

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "establishments.csv"
        write_establishments(generate_establishments(sites, seed), path, seed)
        inv = Inventory.model_validate(build_region(path))
    problem = to_network(inv).problem

    def scaled(supply: float, demand: float) -> Any:
        return replace(
            problem,
            supplies=tuple(
                replace(s, quantity=tuple(q * supply for q in s.quantities)) for s in problem.supplies
            ),
            demands=tuple(
                replace(
                    d,
                    quantity=tuple(q * demand for q in d.quantities),
                    minimum=tuple(m * demand for m in d.minimums),
                )
                for d in problem.demands
            ),
        )

    scenarios = tuple(
        PathwayScenario(name, p, tuple(scaled(s, demand) for s in (1.0, 0.9, 0.8)))
        for name, p, demand in (("low", 0.25, 0.8), ("mid", 0.5, 1.0), ("high", 0.25, 1.2))
    )
    return Pathway(
        f"region {sites}",
        years=(2026, 2030, 2035),
        end=2040,
        scenarios=scenarios,
        discount_rate=0.05,
    )


def case_region(sites: int, time_limit: float, gap: float) -> list[dict[str, Any]]:
    """The recourse problem of the region pathway to ``gap``, by the extensive form."""
    from models.pathway_solve import solve_pathway
    from models.session import SolveOptions

    load, tick = _load(), time.perf_counter()
    pathway = region_pathway(sites)
    prepared = time.perf_counter() - tick
    tick, cpu = time.perf_counter(), time.process_time()
    result = solve_pathway(pathway, options=SolveOptions(gap=gap, time_limit=time_limit))
    arcs = sum(len(q.arcs) for s in pathway.scenarios for q in s.problems)
    return [
        {
            "case": f"region {sites} x 3 x 3",
            "method": "extensive",
            "arcs": arcs,
            "status": result.status.value,
            "objective": result.objective,
            "gap": result.gap,
            "prepare_seconds": prepared,
            "build_seconds": result.timings.get("build"),
            "solve_seconds": result.timings.get("solve"),
            "wall_seconds": time.perf_counter() - tick,
            "cpu_seconds": time.process_time() - cpu,
            "load": load,
            "peak_rss_gb": _peak_rss_gb(),
        }
    ]


def case_growth(time_limit: float) -> list[dict[str, Any]]:
    """Build and solve seconds of the extensive form by periods (1-4) and scenarios (1-3)."""
    from models.pathway_index import build_index
    from models.pathway_solve import solve_pathway
    from models.session import SolveOptions

    rows = []
    for scenarios in (1, 2, 3):
        for periods in (1, 2, 3, 4):
            pathway = dunkirk_pathway(scenarios, periods)
            load = _load()
            result = solve_pathway(pathway, options=SolveOptions(gap=0.0, time_limit=time_limit))
            index = build_index(pathway)
            rows.append(
                {
                    "case": "dunkirk growth",
                    "periods": periods,
                    "scenarios": scenarios,
                    "blocks": len(index.blocks),
                    "builds": len(index.builds),
                    "status": result.status.value,
                    "build_seconds": result.timings.get("build"),
                    "handover_seconds": result.timings.get("handover"),
                    "solve_seconds": result.timings.get("solve"),
                    "load": load,
                }
            )
    return rows


def _in_process(name: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    if name == "dunkirk":
        return case_dunkirk(args.time_limit)
    if name == "region":
        return case_region(args.sites, args.time_limit, args.gap)
    return case_growth(args.time_limit)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return str(value)


def table(rows: list[dict[str, Any]]) -> str:
    """The records as a Markdown table."""
    if not rows:
        return ""
    names = list(rows[0])
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    lines += ["| " + " | ".join(_fmt(r.get(n)) for n in names) + " |" for r in rows]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the cases asked for, each in a process of its own; print their tables."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--case", default="all", choices=("dunkirk", "region", "growth", "all"))
    p.add_argument("--sites", type=int, default=1000)
    p.add_argument("--time-limit", type=float, default=300.0)
    p.add_argument("--gap", type=float, default=0.01)
    p.add_argument("--json", action="store_true", help="print the records as JSON too")
    p.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.inside:
        print(json.dumps(_in_process(args.case, args)))
        return 0
    cases = ("dunkirk", "growth", "region") if args.case == "all" else (args.case,)
    for name in cases:
        command = [sys.executable, "-m", "benchmarks.pathways", "--inside", "--case", name,
                   "--sites", str(args.sites), "--time-limit", str(args.time_limit),
                   "--gap", str(args.gap)]  # fmt: skip
        out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
        rows = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"\n## {name}\n\n{table(rows)}")
        if args.json:
            print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
