"""Results at the scale of a region: summaries by zone, streamed flow tables, a map that loads.

A region's answer has tens of thousands of sites and flows.  Three things make it readable:

* :func:`zone_summary`: per employment zone, sector and commodity, what is available, used,
  delivered, and its value and CO2 avoided; :func:`zone_exchanges`: what flows from zone to
  zone per commodity.  A site's zone is its ``zone`` field when the inventory has one, else
  ``-`` (:data:`NO_ZONE`).
* :func:`write_flows`: the flows table written to CSV or Parquet in chunks of
  :data:`CHUNK_ROWS` rows, each chunk named and written before the next is made, so the named
  table never exists whole next to the numeric one.
* :func:`map_geojson`: sites and links in use; above :data:`MAP_MAX_LINKS` links, the links are
  aggregated zone to zone per commodity (one line between zone centres, carrying the sum), so a
  browser map stays light.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from symbiose.report import Report

NO_ZONE = "-"
"""The zone of a site whose inventory names none."""

CHUNK_ROWS = 100_000
"""Rows of the flows table named and written at a time."""

MAP_MAX_LINKS = 5_000
"""Beyond this many links in use, the map shows them aggregated zone to zone."""

ZONE_COLUMNS = [
    "zone",
    "sector",
    "commodity",
    "sites",
    "available",
    "used",
    "delivered",
    "unit",
    "delivery_value_eur",
    "disposal_avoided_eur",
    "co2_avoided_t",
]
EXCHANGE_COLUMNS = [
    "from_zone",
    "to_zone",
    "commodity",
    "links",
    "quantity",
    "delivered",
    "unit",
    "transport_cost_eur",
]
STREAM_COLUMNS = [
    "from_id",
    "from",
    "from_zone",
    "to_id",
    "to",
    "to_zone",
    "mode",
    "commodity",
    "slice",
    "quantity",
    "delivered",
    "lost",
    "unit",
    "transport_cost_eur",
    "co2_t",
]


def site_zones(report: Report) -> dict[str, str]:
    """Each site's zone: its ``zone`` field when the inventory has one, else :data:`NO_ZONE`."""
    return {s.id: str(getattr(s, "zone", None) or NO_ZONE) for s in report.inventory.sites}


def _units(report: Report) -> dict[str, str]:
    net = report.network
    return {k: net.unit(k) for k in net.commodities} if net is not None else {}


def zone_summary(report: Report) -> pd.DataFrame:
    """Per zone, sector and commodity: sites, available, used, delivered, value and CO2."""
    bal = report.result.balances
    if bal.empty:
        return pd.DataFrame(columns=ZONE_COLUMNS)
    zones = site_zones(report)
    sectors = {s.id: s.sector or NO_ZONE for s in report.inventory.sites}
    bal = bal.assign(
        zone=bal["node"].map(zones).fillna(NO_ZONE),
        sector=bal["node"].map(sectors).fillna(NO_ZONE),
    )
    per = bal.groupby(["zone", "sector", "commodity"], as_index=False).agg(
        sites=("node", "nunique"),
        available=("available", "sum"),
        used=("used", "sum"),
        delivered=("delivered", "sum"),
        delivery_value_eur=("delivery_value", "sum"),
        disposal_avoided_eur=("disposal_avoided", "sum"),
        co2_avoided_t=("co2_avoided", "sum"),
    )
    units = _units(report)
    per["unit"] = per["commodity"].map(lambda k: f"{units.get(k, '')}/yr")
    return per[ZONE_COLUMNS].sort_values(["zone", "sector", "commodity"], ignore_index=True)


def zone_exchanges(report: Report) -> pd.DataFrame:
    """What flows from zone to zone per commodity (a zone to itself: exchanges within it)."""
    flows = report.result.flows
    if flows.empty:
        return pd.DataFrame(columns=EXCHANGE_COLUMNS)
    zones = site_zones(report)
    flows = flows.assign(
        from_zone=flows["tail"].map(zones).fillna(NO_ZONE),
        to_zone=flows["head"].map(zones).fillna(NO_ZONE),
        link=flows["tail"] + "\x1f" + flows["head"] + "\x1f" + flows["mode"],
    )
    per = flows.groupby(["from_zone", "to_zone", "commodity"], as_index=False).agg(
        links=("link", "nunique"),
        quantity=("quantity", "sum"),
        delivered=("delivered", "sum"),
        transport_cost_eur=("cost", "sum"),
    )
    units = _units(report)
    per["unit"] = per["commodity"].map(lambda k: f"{units.get(k, '')}/yr")
    return per[EXCHANGE_COLUMNS].sort_values("quantity", ascending=False, ignore_index=True)


# -- streamed flows -----------------------------------------------------------------------------


def flow_chunks(report: Report, rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """The flows (per slice) with site names, zones and units, ``rows`` at a time."""
    flows = report.result.flows
    names = {s.id: s.name for s in report.inventory.sites}
    zones = site_zones(report)
    units = _units(report)
    for start in range(0, len(flows), rows):
        raw = flows.iloc[start : start + rows]
        yield pd.DataFrame(
            {
                "from_id": raw["tail"].to_numpy(),
                "from": raw["tail"].map(names).fillna(raw["tail"]).to_numpy(),
                "from_zone": raw["tail"].map(zones).fillna(NO_ZONE).to_numpy(),
                "to_id": raw["head"].to_numpy(),
                "to": raw["head"].map(names).fillna(raw["head"]).to_numpy(),
                "to_zone": raw["head"].map(zones).fillna(NO_ZONE).to_numpy(),
                "mode": raw["mode"].to_numpy(),
                "commodity": raw["commodity"].to_numpy(),
                "slice": raw["slice"].astype(str).to_numpy(),
                "quantity": raw["quantity"].to_numpy(dtype=float),
                "delivered": raw["delivered"].to_numpy(dtype=float),
                "lost": raw["lost"].to_numpy(dtype=float) if "lost" in raw else [0.0] * len(raw),
                "unit": raw["commodity"].map(lambda k: f"{units.get(k, '')}/yr").to_numpy(),
                "transport_cost_eur": raw["cost"].to_numpy(dtype=float),
                "co2_t": raw["co2"].to_numpy(dtype=float),
            },
            columns=STREAM_COLUMNS,
        )


def write_flows(
    report: Report, path: str | Path, fmt: str | None = None, rows: int = CHUNK_ROWS
) -> Path:
    """Write the flows table to ``path`` (CSV or Parquet, by ``fmt`` or the suffix) in chunks.

    Returns the path written.  An empty result writes the header (CSV) or the schema (Parquet).
    """
    out = Path(path)
    kind = (fmt or out.suffix.lstrip(".")).lower()
    if kind not in ("csv", "parquet"):
        raise ValueError(f"flows: write csv or parquet, not {kind!r}")
    out.parent.mkdir(parents=True, exist_ok=True)
    chunks = flow_chunks(report, rows)
    if kind == "csv":
        _write_csv(chunks, out)
    else:
        _write_parquet(chunks, out)
    return out


def _write_csv(chunks: Iterator[pd.DataFrame], out: Path) -> None:
    with out.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerow(STREAM_COLUMNS)
        for chunk in chunks:
            chunk.to_csv(handle, header=False, index=False)


def _write_parquet(chunks: Iterator[pd.DataFrame], out: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [(name, pa.float64() if name in _NUMERIC else pa.string()) for name in STREAM_COLUMNS]
    )
    with pq.ParquetWriter(out, schema) as writer:
        for chunk in chunks:
            writer.write_table(pa.Table.from_pandas(chunk, schema=schema, preserve_index=False))


_NUMERIC = {"quantity", "delivered", "lost", "transport_cost_eur", "co2_t"}


# -- the map ------------------------------------------------------------------------------------


def map_geojson(report: Report, max_links: int = MAP_MAX_LINKS) -> dict[str, Any]:
    """Sites and links in use; beyond ``max_links`` links, links aggregated zone to zone.

    The aggregated map has one line per (from zone, to zone, commodity) between the zones'
    centres (the mean position of their sites), carrying the number of links and the quantity
    (as ``flow``, which the web map draws as the line's width).  What is exchanged within a
    zone has no line: it is listed in the collection's ``symbiose`` member (``within_zones``),
    which also says which map this is.
    """
    links = len(report.built_links)
    if links <= max_links:
        doc = report.to_geojson(aggregate=False)
        doc["symbiose"] = {"links": "each", "links_in_use": links}
        return doc
    features = list(report.to_geojson(aggregate=False, links=False)["features"])
    centres = _zone_centres(report)
    within = []
    for r in zone_exchanges(report).to_dict(orient="records"):
        properties = {k: _plain(v) for k, v in r.items()}
        if r["from_zone"] == r["to_zone"]:
            within.append(properties)
            continue
        line = [list(centres[r["from_zone"]]), list(centres[r["to_zone"]])]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": line},
                "properties": {"kind": "zone_link", "flow": properties["quantity"]} | properties,
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "symbiose": {
            "links": "zone-to-zone",
            "links_in_use": links,
            "threshold": max_links,
            "within_zones": within,
        },
    }


def _zone_centres(report: Report) -> dict[str, tuple[float, float]]:
    """Mean ``(longitude, latitude)`` of each zone's sites."""
    zones = site_zones(report)
    sums: dict[str, list[float]] = {}
    for s in report.inventory.sites:
        acc = sums.setdefault(zones[s.id], [0.0, 0.0, 0.0])
        acc[0] += s.longitude
        acc[1] += s.latitude
        acc[2] += 1
    return {z: (round(x / n, 6), round(y / n, 6)) for z, (x, y, n) in sums.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value.item() if hasattr(value, "item") else value
