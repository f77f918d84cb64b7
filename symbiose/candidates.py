"""Candidate links: every compatible origin/destination pair within a mode's reach.

For each mode and each commodity it carries, an origin (a site that has the commodity, or
makes it in a converter, or a hub handling it) is paired with every destination (a site that
wants it, or consumes it in a converter, or a hub) whose route length — great-circle distance
times the detour factor — is within the mode's maximum distance.  Heat goes only where its
temperature is enough: a source at 100 °C never feeds a sink that needs 120 °C, and heat does
not pass through hubs (its temperature would be lost on the way).

The pairs come from k-d trees (``scipy.spatial.cKDTree``) of 3-D unit vectors, one for the
origins and one for the destinations of each mode and commodity: the chord between two points
of the sphere grows with their great-circle distance, so the pairs within the chord of the
reach are the pairs within reach, and each is then kept by its exact haversine length.  The
origins are searched a chunk at a time, so that all the pairs of a region never sit in memory
together.  An optional ``cap`` keeps, per mode and commodity, the nearest ``cap`` destinations of
each origin and the nearest ``cap`` origins of each destination.

A candidate keeps a commodity only if it lies on some path from an origin to a destination of
that commodity, along candidates and explicit links alike (:func:`_prune`, two searches per
commodity with ``scipy.sparse.csgraph``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

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
    cap: int | None = None,
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
        cap: per mode and commodity, each origin keeps its ``cap`` nearest compatible
            destinations and each destination its ``cap`` nearest compatible origins (a pair
            stays if either end keeps it); None keeps every pair within reach.
    """
    if cap is not None and cap < 1:
        raise ValueError(f"the candidate cap must be 1 or more, got {cap}")
    given = {key: tuple(ks) for key, ks in (explicit or {}).items()}
    quality = set(quality_commodities)
    atlas = _Atlas(places, {*skip, *given})
    blocks = [
        block
        for mode in modes
        for k in mode.commodities
        if k in endpoints
        and (block := atlas.pairs(mode, k, endpoints[k], k in quality, cap)) is not None
    ]
    if not blocks:
        return []
    table = _ArcTable(blocks, len(atlas.ids))
    _prune(table, given, endpoints, atlas)
    return table.candidates(atlas.ids)


EARTH_CHORD_SLACK = 1e-9
"""Relative slack on the k-d tree's search radius, so that rounding never loses a pair at the
reach's edge: every pair found is then kept or dropped by its exact great-circle length."""

_CHUNK = 2048
"""Origins (or destinations) searched at once: bounds the pairs held in memory at a time."""


@dataclass(frozen=True)
class _Block:
    """The pairs of one mode and one commodity: place indices and route lengths (km)."""

    mode: str
    commodity: str
    tails: np.ndarray
    heads: np.ndarray
    lengths: np.ndarray


class _Atlas:
    """Every place as arrays: ids, coordinates, 3-D unit vectors (for the k-d tree), hubs."""

    def __init__(self, places: Mapping[str, Place], taken: set[Key]) -> None:
        self.ids = list(places)
        self.index = {pid: i for i, pid in enumerate(self.ids)}
        self.lat = np.radians(np.fromiter((p.latitude for p in places.values()), float))
        self.lon = np.radians(np.fromiter((p.longitude for p in places.values()), float))
        cos_lat = np.cos(self.lat)
        self.xyz = np.column_stack(
            [cos_lat * np.cos(self.lon), cos_lat * np.sin(self.lon), np.sin(self.lat)]
        )
        self.hubs = [p for p in places.values() if p.hub]
        self.taken: dict[str, set[tuple[str, str]]] = {}
        for t, h, m in taken:
            self.taken.setdefault(m, set()).add((t, h))

    def node(self, pid: str) -> int:
        """The index of ``pid``, a new one (with no coordinates) for an unknown id."""
        if pid not in self.index:
            self.index[pid] = len(self.ids)
            self.ids.append(pid)
        return self.index[pid]

    def pairs(
        self, mode: ModeReach, k: str, ends: Endpoints, quality: bool, cap: int | None
    ) -> _Block | None:
        """The compatible pairs of commodity ``k`` by ``mode`` within its reach."""
        hubs = [] if quality else [p.id for p in self.hubs if _handles(p, k)]
        origins = list(ends.origins) + [h for h in hubs if h not in ends.origins]
        destinations = list(ends.destinations) + [h for h in hubs if h not in ends.destinations]
        if not origins or not destinations:
            return None
        search = _Search(self, mode, ends, origins, destinations, quality)
        if cap is None:
            tails, heads, lengths = search.all_pairs()
        else:
            tails, heads, lengths = search.nearest(cap)
        return _Block(mode.id, k, tails, heads, lengths)

    def great_circle_km(self, tails: np.ndarray, heads: np.ndarray) -> np.ndarray:
        """Great-circle km between places, the haversine of :func:`great_circle_km` on arrays."""
        p1, p2 = self.lat[tails], self.lat[heads]
        dl = self.lon[heads] - self.lon[tails]
        h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
        return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))


class _Search:
    """One mode and commodity: origins and destinations, their k-d trees and the reach.

    The chord between two unit vectors grows with their great-circle distance, so the pairs
    within a chord radius are those within the mode's reach: the tree finds them without
    looking at every pair.
    """

    def __init__(
        self,
        atlas: _Atlas,
        mode: ModeReach,
        ends: Endpoints,
        origins: list[str],
        destinations: list[str],
        quality: bool,
    ) -> None:
        self.atlas, self.mode = atlas, mode
        self.o = np.fromiter(map(atlas.index.__getitem__, origins), np.int64, len(origins))
        self.d = np.fromiter(
            map(atlas.index.__getitem__, destinations), np.int64, len(destinations)
        )
        self.o_tree = cKDTree(atlas.xyz[self.o])
        self.d_tree = cKDTree(atlas.xyz[self.d])
        if mode.max_distance is None:
            self.radius = math.inf
        else:
            angle = mode.max_distance / mode.detour_factor / EARTH_RADIUS_KM
            self.radius = 2 * math.sin(min(angle, math.pi) / 2) * (1 + EARTH_CHORD_SLACK)
        # temperatures: NaN where none is given (heat only)
        self.hot = _temperatures(ends.origins, origins) if quality else None
        self.need = _temperatures(ends.destinations, destinations) if quality else None
        taken = atlas.taken.get(mode.id, set())
        self.taken = {
            atlas.index[t] * len(atlas.index) + atlas.index[h]
            for t, h in taken
            if t in atlas.index and h in atlas.index
        }

    def all_pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every compatible pair within reach, as place indices and route lengths."""
        parts = [self._within(start, by_origin=True) for start in range(0, len(self.o), _CHUNK)]
        return _concat(parts)

    def nearest(self, cap: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The ``cap`` nearest compatible pairs of each origin and of each destination."""
        parts = []
        for by_origin, n in ((True, len(self.o)), (False, len(self.d))):
            for start in range(0, n, _CHUNK):
                tails, heads, lengths = self._within(start, by_origin=by_origin)
                rows = tails if by_origin else heads
                first = _first_of_each(rows, lengths, cap)
                parts.append((tails[first], heads[first], lengths[first]))
        tails, heads, lengths = _concat(parts)
        # a pair both its ends keep appears twice
        _, once = np.unique(tails * len(self.atlas.index) + heads, return_index=True)
        return tails[once], heads[once], lengths[once]

    def _within(self, start: int, *, by_origin: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The compatible pairs of a chunk of origins (or destinations) within reach."""
        rows = self.o if by_origin else self.d
        chunk = slice(start, start + _CHUNK)
        other = self.d_tree if by_origin else self.o_tree
        if math.isinf(self.radius):
            i = np.repeat(np.arange(len(rows[chunk])), other.n)
            j = np.tile(np.arange(other.n), len(rows[chunk]))
        else:
            found = cKDTree(self.atlas.xyz[rows[chunk]]).sparse_distance_matrix(
                other, self.radius, output_type="ndarray"
            )
            i, j = found["i"].astype(np.int64), found["j"].astype(np.int64)
        i += start
        oi, dj = (i, j) if by_origin else (j, i)
        return self._compatible(oi, dj)

    def _compatible(
        self, oi: np.ndarray, dj: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Keep the pairs (positions in origins, destinations) a candidate may join."""
        tails, heads = self.o[oi], self.d[dj]
        ok = tails != heads
        if self.hot is not None and self.need is not None:
            need = self.need[dj]
            # a NaN source temperature never meets a need: NaN >= x is False
            ok &= np.isnan(need) | (self.hot[oi] >= need - 1e-9)
        if self.taken:
            codes = tails * len(self.atlas.index) + heads
            ok &= ~np.isin(codes, np.fromiter(self.taken, np.int64, len(self.taken)))
        tails, heads = tails[ok], heads[ok]
        lengths = self.atlas.great_circle_km(tails, heads) * self.mode.detour_factor
        if self.mode.max_distance is not None:
            near = lengths <= self.mode.max_distance
            tails, heads, lengths = tails[near], heads[near], lengths[near]
        return tails, heads, lengths


def _temperatures(given: Mapping[str, float | None], ids: list[str]) -> np.ndarray:
    values = (given.get(x) for x in ids)
    return np.fromiter((np.nan if v is None else v for v in values), float, len(ids))


def _concat(
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    return (
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
    )


def _first_of_each(rows: np.ndarray, lengths: np.ndarray, n: int) -> np.ndarray:
    """Positions of the ``n`` shortest pairs of each row (ties in the order found)."""
    if not len(rows):
        return np.zeros(0, dtype=np.int64)
    # one sort on "row + length scaled into [0, 1)": cheaper than a lexsort on two keys
    key = rows + lengths / (float(lengths.max()) * (1 + 1e-9) + 1e-300)
    order = np.argsort(key, kind="stable")
    ranked = rows[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    sizes = np.diff(np.r_[starts, len(ranked)])
    rank = np.arange(len(ranked)) - np.repeat(starts, sizes)
    return order[rank < n]


class _ArcTable:
    """The candidate arcs of every mode, each with the commodities it may carry.

    ``arc`` (per pair of a block, the position of its arc) and ``keep`` (per pair of a block,
    whether it keeps its commodity) let pruning drop one commodity from one arc without
    touching the others.
    """

    def __init__(self, blocks: list[_Block], n_places: int) -> None:
        self.blocks = blocks
        self.modes = sorted({b.mode for b in blocks})
        mode_of = {m: i for i, m in enumerate(self.modes)}
        codes = np.concatenate(
            [(b.tails * n_places + b.heads) * len(self.modes) + mode_of[b.mode] for b in blocks]
        )
        unique, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
        self.tails = np.concatenate([b.tails for b in blocks])[first]
        self.heads = np.concatenate([b.heads for b in blocks])[first]
        self.lengths = np.concatenate([b.lengths for b in blocks])[first]
        self.mode = (unique % len(self.modes)).astype(np.int64)
        bounds = np.cumsum([0] + [len(b.tails) for b in blocks])
        self.arc = [inverse[bounds[i] : bounds[i + 1]] for i in range(len(blocks))]
        self.keep = [np.ones(len(b.tails), dtype=bool) for b in blocks]

    def candidates(self, ids: list[str]) -> list[Candidate]:
        """The arcs that keep a commodity, sorted by ``(tail, head, mode)``."""
        carried: dict[int, list[str]] = {}
        for block, arcs, kept in zip(self.blocks, self.arc, self.keep, strict=True):
            for a in arcs[kept].tolist():
                carried.setdefault(a, []).append(block.commodity)
        out = [
            Candidate(
                ids[self.tails[a]],
                ids[self.heads[a]],
                self.modes[self.mode[a]],
                tuple(sorted(ks)),
                float(self.lengths[a]),
            )
            for a, ks in carried.items()
        ]
        out.sort(key=lambda c: (c.tail, c.head, c.mode))
        return out


def _handles(place: Place, commodity: str) -> bool:
    return place.hub and (not place.handles or commodity in place.handles)


def _prune(
    table: _ArcTable,
    explicit: Mapping[Key, tuple[str, ...]],
    endpoints: Mapping[str, Endpoints],
    atlas: _Atlas,
) -> None:
    """Keep, in each block, only the pairs on an origin → destination path of its commodity.

    Per commodity, the arcs that can carry it — candidates and explicit links alike, existing
    or not — form a directed graph.  A candidate keeps the commodity when an origin reaches its
    tail and its head reaches a destination: one breadth-first search from a super-source
    joined to every origin, one on the reversed graph from a super-sink joined to every
    destination (two searches per commodity, however many origins).
    """
    given: dict[str, list[tuple[int, int]]] = {}
    for (t, h, _), ks in explicit.items():
        for k in ks:
            given.setdefault(k, []).append((atlas.node(t), atlas.node(h)))
    ends_of = {
        k: ([atlas.node(o) for o in e.origins], [atlas.node(d) for d in e.destinations])
        for k, e in endpoints.items()
    }
    n = len(atlas.ids)
    by_commodity: dict[str, list[int]] = {}
    for i, block in enumerate(table.blocks):
        by_commodity.setdefault(block.commodity, []).append(i)
    for k, members in by_commodity.items():
        arcs = np.concatenate([table.arc[i] for i in members])
        extra = np.asarray(given.get(k, []), dtype=np.int64).reshape(-1, 2)
        arc_tails = np.concatenate([table.tails[arcs], extra[:, 0]])
        arc_heads = np.concatenate([table.heads[arcs], extra[:, 1]])
        origins, destinations = ends_of[k]
        reached = _reachable(n, arc_tails, arc_heads, origins)
        reaching = _reachable(n, arc_heads, arc_tails, destinations)
        for i in members:
            block = table.blocks[i]
            table.keep[i] &= reached[block.tails] & reaching[block.heads]


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
