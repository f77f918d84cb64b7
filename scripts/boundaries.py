"""Build the page's boundary file of Hauts-de-France from gregoiredavid/france-geojson.

    python scripts/boundaries.py SOURCE_FOLDER [--out api/web/geo/hauts-de-france.geo.json]

SOURCE_FOLDER holds ``region-hauts-de-france.geojson``, ``departements-hauts-de-france.geojson``
and ``cantons-hauts-de-france.geojson`` from the folder ``regions/hauts-de-france/`` of
https://github.com/gregoiredavid/france-geojson (IGN ADMIN EXPRESS COG 2018, Licence Ouverte).
The script simplifies every ring by Douglas-Peucker (tolerances below, in degrees), rounds the
coordinates to 4 decimals (about 10 m) and writes one FeatureCollection whose features carry
``level`` (region, departement or canton), ``code`` (INSEE) and ``name``.  See
``api/web/geo/LICENCE.md`` for the source, the licence and the transformation.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "api" / "web" / "geo" / "hauts-de-france.geo.json"

LEVELS = {
    "region": ("region-hauts-de-france.geojson", 0.001),
    "departement": ("departements-hauts-de-france.geojson", 0.0015),
    "canton": ("cantons-hauts-de-france.geojson", 0.002),
}
"""Level → (source file, Douglas-Peucker tolerance in degrees: 0.001 is about 100 m)."""


def douglas_peucker(points: np.ndarray, tolerance: float) -> np.ndarray:
    """The points of the polyline ``points`` (n × 2) kept by Douglas-Peucker at ``tolerance``."""
    keep = np.zeros(len(points), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        if last <= first + 1:
            continue
        a, b = points[first], points[last]
        inner = points[first + 1 : last]
        span = b - a
        length = float(np.hypot(*span))
        if length == 0.0:
            dist = np.hypot(*(inner - a).T)
        else:
            dist = np.abs(span[0] * (inner[:, 1] - a[1]) - span[1] * (inner[:, 0] - a[0])) / length
        worst = int(np.argmax(dist))
        if dist[worst] > tolerance:
            split = first + 1 + worst
            keep[split] = True
            stack += [(first, split), (split, last)]
    return points[keep]


def simplify_ring(ring: list[list[float]], tolerance: float) -> list[list[float]] | None:
    """A closed ring simplified and rounded; None when too little of it is left to draw."""
    kept = douglas_peucker(np.asarray(ring, dtype=float), tolerance)
    rounded = [[round(float(x), 4), round(float(y), 4)] for x, y in kept]
    if len(rounded) < 4:
        return None
    rounded[-1] = rounded[0]
    return rounded


def simplify_geometry(geometry: dict[str, Any], tolerance: float) -> dict[str, Any] | None:
    """A Polygon or MultiPolygon simplified ring by ring (islands too small to draw are dropped)."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    out = []
    for polygon in polygons:
        rings = [simplify_ring(r, tolerance) for r in polygon]
        if rings and rings[0] is not None:
            out.append([r for r in rings if r is not None])
    if not out:
        return None
    if len(out) == 1:
        return {"type": "Polygon", "coordinates": out[0]}
    return {"type": "MultiPolygon", "coordinates": out}


def features(source: Path) -> list[dict[str, Any]]:
    """Every level's features, simplified, with level, code and name."""
    out = []
    for level, (name, tolerance) in LEVELS.items():
        data = json.loads((source / name).read_text())
        items = data["features"] if data["type"] == "FeatureCollection" else [data]
        for item in items:
            geometry = simplify_geometry(item["geometry"], tolerance)
            if geometry is None:
                continue
            props = item["properties"]
            out.append(
                {
                    "type": "Feature",
                    "properties": {"level": level, "code": str(props["code"]), "name": props["nom"]},
                    "geometry": geometry,
                }
            )
    return out


def main(argv: list[str] | None = None) -> int:
    """Write the boundary file; print its size and feature counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", help="folder with the three france-geojson files")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    collection = {
        "type": "FeatureCollection",
        "name": "hauts-de-france",
        "source": "IGN ADMIN EXPRESS COG 2018 via github.com/gregoiredavid/france-geojson; Licence Ouverte / Etalab",
        "features": features(Path(args.source)),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n")
    counts: dict[str, int] = {}
    for f in collection["features"]:
        counts[f["properties"]["level"]] = counts.get(f["properties"]["level"], 0) + 1
    print(f"{out}: {out.stat().st_size:,} bytes, {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
