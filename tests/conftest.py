"""Fixtures of every test folder: the Dunkirk inventory, read once and solved once per session.

The tests are in folders by layer: ``models/`` (the numeric problem, both backends, published
optima), ``inventory/`` (reading, units, scenarios, candidates, exports), ``pipeline/``
(inventory to report, the command line, sweeps), ``api/`` (the service on SQLite and
PostgreSQL), ``web/`` (the page in Chromium); ``support/`` holds the helpers they share
(``pythonpath`` in ``pyproject.toml`` makes it importable).
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

import pytest

from models.solve import SolveOptions
from symbiose.inventory import Inventory, load_inventory
from symbiose.pipeline import optimise
from symbiose.report import Report

pytest_plugins = ["support.service"]
"""The service fixtures (``live``, ``keys``, ``other``), registered once for every folder: a
fixture imported into several modules is a separate fixture in each, and a session-scoped one
then lives with its worker processes until the session ends (eleven services at once held
about 8.5 GB: issue 16)."""

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


def _children() -> dict[int, str]:
    """The processes this one started that are still alive: pid -> command line."""
    me, found = os.getpid(), {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(fields[1]) == me and fields[0] != "Z":
            found[int(stat.parent.name)] = cmdline.strip()
    return found


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Stop any process a test left behind (the suite's memory stays bounded), and name it.

    multiprocessing's own helpers (the fork server, the resource tracker) end with this
    interpreter and are left alone.
    """
    own = ("forkserver", "resource_tracker")
    leftovers = {p: c for p, c in _children().items() if not any(o in c for o in own)}
    for pid in leftovers:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    if leftovers:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"conftest: stopped {len(leftovers)} process(es) left behind:")
            for pid, cmd in leftovers.items():
                reporter.write_line(f"  {pid}: {cmd[:160]}")
