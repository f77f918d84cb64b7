"""Candidate links: every compatible origin/destination pair within a mode's reach.

For each mode and each commodity it carries, an origin (a site that has the commodity, or
makes it in a converter, or a hub handling it) is paired with every destination (a site that
wants it, or consumes it in a converter, or a hub) whose route length — great-circle distance
times the detour factor — is within the mode's maximum distance.  Heat goes only where its
temperature is enough: a source at 100 °C never feeds a sink that needs 120 °C, and heat does
not pass through hubs (its temperature would be lost on the way).  A candidate keeps a
commodity only if it lies on some path from an origin to a destination of that commodity,
along candidates and explicit links alike (:func:`_prune`, with ``scipy.sparse.csgraph``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

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


Key = tuple[str, str, str]
"""A link's ``(tail, head, mode)``."""


def generate(
    places: Mapping[str, Place],
    modes: Iterable[ModeReach],
    endpoints: Mapping[str, Endpoints],
    quality_commodities: Iterable[str] = (),
    skip: Iterable[Key] = (),
    explicit: Mapping[Key, Iterable[str]] | None = None,
) -> list[Candidate]:
    """Candidate links for every compatible pair (see the module docstring).

    Args:
        places: sites by id.
        modes: the link modes.
        endpoints: per commodity, its origins and destinations.
        quality_commodities: commodities whose temperature must be respected (heat).
        skip: ``(tail, head, mode)`` triples no candidate may duplicate, commodities unknown
            (they take no part in pruning: pass explicit links as ``explicit``).
        explicit: the explicit links (existing or to build), each with the commodities it may
            carry.  No candidate duplicates them, and pruning counts them as ways on: a pipe
            from an emitter to a CO2 hub is kept when the hub's only way on is a hand-written
            ship link.
    """
    quality = set(quality_commodities)
    given = dict(explicit or {})
    taken = set(skip) | set(given)
    edges: dict[Key, _Edge] = {}
    for mode in modes:
        for k in mode.commodities:
            ends = endpoints.get(k)
            if ends is not None:
                _pair(places, mode, k, ends, k in quality, taken, edges)
    _prune(edges, given, endpoints, places)
    return [
        Candidate(o, d, m, tuple(sorted(edge.commodities)), edge.length)
        for (o, d, m), edge in sorted(edges.items())
        if edge.commodities
    ]


@dataclass
class _Edge:
    commodities: set[str]
    length: float


def _pair(
    places: Mapping[str, Place],
    mode: ModeReach,
    k: str,
    ends: Endpoints,
    quality: bool,
    taken: set[Key],
    edges: dict[Key, _Edge],
) -> None:
    """Add commodity ``k`` of ``mode`` to every origin/destination pair within reach."""
    hubs = [] if quality else [p.id for p in places.values() if _handles(p, k)]
    origins = list(ends.origins) + [h for h in hubs if h not in ends.origins]
    destinations = list(ends.destinations) + [h for h in hubs if h not in ends.destinations]
    for o in origins:
        for d in destinations:
            if o == d or (o, d, mode.id) in taken:
                continue
            if quality and not _hot_enough(ends.origins.get(o), ends.destinations.get(d)):
                continue
            length = route_length(places[o], places[d], mode.detour_factor)
            if mode.max_distance is not None and length > mode.max_distance:
                continue
            edge = edges.get((o, d, mode.id))
            if edge is None:
                edges[(o, d, mode.id)] = _Edge({k}, length)
            else:
                edge.commodities.add(k)


def _handles(place: Place, commodity: str) -> bool:
    return place.hub and (not place.handles or commodity in place.handles)


def _hot_enough(source: float | None, need: float | None) -> bool:
    if need is None:
        return True
    return source is not None and source >= need - 1e-9


def _prune(
    edges: Mapping[Key, _Edge],
    explicit: Mapping[Key, Iterable[str]],
    endpoints: Mapping[str, Endpoints],
    places: Iterable[str],
) -> None:
    """Drop each commodity from candidates off every origin → destination path of it.

    Per commodity, the arcs that can carry it — candidates and explicit links alike, existing
    or not — form a directed graph.  A candidate keeps the commodity when an origin reaches its
    tail and its head reaches a destination: one breadth-first search from a super-source
    joined to every origin, one on the reversed graph from a super-sink joined to every
    destination (two searches per commodity, however many origins).
    """
    index = {node: i for i, node in enumerate(places)}
    ends_nodes = {x for e in endpoints.values() for x in (*e.origins, *e.destinations)}
    named = {x for key in (*edges, *explicit) for x in key[:2]} | ends_nodes
    for node in sorted(named - index.keys()):  # normally none: every node is a place
        index[node] = len(index)
    n = len(index)
    keys = list(edges)
    # map() and itemgetter keep the per-arc work in C: regions have 10^5 to 10^6 candidates
    tails = np.fromiter(map(index.__getitem__, map(itemgetter(0), keys)), np.int64, len(keys))
    heads = np.fromiter(map(index.__getitem__, map(itemgetter(1), keys)), np.int64, len(keys))
    carrying: dict[str, list[int]] = {}  # per commodity, the positions of its candidates
    for i, key in enumerate(keys):
        for k in edges[key].commodities:
            carrying.setdefault(k, []).append(i)
    given: dict[str, list[tuple[int, int]]] = {}
    for (t, h, _), ks in explicit.items():
        for k in ks:
            given.setdefault(k, []).append((index[t], index[h]))
    for k, ends in endpoints.items():
        if k not in carrying:
            continue
        pos = np.asarray(carrying[k], dtype=np.int64)
        extra = np.asarray(given.get(k, []), dtype=np.int64).reshape(-1, 2)
        arc_tails = np.concatenate([tails[pos], extra[:, 0]])
        arc_heads = np.concatenate([heads[pos], extra[:, 1]])
        reached = _reachable(n, arc_tails, arc_heads, [index[o] for o in ends.origins])
        reaching = _reachable(n, arc_heads, arc_tails, [index[d] for d in ends.destinations])
        for dead in pos[~(reached[tails[pos]] & reaching[heads[pos]])].tolist():
            edges[keys[dead]].commodities.discard(k)


def _reachable(n: int, tails: np.ndarray, heads: np.ndarray, starts: list[int]) -> np.ndarray:
    """Which of ``n`` nodes some start reaches along ``tails → heads`` (a boolean array)."""
    seen = np.zeros(n, dtype=bool)
    if not starts:
        return seen
    source = n  # a super-source with an arc to every start: one search covers them all
    rows = np.concatenate([tails, np.full(len(starts), source)])
    cols = np.concatenate([heads, np.asarray(starts, dtype=np.int64)])
    # boolean entries: parallel arcs merge into one (an integer sum could wrap around to 0)
    graph = sp.csr_matrix((np.ones(len(rows), dtype=bool), (rows, cols)), shape=(n + 1, n + 1))
    order = csgraph.breadth_first_order(graph, source, directed=True, return_predecessors=False)
    seen[order[order < n]] = True
    return seen
