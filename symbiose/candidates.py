"""Candidate links: every compatible origin/destination pair within a mode's reach.

For each mode and each commodity it carries, an origin (a site that has the commodity, or
makes it in a converter, or a hub handling it) is paired with every destination (a site that
wants it, or consumes it in a converter, or a hub) whose route length — great-circle distance
times the detour factor — is within the mode's maximum distance.  Heat goes only where its
temperature is enough: a source at 100 °C never feeds a sink that needs 120 °C, and heat does
not pass through hubs (its temperature would be lost on the way).  Edges that cannot lie on a
path from an origin to a destination of their commodity are pruned with networkx.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import networkx as nx

EARTH_RADIUS_KM = 6371.0088
"""The IUGG mean Earth radius R1 (km), the sphere of every great-circle distance."""


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Place:
    """A site as candidate generation sees it."""

    id: str
    latitude: float
    longitude: float
    hub: bool = False
    handles: frozenset[str] = frozenset()
    """For a hub: the commodities it tranships (empty: all)."""


@dataclass(frozen=True)
class ModeReach:
    """A mode as candidate generation sees it."""

    id: str
    commodities: tuple[str, ...]
    detour_factor: float
    max_distance: float | None  # km of route; None: unlimited


@dataclass
class Endpoints:
    """Where a commodity comes from and goes to.

    ``origins`` maps a site to the temperature of what it gives (None if no quality);
    ``destinations`` maps a site to the least temperature it needs (None if none).
    """

    origins: dict[str, float | None] = field(default_factory=dict)
    destinations: dict[str, float | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Candidate:
    """A generated link: ``tail`` to ``head`` by ``mode``, carrying ``commodities``."""

    tail: str
    head: str
    mode: str
    commodities: tuple[str, ...]
    length_km: float


def route_length(a: Place, b: Place, detour: float) -> float:
    """Route length in km between two places."""
    return great_circle_km(a.latitude, a.longitude, b.latitude, b.longitude) * detour


def generate(
    places: Mapping[str, Place],
    modes: Iterable[ModeReach],
    endpoints: Mapping[str, Endpoints],
    quality_commodities: Iterable[str] = (),
    skip: Iterable[tuple[str, str, str]] = (),
) -> list[Candidate]:
    """Candidate links for every compatible pair (see the module docstring).

    Args:
        places: sites by id.
        modes: the link modes.
        endpoints: per commodity, its origins and destinations.
        quality_commodities: commodities whose temperature must be respected (heat).
        skip: ``(tail, head, mode)`` triples given explicitly; no candidate duplicates them.
    """
    quality = set(quality_commodities)
    explicit = set(skip)
    graph = nx.MultiDiGraph()
    for mode in modes:
        for k in mode.commodities:
            ends = endpoints.get(k)
            if ends is None:
                continue
            hubs = [] if k in quality else [p.id for p in places.values() if _handles(p, k)]
            origins = list(ends.origins) + [h for h in hubs if h not in ends.origins]
            destinations = list(ends.destinations) + [h for h in hubs if h not in ends.destinations]
            for o in origins:
                for d in destinations:
                    if o == d or (o, d, mode.id) in explicit:
                        continue
                    if k in quality and not _hot_enough(
                        ends.origins.get(o), ends.destinations.get(d)
                    ):
                        continue
                    length = route_length(places[o], places[d], mode.detour_factor)
                    if mode.max_distance is not None and length > mode.max_distance:
                        continue
                    if graph.has_edge(o, d, key=mode.id):
                        graph.edges[o, d, mode.id]["commodities"].add(k)
                    else:
                        graph.add_edge(o, d, key=mode.id, commodities={k}, length=length)
    _prune(graph, endpoints)
    return [
        Candidate(o, d, m, tuple(sorted(data["commodities"])), data["length"])
        for o, d, m, data in sorted(graph.edges(keys=True, data=True), key=lambda e: e[:3])
        if data["commodities"]
    ]


def _handles(place: Place, commodity: str) -> bool:
    return place.hub and (not place.handles or commodity in place.handles)


def _hot_enough(source: float | None, need: float | None) -> bool:
    if need is None:
        return True
    return source is not None and source >= need - 1e-9


def _prune(graph: nx.MultiDiGraph, endpoints: Mapping[str, Endpoints]) -> None:
    """Drop each commodity from edges that no origin reaches or that reach no destination."""
    for k, ends in endpoints.items():
        carrying = nx.DiGraph()
        carrying.add_nodes_from(graph.nodes)
        carrying.add_edges_from(
            (o, d) for o, d, data in graph.edges(data=True) if k in data["commodities"]
        )
        reached: set[str] = set()
        for o in ends.origins:
            if o in carrying:
                reached |= {o} | nx.descendants(carrying, o)
        reaching: set[str] = set()
        for d in ends.destinations:
            if d in carrying:
                reaching |= {d} | nx.ancestors(carrying, d)
        for o, d, data in graph.edges(data=True):
            if k in data["commodities"] and (o not in reached or d not in reaching):
                data["commodities"].discard(k)
