"""Plausibility warnings: legal but probably a slip, flagged with the field path, never refused."""

from __future__ import annotations

from pathlib import Path

from symbiose.inventory import load_inventory, parse_inventory, validate_inventory
from symbiose.plausibility import escaped, plausibility_warnings

DATASET = Path(__file__).parents[2] / "datasets" / "dunkerque" / "dunkerque.yaml"


def inventory(**changes: object) -> dict:
    doc: dict = {
        "territory": {"name": "T"},
        "sites": [
            {"id": "mill", "name": "Mill", "latitude": 51.00, "longitude": 2.00},
            {"id": "kiln", "name": "Kiln", "latitude": 51.05, "longitude": 2.10},
            {"id": "farm", "name": "Farm", "latitude": 51.02, "longitude": 2.30},
            {"id": "port", "name": "Port", "latitude": 51.04, "longitude": 2.20},
        ],
        "supplies": [{"site": "mill", "commodity": "bf_slag", "quantity": "1 kt/yr"}],
        "demands": [{"site": "kiln", "commodity": "bf_slag", "quantity": "1 kt/yr", "price": 5}],
        "modes": [{"id": "truck", "mode": "truck", "commodities": ["bf_slag"]}],
    }
    doc.update(changes)
    return doc


def warnings(doc: dict) -> list[tuple[str, str, str]]:
    inv = parse_inventory(doc, "json")
    return [(w.path(), w.kind, w.msg) for w in plausibility_warnings(inv)]


def test_a_plain_inventory_has_no_warning() -> None:
    assert warnings(inventory()) == []


def test_dunkirk_has_no_warning() -> None:
    # its North Sea store is 1,000 km away but is no swap: (4.87, 60.56) is nowhere near
    assert plausibility_warnings(load_inventory(DATASET)) == []


def test_a_site_with_latitude_and_longitude_swapped_is_flagged() -> None:
    doc = inventory()
    doc["sites"][3] = {"id": "port", "name": "Port", "latitude": 2.20, "longitude": 51.04}
    (found,) = warnings(doc)
    path, kind, msg = found
    assert (path, kind) == ("sites[3].latitude", "swapped-coordinates")
    assert msg == (
        "latitude and longitude look swapped: site 'port' at (2.2, 51.04) is 7,079 km from the"
        " territory's other sites; at (51.04, 2.2) it would be 3 km from them"
    )
    assert validate_inventory(parse_inventory(doc, "json")) == []  # a warning, not an error


def test_a_far_site_that_swapping_does_not_bring_near_is_not_flagged() -> None:
    doc = inventory()
    doc["sites"][3] = {"id": "port", "name": "Port", "latitude": 60.5, "longitude": 4.9}
    assert warnings(doc) == []


def test_heat_declared_through_a_hub_is_flagged() -> None:
    doc = inventory()
    doc["sites"][3] = {
        "id": "port", "name": "Port", "latitude": 51.04, "longitude": 2.20,
        "hub": True, "handles": ["co2", "waste_heat"],
    }  # fmt: skip
    doc["modes"].append({"id": "heat_pipe", "mode": "pipeline", "commodities": ["waste_heat"]})
    doc["links"] = [
        {"from": "mill", "to": "port", "mode": "heat_pipe"},
        {"from": "port", "to": "kiln", "mode": "truck", "commodities": ["bf_slag"]},
    ]
    tail = (
        ", but heat does not pass through hubs (its temperature would be lost on the way):"
        " link the heat source to its user directly"
    )
    assert warnings(doc) == [
        ("sites[3].handles[1]", "heat-through-hub", "hub 'port' handles waste_heat" + tail),
        (
            "links[0].mode",
            "heat-through-hub",
            "the link 'mill' → 'port' carries waste_heat through hub 'port'" + tail,
        ),
    ]


def test_a_declared_heat_commodity_on_a_link_to_a_hub_is_flagged() -> None:
    doc = inventory(
        commodities=[{"id": "warm_water", "unit": "MWh", "quality": "temperature"}],
    )
    doc["sites"][3] = {
        "id": "port",
        "name": "Port",
        "latitude": 51.04,
        "longitude": 2.20,
        "hub": True,
    }
    doc["modes"].append(
        {"id": "pipe", "mode": "pipeline", "commodities": ["warm_water", "bf_slag"]}
    )
    doc["links"] = [
        {"from": "port", "to": "kiln", "mode": "pipe", "commodities": ["bf_slag", "warm_water"]}
    ]
    (found,) = warnings(doc)
    assert found[:2] == ("links[0].commodities[1]", "heat-through-hub")
    assert found[2].startswith("the link 'port' → 'kiln' carries warm_water through hub 'port'")


def test_converters_that_make_a_commodity_from_nothing_around_a_cycle_are_named() -> None:
    doc = inventory(
        converters=[
            {"id": "grind", "site": "kiln", "inputs": {"bf_slag": 1.0}, "outputs": {"ground_slag": 1.0}},
            {"id": "unground", "site": "mill", "inputs": {"ground_slag": 1.0}, "outputs": {"bf_slag": 1.25}},
        ]
    )  # fmt: skip
    assert warnings(doc) == [
        (
            "converters[0]",
            "converter-cycle",
            "converters 'grind' → 'unground' turn 1 unit of bf_slag into 1.25 units of bf_slag"
            " around the cycle bf_slag → ground_slag → bf_slag: value from nothing;"
            " check their inputs and outputs",
        )
    ]


def test_a_converter_making_more_of_its_own_input_is_a_cycle_of_one() -> None:
    doc = inventory(
        converters=[{"id": "loop", "site": "kiln", "inputs": {"bf_slag": 1.0}, "outputs": {"bf_slag": 2.0}}]
    )  # fmt: skip
    (found,) = warnings(doc)
    assert found[:2] == ("converters[0]", "converter-cycle")
    assert found[2].startswith(
        "converter 'loop' turns 1 unit of bf_slag into 2 units of bf_slag around the cycle"
        " bf_slag → bf_slag: value from nothing"
    )


def test_a_losing_cycle_and_a_paid_for_gain_are_no_warning() -> None:
    doc = inventory(
        converters=[
            {"id": "grind", "site": "kiln", "inputs": {"bf_slag": 1.1}, "outputs": {"ground_slag": 1.0}},
            {"id": "unground", "site": "mill", "inputs": {"ground_slag": 1.0}, "outputs": {"bf_slag": 1.0}},
            # more slag out than slag in, but electricity pays for it: not from nothing
            {"id": "boost", "site": "mill", "inputs": {"ground_slag": 1.0, "electricity": 0.5},
             "outputs": {"bf_slag": 3.0}},
        ]
    )  # fmt: skip
    assert warnings(doc) == []


def test_site_ids_differing_only_by_case_are_flagged() -> None:
    doc = inventory()
    doc["sites"][3] = {"id": "MILL", "name": "Port", "latitude": 51.04, "longitude": 2.20}
    assert warnings(doc) == [
        (
            "sites[3].id",
            "look-alike-ids",
            "site ids 'mill', 'MILL' differ only by case or invisible characters:"
            " 'MILL' is probably a slip for 'mill'",
        )
    ]


def test_a_zero_width_space_in_an_id_is_shown_escaped() -> None:
    doc = inventory()
    doc["modes"].append({"id": "truck\u200b", "mode": "truck", "commodities": ["bf_slag"]})
    assert warnings(doc) == [
        (
            "modes[1].id",
            "look-alike-ids",
            "mode ids 'truck', 'truck\\u200b' differ only by case or invisible characters:"
            " 'truck\\u200b' is probably a slip for 'truck'",
        )
    ]


def test_a_commodity_declared_like_a_built_in_one_in_capitals_is_flagged() -> None:
    doc = inventory(commodities=[{"id": "CO2", "unit": "t"}])
    assert warnings(doc) == [
        (
            "commodities[0].id",
            "look-alike-ids",
            "commodity ids 'co2', 'CO2' differ only by case or invisible characters:"
            " 'CO2' is probably a slip for 'co2' (built in)",
        )
    ]


def test_lone_ids_with_trailing_or_no_break_spaces_are_flagged_escaped() -> None:
    doc = inventory(
        converters=[{"id": "grind ", "site": "kiln", "inputs": {"bf_slag": 1.1}, "outputs": {"ground_slag": 1.0}}]
    )  # fmt: skip
    doc["sites"][3] = {"id": "old\u00a0port", "name": "Port", "latitude": 51.04, "longitude": 2.2}
    found = warnings(doc)
    assert [(p, k) for p, k, _ in found] == [
        ("sites[3].id", "unusual-characters"),
        ("converters[0].id", "unusual-characters"),
    ]
    assert found[0][2].startswith("site id 'old\\u00a0port' has invisible or unusual characters")
    assert found[1][2].startswith("converter id 'grind ' has invisible or unusual characters")


def test_escaped_shows_control_and_invisible_characters() -> None:
    assert escaped("a\tb\u200bc\u00a0d\u2028 e") == "'a\\u0009b\\u200bc\\u00a0d\\u2028 e'"


def test_converter_cycles_are_found_exactly_where_brute_force_finds_a_gain() -> None:
    import math
    import random

    import networkx as nx

    from symbiose.plausibility import converter_cycles

    rng = random.Random(7)
    names, yields = ("a", "b", "c", "d"), (0.5, 0.8, 1.0, 1.25, 2.0)
    for _ in range(300):
        converters = [
            {
                "id": f"cv{i}", "site": "kiln",
                "inputs": {k: rng.choice(yields) for k in rng.sample(names, rng.choice((1, 1, 1, 2)))},
                "outputs": {k: rng.choice(yields) for k in rng.sample(names, rng.randint(1, 2))},
            }
            for i in range(rng.randint(0, 6))
        ]  # fmt: skip
        graph = nx.MultiDiGraph()
        for cv in converters:
            if len(cv["inputs"]) == 1:
                ((a, x),) = cv["inputs"].items()
                for b, y in cv["outputs"].items():
                    graph.add_edge(a, b, gain=y / x)
        best = nx.DiGraph()
        for a, b, gain in graph.edges(data="gain"):
            best.add_edge(
                a, b, gain=max(gain, best.edges[a, b]["gain"] if best.has_edge(a, b) else 0)
            )
        gaining = {
            frozenset(cycle)
            for cycle in nx.simple_cycles(best)
            if math.prod(
                best.edges[e]["gain"] for e in zip(cycle, [*cycle[1:], cycle[0]], strict=True)
            )
            > 1 + 1e-9
        }
        components = [
            c for c in nx.strongly_connected_components(best) if any(g <= c for g in gaining)
        ]
        inv = parse_inventory(inventory(converters=converters), "json", validate=False)
        found = converter_cycles(inv)
        assert len(found) == len(components), converters


def swapped_everywhere(doc: dict) -> dict:
    for site in doc["sites"]:
        site["latitude"], site["longitude"] = site["longitude"], site["latitude"]
    return doc


def test_every_site_swapped_is_flagged_against_france() -> None:
    """Every latitude swapped with its longitude: no site is far from the others, so the
    outlier check is silent (the issue); the territory lies in France read the other way."""
    found = warnings(swapped_everywhere(inventory()))
    assert [(path, kind) for path, kind, _ in found] == [
        (f"sites[{i}].latitude", "swapped-coordinates") for i in range(4)
    ]
    assert found[0][2] == (
        "latitude and longitude look swapped: site 'mill' at (2, 51) lies outside metropolitan"
        " France, where the territory's sites are; at (51, 2) it would be inside"
    )


def test_dunkirk_swapped_is_flagged_site_by_site_but_its_north_sea_store() -> None:
    inv = load_inventory(DATASET)
    swapped = inv.model_copy(
        update={
            "sites": [
                s.model_copy(update={"latitude": s.longitude, "longitude": s.latitude})
                for s in inv.sites
            ]
        }
    )
    found = plausibility_warnings(swapped)
    assert len(found) == len(inv.sites) - 1 == 20
    assert "co2_storage" not in " ".join(w.msg for w in found)


def test_many_sites_swapped_give_one_warning_that_counts_them() -> None:
    doc = inventory()
    doc["sites"] += [
        {"id": f"s{i}", "name": f"S{i}", "latitude": 50.0 + i / 100, "longitude": 2.0 + i / 100}
        for i in range(26)
    ]
    (found,) = warnings(swapped_everywhere(doc))
    assert found[0] == "sites[0].latitude"
    assert found[2].startswith("latitude and longitude look swapped on 30 of 30 sites")


def test_a_territory_abroad_is_not_checked_against_france() -> None:
    doc = inventory()
    for site in doc["sites"]:
        site["latitude"] -= 30.0  # the Sahara: neither reading falls in France
    assert warnings(doc) == []


def test_a_site_that_has_and_wants_a_commodity_is_warned_naming_the_rule() -> None:
    doc = inventory()
    doc["demands"].append(
        {"site": "mill", "commodity": "bf_slag", "quantity": "1 kt/yr", "price": 5,
         "must_serve": True}
    )  # fmt: skip
    (found,) = warnings(doc)
    assert found == (
        "demands[1].commodity",
        "own-supply-and-demand",
        "site 'mill' both has and wants 'bf_slag': its own supply never meets its own demand"
        " (rule no_internal_reuse: a site's supply leaves by a link or feeds a converter, its"
        " demand is met by others or a converter); its demand must be served, so others must"
        " deliver all of it",
    )
