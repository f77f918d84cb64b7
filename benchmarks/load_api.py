"""Load benchmark of the web service (not a test): synchronous optimisations under saturation.

On loopback, against the service started as a real process (``python -m cli serve``, SQLite):

* 2 long background runs keep the background workers busy for the whole measurement;
* ``--clients`` concurrent clients (20) optimise a ``--sites``-site synthetic inventory (20;
  or ``--inventory FILE``, e.g. the 21-site Dunkirk dataset) synchronously
  (``POST /v1/optimise``) in a loop for ``--duration`` seconds (60);
* a prober requests ``GET /health`` every 0.25 s meanwhile.

It reports throughput, p50/p95/p99 latency, errors (anything but a finished 200), and the
health latency while the pools are saturated; then cancels the long runs and stops the service.
Bounded and self-stopping: every wait has a deadline, and the service is killed if it does not
stop.  ``python benchmarks/load_api.py [--duration 60] [--clients 20] [--sites 20]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from symbiose.synthetic import synthetic_inventory  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


async def _client(
    http: httpx.AsyncClient, body: dict, stop_at: float, latencies: list[float], errors: list[str]
) -> None:
    while time.monotonic() < stop_at:
        tick = time.perf_counter()
        try:
            r = await http.post("/v1/optimise", json=body)
            elapsed = time.perf_counter() - tick
            ok = r.status_code == 200 and r.json()["run"]["state"] == "finished"
            if not ok:
                errors.append(f"{r.status_code}: {r.text[:200]}")
            else:
                latencies.append(elapsed)
        except httpx.HTTPError as exc:
            errors.append(f"{type(exc).__name__}: {exc}")


async def _prober(http: httpx.AsyncClient, stop_at: float, latencies: list[float]) -> None:
    while time.monotonic() < stop_at:
        tick = time.perf_counter()
        r = await http.get("/health")
        if r.status_code == 200:
            latencies.append(time.perf_counter() - tick)
        await asyncio.sleep(0.25)


async def _measure(base: str, headers: dict, args: argparse.Namespace) -> dict:
    limits = httpx.Limits(max_connections=args.clients + 10)
    timeout = httpx.Timeout(120.0)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=timeout
    ) as http:
        if args.inventory:
            path = Path(args.inventory)
            media = "application/json" if path.suffix == ".json" else "application/yaml"
            r = await http.post(
                "/v1/inventories", content=path.read_bytes(), headers={"Content-Type": media}
            )
        else:
            half = args.sites // 2
            small = synthetic_inventory(half, args.sites - half, seed=11, name="Load")
            r = await http.post("/v1/inventories", json=small)
        inv = r.json()
        sites = inv["versions"][0]["sites"]
        big = synthetic_inventory(40, 40, seed=5, name="Long")
        big_inv = (await http.post("/v1/inventories", json=big)).json()
        long_runs = []
        for _ in range(2):
            r = await http.post(
                "/v1/runs",
                json={"inventory_id": big_inv["id"], "time_limit": args.duration + 60, "gap": 0},
            )
            long_runs.append(r.json()["id"])
        # Let the long runs get going, and warm the synchronous workers.
        await http.post("/v1/optimise", json={"inventory_id": inv["id"]})
        await asyncio.sleep(2.0)
        states = [(await http.get(f"/v1/runs/{rid}")).json()["state"] for rid in long_runs]

        body = {"inventory_id": inv["id"], "time_limit": 20}
        latencies: list[float] = []
        errors: list[str] = []
        health: list[float] = []
        start = time.monotonic()
        stop_at = start + args.duration
        await asyncio.gather(
            *(_client(http, body, stop_at, latencies, errors) for _ in range(args.clients)),
            _prober(http, stop_at, health),
        )
        wall = time.monotonic() - start
        during = [(await http.get(f"/v1/runs/{rid}")).json() for rid in long_runs]
        for rid in long_runs:
            await http.post(f"/v1/runs/{rid}/cancel")
    return {
        "clients": args.clients,
        "inventory": args.inventory or "synthetic",
        "sites": sites,
        "duration_s": round(wall, 1),
        "requests": len(latencies) + len(errors),
        "ok": len(latencies),
        "errors": len(errors),
        "error_samples": errors[:5],
        "throughput_per_s": round(len(latencies) / wall, 2),
        "latency_p50_s": round(_percentile(latencies, 50), 3),
        "latency_p95_s": round(_percentile(latencies, 95), 3),
        "latency_p99_s": round(_percentile(latencies, 99), 3),
        "latency_mean_s": round(statistics.fmean(latencies), 3) if latencies else None,
        "health_requests": len(health),
        "health_p50_ms": round(1000 * _percentile(health, 50), 1),
        "health_p95_ms": round(1000 * _percentile(health, 95), 1),
        "health_max_ms": round(1000 * max(health), 1) if health else None,
        "long_runs_at_start": states,
        "long_runs_at_end": [
            {"state": d["state"], "elapsed_s": d["elapsed"], "gap": d["gap"]} for d in during
        ],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    parser.add_argument("--sites", type=int, default=20, help="sites of the synchronous inventory")
    parser.add_argument(
        "--inventory", help="inventory file to optimise instead of the synthetic one"
    )
    parser.add_argument("--sync-workers", type=int, default=2, help="synchronous worker processes")
    parser.add_argument("--out", default="benchmarks/results/load_api.json", help="JSON report")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="symbiose-load-"))
    port = _free_port()
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{folder / 'load.sqlite'}",
        "SYMBIOSE_WORKERS": "2",
        "SYMBIOSE_SYNC_WORKERS": str(args.sync_workers),
        "SYMBIOSE_SYNC_QUEUE_SIZE": str(4 * args.clients),
        "PYTHONPATH": str(ROOT),
    }
    secret = subprocess.run(
        [sys.executable, "-m", "cli", "keys", "create", "--territory", "load", "--role", "coordinator"],
        env=env, capture_output=True, text=True, check=True, timeout=120,
    ).stdout.strip()
    log = open(folder / "service.log", "wb")  # noqa: SIM115
    service = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", str(port), "--log-level", "warning"],
        env=env, stdout=log, stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if service.poll() is not None:
                raise SystemExit((folder / "service.log").read_text())
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the service did not start")
            time.sleep(0.1)
        report = asyncio.run(
            asyncio.wait_for(
                _measure(base, {"Authorization": f"Bearer {secret}"}, args),
                timeout=args.duration + 300,
            )
        )
    finally:
        service.send_signal(signal.SIGTERM)
        try:
            service.wait(30)
        except subprocess.TimeoutExpired:
            service.kill()
            service.wait(10)
    print(json.dumps(report, indent=2))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    return 0 if report["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
