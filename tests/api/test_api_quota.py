"""Each territory has its share of the run queue, and the dispatcher serves territories in turn."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from support.service import Keys, Live, create_inventory, make_keys

from api import store
from api.db import RunRow, make_engine, session_factory
from api.keys import create_key
from api.migrate import upgrade
from api.pool import Dispatcher, WorkerPool
from symbiose.synthetic import synthetic_inventory


def test_a_territory_beyond_its_quota_gets_429_while_another_still_gets_its_run(
    live: Live, keys: Keys
) -> None:
    c, services = live.client, live.services
    other = make_keys(services, "other")
    slow = create_inventory(c, keys, synthetic_inventory(12, 12, seed=5))
    mine = create_inventory(c, other)
    saved = services.settings
    services.settings = replace(saved, per_territory_queue=2)
    started: list[tuple[str, dict]] = []
    try:
        for _ in range(2):
            r = c.post("/v1/runs", json={"inventory_id": slow["id"]}, headers=keys.coordinator)
            assert r.status_code == 202, r.text
            started.append((r.json()["id"], keys.coordinator))
        r = c.post("/v1/runs", json={"inventory_id": slow["id"]}, headers=keys.coordinator)
        assert r.status_code == 429, r.text
        assert r.headers["Retry-After"] == str(saved.retry_after)
        assert r.json()["type"].endswith("/territory-quota")
        assert "at most 2" in r.json()["detail"]
        r = c.post("/v1/runs", json={"inventory_id": mine["id"]}, headers=other.coordinator)
        assert r.status_code == 202, r.text
        started.append((r.json()["id"], other.coordinator))
    finally:
        services.settings = saved
        for run_id, headers in started:
            c.post(f"/v1/runs/{run_id}/cancel", headers=headers)


def _queue(sessions, territory: str, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return [
            store.add_run(
                session,
                territory,
                "{}",
                kind="background",
                objective="valorisation",
                time_limit=1.0,
                rel_gap=0.0,
                refs={},
            ).id
            for _ in range(n)
        ]


def test_the_dispatcher_serves_territories_in_turn_not_in_arrival_order(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'q.sqlite'}")
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions() as session:
        for territory in ("busy", "quiet"):
            create_key(session, territory, "coordinator")
    busy = _queue(sessions, "busy", 5)
    quiet = _queue(sessions, "quiet", 2)
    dispatcher = Dispatcher(sessions, WorkerPool("test", 0, 0, ""))
    order = []
    for _ in range(7):
        claimed = dispatcher._claim()
        assert claimed is not None
        order.append(claimed[0])
    # Nothing finishes here, so the territory with fewer runs running goes next each time.
    assert order == [busy[0], quiet[0], busy[1], quiet[1], *busy[2:]]
    assert dispatcher._claim() is None
    with sessions() as session:
        assert {r.state for r in session.query(RunRow)} == {"running"}
    engine.dispose()
