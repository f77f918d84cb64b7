"""Sweep benchmark: a Monte Carlo sweep of Dunkirk in-process, and on 1 and 2 Dask workers.

``python -m benchmarks.sweep [--draws 64] [--seed 0] [--inventory PATH]`` prints, for the same
draws: the wall time solved one by one in this process, on a ``LocalCluster`` of one worker
and of two workers (each cluster's start-up timed apart), the speed-up of two workers over
one, and Dask's overhead per task (one worker against in-process, per draw).  It also checks
that the three runs give the same per-draw records.  Read ratios, not seconds: the machine
may be shared.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from symbiose.executor import local_cluster, run_sweep
from symbiose.inventory import load_inventory
from symbiose.inventory.io import dump_document
from symbiose.sweep import Draw, SweepSettings, monte_carlo_draws

DUNKERQUE = Path(__file__).resolve().parents[1] / "datasets" / "dunkerque" / "dunkerque.yaml"


def _timed_cluster(
    docs: dict[str, Any], draws: list[Draw], settings: SweepSettings, workers: int
) -> tuple[float, float, list[dict[str, Any]]]:
    """Start-up and sweep seconds on a fresh LocalCluster of ``workers`` processes."""
    from distributed import Client

    start = time.perf_counter()
    cluster = local_cluster(workers)
    try:
        with Client(cluster) as client:
            client.wait_for_workers(workers)
            ready = time.perf_counter()
            records = run_sweep(docs, draws, settings, scheduler=cluster.scheduler_address)
            done = time.perf_counter()
    finally:
        cluster.close()
    return ready - start, done - ready, records


def _same(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> bool:
    def strip(rs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in r.items() if k != "seconds"} for r in rs]

    return strip(a) == strip(b)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its table; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sweep", description=__doc__)
    parser.add_argument("--draws", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--inventory", type=Path, default=DUNKERQUE)
    args = parser.parse_args(argv)

    inv = load_inventory(args.inventory)
    docs = {"base": dump_document(inv)}
    draws = monte_carlo_draws(inv, args.draws, args.seed)
    settings = SweepSettings()

    start = time.perf_counter()
    reference = run_sweep(docs, draws, settings, workers=0)
    in_process = time.perf_counter() - start
    up1, one, records1 = _timed_cluster(docs, draws, settings, 1)
    up2, two, records2 = _timed_cluster(docs, draws, settings, 2)

    n = len(draws)
    solve_mean = sum(r["seconds"] for r in reference) / n
    print(f"{n} draws of {args.inventory.name} (seed {args.seed}); read ratios, not seconds")
    print("| run | start-up s | sweep s | s per draw |")
    print("|---|---|---|---|")
    print(f"| in-process | – | {in_process:.2f} | {in_process / n:.3f} |")
    print(f"| LocalCluster, 1 worker | {up1:.2f} | {one:.2f} | {one / n:.3f} |")
    print(f"| LocalCluster, 2 workers | {up2:.2f} | {two:.2f} | {two / n:.3f} |")
    print(f"speed-up of 2 workers over 1: {one / two:.2f}x")
    print(
        f"Dask overhead per task (1 worker vs in-process): {(one - in_process) / n * 1000:.0f} ms"
        f" ({one / in_process:.2f}x; mean solve {solve_mean * 1000:.0f} ms)"
    )
    same = _same(reference, records1) and _same(reference, records2)
    print(f"per-draw records identical across the three runs: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
