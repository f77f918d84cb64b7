"""The service accepts a region: gzip uploads, bounded inflation, background runs past the
synchronous limit, and memory bounded per worker.  Small sizes: the rules, not the scale.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from support.service import Keys, Live, wait_for

from api.compression import inflate
from api.config import Settings
from api.problems import ApiProblem
from api.worker import out_of_memory
from symbiose.synthetic import synthetic_inventory

GZIP_JSON = {"Content-Type": "application/json", "Content-Encoding": "gzip"}


def _bomb(inflated: int) -> bytes:
    """A gzip stream of ``inflated`` zero bytes (about a thousandth of that compressed)."""
    return gzip.compress(b"\0" * inflated, compresslevel=9)


def test_a_gzip_encoded_inventory_is_accepted_and_stored(live: Live, keys: Keys) -> None:
    doc = synthetic_inventory(3, 3, seed=4, name="Gzipped")
    body = gzip.compress(json.dumps(doc).encode())
    r = live.client.post("/v1/inventories", content=body, headers=GZIP_JSON | keys.coordinator)
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "Gzipped"
    stored = live.client.get(f"/v1/inventories/{r.json()['id']}", headers=keys.coordinator)
    assert stored.status_code == 200, stored.text


def test_a_gz_file_uploaded_as_a_form_is_inflated_and_read_by_its_inner_name(
    live: Live, keys: Keys
) -> None:
    doc = synthetic_inventory(2, 2, seed=6, name="Gz file")
    files = {
        "file": ("region.json.gz", gzip.compress(json.dumps(doc).encode()), "application/gzip")
    }
    r = live.client.post("/v1/inventories/upload", files=files, headers=keys.coordinator)
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "Gz file"


def test_a_gzip_bomb_is_refused_fast_with_a_problem_naming_the_limit(
    live: Live, keys: Keys
) -> None:
    services = live.services
    saved = services.settings
    services.settings = replace(saved, max_inflated_bytes=2_000_000)
    try:
        bomb = _bomb(200_000_000)  # 200 MB of zeros in about 200 kB
        assert len(bomb) < saved.max_body_bytes
        tick = time.perf_counter()
        r = live.client.post("/v1/inventories", content=bomb, headers=GZIP_JSON | keys.coordinator)
        seconds = time.perf_counter() - tick
    finally:
        services.settings = saved
    assert r.status_code == 413, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["type"].endswith("/inflated-too-large")
    assert "2000000 bytes" in body["detail"] and "SYMBIOSE_MAX_INFLATED_BYTES" in body["detail"]
    assert [e["path"] for e in body["errors"]] == ["(document)"]
    assert seconds < 5.0  # the acceptance's bound for bombs; inflation stops at 2 MB


def test_a_body_that_is_not_gzip_but_says_so_is_a_400_naming_the_document(
    live: Live, keys: Keys
) -> None:
    r = live.client.post(
        "/v1/inventories", content=b'{"not": "gzip"}', headers=GZIP_JSON | keys.coordinator
    )
    assert r.status_code == 400, r.text
    assert "not a valid gzip stream" in r.json()["detail"]
    assert [e["path"] for e in r.json()["errors"]] == ["(document)"]


def test_an_unknown_content_encoding_is_a_415(live: Live, keys: Keys) -> None:
    headers = {"Content-Type": "application/json", "Content-Encoding": "br"} | keys.coordinator
    r = live.client.post("/v1/inventories", content=b"{}", headers=headers)
    assert r.status_code == 415, r.text
    assert "'br' is not supported" in r.json()["detail"]


def test_inflation_stops_at_the_limit_and_accepts_concatenated_members() -> None:
    assert inflate(gzip.compress(b"ab") + gzip.compress(b"cd"), 4) == b"abcd"
    with pytest.raises(ApiProblem, match="more than 3 bytes") as refused:
        inflate(gzip.compress(b"ab") + gzip.compress(b"cd"), 3)
    assert refused.value.status == 413
    with pytest.raises(ApiProblem, match="ends early") as truncated:
        inflate(gzip.compress(b"x" * 1000)[:-12], 10_000)
    assert truncated.value.status == 400


def test_a_bomb_under_the_size_limit_is_refused_by_its_ratio_after_a_few_megabytes() -> None:
    bomb = _bomb(50_000_000)  # 50 MB of zeros: under a 1 GB limit, but 1,000 times its size
    with pytest.raises(ApiProblem, match="more than 200 times its compressed size") as refused:
        inflate(bomb, 1 << 30)
    assert refused.value.status == 413
    assert refused.value.errors is not None and refused.value.errors[0].path == "(document)"
    honest = json.dumps(synthetic_inventory(300, 300, seed=1)).encode()
    assert inflate(gzip.compress(honest), 1 << 30) == honest


def test_a_background_run_over_the_synchronous_limit_is_accepted_and_finishes(
    live: Live, keys: Keys
) -> None:
    c = live.client
    doc = synthetic_inventory(14, 14, seed=8, name="Over sync")  # 28 > sync_max_sites = 25
    r = c.post(
        "/v1/inventories",
        content=gzip.compress(json.dumps(doc).encode()),
        headers=GZIP_JSON | keys.coordinator,
    )
    assert r.status_code == 201, r.text
    inv = r.json()
    sync = c.post("/v1/optimise", json={"inventory_id": inv["id"]}, headers=keys.coordinator)
    assert sync.status_code == 422, sync.text  # the synchronous limit is unchanged
    run = c.post(
        "/v1/runs", json={"inventory_id": inv["id"], "time_limit": 60}, headers=keys.coordinator
    )
    assert run.status_code == 202, run.text
    state = wait_for(c, run.json()["id"], keys.coordinator, timeout=120)
    assert state["state"] == "finished", state


def test_the_defaults_take_a_region_in_the_background_and_keep_the_synchronous_limit() -> None:
    defaults = Settings()
    assert defaults.max_sites >= 25_000
    assert defaults.sync_max_sites == 40
    assert defaults.max_body_bytes == 5 * 1024 * 1024
    assert defaults.worker_memory_mb > 0


def test_a_worker_past_its_memory_bound_fails_the_allocation_with_a_readable_reason() -> None:
    """In a child process: bound the address space, then ask for more than the bound."""
    script = (
        "import numpy as np\n"
        "from api.worker import out_of_memory\nfrom models.processes import cap_address_space\n"
        "cap_address_space(64 * 1024 * 1024)\n"
        "try:\n"
        "    np.ones(512 * 1024 * 1024 // 8)\n"
        "except MemoryError:\n"
        "    print(out_of_memory(64))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == out_of_memory(64)
    assert "64 MB (setting SYMBIOSE_WORKER_MEMORY_MB)" in out_of_memory(64)


def test_a_run_out_of_memory_fails_with_the_bound_as_its_reason_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api import domain, store, worker
    from api.db import RunRow, make_engine, session_factory
    from api.keys import create_key
    from api.migrate import upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions() as session:
        create_key(session, "big", "coordinator")
        run = store.add_run(
            session,
            "big",
            json.dumps(synthetic_inventory(2, 2)),
            kind="sync",  # stored as running: no dispatcher needed
            objective="valorisation",
            time_limit=5.0,
            rel_gap=0.0,
            refs={},
        )
        run_id, attempt = run.id, run.attempt

    def greedy(*_args: object, **_kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(domain, "optimise", greedy)
    monkeypatch.setattr(worker, "_memory_mb", 512)
    assert worker.execute(engine, run_id, attempt, 1) == "failed"
    with sessions() as session:
        row = session.get(RunRow, run_id)
        assert row is not None
        assert row.reason == out_of_memory(512)
        assert "512 MB (setting SYMBIOSE_WORKER_MEMORY_MB)" in row.reason


class _Pipe:
    """Stands for the parser's pipe to its parent (what it sends is not under test)."""

    def send(self, _message: object) -> None:
        return None


def test_an_inventory_above_check_max_sites_is_stored_after_its_schema_only() -> None:
    from api import domain
    from api.app import parse_budget
    from api.sandbox import _read_inventory

    budget = parse_budget(Settings(max_sites=25_000, check_max_sites=5_000))
    assert budget.max_sites == 5_000
    doc = synthetic_inventory(2, 2, seed=1)
    doc["supplies"][0]["site"] = "nowhere"  # a problem of meaning, not of schema
    data = json.dumps(doc).encode()
    checked = replace(budget, max_sites=100)
    with pytest.raises(domain.InventoryError, match="nowhere"):
        _read_inventory(_Pipe(), data, "json", checked)  # type: ignore[arg-type]
    # Above the bound: stored as read; its run reports the problem with its path.
    assert json.loads(_read_inventory(_Pipe(), data, "json", replace(budget, max_sites=3)))  # type: ignore[arg-type]
