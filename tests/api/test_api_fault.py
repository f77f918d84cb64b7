"""The fault test: a real service process, a slow run, SIGKILL, restart; nothing is lost.

The service runs as a real process (``python -m cli serve``) on a SQLite file.  A slow run is
started; its worker process is SIGKILLed mid-solve (the service re-queues the run on a fresh
worker), then the whole service is SIGKILLed mid-solve too and started again: on restart the run
is re-queued, finishes, and its result equals the result of an undisturbed run.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from symbiose.synthetic import synthetic_inventory as grid_inventory

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Service:
    """``python -m cli serve`` in a process of its own."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.url = f"sqlite:///{folder / 'service.sqlite'}"
        self.env = os.environ | {
            "DATABASE_URL": self.url,
            "SYMBIOSE_WORKERS": "1",
            "SYMBIOSE_SYNC_WORKERS": "1",
            "SYMBIOSE_MAX_ATTEMPTS": "5",
            "PYTHONPATH": str(ROOT),
        }
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.db = create_engine(self.url)

    def key(self) -> str:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "cli",
                "keys",
                "create",
                "--territory",
                "fault",
                "--role",
                "coordinator",
            ],
            env=self.env,
            cwd=self.folder,
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()

    def start(self) -> None:
        log = open(self.folder / "service.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cli",
                "serve",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
            ],
            env=self.env,
            cwd=self.folder,
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, (self.folder / "service.log").read_text()
            try:
                if httpx.get(self.base + "/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the service did not start"
            time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def row(self, run_id: str) -> dict:
        with self.db.connect() as conn:
            return dict(
                conn.execute(
                    text("SELECT state, attempt, worker_pid, started_at FROM runs WHERE id = :id"),
                    {"id": run_id},
                )
                .mappings()
                .one()
            )

    def wait_solving(self, run_id: str, attempt: int, pid_not: int | None = None) -> int:
        """Wait until ``attempt`` of the run is solving in a worker; returns the worker's pid."""
        deadline = time.monotonic() + 90
        while True:
            row = self.row(run_id)
            assert row["state"] in ("queued", "running"), row
            if (
                row["state"] == "running"
                and row["attempt"] == attempt
                and row["worker_pid"] not in (None, pid_not)
                and row["started_at"] is not None
            ):
                time.sleep(1.0)  # well into the solve (it takes several seconds)
                assert self.row(run_id)["state"] == "running", "the run finished too soon"
                return int(row["worker_pid"])
            assert time.monotonic() < deadline, row
            time.sleep(0.05)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    svc = Service(tmp_path)
    try:
        yield svc
    finally:
        svc.stop()
        svc.db.dispose()


def _wait_done(client: httpx.Client, run_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/v1/runs/{run_id}").json()
        if body["state"] not in ("queued", "running"):
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.2)


def test_killed_worker_and_service_lose_nothing(service: Service) -> None:
    secret = service.key()
    service.start()
    headers = {"Authorization": f"Bearer {secret}"}
    with httpx.Client(base_url=service.base, headers=headers, timeout=60) as client:
        inv = client.post("/v1/inventories", json=grid_inventory(15, 15, seed=3)).json()
        run = client.post("/v1/runs", json={"inventory_id": inv["id"]}).json()

        # 1. SIGKILL the worker mid-solve: the service re-queues the run on a new worker.
        first = service.wait_solving(run["id"], attempt=1)
        os.kill(first, signal.SIGKILL)
        second = service.wait_solving(run["id"], attempt=2, pid_not=first)

    # 2. SIGKILL the whole service mid-solve, then start it again.
    service.kill()
    with pytest.raises(ProcessLookupError):  # its worker died with it
        for _ in range(50):
            os.kill(second, 0)
            time.sleep(0.1)
    assert service.row(run["id"])["state"] == "running"  # as the crash left it
    service.start()

    with httpx.Client(base_url=service.base, headers=headers, timeout=60) as client:
        done = _wait_done(client, run["id"])
        assert done["state"] == "finished" and done["status"] == "optimal", done
        assert done["attempts"] == 3
        # The inventory survived, and an undisturbed run gives the same result.
        assert client.get(f"/v1/inventories/{inv['id']}").status_code == 200
        clean = client.post("/v1/runs", json={"inventory_id": inv["id"]}).json()
        undisturbed = _wait_done(client, clean["id"])
        assert undisturbed["attempts"] == 1 and undisturbed["state"] == "finished"
        recovered = client.get(f"/v1/runs/{run['id']}/result").json()
        reference = client.get(f"/v1/runs/{clean['id']}/result").json()
    assert recovered["objective"] == pytest.approx(reference["objective"], rel=1e-9)
    assert recovered["totals"] == pytest.approx(reference["totals"], rel=1e-9)
    assert recovered["tables"]["flows"] == reference["tables"]["flows"]
    assert recovered["tables"]["built_links"] == reference["tables"]["built_links"]


def test_a_graceful_restart_requeues_the_running_run(service: Service) -> None:
    service.env["SYMBIOSE_SHUTDOWN_GRACE"] = "0.2"  # too short for the solve to finish
    secret = service.key()
    service.start()
    headers = {"Authorization": f"Bearer {secret}"}
    with httpx.Client(base_url=service.base, headers=headers, timeout=60) as client:
        inv = client.post("/v1/inventories", json=grid_inventory(15, 15, seed=3)).json()
        run = client.post("/v1/runs", json={"inventory_id": inv["id"]}).json()
        worker = service.wait_solving(run["id"], attempt=1)
    tick = time.monotonic()
    service.stop()  # SIGTERM, as a deployment would
    assert time.monotonic() - tick < 15
    with pytest.raises(ProcessLookupError):
        for _ in range(50):
            os.kill(worker, 0)
            time.sleep(0.1)
    assert service.row(run["id"])["state"] == "running"
    service.start()
    with httpx.Client(base_url=service.base, headers=headers, timeout=60) as client:
        done = _wait_done(client, run["id"])
    assert done["state"] == "finished" and done["attempts"] == 2, done
