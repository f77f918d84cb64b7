"""Results at scale: summaries by zone, streamed flows (CSV, Parquet), the aggregated map, and
progress events for the CLI and the service's run state.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from models.blocks import in_process
from models.problem import Arc, Demand, Problem, Supply
from models.solve import SolveOptions, solve
from symbiose import scale
from symbiose.inventory.schema import Inventory
from symbiose.pipeline import optimise
from symbiose.progress import ProgressEvent, reporting
from symbiose.report import Report
from symbiose.synthetic import synthetic_inventory

FAST = SolveOptions(time_limit=30, gap=0.0)


@pytest.fixture(scope="module")
def report() -> Report:
    return optimise(Inventory.model_validate(synthetic_inventory(5, 4, seed=3)), options=FAST)


def _zoned(report: Report, zones: dict[str, str]) -> Report:
    """The same report with a ``zone`` on the sites named in ``zones`` (as helper r2 adds)."""
    sites = [
        s.model_copy(update={"zone": zones[s.id]}) if s.id in zones else s
        for s in report.inventory.sites
    ]
    inventory = report.inventory.model_copy(update={"sites": sites})
    return Report(report.result, inventory, report.network, marginal=report.marginal)


def test_sites_without_a_zone_fall_in_the_dash_zone(report: Report) -> None:
    summary = scale.zone_summary(report)
    assert set(summary["zone"]) == {"-"}
    assert list(summary.columns) == scale.ZONE_COLUMNS


def test_the_zone_summary_adds_up_to_the_totals_and_splits_by_zone(report: Report) -> None:
    zones = {
        s.id: ("Dunkerque" if s.id.startswith("src") else "Calais") for s in report.inventory.sites
    }
    zoned = _zoned(report, zones)
    summary = scale.zone_summary(zoned)
    assert set(summary["zone"]) == {"Dunkerque", "Calais"}
    bal = report.result.balances
    assert summary["delivery_value_eur"].sum() == pytest.approx(bal["delivery_value"].sum())
    assert summary["disposal_avoided_eur"].sum() == pytest.approx(bal["disposal_avoided"].sum())
    calais = summary[summary["zone"] == "Calais"]
    assert calais["disposal_avoided_eur"].sum() == pytest.approx(0.0)  # grinders only receive
    assert calais["sites"].sum() == len(
        set(bal["node"]) & {k for k, z in zones.items() if z == "Calais"}
    )


def test_zone_exchanges_carry_every_flow_once(report: Report) -> None:
    zones = {
        s.id: ("A" if s.id in ("src0", "src1", "snk0") else "B") for s in report.inventory.sites
    }
    exchanges = scale.zone_exchanges(_zoned(report, zones))
    flows = report.result.flows
    assert exchanges["quantity"].sum() == pytest.approx(flows["quantity"].sum())
    assert exchanges["links"].sum() == len(flows.groupby(["tail", "head", "mode"]))
    assert set(exchanges["from_zone"]) <= {"A", "B"}


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_flows_stream_in_chunks_to_csv_and_parquet_with_every_row(
    report: Report, tmp_path: Path, suffix: str
) -> None:
    flows = report.result.flows
    assert len(flows) >= 3  # so that chunks of 2 rows make several chunks
    path = scale.write_flows(report, tmp_path / f"flows.{suffix}", rows=2)
    table = pd.read_csv(path) if suffix == "csv" else pd.read_parquet(path)
    assert list(table.columns) == scale.STREAM_COLUMNS
    assert len(table) == len(flows)
    assert table["quantity"].sum() == pytest.approx(flows["quantity"].sum())
    names = {s.id: s.name for s in report.inventory.sites}
    assert (table["from"] == table["from_id"].map(names)).all()


def test_an_unknown_flows_format_names_the_choices(report: Report, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="csv or parquet"):
        scale.write_flows(report, tmp_path / "flows.xlsx")


def test_report_write_adds_zones_and_parquet_flows(report: Report, tmp_path: Path) -> None:
    names = {p.name for p in report.write(tmp_path, formats=("csv", "parquet"))}
    assert {"zones.csv", "zone_exchanges.csv", "flows.parquet", "flows.csv"} <= names


def test_the_map_draws_each_link_below_the_threshold(report: Report) -> None:
    doc = scale.map_geojson(report)
    assert doc["symbiose"]["links"] == "each"
    lines = [f for f in doc["features"] if f["geometry"]["type"] == "LineString"]
    assert len(lines) == len(report.built_links)


def test_the_map_aggregates_links_zone_to_zone_above_the_threshold(report: Report) -> None:
    zones = {s.id: ("A" if s.id.startswith("src") else "B") for s in report.inventory.sites}
    zoned = _zoned(report, zones)
    doc = scale.map_geojson(zoned, max_links=0)
    json.dumps(doc)
    assert {k: v for k, v in doc["symbiose"].items() if k != "within_zones"} == {
        "links": "zone-to-zone",
        "links_in_use": len(report.built_links),
        "threshold": 0,
    }
    assert doc["symbiose"]["within_zones"] == []  # every flow goes from zone A to zone B
    kinds = [f["properties"]["kind"] for f in doc["features"]]
    assert set(kinds) == {"site", "zone_link"}
    assert kinds.count("site") == len(report.inventory.sites)
    zone_links = [f for f in doc["features"] if f["properties"]["kind"] == "zone_link"]
    assert {(f["properties"]["from_zone"], f["properties"]["to_zone"]) for f in zone_links} == {
        ("A", "B")
    }
    assert sum(f["properties"]["quantity"] for f in zone_links) == pytest.approx(
        report.result.flows["quantity"].sum()
    )
    assert all(f["properties"]["flow"] == f["properties"]["quantity"] for f in zone_links)


def test_exchanges_within_a_zone_are_listed_not_drawn(report: Report) -> None:
    zoned = _zoned(report, {s.id: "One" for s in report.inventory.sites})
    doc = scale.map_geojson(zoned, max_links=0)
    assert {f["geometry"]["type"] for f in doc["features"]} == {"Point"}
    assert all(f["properties"]["kind"] == "site" for f in doc["features"])
    within = doc["symbiose"]["within_zones"]
    assert [(w["from_zone"], w["to_zone"]) for w in within] == [("One", "One")]
    assert within[0]["quantity"] == pytest.approx(report.result.flows["quantity"].sum())


def test_report_geojson_switches_to_zones_beyond_the_map_limit(
    report: Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scale, "MAP_MAX_LINKS", 0)
    assert report.to_geojson()["symbiose"]["links"] == "zone-to-zone"
    assert "symbiose" not in report.to_geojson(aggregate=False)


def test_the_pipeline_reports_its_phases_to_the_installed_sink() -> None:
    events: list[ProgressEvent] = []
    with reporting(events.append):
        optimise(Inventory.model_validate(synthetic_inventory(2, 2, seed=1)), options=FAST)
    phases = [(e.phase, e.finished) for e in events]
    for name in ("convert", "solve", "marginal values"):
        assert (name, False) in phases and (name, True) in phases
    assert phases.index(("convert", True)) < phases.index(("solve", False))
    assert all(e.elapsed >= 0 for e in events)


def test_without_a_sink_nothing_is_reported_and_nothing_breaks() -> None:
    optimise(Inventory.model_validate(synthetic_inventory(2, 2, seed=1)), options=FAST)


def test_each_solved_task_of_blocks_is_an_event() -> None:
    problem = Problem(
        nodes=("a", "b", "c", "d"),
        commodities=("slag",),
        supplies=(Supply("a", "slag", 10.0, disposal_cost=1.0), Supply("c", "slag", 5.0)),
        demands=(Demand("b", "slag", 10.0, value=2.0), Demand("d", "slag", 5.0, value=1.0)),
        arcs=(
            Arc("a", "b", "truck", ("slag",), existing=True),
            Arc("c", "d", "truck", ("slag",), existing=True),
        ),
    )
    events: list[ProgressEvent] = []
    with reporting(events.append):
        result = solve(problem, options=FAST, decompose="on", mapper=in_process)
    assert result.objective == pytest.approx(10 * 3 + 5 * 1)
    blocks = [e for e in events if e.phase == "blocks"]
    assert [(e.done, e.total, e.finished) for e in blocks] == [(1, 1, True)]
    assert "optimal" in blocks[0].describe()


def test_the_worker_stores_the_phase_in_the_run_state(tmp_path: Path) -> None:
    from api import store
    from api.db import RunRow, make_engine, session_factory
    from api.keys import create_key
    from api.migrate import upgrade
    from api.worker import _Tracker

    engine = make_engine(f"sqlite:///{tmp_path / 'p.sqlite'}")
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions() as session:
        create_key(session, "t", "coordinator")
        run = store.add_run(
            session,
            "t",
            "{}",
            kind="sync",  # stored as running
            objective="valorisation",
            time_limit=5.0,
            rel_gap=0.0,
            refs={},
        )
        run_id, attempt = run.id, run.attempt
    tracker = _Tracker(engine, run_id, attempt)
    tracker.phase(ProgressEvent("blocks", 3, 12, 4.25, detail="block 3: optimal"))
    with sessions() as session:
        row = session.get(RunRow, run_id)
        assert row is not None
        assert row.reason == "blocks: 3/12 (4.2 s) block 3: optimal"
