"""The region's two equalities, measured: blocks solved apart equal the whole, and the cap is harmless.

``python -m benchmarks.region_checks [--sites 1000,3000,7800] [--caps 10,5] [--time-limit 300]``
generates the SYNTHETIC Hauts-de-France establishments (:mod:`symbiose.region`, fixed seed),
builds each regional inventory, and solves it

* whole (``decompose="off"``) and block by block (``decompose="on"``): the two objectives and
  bounds, and their difference relative to the whole's objective (it must be within the gap);
* with no candidate cap (``candidate_cap: off``) and with each cap of ``--caps``: how much
  the optimum moves (the acceptance: less than 0.1 %).

Sizes are establishments (about 0.39 inventory sites each: only establishments a coefficient row
applies to become sites).  Every solve uses the same gap, so objectives agree to that gap.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def _inventory(establishments: int, seed: int) -> Any:
    from symbiose.inventory.schema import Inventory
    from symbiose.region import build_region, generate_establishments, write_establishments

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "establishments.csv"
        write_establishments(generate_establishments(establishments, seed), path, seed)
        return Inventory.model_validate(build_region(path))


def _solve(inv: Any, cap: int | str, decompose: str, time_limit: float, gap: float) -> Any:
    from models.result import Objective
    from models.solve import SolveOptions, solve
    from symbiose.convert import to_network

    capped = inv.model_copy(
        update={"territory": inv.territory.model_copy(update={"candidate_cap": cap})}
    )
    network = to_network(capped)
    tick = time.perf_counter()
    options = SolveOptions(time_limit=time_limit, gap=gap, diagnose=False)
    result = solve(network.problem, Objective.VALORISATION, options, decompose=decompose)
    return result, len(network.problem.arcs), time.perf_counter() - tick


def _row(label: str, solved: tuple[Any, int, float], reference: float) -> str:
    result, arcs, seconds = solved
    diff = (result.objective - reference) / abs(reference) if reference else 0.0
    return (
        f"| {label} | {arcs:,} | {result.status.value} | {result.objective:,.0f} | "
        f"{result.bound:,.0f} | {result.gap:.4%} | {diff:+.5%} | {seconds:.1f} |"
    )


def check(
    establishments: int, caps: Sequence[int], seed: int, time_limit: float, gap: float
) -> list[str]:
    """The table rows of one size: whole, blocks, then each cap (all against the whole)."""
    inv = _inventory(establishments, seed)
    whole, arcs, seconds = _solve(inv, "off", "off", time_limit, gap)
    reference = whole.objective
    rows = [f"| **{establishments:,} establishments, {len(inv.sites):,} sites** | | | | | | | |"]
    rows.append(_row("whole, no cap", (whole, arcs, seconds), reference))
    rows.append(_row("blocks, no cap", _solve(inv, "off", "on", time_limit, gap), reference))
    for cap in caps:
        rows.append(_row(f"whole, cap {cap}", _solve(inv, cap, "off", time_limit, gap), reference))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.region_checks", description=__doc__)
    parser.add_argument("--sites", default="1000,3000,7800", help="establishment counts")
    parser.add_argument("--caps", default="10,5", help="candidate caps to compare with no cap")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--gap", type=float, default=1e-4)
    args = parser.parse_args(argv)
    caps = [int(c) for c in args.caps.split(",") if c]
    print("| solve | arcs | status | objective EUR/yr | bound | gap | vs whole, no cap | s |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for size in (int(s) for s in args.sites.split(",")):
        for row in check(size, caps, args.seed, args.time_limit, args.gap):
            print(row, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
