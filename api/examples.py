"""Examples of every request body, shown in the OpenAPI document and used by the tests."""

from __future__ import annotations

from typing import Any

INVENTORY_EXAMPLE: dict[str, Any] = {
    "territory": {"name": "Exampleville", "carbon_price": "80 EUR/t"},
    "sites": [
        {
            "id": "steelworks",
            "name": "Steelworks",
            "sector": "steel",
            "latitude": 51.03,
            "longitude": 2.30,
        },
        {
            "id": "grinder",
            "name": "Slag grinding plant",
            "sector": "cement",
            "latitude": 51.05,
            "longitude": 2.34,
        },
        {
            "id": "heating",
            "name": "District heating",
            "sector": "energy",
            "latitude": 51.04,
            "longitude": 2.37,
        },
    ],
    "supplies": [
        {
            "site": "steelworks",
            "commodity": "bf_slag",
            "quantity": "1.2 Mt/yr",
            "disposal_cost": "12 EUR/t",
        },
        {
            "site": "steelworks",
            "commodity": "waste_heat",
            "quantity": "150 GWh/yr",
            "temperature": "120 degC",
        },
    ],
    "demands": [
        {
            "site": "grinder",
            "commodity": "bf_slag",
            "quantity": "1 Mt/yr",
            "price": "15 EUR/t",
            "co2": "0.05 t/t",
        },
        {
            "site": "heating",
            "commodity": "waste_heat",
            "quantity": "100 GWh/yr",
            "min_temperature": "90 degC",
            "price": "30 EUR/MWh",
            "co2": "0.2 t/MWh",
        },
    ],
    "modes": [
        {
            "id": "truck",
            "mode": "truck",
            "commodities": ["bf_slag"],
            "cost_per_unit_km": "0.12 EUR/(t*km)",
            "max_distance": "50 km",
        },
        {
            "id": "heat_pipe",
            "mode": "pipeline",
            "commodities": ["waste_heat"],
            "investment_per_km": "1.5 MEUR/km",
            "lifetime": 30,
            "capacity": "300 GWh/yr",
            "loss_per_km": "0.5 %/km",
            "max_distance": "20 km",
        },
    ],
}
"""A small inventory: a steelworks, a slag grinder and a district heating network."""

INVENTORY_YAML_EXAMPLE = """\
territory: {name: Exampleville, carbon_price: 80 EUR/t}
sites:
  - {id: steelworks, name: Steelworks, latitude: 51.03, longitude: 2.30}
  - {id: grinder, name: Slag grinding plant, latitude: 51.05, longitude: 2.34}
supplies:
  - {site: steelworks, commodity: bf_slag, quantity: 1.2 Mt/yr, disposal_cost: 12 EUR/t}
demands:
  - {site: grinder, commodity: bf_slag, quantity: 1 Mt/yr, price: 15 EUR/t}
modes:
  - {id: truck, mode: truck, commodities: [bf_slag], cost_per_unit_km: 0.12 EUR/(t*km)}
"""

PATCH_EXAMPLE: dict[str, Any] = {
    "update": {
        "supplies": [{"site": "steelworks", "commodity": "bf_slag", "quantity": "0.9 Mt/yr"}],
        "demands": [{"site": "grinder", "commodity": "bf_slag", "price": "18 EUR/t"}],
    }
}
"""One site's haves and wants changed."""

SCENARIO_EXAMPLE: dict[str, Any] = {
    "name": "carbon-150",
    "description": "Carbon at 150 EUR/t",
    "inventory_id": "0123456789abcdef0123456789abcdef",
    "territory": {"carbon_price": "150 EUR/t"},
}

SCENARIO_FILE_EXAMPLE = """\
# A carbon price of 150 EUR/t CO2.
name: carbon-150
description: The value of one tonne of CO2 avoided doubles.
territory:
  carbon_price: 150 EUR/t
"""

RUN_EXAMPLE: dict[str, Any] = {
    "inventory_id": "0123456789abcdef0123456789abcdef",
    "objective": "valorisation",
    "time_limit": 60,
}

OPTIMISE_EXAMPLE: dict[str, Any] = {"inventory": INVENTORY_EXAMPLE, "time_limit": 10}

COMPARISON_EXAMPLE: dict[str, Any] = {
    "run_ids": ["0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"],
    "labels": ["base", "carbon-150"],
}


SWEEP_EXAMPLE: dict[str, Any] = {
    "inventory_id": "0f8c2d3e4b5a69788796a5b4c3d2e1f0",
    "grid": {"carbon_price": ["50 EUR/t", "75 EUR/t", "150 EUR/t"]},
    "draws": 20,
    "seed": 1,
}
"""A sweep: three carbon prices, each with 20 draws of the inventory's uncertainties."""
