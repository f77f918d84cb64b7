"""Candidate links: maximum distances, commodity compatibility, temperatures, hubs."""

from __future__ import annotations

import pytest

from symbiose import candidates as cand
from symbiose.convert import to_network
from symbiose.inventory import parse_inventory


def test_great_circle_distance_dunkirk_to_lille() -> None:
    # Dunkerque (51.034, 2.377) to Lille (50.629, 3.057): about 65 km as the crow flies
    assert cand.great_circle_km(51.034, 2.377, 50.629, 3.057) == pytest.approx(65.0, abs=2.0)


def inventory(**changes: object) -> dict:
    doc = {
        "territory": {"name": "T", "detour_factor": 1.0},
        "sites": [
            {"id": "src", "name": "Source", "latitude": 51.0, "longitude": 2.0},
            {"id": "near", "name": "Near", "latitude": 51.0, "longitude": 2.1},  # ~7 km
            {"id": "far", "name": "Far", "latitude": 51.0, "longitude": 2.5},  # ~35 km
        ],
        "supplies": [{"site": "src", "commodity": "bf_slag", "quantity": "1 kt/yr"}],
        "demands": [
            {"site": "near", "commodity": "bf_slag", "quantity": "1 kt/yr", "price": 10},
            {"site": "far", "commodity": "bf_slag", "quantity": "1 kt/yr", "price": 10},
        ],
        "modes": [
            {"id": "truck", "mode": "truck", "commodities": ["bf_slag"], "max_distance": "20 km"},
            {"id": "heat", "mode": "pipeline", "commodities": ["waste_heat"]},
        ],
    }
    doc.update(changes)
    return doc


def arcs(doc: dict) -> set[tuple[str, str, str]]:
    return {a.key for a in to_network(parse_inventory(doc, "json")).problem.arcs}


def test_max_distance_is_respected() -> None:
    assert arcs(inventory()) == {("src", "near", "truck")}


def test_detour_factor_lengthens_routes() -> None:
    doc = inventory()
    doc["modes"][0]["max_distance"] = "40 km"
    assert ("src", "far", "truck") in arcs(doc)
    doc["territory"]["detour_factor"] = 1.3  # 35 km becomes ~45 km
    assert ("src", "far", "truck") not in arcs(doc)


def test_modes_only_carry_their_commodities() -> None:
    # the heat pipe has no heat to carry: it never links the slag sites
    assert all(mode != "heat" for _, _, mode in arcs(inventory()))


def heat_inventory(source_temp: str, sink_temp: str) -> dict:
    return inventory(
        supplies=[
            {
                "site": "src",
                "commodity": "waste_heat",
                "quantity": "10 GWh/yr",
                "temperature": source_temp,
            }
        ],
        demands=[
            {
                "site": "near",
                "commodity": "waste_heat",
                "quantity": "10 GWh/yr",
                "min_temperature": sink_temp,
                "price": 40,
            }
        ],
    )


def test_a_100_degree_source_never_feeds_a_120_degree_sink() -> None:
    assert arcs(heat_inventory("100 degC", "120 degC")) == set()


def test_a_hot_enough_source_feeds_the_sink() -> None:
    assert arcs(heat_inventory("130 degC", "120 degC")) == {("src", "near", "heat")}


def test_temperatures_compare_across_units() -> None:
    # 373.15 K is 100 degC: still too cool for 120 degC
    assert arcs(heat_inventory("373.15 K", "120 degC")) == set()


def test_generate_low_level_respects_temperature() -> None:
    places = {
        "a": cand.Place("a", 51.0, 2.0),
        "b": cand.Place("b", 51.0, 2.01),
        "c": cand.Place("c", 51.0, 2.02),
    }
    ends = {"waste_heat": cand.Endpoints({"a": 100.0}, {"b": 120.0, "c": 90.0})}
    mode = cand.ModeReach("pipe", ("waste_heat",), 1.0, 10.0)
    found = cand.generate(places, [mode], ends, quality_commodities=["waste_heat"])
    assert [(c.tail, c.head) for c in found] == [("a", "c")]


def test_hubs_tranship_and_dead_ends_are_pruned() -> None:
    places = {
        "emitter": cand.Place("emitter", 51.0, 2.0),
        "hub": cand.Place("hub", 51.0, 2.05, hub=True),
        "store": cand.Place("store", 51.0, 2.1),
        "lonely_hub": cand.Place("lonely_hub", 55.0, 2.0, hub=True),
    }
    ends = {"co2": cand.Endpoints({"emitter": None}, {"store": None})}
    mode = cand.ModeReach("pipe", ("co2",), 1.0, 5.0)  # emitter-store (7 km) is too far
    found = {(c.tail, c.head) for c in cand.generate(places, [mode], ends)}
    assert found == {("emitter", "hub"), ("hub", "store")}


def test_explicit_links_are_not_duplicated() -> None:
    doc = inventory(links=[{"from": "src", "to": "near", "mode": "truck", "existing": True}])
    network = to_network(parse_inventory(doc, "json"))
    keys = [a.key for a in network.problem.arcs]
    assert keys.count(("src", "near", "truck")) == 1
    assert network.candidates == 0


def test_modes_without_generation_only_serve_explicit_links() -> None:
    doc = inventory()
    doc["modes"][0]["generate"] = False
    assert arcs(doc) == set()


def test_a_heat_pump_lifts_cool_heat_to_the_temperature_it_declares() -> None:
    """Cool water feeds a heat pump; only its 90 degC output may go on to a 85 degC network."""
    doc = inventory(
        commodities=[{"id": "low_heat", "unit": "MWh", "quality": "temperature"}],
        supplies=[
            {"site": "src", "commodity": "low_heat", "quantity": "50 GWh/yr", "temperature": "30 degC"},
            {"site": "near", "commodity": "electricity", "quantity": "50 GWh/yr", "handling_cost": "60 EUR/MWh"},
        ],
        demands=[
            {"site": "far", "commodity": "waste_heat", "quantity": "40 GWh/yr", "min_temperature": "85 degC", "price": 80}
        ],
        modes=[
            {"id": "low_pipe", "mode": "pipeline", "commodities": ["low_heat"], "max_distance": "10 km"},
            {"id": "heat", "mode": "pipeline", "commodities": ["waste_heat"], "max_distance": "40 km"},
        ],
        converters=[
            {
                "id": "heat_pump", "site": "near", "inputs": {"low_heat": 0.75, "electricity": 0.25},
                "outputs": {"waste_heat": 1.0}, "output_temperature": "90 degC",
            }
        ],
    )  # fmt: skip
    assert arcs(doc) == {("src", "near", "low_pipe"), ("near", "far", "heat")}
    doc["converters"][0]["output_temperature"] = "80 degC"
    assert ("near", "far", "heat") not in arcs(doc)


@pytest.mark.parametrize("objective", ["valorisation", "co2", "cost"])
def test_every_objective_runs_on_an_inventory(objective: str) -> None:
    from models.solve import SolveOptions
    from symbiose.pipeline import optimise

    rep = optimise(parse_inventory(inventory(), "json"), objective, SolveOptions(time_limit=10))
    assert rep.result.status.value == "optimal"
    if objective != "co2":  # no CO2 factors here: every plan avoids 0 t
        assert rep.flows["to_id"].tolist() == ["near"]


def test_an_unknown_objective_is_a_clear_error() -> None:
    from symbiose.pipeline import optimise

    with pytest.raises(ValueError, match="unknown objective 'money'"):
        optimise(parse_inventory(inventory(), "json"), "money")


def hub_inventory() -> dict:
    """The documented hub pattern: emitter → CO2 hub by a generated pipe, hub → store by ship."""
    return {
        "territory": {"name": "T", "detour_factor": 1.0},
        "sites": [
            {"id": "emitter", "name": "Emitter", "latitude": 51.0, "longitude": 2.0},
            {
                "id": "hub",
                "name": "Hub",
                "latitude": 51.0,
                "longitude": 2.1,
                "hub": True,
                "handles": ["co2"],
            },
            {"id": "store", "name": "Store", "latitude": 60.5, "longitude": 4.9},
        ],
        "supplies": [{"site": "emitter", "commodity": "co2", "quantity": "1 Mt/yr"}],
        "demands": [{"site": "store", "commodity": "co2", "quantity": "1 Mt/yr", "price": 80}],
        "modes": [
            {
                "id": "pipe",
                "mode": "pipeline",
                "commodities": ["co2"],
                "max_distance": "20 km",
                "investment_per_km": "1 MEUR/km",
            },
            {
                "id": "ship",
                "mode": "ship",
                "commodities": ["co2"],
                "generate": False,
                "cost_per_unit": "5 EUR/t",
            },
        ],
        "links": [{"from": "hub", "to": "store", "mode": "ship"}],
    }


def test_a_pipe_to_a_hub_whose_only_way_on_is_an_explicit_ship_link_is_kept() -> None:
    doc = hub_inventory()
    assert arcs(doc) == {("emitter", "hub", "pipe"), ("hub", "store", "ship")}


def test_the_hub_pattern_delivers_the_emitters_co2_to_the_store() -> None:
    from models.solve import SolveOptions
    from symbiose.pipeline import optimise

    rep = optimise(parse_inventory(hub_inventory(), "json"), "valorisation", SolveOptions(10))
    assert rep.result.status.value == "optimal"
    assert set(zip(rep.flows["from_id"], rep.flows["to_id"], strict=True)) == {
        ("emitter", "hub"),
        ("hub", "store"),
    }


def test_generate_counts_explicit_links_as_ways_on_from_a_hub() -> None:
    places = {
        "emitter": cand.Place("emitter", 51.0, 2.0),
        "hub": cand.Place("hub", 51.0, 2.05, hub=True),
        "store": cand.Place("store", 60.0, 5.0),
    }
    ends = {"co2": cand.Endpoints({"emitter": None}, {"store": None})}
    pipe = cand.ModeReach("pipe", ("co2",), 1.0, 20.0)
    assert cand.generate(places, [pipe], ends) == []  # no way on: the pipe is a dead end
    ship = {("hub", "store", "ship"): ("co2",)}
    found = cand.generate(places, [pipe], ends, explicit=ship)
    assert [(c.tail, c.head, c.commodities) for c in found] == [("emitter", "hub", ("co2",))]
    # a link that cannot carry CO2 is no way on for it
    wrong = {("hub", "store", "ship"): ("hydrogen",)}
    assert cand.generate(places, [pipe], ends, explicit=wrong) == []


def _brute_force_prune(
    unpruned: list[cand.Candidate],
    explicit: dict[tuple[str, str, str], tuple[str, ...]],
    endpoints: dict[str, cand.Endpoints],
) -> set[tuple[str, str, str, tuple[str, ...]]]:
    """The pruning rule by networkx, one search per origin and per destination."""
    import networkx as nx

    kept: dict[tuple[str, str, str], set[str]] = {}
    for k, ends in endpoints.items():
        graph = nx.DiGraph()
        graph.add_edges_from((c.tail, c.head) for c in unpruned if k in c.commodities)
        graph.add_edges_from((t, h) for (t, h, _), ks in explicit.items() if k in ks)
        reached = {n for o in ends.origins if o in graph for n in {o} | nx.descendants(graph, o)}
        reaching = {
            n for d in ends.destinations if d in graph for n in {d} | nx.ancestors(graph, d)
        }
        for c in unpruned:
            if k in c.commodities and c.tail in reached and c.head in reaching:
                kept.setdefault((c.tail, c.head, c.mode), set()).add(k)
    return {(*key, tuple(sorted(ks))) for key, ks in kept.items()}


def test_pruning_keeps_exactly_what_brute_force_reachability_keeps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import random

    rng = random.Random(20261122)
    commodities = ("co2", "hydrogen", "slag")
    for _ in range(300):
        n = rng.randint(2, 9)
        places = {
            f"s{i}": cand.Place(
                f"s{i}",
                51.0 + rng.uniform(0, 0.3),
                2.0 + rng.uniform(0, 0.5),
                hub=rng.random() < 0.3,
                handles=frozenset(rng.sample(commodities, rng.randint(0, 2))),
            )
            for i in range(n)
        }
        ids = list(places)
        endpoints = {
            k: cand.Endpoints(
                {o: None for o in rng.sample(ids, rng.randint(0, 2))},
                {d: None for d in rng.sample(ids, rng.randint(0, 2))},
            )
            for k in commodities
        }
        modes = [
            cand.ModeReach("pipe", ("co2", "hydrogen"), 1.0, rng.uniform(3.0, 30.0)),
            cand.ModeReach("truck", ("slag", "co2"), 1.3, rng.uniform(3.0, 30.0)),
        ]
        explicit = {
            (t, h, "ship"): tuple(rng.sample(commodities, rng.randint(1, 2)))
            for t, h in (rng.sample(ids, 2) for _ in range(rng.randint(0, 3)))
        }
        with monkeypatch.context() as patch:
            patch.setattr(cand, "_prune", lambda *args: None)
            unpruned = cand.generate(places, modes, endpoints, explicit=explicit)
        found = cand.generate(places, modes, endpoints, explicit=explicit)
        assert {(c.tail, c.head, c.mode, c.commodities) for c in found} == _brute_force_prune(
            unpruned, explicit, endpoints
        )
        assert {(c.tail, c.head, c.mode) for c in unpruned}.isdisjoint(explicit)
