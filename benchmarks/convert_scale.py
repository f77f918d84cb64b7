"""Read + convert at regional scale: time, peak RSS and candidate arcs by size.

``python -m benchmarks.convert_scale --sizes 1000,3000,10000,24045`` writes a synthetic regional
inventory per size (sites clustered around the employment zones of Hauts-de-France, a sector
mix of the Dunkirk by-products, the Dunkirk modes), then reads and converts it in a fresh
subprocess per size (so each peak RSS is that size's alone) and prints one row per size.

The generator here is a stand-in, clearly synthetic, for measuring conversion only: the
region benchmark of issue 12 uses the SIRENE-shaped generator of :mod:`symbiose.region`.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# (employment zone, latitude, longitude, weight): the main industrial zones of the region;
# weights are rough shares of industrial establishments, an estimate for a synthetic mix
ZONES = (
    ("Dunkerque", 51.03, 2.33, 6),
    ("Calais", 50.95, 1.86, 3),
    ("Boulogne-sur-Mer", 50.72, 1.61, 3),
    ("Saint-Omer", 50.75, 2.25, 3),
    ("Lille", 50.63, 3.06, 14),
    ("Roubaix-Tourcoing", 50.70, 3.17, 8),
    ("Lens-Hénin", 50.43, 2.83, 6),
    ("Béthune-Bruay", 50.53, 2.64, 5),
    ("Douai", 50.37, 3.08, 4),
    ("Valenciennes", 50.36, 3.52, 6),
    ("Maubeuge", 50.28, 3.97, 4),
    ("Cambrai", 50.18, 3.24, 3),
    ("Arras", 50.29, 2.78, 4),
    ("Amiens", 49.89, 2.30, 7),
    ("Abbeville", 50.11, 1.83, 2),
    ("Saint-Quentin", 49.85, 3.29, 3),
    ("Beauvais", 49.43, 2.08, 4),
    ("Compiègne", 49.42, 2.83, 4),
    ("Creil", 49.26, 2.47, 4),
    ("Soissons", 49.38, 3.32, 2),
    ("Laon", 49.56, 3.62, 2),
)

# (commodity, role, share of sites, quantity range, unit, price or disposal cost range)
SECTORS = (
    ("bf_slag", "supply", 0.01, (50, 400), "kt/yr", (5, 25)),
    ("steel_slag", "supply", 0.02, (10, 200), "kt/yr", (5, 25)),
    ("aggregates", "demand", 0.10, (5, 100), "kt/yr", (4, 12)),
    ("ground_slag", "demand", 0.03, (10, 150), "kt/yr", (20, 60)),
    ("sediments", "supply", 0.02, (10, 200), "kt/yr", (10, 30)),
    ("organic_waste", "supply", 0.12, (0.5, 20), "kt/yr", (30, 90)),
    ("organic_waste", "demand", 0.04, (5, 60), "kt/yr", (5, 40)),
    ("waste_heat", "supply", 0.08, (5, 200), "GWh/yr", (0, 0)),
    ("waste_heat", "demand", 0.12, (5, 150), "GWh/yr", (30, 55)),
    ("co2", "supply", 0.03, (5, 500), "kt/yr", (0, 0)),
    ("hydrogen", "demand", 0.01, (0.5, 10), "kt/yr", (2000, 5000)),
)


def regional_inventory(n_sites: int, seed: int = 1, cap: str | None = None) -> dict[str, Any]:
    """A synthetic regional inventory of ``n_sites`` establishments (seeded, reproducible)."""
    rng = random.Random(seed)
    weights = [z[3] for z in ZONES]
    sites, supplies, demands = [], [], []
    for i in range(n_sites):
        zone = rng.choices(ZONES, weights)[0]
        sid = f"s{i}"
        sites.append(
            {
                "id": sid,
                "name": f"Establishment {i} ({zone[0]})",
                "latitude": round(rng.gauss(zone[1], 0.08), 5),
                "longitude": round(rng.gauss(zone[2], 0.11), 5),
            }
        )
        commodity, role, _, (lo, hi), unit, (plo, phi) = rng.choices(
            SECTORS, [s[2] for s in SECTORS]
        )[0]
        row: dict[str, Any] = {
            "site": sid,
            "commodity": commodity,
            "quantity": f"{rng.uniform(lo, hi):.1f} {unit}",
        }
        per = "MWh" if commodity == "waste_heat" else "t"
        if role == "supply":
            if phi:
                row["disposal_cost"] = f"{rng.uniform(plo, phi):.1f} EUR/{per}"
            if commodity == "waste_heat":
                row["temperature"] = f"{rng.choice((60, 90, 120, 150))} degC"
            supplies.append(row)
        else:
            row["price"] = f"{rng.uniform(plo, phi):.1f} EUR/{per}"
            if commodity == "waste_heat":
                row["min_temperature"] = f"{rng.choice((50, 70, 95))} degC"
            demands.append(row)
    # a CO2 export terminal at the port of Dunkirk, as in the Dunkirk dataset
    sites.append({"id": "co2_export", "name": "CO2 export", "latitude": 51.05, "longitude": 2.35})
    demands.append(
        {"site": "co2_export", "commodity": "co2", "quantity": "1.5 Mt/yr", "price": "40 EUR/t"}
    )
    territory: dict[str, Any] = {"candidate_cap": int(cap) if cap.isdigit() else cap} if cap else {}
    return {
        "territory": {
            **territory,
            "name": f"Synthetic region {n_sites}",
            "carbon_price": "75 EUR/t",
            "discount_rate": 0.05,
            "detour_factor": 1.3,
        },
        "commodities": [{"id": "organic_waste", "name": "Organic waste", "unit": "t"}],
        "sites": sites,
        "supplies": supplies,
        "demands": demands,
        "modes": _dunkirk_modes(),
    }


def _dunkirk_modes() -> list[dict[str, Any]]:
    return [
        {
            "id": "heat_pipe",
            "mode": "pipeline",
            "commodities": ["waste_heat"],
            "investment_per_km": "1.0 MEUR/km",
            "lifetime": "40 yr",
            "capacity": "315 GWh/yr",
            "loss_per_km": "0.5 %/km",
            "max_distance": "15 km",
        },
        {
            "id": "co2_pipe",
            "mode": "pipeline",
            "commodities": ["co2"],
            "investment_per_km": "0.36 MEUR/km",
            "lifetime": "50 yr",
            "capacity": "1.5 Mt/yr",
            "max_distance": "100 km",
        },
        {
            "id": "h2_pipe",
            "mode": "pipeline",
            "commodities": ["hydrogen"],
            "investment_per_km": "1.0 MEUR/km",
            "lifetime": "40 yr",
            "max_distance": "25 km",
        },
        {
            "id": "truck",
            "mode": "truck",
            "commodities": [
                "bf_slag",
                "steel_slag",
                "ground_slag",
                "sediments",
                "aggregates",
                "organic_waste",
            ],
            "cost_per_unit_km": "0.12 EUR/(t*km)",
            "co2_per_unit_km": "95 g/(t*km)",
            "max_distance": "80 km",
        },
        {
            "id": "barge",
            "mode": "barge",
            "commodities": ["sediments", "aggregates"],
            "cost_per_unit": "2 EUR/t",
            "cost_per_unit_km": "0.02 EUR/(t*km)",
            "max_distance": "60 km",
        },
    ]


def measure(path: Path) -> dict[str, Any]:
    """Read and convert the inventory at ``path`` in this process: seconds, peak RSS, arcs."""
    start = time.perf_counter()
    from symbiose.convert import to_network
    from symbiose.inventory import load_inventory

    imported = time.perf_counter()
    cpu0 = time.process_time()
    inv = load_inventory(path, validate=False)
    read, cpu1 = time.perf_counter(), time.process_time()
    network = to_network(inv)
    done, cpu2 = time.perf_counter(), time.process_time()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB -> GiB
    return {
        "sites": len(inv.sites),
        "read_s": round(read - imported, 2),
        "convert_s": round(done - read, 2),
        # CPU seconds: on a shared machine, wall time measures the neighbours as much
        "read_cpu_s": round(cpu1 - cpu0, 2),
        "convert_cpu_s": round(cpu2 - cpu1, 2),
        "arcs": len(network.problem.arcs),
        "candidates": network.candidates,
        "peak_rss_gb": round(rss, 2),
        "import_s": round(imported - start, 2),
    }


def cap_effect(path: Path, caps: list[str], time_limit: float) -> list[dict[str, Any]]:
    """Solve the inventory at ``path`` once per candidate cap: candidates, objective, gap."""
    from models.solve import SolveOptions
    from symbiose.inventory import load_inventory
    from symbiose.pipeline import check, optimise

    inv = load_inventory(path, validate=False)
    rows = []
    for cap in caps:
        value: Any = int(cap) if cap.isdigit() else cap
        territory = inv.territory.model_copy(update={"candidate_cap": value})
        checked = check(inv.model_copy(update={"territory": territory}))
        start = time.perf_counter()
        report = optimise(checked, options=SolveOptions(time_limit=time_limit, gap=1e-4))
        result = report.result
        rows.append(
            {
                "cap": cap,
                "candidates": checked.network.candidates,
                "objective": result.objective,
                "bound": result.bound,
                "gap": result.gap,
                "status": str(result.status.value),
                "solve_s": round(time.perf_counter() - start, 1),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Generate, then measure each size in its own subprocess; print a markdown table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.convert_scale")
    parser.add_argument("--sizes", default="1000,3000,10000,24045")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cap", help="territory.candidate_cap: auto, off or a number")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per size")
    parser.add_argument(
        "--optimum",
        metavar="CAPS",
        help="solve each size once per cap (e.g. off,10,5) and print the optimum by cap",
    )
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0
    if args.optimum:
        return _print_optima(args)
    print("| sites | read s (CPU) | convert s (CPU) | candidate arcs | arcs | peak RSS GB |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"region-{size}.json"
            path.write_text(json.dumps(regional_inventory(size, args.seed, args.cap)))
            cmd = [sys.executable, "-m", "benchmarks.convert_scale", "--measure", str(path)]
            try:
                out = subprocess.run(
                    cmd, capture_output=True, text=True, timeout=args.timeout, check=False
                )
            except subprocess.TimeoutExpired:
                print(f"| {size} | timed out after {args.timeout:g} s | | | | |", flush=True)
                continue
            if out.returncode != 0:
                print(f"| {size} | failed: {out.stderr.strip().splitlines()[-1:]} | | | | |")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"| {r['sites']} | {r['read_s']} ({r.get('read_cpu_s', '-')}) |"
                f" {r['convert_s']} ({r.get('convert_cpu_s', '-')}) | {r['candidates']} |"
                f" {r['arcs']} | {r['peak_rss_gb']} |",
                flush=True,
            )
    return 0


def _print_optima(args: argparse.Namespace) -> int:
    print("| sites | cap | candidates | objective | bound | gap | status | solve s |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"region-{size}.json"
            path.write_text(json.dumps(regional_inventory(size, args.seed)))
            for r in cap_effect(path, args.optimum.split(","), args.timeout):
                print(
                    f"| {size} | {r['cap']} | {r['candidates']} | {r['objective']:.6g} |"
                    f" {r['bound']:.6g} | {r['gap']:.2g} | {r['status']} | {r['solve_s']} |",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
