"""Sweeps on Dask: a real scheduler and workers as separate processes on 127.0.0.1.

The same 20-draw Monte Carlo sweep of Dunkirk gives exactly the same per-draw records on an
external cluster (``--scheduler``), on the default ``LocalCluster`` and solved one by one
without Dask; and a worker killed mid-sweep does not lose a draw.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from symbiose.executor import run_sweep
from symbiose.inventory import load_inventory
from symbiose.inventory.io import dump_document
from symbiose.sweep import SweepSettings, monte_carlo_draws

pytestmark = pytest.mark.slow

DUNKERQUE = Path(__file__).resolve().parents[2] / "datasets" / "dunkerque" / "dunkerque.yaml"
DASK = str(Path(sys.executable).with_name("dask"))
SETTINGS = SweepSettings(time_limit=120.0)


class Cluster:
    """``dask scheduler`` and ``dask worker`` processes started by the test itself."""

    def __init__(self, folder: Path) -> None:
        self.file = folder / "scheduler.json"
        self.folder = folder
        self.env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        self.scheduler = self._start(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"],
            "scheduler",
        )
        self.workers: list[subprocess.Popen[bytes]] = []

    def _start(self, argv: list[str], name: str) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{name}.log").open("wb")
        argv = [*argv, "--scheduler-file", str(self.file)]
        return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=self.env)

    def add_worker(self) -> subprocess.Popen[bytes]:
        name = f"worker{len(self.workers)}"
        # no nanny: the process started here is the worker, so killing it kills the worker
        argv = [DASK, "worker", "--no-nanny", "--nthreads", "1", "--no-dashboard"]
        argv += ["--host", "127.0.0.1", "--name", name]
        self.workers.append(self._start(argv, name))
        return self.workers[-1]

    @property
    def address(self) -> str:
        import json

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.file.exists():
                try:
                    return str(json.loads(self.file.read_text())["address"])
                except (ValueError, KeyError):
                    pass
            time.sleep(0.1)
        raise TimeoutError("the Dask scheduler did not start")

    def wait_for_workers(self, count: int) -> None:
        from distributed import Client

        with Client(self.address, timeout="60s") as client:
            client.wait_for_workers(count, timeout=120)

    def close(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            if proc.poll() is None:
                proc.terminate()
        for proc in [*self.workers, self.scheduler]:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    c = Cluster(tmp_path)
    try:
        c.add_worker()
        c.add_worker()
        c.wait_for_workers(2)
        yield c
    finally:
        c.close()


@pytest.fixture(scope="module")
def sweep() -> tuple[dict[str, Any], list[Any]]:
    inv = load_inventory(DUNKERQUE)
    return {"base": dump_document(inv)}, monte_carlo_draws(inv, 20, seed=11)


@pytest.fixture(scope="module")
def reference(sweep: tuple[dict[str, Any], list[Any]]) -> list[dict[str, Any]]:
    docs, draws = sweep
    return _comparable(run_sweep(docs, draws, SETTINGS, workers=0))


def _comparable(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "seconds"} for r in records]


def test_the_reference_draws_are_all_solved(reference: list[dict[str, Any]]) -> None:
    assert len(reference) == 20
    assert {r["status"] for r in reference} == {"optimal"}
    assert len({round(r["valorisation"]) for r in reference}) > 10  # the draws differ


def test_an_external_cluster_gives_exactly_the_draws_solved_one_by_one(
    cluster: Cluster, sweep: tuple[dict[str, Any], list[Any]], reference: list[dict[str, Any]]
) -> None:
    docs, draws = sweep
    seen: list[int] = []
    records = run_sweep(
        docs, draws, SETTINGS, scheduler=cluster.address, progress=lambda d, t, r: seen.append(d)
    )
    assert _comparable(records) == reference
    assert seen == list(range(1, 21))


def test_the_default_local_cluster_gives_exactly_the_same_draws(
    sweep: tuple[dict[str, Any], list[Any]], reference: list[dict[str, Any]]
) -> None:
    docs, draws = sweep
    assert _comparable(run_sweep(docs, draws, SETTINGS, workers=2)) == reference


def test_a_worker_killed_mid_sweep_loses_no_draw(
    cluster: Cluster, sweep: tuple[dict[str, Any], list[Any]], reference: list[dict[str, Any]]
) -> None:
    docs, draws = sweep
    first_done = threading.Event()
    victim = cluster.workers[0]

    def progress(done: int, total: int, record: dict[str, Any]) -> None:
        first_done.set()

    def kill_when_started() -> None:
        first_done.wait(timeout=120)
        victim.send_signal(signal.SIGKILL)

    killer = threading.Thread(target=kill_when_started)
    killer.start()
    records = run_sweep(docs, draws, SETTINGS, scheduler=cluster.address, progress=progress)
    killer.join()
    assert victim.poll() is not None  # the worker really died during the sweep
    assert _comparable(records) == reference
