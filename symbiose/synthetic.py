"""Synthetic inventories for benchmarks and tests: territories of any size, reproducible.

Plain inventory documents (the JSON an API client sends), so the benchmarks and the tests can
build a territory of the size they need without importing the service.
"""

from __future__ import annotations

import random
from typing import Any


def synthetic_inventory(
    n_sources: int, n_sinks: int, seed: int = 1, name: str = "Grid"
) -> dict[str, Any]:
    """A synthetic territory: slag sources and grinders on a grid, trucks and built conveyors.

    Each conveyor is a fixed-charge decision, so the MILP grows harder with the size; the same
    arguments always give the same inventory (for comparing results across runs).
    """
    rng = random.Random(seed)
    sites, supplies, demands = [], [], []
    for i in range(n_sources):
        sid = f"src{i}"
        sites.append(
            {
                "id": sid,
                "name": f"Source {i}",
                "latitude": 51.0 + rng.uniform(0, 0.2),
                "longitude": 2.2 + rng.uniform(0, 0.3),
            }
        )
        supplies.append(
            {
                "site": sid,
                "commodity": "bf_slag",
                "quantity": f"{rng.randint(50, 400)} kt/yr",
                "disposal_cost": f"{rng.randint(5, 25)} EUR/t",
            }
        )
    for j in range(n_sinks):
        sid = f"snk{j}"
        sites.append(
            {
                "id": sid,
                "name": f"Grinder {j}",
                "latitude": 51.0 + rng.uniform(0, 0.2),
                "longitude": 2.2 + rng.uniform(0, 0.3),
            }
        )
        demands.append(
            {
                "site": sid,
                "commodity": "bf_slag",
                "quantity": f"{rng.randint(50, 400)} kt/yr",
                "price": f"{rng.randint(5, 30)} EUR/t",
                "co2": "0.05 t/t",
            }
        )
    return {
        "territory": {"name": name, "carbon_price": "80 EUR/t"},
        "sites": sites,
        "supplies": supplies,
        "demands": demands,
        "modes": [
            {
                "id": "truck",
                "mode": "truck",
                "commodities": ["bf_slag"],
                "cost_per_unit_km": "0.9 EUR/(t*km)",
                "max_distance": "25 km",
            },
            {
                "id": "conveyor",
                "mode": "conveyor",
                "commodities": ["bf_slag"],
                "investment": "4 MEUR",
                "investment_per_km": "1 MEUR/km",
                "lifetime": 20,
                "cost_per_unit_km": "0.05 EUR/(t*km)",
                "capacity": "300 kt/yr",
                "max_distance": "25 km",
            },
        ],
    }
