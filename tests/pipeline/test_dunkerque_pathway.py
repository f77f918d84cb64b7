"""The Dunkirk pathway (datasets/dunkerque/pathway/): its dates, its schedule, its scenarios.

What must hold whatever the solver's path: the hub is not built before it exists (2028), the
blast-furnace slag falls in 2030, the scenarios share what is built in 2026, a Reuze that
stops leaves its own plant unbuilt unless the plant is decided before it is known, and the
command line prints and writes the schedule.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.result import Status
from models.session import SolveOptions
from symbiose.inventory import apply_scenario, load_inventory
from symbiose.inventory.io import load_scenario
from symbiose.pipeline import check_pathway, optimise_pathway

HERE = Path(__file__).parents[2] / "datasets" / "dunkerque"
PATHWAY = HERE / "pathway" / "pathway.yaml"
SCENARIOS = [HERE / "pathway" / f"{n}.yaml" for n in ("reuze-goes-ahead", "reuze-stops", "h2v-returns")]
EXACT = SolveOptions(gap=0.0, time_limit=120)


def base(decision_year: int | None = None):  # type: ignore[no-untyped-def]
    scenario, root = load_scenario(PATHWAY)
    assert root is not None
    inv = apply_scenario(load_inventory(root, validate=False), scenario, validate=False)
    if decision_year is not None:
        t = inv.territory.model_copy(update={"decision_year": decision_year})
        inv = inv.model_copy(update={"territory": t})
    return inv


def stochastic(decision_year: int | None = None):  # type: ignore[no-untyped-def]
    inv = base(decision_year)
    cases = []
    for path in SCENARIOS:
        sc, _ = load_scenario(path)
        cases.append((sc.name, sc.probability, apply_scenario(inv, sc, validate=False)))
    return optimise_pathway(check_pathway(inv, cases), options=EXACT)


def test_the_dunkirk_pathway_dates_what_changes() -> None:
    pw = check_pathway(base()).pathway
    assert pw.years == (2026, 2028, 2030, 2035) and pw.end == 2040
    problems = pw.scenarios[0].problems
    slag = [q.supply_of("am_dunkerque", "bf_slag") for q in problems]
    assert [round(sum(s.quantities)) for s in slag if s] == [1_680_000, 1_680_000, 980_000, 980_000]
    assert ["dartagnan_hub" in q.nodes for q in problems] == [False, True, True, True]
    assert ["reuze" in q.nodes for q in problems] == [False, False, True, True]
    assert not any("h2v" in q.nodes for q in problems)


def test_the_dunkirk_pathway_builds_nothing_before_it_exists() -> None:
    report = optimise_pathway(check_pathway(base()), options=EXACT)
    r = report.result
    assert r.status is Status.OPTIMAL
    schedule = report.schedule
    hub = schedule[schedule["item"].str.contains("D'Artagnan")]
    assert len(hub) and set(hub["year"]) == {2028}
    reuze = schedule[schedule["converter"] == "reuze_synthesis"]
    assert set(reuze["year"]) <= {2030, 2035}
    periods = r.periods.set_index("year")
    assert periods.loc[2030, "valorisation"] < periods.loc[2028, "valorisation"]  # the BF stops


def test_the_dunkirk_scenarios_share_what_is_built_now_and_adapt_later() -> None:
    report = stochastic()
    r = report.result
    assert r.status is Status.OPTIMAL and len(r.scenarios) == 3
    shared = report.schedule[report.schedule["shared"]]
    assert set(shared["year"]) == {2026}
    assert r.measures["evpi"] == pytest.approx(0.0, abs=1e-3 * abs(r.objective or 1))
    stops = report.schedule[report.schedule["scenario"] == "reuze-stops"]
    assert "reuze_synthesis" not in set(stops["converter"])
    assert set(r.no_regret) == set(r.built_now())
    lines = [f["properties"] for f in report.to_geojson()["features"] if f["geometry"]["type"] == "LineString"]
    marked = {(p["from_id"], p["to_id"], p["mode"]) for p in lines if p["no_regret"]}
    assert marked == {("am_dunkerque", "dh_grande_synthe", "heat_pipe")}
    assert {(p["scenario"], p["year"]) for p in lines} == {
        (s, y) for s in ("reuze-goes-ahead", "reuze-stops", "h2v-returns") for y in (2026, 2028, 2030, 2035)
    }


def test_deciding_reuze_before_it_is_known_has_a_regret_where_it_stops() -> None:
    """Decision year 2030: everything to 2030 is shared, so the plant is decided before the
    project's fate is known; the scenario where it stops regrets it."""
    r = stochastic(2030).result
    regret = r.scenarios.set_index("scenario")["regret"]
    assert regret["reuze-stops"] > 1e6
    assert r.measures["evpi"] == pytest.approx(
        float((r.scenarios["probability"] * r.scenarios["regret"]).sum()), rel=1e-6
    )


def test_symbiose_solve_prints_the_schedule_and_writes_its_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main

    args = ["solve", str(PATHWAY), "--scenarios", *map(str, SCENARIOS), "--quiet"]
    assert main([*args, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Build schedule" in out and "Scenarios (value per yr" in out and "No-regret:" in out
    written = {p.name for p in tmp_path.iterdir()}
    assert {"pathway.json", "schedule.csv", "periods.csv", "scenarios.csv", "pathway.xlsx"} <= written
    doc = json.loads((tmp_path / "pathway.json").read_text())
    assert doc["kind"] == "pathway" and doc["measures"]["evpi"] is not None
    assert {row["scenario"] for row in doc["tables"]["scenarios"]} == {
        "reuze-goes-ahead",
        "reuze-stops",
        "h2v-returns",
    }
