"""Migration 0004: results stored before it (JSON with tables as records, and a pickled report)
become result documents, the pickle column goes, and every format is served from the document.

The database is created at revision 0003 with a finished run whose result row was written the
way the service wrote it then; the pickled report is an opaque blob here because the migration
never reads it (that is the point: it converts from the JSON alone).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from support.service import BACKENDS, TEST_LIMITS, postgres_database

from api.app import create_app
from api.config import Settings
from api.db import make_engine, session_factory
from api.examples import INVENTORY_EXAMPLE
from api.keys import create_key
from api.migrate import upgrade
from symbiose.document import Columns, ResultDocument
from symbiose.inventory import parse_inventory
from symbiose.pipeline import optimise
from symbiose.report import STOCK_COLUMNS

OLD_PICKLE = b"\x80\x05\x95legacy pickled report: never read by the migration"
NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
RUNS = ("0" * 32, "1" * 32)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite'}"
        return
    gen = postgres_database()
    yield next(gen)
    with suppress(StopIteration):
        next(gen)


def french(value: Any) -> Any:
    """Decimal points of quantities written as decimal commas, as a French inventory has them."""
    if isinstance(value, dict):
        return {k: french(v) for k, v in value.items()}
    if isinstance(value, list):
        return [french(v) for v in value]
    return re.sub(r"^(\d+)\.(\d+)", r"\1,\2", value) if isinstance(value, str) else value


def french_inventory() -> dict:
    inv = french(copy.deepcopy(INVENTORY_EXAMPLE))
    inv["territory"] = {"name": "Exampleville", "carbon_price": "80 EUR/t", "number_format": "fr"}
    return inv


def old_result_row(url: str, territory: str) -> tuple[str, dict, str]:
    """A database at revision 0003 holding one finished run and its result as written then."""
    inv = parse_inventory(french_inventory(), fmt="json")
    report = optimise(inv)
    legacy = report.to_json()  # the summary and tables as records: the old stored document
    content = json.dumps(french_inventory())
    engine = make_engine(url, pooled=False)
    upgrade(engine, "0003")
    meta = sa.MetaData()
    meta.reflect(engine)
    assert "report" in meta.tables["run_results"].c
    with engine.begin() as conn:
        conn.execute(meta.tables["territories"].insert().values(id=territory, created_at=NOW))
        for run_id in RUNS:
            conn.execute(
                meta.tables["runs"].insert().values(
                    id=run_id, territory_id=territory, kind="background", objective="valorisation",
                    time_limit=60.0, rel_gap=1e-4, input=content, state="finished", attempt=1,
                    cancel_requested=False, status="optimal", created_at=NOW, finished_at=NOW,
                )
            )  # fmt: skip
            conn.execute(
                meta.tables["run_results"].insert().values(
                    run_id=run_id,
                    document=legacy,
                    geojson=json.dumps(report.to_geojson()),
                    report=OLD_PICKLE,
                    created_at=NOW,
                )
            )
    engine.dispose()
    return RUNS[0], json.loads(legacy), content


def test_a_result_stored_with_a_pickle_becomes_a_document_and_is_served_in_every_format(
    database_url: str,
) -> None:
    run_id, legacy, _ = old_result_row(database_url, "old-town")
    engine = make_engine(database_url, pooled=False)
    upgrade(engine)
    meta = sa.MetaData()
    meta.reflect(engine)
    assert "report" not in meta.tables["run_results"].c
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT document FROM run_results")).scalars().all()
    assert len(stored) == len(RUNS)
    document = ResultDocument.from_json(stored[0])
    assert document.public() == legacy
    assert document.number_format == "fr" and document.candidates is None
    assert document.table("stocks").names == STOCK_COLUMNS  # an empty table keeps its header
    with session_factory(engine)() as session:
        viewer = {"X-API-Key": create_key(session, "old-town", "viewer").secret}
        writer = {"X-API-Key": create_key(session, "old-town", "coordinator").secret}
    engine.dispose()

    settings = Settings(database_url=database_url, **TEST_LIMITS)  # type: ignore[arg-type]
    with TestClient(create_app(settings)) as c:
        base = f"/v1/runs/{run_id}/result"
        assert c.get(base, headers=viewer).json() == legacy
        assert c.get(base + "/flows", headers=viewer).json() == legacy["tables"]["flows"]
        totals = c.get(base + "/totals", headers=viewer).json()
        assert {t["total"] for t in totals} >= {"valorisation_eur_per_yr", "co2_avoided_t_per_yr"}
        csv = c.get(base + "/flows?format=csv", headers=viewer).content.decode("utf-8-sig")
        assert csv.splitlines()[0].split(";")[:3] == ["from_id", "from", "to_id"]
        xlsx = c.get(f"/v1/runs/{run_id}/result.xlsx", headers=viewer)
        sheets = pd.read_excel(io.BytesIO(xlsx.content), sheet_name=None)
        assert set(sheets) == {"totals", "flows", "built_links", "site_gains"}
        assert len(sheets["flows"]) == len(legacy["tables"]["flows"])
        assert c.get(f"/v1/runs/{run_id}/sankey", headers=viewer).status_code == 200
        candidates = c.get(f"/v1/runs/{run_id}/candidates.geojson", headers=viewer).json()
        flagged = {
            (f["properties"]["from_id"], f["properties"]["to_id"], f["properties"]["mode"])
            for f in candidates["features"]
            if f["properties"]["built"]
        }
        built = legacy["tables"]["built_links"]
        assert flagged == {(b["from_id"], b["to_id"], b["mode"]) for b in built} != set()
        compared = c.post("/v1/comparisons", json={"run_ids": list(RUNS)}, headers=writer)
        assert compared.status_code == 201, compared.text
        status = compared.json()["totals"][0]
        assert list(status.values()) == ["Status", "optimal", "optimal"], status


def test_the_migration_of_results_goes_back_to_the_old_form_on_downgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    _, legacy, _ = old_result_row(url, "old-town")
    engine = make_engine(url, pooled=False)
    upgrade(engine)
    from alembic import command

    from api.migrate import alembic_config

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT document, report FROM run_results")).all()
    assert [(json.loads(document), report) for document, report in rows] == [(legacy, b"")] * 2
    engine.dispose()


def test_a_result_document_keeps_the_header_and_types_of_its_tables() -> None:
    frame = pd.DataFrame(
        {"site": ["=x", "b"], "gain": [1.5, float("nan")], "count": [1, 2], "new": [True, False]}
    )
    document = ResultDocument(
        {"status": "optimal", "totals": {"valorisation_eur_per_yr": 2.0}},
        {"gains": Columns.of(frame), "empty": Columns.of(frame.iloc[0:0])},
    )
    again = ResultDocument.from_json(document.to_json())
    assert again == document
    assert again.table("gains").records()[1] == {"site": "b", "gain": None, "count": 2, "new": False}
    pd.testing.assert_frame_equal(again.table("gains").frame(), frame)
    assert again.csv("empty").decode() == "site,gain,count,new\r\n"
    assert again.csv("gains").decode().splitlines()[1] == "'=x,1.5,1,True"
    assert again.table("totals").records() == [{"total": "valorisation_eur_per_yr", "value": 2.0}]


def test_a_stored_result_of_an_unknown_format_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="not a result document of format 1"):
        ResultDocument.from_json('{"status": "optimal", "tables": {}}')
