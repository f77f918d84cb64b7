"""The zone of a site: the canton of the shipped Hauts-de-France boundary file that holds it.

``geo/hauts-de-france.geo.json`` (IGN ADMIN EXPRESS COG 2018, Licence Ouverte; see
``geo/LICENCE.md``) holds the region, its départements and its cantons.  A site inside the
region gets the canton that contains it; a site just off the simplified coast (a port, a
platform on the dyke) gets the nearest canton within ``NEAR_KM``; any other site is outside.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

BOUNDARIES = Path(__file__).with_name("geo") / "hauts-de-france.geo.json"
"""The shipped boundary file (also served to the page at ``/ui/geo/``)."""

OUTSIDE = "outside Hauts-de-France"
"""The zone of a site in no canton of the file and far from all of them."""

NEAR_KM = 5.0
"""How far off the (simplified) outline a site still takes the nearest canton."""


@dataclass(frozen=True)
class Zone:
    """A canton: its INSEE code, name and rings (outer rings and holes, as arrays of lon/lat)."""

    code: str
    name: str
    rings: tuple[np.ndarray, ...]
    box: tuple[float, float, float, float]
    """West, south, east, north."""


@cache
def cantons(path: Path = BOUNDARIES) -> tuple[Zone, ...]:
    """The cantons of the boundary file (read once)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for feature in data["features"]:
        props = feature["properties"]
        if props.get("level") != "canton":
            continue
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        rings = tuple(np.asarray(ring, dtype=float) for polygon in polygons for ring in polygon)
        every = np.concatenate(rings)
        box = (*(float(v) for v in every.min(axis=0)), *(float(v) for v in every.max(axis=0)))
        out.append(Zone(str(props["code"]), str(props["name"]), rings, box))  # type: ignore[arg-type]
    return tuple(out)


def _inside(ring: np.ndarray, x: float, y: float) -> bool:
    """Even-odd ray casting: whether (x, y) is inside the closed ring."""
    x0, y0 = ring[:-1, 0], ring[:-1, 1]
    x1, y1 = ring[1:, 0], ring[1:, 1]
    crosses = (y0 > y) != (y1 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        at = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
    return bool(np.count_nonzero(crosses & (x < at)) % 2)


def _distance_km(ring: np.ndarray, x: float, y: float) -> float:
    """Distance from (x, y) to the nearest vertex of ``ring`` (equirectangular, km)."""
    dx = (ring[:, 0] - x) * math.cos(math.radians(y)) * 111.32
    dy = (ring[:, 1] - y) * 110.57
    return float(np.min(np.hypot(dx, dy)))


@lru_cache(maxsize=65536)
def zone_of(longitude: float, latitude: float) -> str:
    """The name of the canton holding the point, the nearest one within NEAR_KM, else OUTSIDE."""
    best, nearest = OUTSIDE, NEAR_KM
    margin = NEAR_KM / 60.0  # degrees, generously (a degree of longitude is ~70 km here)
    for zone in cantons():
        west, south, east, north = zone.box
        if not (west - margin <= longitude <= east + margin and south - margin <= latitude <= north + margin):
            continue
        # holes count too: even-odd over all rings of the canton
        if sum(_inside(r, longitude, latitude) for r in zone.rings) % 2:
            return zone.name
        far = min(_distance_km(r, longitude, latitude) for r in zone.rings)
        if far < nearest:
            best, nearest = zone.name, far
    return best
