"""What belongs to the region: valid SIRETs, positions inside its outline, its departments.

``outline.json`` is the outline of Hauts-de-France (IGN ADMIN EXPRESS COG 2018 via
gregoiredavid/france-geojson, Licence Ouverte, as the page's boundary file, simplified to about
300 m).  A position is in the region when it lies inside the outline or within
:data:`MARGIN_KM` of it (a plant on the dyke of a port, beyond the simplified coast).  The
checks work on whole columns: a point-in-polygon test by ray casting against every edge at
once, and a k-d tree of the outline's vertices for the margin.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from symbiose.region.tables import HERE

OUTLINE_JSON = HERE / "outline.json"

MARGIN_KM = 5.0
"""How far outside the simplified outline a position still counts as in the region."""

DEGREE_KM = 111.2
"""Kilometres per degree of latitude (and of longitude at the equator), for the margin."""

LA_POSTE_SIREN = "356000000"
"""La Poste's establishments do not pass the Luhn check: their SIRET digits sum to a multiple
of 5 instead (INSEE's rule for this one SIREN)."""


@dataclass(frozen=True)
class Outline:
    """A region's outline: name, INSEE code, departments and rings of (lon, lat) vertices."""

    name: str
    code: str
    departments: tuple[str, ...]
    rings: tuple[np.ndarray, ...]
    source: str


@cache
def region_outline() -> Outline:
    """The outline of Hauts-de-France shipped with the builder (read once)."""
    data = json.loads(OUTLINE_JSON.read_text(encoding="utf-8"))
    rings = tuple(np.asarray(ring, dtype=float) for ring in data["rings"])
    return Outline(data["name"], data["code"], tuple(data["departments"]), rings, data["source"])


def inside(lon: np.ndarray, lat: np.ndarray, outline: Outline | None = None) -> np.ndarray:
    """Whether each position is in the region (inside its outline or within MARGIN_KM of it).

    NaN positions are not inside.
    """
    outline = outline or region_outline()
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    crossings = np.zeros(len(lon), dtype=np.int64)
    for ring in outline.rings:
        crossings += _crossings(ring, lon, lat)
    result: np.ndarray = (crossings % 2 == 1) | _near(outline, lon, lat)
    return result


def _crossings(ring: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """How many edges of ``ring`` a ray going east from each point crosses (even-odd rule)."""
    x0, y0, x1, y1 = ring[:-1, 0], ring[:-1, 1], ring[1:, 0], ring[1:, 1]
    counts = np.zeros(len(lon), dtype=np.int64)
    for start in range(0, len(lon), 4096):  # a block of points against every edge at once
        x, y = lon[start : start + 4096, None], lat[start : start + 4096, None]
        spans = (y0 > y) != (y1 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
        counts[start : start + 4096] = np.count_nonzero(spans & (x < at), axis=1)
    return counts


def _near(outline: Outline, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Whether each point is within MARGIN_KM of a vertex of the outline."""
    vertices = np.concatenate(outline.rings)
    scale = np.cos(np.radians(float(vertices[:, 1].mean())))
    tree = cKDTree(np.column_stack([vertices[:, 0] * scale, vertices[:, 1]]) * DEGREE_KM)
    finite = np.isfinite(lon) & np.isfinite(lat)
    near = np.zeros(len(lon), dtype=bool)
    points = np.column_stack([lon[finite] * scale, lat[finite]]) * DEGREE_KM
    if len(points):
        distance, _ = tree.query(points, distance_upper_bound=MARGIN_KM)
        near[finite] = np.isfinite(distance)
    return near


def siret_valid(sirets: pd.Series) -> np.ndarray:
    """Whether each SIRET is 14 digits with a valid check digit (Luhn; La Poste's rule).

    A SIRET with letters, with more or fewer than 14 digits, or whose Luhn sum is not a
    multiple of 10 is not valid.  Spaces around it are ignored; spaces inside are not.
    """
    text = sirets.fillna("").astype(str).str.strip()
    shaped = text.str.fullmatch(r"\d{14}").to_numpy(dtype=bool)
    valid = np.zeros(len(text), dtype=bool)
    if not shaped.any():
        return valid
    digits = np.array([list(s) for s in text[shaped]], dtype=np.int64).reshape(-1, 14)
    doubled = digits.copy()
    doubled[:, 0::2] *= 2  # from the right, every second digit: indices 12, 10, ..., 0
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    luhn = doubled.sum(axis=1) % 10 == 0
    la_poste = (text[shaped].str[:9] == LA_POSTE_SIREN).to_numpy() & (digits.sum(axis=1) % 5 == 0)
    valid[shaped] = luhn | la_poste
    return valid
