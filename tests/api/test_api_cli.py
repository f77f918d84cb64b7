"""The service's command-line verbs: ``keys create`` and the ``serve --seed`` start-up."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from support.service import small_inventory, wait_for

from api.app import create_app
from api.config import Settings
from api.db import make_engine, session_factory
from api.keys import authenticate
from cli.main import main
from cli.service import seed

ROOT = Path(__file__).resolve().parents[2]
DUNKIRK = ROOT / "datasets" / "dunkerque" / "dunkerque.yaml"


def test_keys_create_prints_the_key_once_and_stores_its_hash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    code = main(
        ["keys", "create", "--territory", "dunkerque", "--role", "viewer", "--database-url", url]
    )
    assert code == 0
    out, err = capsys.readouterr()
    secret = out.strip()
    assert secret.startswith("sym_") and "shown once" in err
    engine = make_engine(url)
    with session_factory(engine)() as session:
        principal = authenticate(session, secret)
        assert principal is not None
        assert (principal.territory, principal.role.value) == ("dunkerque", "viewer")
        assert authenticate(session, secret + "x") is None
    engine.dispose()
    assert (
        main(
            [
                "keys",
                "create",
                "--territory",
                "Bad Name!",
                "--role",
                "viewer",
                "--database-url",
                url,
            ]
        )
        == 2
    )
    assert "territory" in capsys.readouterr().err

    assert main(["keys", "list", "--database-url", url]) == 0
    listing = capsys.readouterr().out
    assert "dunkerque" in listing and "viewer" in listing and secret not in listing
    key_id = listing.split()[0]
    assert main(["keys", "revoke", key_id, "--database-url", url]) == 0
    assert main(["keys", "revoke", key_id, "--database-url", url]) == 2
    engine = make_engine(url)
    with session_factory(engine)() as session:
        assert authenticate(session, secret) is None  # revoked: 401 from now on
    engine.dispose()


def test_seed_loads_an_inventory_once_and_the_service_finishes_its_run(tmp_path: Path) -> None:
    path = DUNKIRK
    if not path.exists():  # the dataset ships with the inventory layer; any inventory will do
        path = tmp_path / "inventory.yaml"
        path.write_text(yaml.safe_dump(small_inventory()))
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", workers=1, sync_workers=1
    )
    run_id = seed(settings, path, "dunkerque")
    assert seed(settings, path, "dunkerque") == run_id  # idempotent: no second inventory or run
    app = create_app(settings)
    with TestClient(app) as client:
        with app.state.services.sessions() as session:
            from api.keys import create_key

            key = create_key(session, "dunkerque", "viewer")
        headers = {"X-API-Key": key.secret}
        inventories = client.get("/v1/inventories", headers=headers).json()
        assert len(inventories) == 1
        done = wait_for(client, run_id, headers, timeout=120)
        assert done["state"] == "finished", done
        result = client.get(f"/v1/runs/{run_id}/result", headers=headers).json()
        assert result["totals"]["valorisation_eur_per_yr"] > 0


def test_database_urls_and_settings_from_the_environment() -> None:
    from api.db import normalise_url

    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.sqlite") == "sqlite:///x.sqlite"
    settings = Settings.from_env(
        {
            "DATABASE_URL": "sqlite:///y.sqlite",
            "SYMBIOSE_MAX_SITES": "12",
            "SYMBIOSE_SYNC_TIME_BUDGET": "2.5",
        }
    )
    assert (settings.database_url, settings.max_sites, settings.sync_time_budget) == (
        "sqlite:///y.sqlite",
        12,
        2.5,
    )
    with pytest.raises(ValueError, match="SYMBIOSE_WORKERS"):
        Settings.from_env({"SYMBIOSE_WORKERS": "many"})


def test_workers_are_replaced_after_max_runs(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
        workers=1,
        sync_workers=1,
        worker_max_runs=2,
    )
    app = create_app(settings)
    with TestClient(app) as client:
        from api.keys import create_key

        services = app.state.services
        with services.sessions() as session:
            key = create_key(session, "recycle", "coordinator")
        headers = {"X-API-Key": key.secret}
        pids = []
        for _ in range(3):
            r = client.post("/v1/optimise", json={"inventory": small_inventory()}, headers=headers)
            assert r.status_code == 200 and r.json()["run"]["state"] == "finished", r.text
            with services.sessions() as session:
                from api.db import RunRow

                pids.append(session.get(RunRow, r.json()["run"]["id"]).worker_pid)
        assert pids[0] == pids[1] != pids[2]
