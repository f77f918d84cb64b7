"""Candidates from a spatial index: the same pairs as brute force, a cap, one search per commodity."""

from __future__ import annotations

import random
from collections import deque
from pathlib import Path

import numpy as np
import pytest

from symbiose import candidates as cand
from symbiose import convert
from symbiose.convert import to_network
from symbiose.inventory import InventoryError, load_inventory, parse_inventory

DATASET = Path(__file__).parents[2] / "datasets" / "dunkerque" / "dunkerque.yaml"

Pair = tuple[str, str, str, str]
"""``(tail, head, mode, commodity)``."""


def _random_region(
    rng: random.Random, n: int
) -> tuple[dict[str, cand.Place], dict[str, cand.Endpoints]]:
    """Sites over mainland France (no antimeridian, no pole), heat with temperatures, hubs."""
    places = {
        f"s{i}": cand.Place(
            f"s{i}",
            rng.uniform(42.5, 51.0),
            rng.uniform(-4.5, 8.0),
            hub=rng.random() < 0.1,
            handles=frozenset(rng.sample(["co2", "slag"], rng.randint(0, 1))),
        )
        for i in range(n)
    }
    ids = list(places)
    plain = [p for p in ids if not places[p].hub]

    def ends(temperature: bool) -> cand.Endpoints:
        def t() -> float | None:
            return rng.choice([None, 60.0, 90.0, 120.0]) if temperature else None

        origins = {o: t() for o in rng.sample(plain, len(plain) // 3)}
        destinations = {d: t() for d in rng.sample(plain, len(plain) // 3)}
        return cand.Endpoints(origins, destinations)

    return places, {"co2": ends(False), "slag": ends(False), "waste_heat": ends(True)}


MODES = [
    cand.ModeReach("pipe", ("co2", "waste_heat"), 1.0, 120.0),
    cand.ModeReach("truck", ("slag", "co2"), 1.3, 250.0),
    cand.ModeReach("rail", ("slag",), 1.15, None),  # unlimited reach
]


def _brute_force(
    places: dict[str, cand.Place],
    modes: list[cand.ModeReach],
    endpoints: dict[str, cand.Endpoints],
    quality: set[str],
) -> dict[Pair, float]:
    """Every compatible pair within reach, by a double loop over great-circle distances."""
    out: dict[Pair, float] = {}
    for mode in modes:
        for k in mode.commodities:
            ends = endpoints[k]
            hubs = [] if k in quality else [p.id for p in places.values() if cand._handles(p, k)]
            origins = list(ends.origins) + [h for h in hubs if h not in ends.origins]
            destinations = list(ends.destinations) + [h for h in hubs if h not in ends.destinations]
            for o in origins:
                for d in destinations:
                    if o == d:
                        continue
                    need, hot = ends.destinations.get(d), ends.origins.get(o)
                    if k in quality and need is not None and (hot is None or hot < need - 1e-9):
                        continue
                    length = cand.route_length(places[o], places[d], mode.detour_factor)
                    if mode.max_distance is None or length <= mode.max_distance:
                        out[(o, d, mode.id, k)] = length
    return out


def _unpruned(
    monkeypatch: pytest.MonkeyPatch, *args: object, **kwargs: object
) -> list[cand.Candidate]:
    with monkeypatch.context() as patch:
        patch.setattr(cand, "_prune", lambda *a: None)
        return cand.generate(*args, **kwargs)  # type: ignore[arg-type]


def _pairs(found: list[cand.Candidate]) -> dict[Pair, float]:
    return {(c.tail, c.head, c.mode, k): c.length_km for c in found for k in c.commodities}


@pytest.mark.parametrize("seed", range(6))
def test_spatial_candidates_equal_the_brute_force_pairs_within_reach(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    rng = random.Random(seed)
    places, endpoints = _random_region(rng, rng.randint(20, 120))
    found = _pairs(_unpruned(monkeypatch, places, MODES, endpoints, ["waste_heat"]))
    expected = _brute_force(places, MODES, endpoints, {"waste_heat"})
    assert found.keys() == expected.keys()
    for key, length in expected.items():
        assert found[key] == pytest.approx(length, rel=1e-12)


def test_the_tree_finds_pairs_at_the_very_edge_of_the_reach() -> None:
    a, b = cand.Place("a", 50.0, 2.0), cand.Place("b", 50.0, 2.3)
    edge = cand.route_length(a, b, 1.3)
    just = cand.ModeReach("truck", ("slag",), 1.3, edge * (1 + 1e-12))
    short = cand.ModeReach("truck", ("slag",), 1.3, edge * (1 - 1e-9))
    ends = {"slag": cand.Endpoints({"a": None}, {"b": None})}
    assert [(c.tail, c.head) for c in cand.generate({"a": a, "b": b}, [just], ends)] == [("a", "b")]
    assert cand.generate({"a": a, "b": b}, [short], ends) == []


@pytest.mark.parametrize("cap", [1, 2, 5])
def test_a_cap_keeps_the_nearest_pairs_of_each_origin_and_of_each_destination(
    monkeypatch: pytest.MonkeyPatch, cap: int
) -> None:
    rng = random.Random(100 + cap)
    places, endpoints = _random_region(rng, 80)
    everything = _brute_force(places, MODES, endpoints, {"waste_heat"})
    found = _pairs(_unpruned(monkeypatch, places, MODES, endpoints, ["waste_heat"], cap=cap))
    expected: set[Pair] = set()
    for end in (0, 1):  # 0: each origin's nearest; 1: each destination's nearest
        groups: dict[tuple[str, str, str], list[tuple[float, Pair]]] = {}
        for key, length in everything.items():
            groups.setdefault((key[end], key[2], key[3]), []).append((length, key))
        for members in groups.values():
            expected |= {key for _, key in sorted(members)[:cap]}
    assert found.keys() == expected
    # the cap bounds the candidates: at most cap per origin plus cap per destination
    origins = {(t, m, k) for t, _, m, k in everything}
    destinations = {(h, m, k) for _, h, m, k in everything}
    assert len(found) <= cap * (len(origins) + len(destinations))
    assert len(found) < len(everything)


def test_a_cap_as_large_as_the_sites_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    places, endpoints = _random_region(random.Random(7), 60)
    free = cand.generate(places, MODES, endpoints, ["waste_heat"])
    capped = cand.generate(places, MODES, endpoints, ["waste_heat"], cap=len(places))
    assert capped == free


def test_a_cap_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="the candidate cap must be 1 or more, got 0"):
        cand.generate({}, [], {}, cap=0)


def test_a_capped_pipe_to_a_hub_is_kept_when_an_explicit_ship_goes_on() -> None:
    """Pruning counts explicit links as ways on, capped or not (the Dunkirk hub pattern)."""
    places = {f"e{i}": cand.Place(f"e{i}", 51.0 + i * 0.01, 2.0) for i in range(6)}
    places["hub"] = cand.Place("hub", 51.0, 2.05, hub=True, handles=frozenset({"co2"}))
    places["store"] = cand.Place("store", 58.0, 3.0)
    ends = {"co2": cand.Endpoints({f"e{i}": None for i in range(6)}, {"store": None})}
    pipe = cand.ModeReach("pipe", ("co2",), 1.0, 30.0)
    ship = {("hub", "store", "ship"): ("co2",)}
    for cap in (None, 1, 3):
        found = {
            (c.tail, c.head) for c in cand.generate(places, [pipe], ends, explicit=ship, cap=cap)
        }
        assert {(f"e{i}", "hub") for i in range(6)} <= found, cap
    # without the ship, the hub leads nowhere: every pipe to it is pruned
    assert cand.generate(places, [pipe], ends, cap=1) == []


def _per_origin_reachable(
    n: int, tails: np.ndarray, heads: np.ndarray, starts: list[int]
) -> set[int]:
    """What one breadth-first search per start reaches (the search the super-source replaces)."""
    out: dict[int, list[int]] = {}
    for t, h in zip(tails.tolist(), heads.tolist(), strict=True):
        out.setdefault(t, []).append(h)
    seen: set[int] = set()
    for s in starts:
        mine, todo = {s}, deque([s])
        while todo:
            for nxt in out.get(todo.popleft(), []):
                if nxt not in mine:
                    mine.add(nxt)
                    todo.append(nxt)
        seen |= mine
    return seen


@pytest.mark.parametrize("seed", range(20))
def test_one_search_from_a_super_source_reaches_what_one_search_per_origin_reaches(
    seed: int,
) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 40))
    m = int(rng.integers(0, 3 * n))
    tails, heads = rng.integers(0, n, m), rng.integers(0, n, m)
    starts = sorted(set(rng.integers(0, n, int(rng.integers(0, 5))).tolist()))
    reached = cand._reachable(n, tails, heads, starts)
    assert set(np.flatnonzero(reached).tolist()) == _per_origin_reachable(n, tails, heads, starts)


def test_dunkirk_candidates_are_the_same_with_the_cap_off() -> None:
    inv = load_inventory(DATASET)
    off = inv.model_copy(
        update={"territory": inv.territory.model_copy(update={"candidate_cap": "off"})}
    )
    default, free = to_network(inv), to_network(off)
    assert convert.candidate_cap(inv) is None  # auto: off for a small inventory
    assert [a.key for a in default.problem.arcs] == [a.key for a in free.problem.arcs]
    assert default.candidates == free.candidates == 22


def test_candidate_cap_auto_caps_only_large_inventories(monkeypatch: pytest.MonkeyPatch) -> None:
    inv = load_inventory(DATASET)
    monkeypatch.setattr(convert, "AUTO_CAP_SITES", len(inv.sites) - 1)
    assert convert.candidate_cap(inv) == convert.AUTO_CAP
    monkeypatch.setattr(convert, "AUTO_CAP_SITES", len(inv.sites))
    assert convert.candidate_cap(inv) is None
    capped = inv.territory.model_copy(update={"candidate_cap": 1})
    assert convert.candidate_cap(inv.model_copy(update={"territory": capped})) == 1


def test_a_candidate_cap_of_one_keeps_fewer_dunkirk_candidates() -> None:
    inv = load_inventory(DATASET)
    capped = inv.model_copy(
        update={"territory": inv.territory.model_copy(update={"candidate_cap": 1})}
    )
    assert 0 < to_network(capped).candidates < to_network(inv).candidates


def test_a_candidate_cap_of_zero_names_the_field() -> None:
    doc = {"territory": {"name": "T", "candidate_cap": 0}}
    with pytest.raises(InventoryError) as err:
        parse_inventory(doc, "json")
    assert any(i.loc[:2] == ("territory", "candidate_cap") for i in err.value.issues)
    assert "greater than or equal to 1" in str(err.value)


def test_great_circle_arrays_match_the_scalar_haversine() -> None:
    rng = random.Random(3)
    places = {
        f"p{i}": cand.Place(f"p{i}", rng.uniform(-80, 80), rng.uniform(-179, 179))
        for i in range(50)
    }
    atlas = cand._Atlas(places, set())
    tails, heads = np.arange(50), np.roll(np.arange(50), 1)
    got = atlas.great_circle_km(tails, heads)
    for t, h, km in zip(tails, heads, got, strict=True):
        a, b = places[f"p{t}"], places[f"p{h}"]
        assert km == pytest.approx(
            cand.great_circle_km(a.latitude, a.longitude, b.latitude, b.longitude), rel=1e-12
        )
