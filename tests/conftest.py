"""Fixtures of every test folder: the Dunkirk inventory, read once and solved once per session.

The tests are in folders by layer: ``models/`` (the numeric problem, both backends, published
optima), ``inventory/`` (reading, units, scenarios, candidates, exports), ``pipeline/``
(inventory to report, the command line, sweeps), ``api/`` (the service on SQLite and
PostgreSQL), ``web/`` (the page in Chromium); ``support/`` holds the helpers they share
(``pythonpath`` in ``pyproject.toml`` makes it importable).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from models.solve import SolveOptions
from symbiose.inventory import Inventory, load_inventory
from symbiose.pipeline import optimise
from symbiose.report import Report

DUNKIRK = Path(__file__).resolve().parents[1] / "datasets" / "dunkerque" / "dunkerque.yaml"
DUNKIRK_OPTIONS = SolveOptions(time_limit=30, gap=1e-6)
"""How the shared Dunkirk optimum is solved: tight enough for every test that reads it."""


@pytest.fixture(scope="session")
def dunkirk_inventory() -> Inventory:
    """The Dunkirk inventory (``datasets/dunkerque/dunkerque.yaml``); do not mutate it."""
    return load_inventory(DUNKIRK)


@pytest.fixture(scope="session")
def dunkirk_report(dunkirk_inventory: Inventory) -> Report:
    """Dunkirk's optimum (valorisation), solved once for the whole session."""
    return optimise(dunkirk_inventory, options=DUNKIRK_OPTIONS)
