"""The Sankey diagram of a run's optimum, from its result document (no solver objects).

Suppliers → commodities → takers, with converters and hubs in between: a site that both
receives and sends sits in the middle of the chain.  A Sankey must be acyclic, so every site
gets a *layer* (the longest chain of exchanges leading to it) and each commodity gets one node
per layer it leaves from ("CO2 ①"); every link then goes from a lower layer to a higher one.
When exchanges loop (a hub sending back to its supplier), the layout falls back to three
columns (senders, commodities, receivers), which is always acyclic.

Too many sites make an unreadable diagram: beyond ``max_nodes`` nodes the sites are grouped
by sector; ``group="zone"`` groups them by zone (the site's own ``zone`` when its GeoJSON
carries one, else the canton of the shipped Hauts-de-France boundary file that holds it, see
``api.web.zones``).  Widths are the exchanges' yearly value in euros (their ``indicative_value_eur``,
taken in absolute value because a Sankey cannot draw a negative width) — the one unit in
which heat, slag and CO2 add up; the yearly quantities (time slices already weighted by their
share of the year) travel with each link for the tooltip.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx

from api.web.zones import OUTSIDE, zone_of

Grouping = Literal["auto", "site", "sector", "zone"]
Grouped = Literal["site", "sector", "zone"]

MIN_SHARE = 0.01
"""Smallest width, as a share of the largest link, so that no exchange disappears."""


@dataclass(frozen=True)
class SiteInfo:
    """What the diagram shows of a site."""

    name: str
    sector: str
    hub: bool = False
    converter: bool = False
    zone: str = ""
    """The site's own zone, when its GeoJSON names one (else found from ``point``)."""
    point: tuple[float, float] | None = None
    """Longitude and latitude."""


@dataclass
class Sankey:
    """Nodes and links ready for a Sankey chart, and how the sites were grouped."""

    grouping: Grouped
    layout: Literal["chain", "columns"]
    nodes: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The document served to the page."""
        return {
            "grouping": self.grouping,
            "layout": self.layout,
            "unit": "EUR/yr",
            "nodes": self.nodes,
            "links": self.links,
        }


def sites_from(geojson: dict[str, Any], converters: Iterable[dict[str, Any]]) -> dict[str, SiteInfo]:
    """Site names, sectors, hubs and converter hosts from a run's GeoJSON and converter table."""
    hosts = {str(c.get("site_id")) for c in converters}
    sites: dict[str, SiteInfo] = {}
    for feature in geojson.get("features", []):
        props = feature.get("properties", {})
        if props.get("kind") != "site":
            continue
        sid = str(props["id"])
        sites[sid] = SiteInfo(
            name=str(props.get("name") or sid),
            sector=str(props.get("sector") or "—"),
            hub=bool(props.get("hub")),
            converter=sid in hosts,
            zone=str(props.get("zone") or ""),
            point=_point(feature.get("geometry")),
        )
    return sites


def build_sankey(
    flows: list[dict[str, Any]],
    sites: dict[str, SiteInfo],
    group: Grouping = "auto",
    max_nodes: int = 60,
) -> Sankey:
    """The Sankey of ``flows`` (rows of the result's ``flows`` table)."""
    flows = [f for f in flows if float(f.get("delivered") or f.get("quantity") or 0.0) > 0.0]
    grouping: Grouped = "site" if group == "auto" else group
    if group == "auto":
        involved = {f["from_id"] for f in flows} | {f["to_id"] for f in flows}
        commodities = {f["commodity"] for f in flows}
        if len(involved) + len(commodities) > max_nodes:
            grouping = "sector"
    exchanges = _exchanges(flows, sites, grouping)
    graph = nx.DiGraph([(a, b) for a, b, _c in exchanges])
    if nx.is_directed_acyclic_graph(graph):
        return _chain(exchanges, graph, sites, grouping)
    return _columns(exchanges, sites, grouping)


Key = tuple[str, str, str]
"""(sender, receiver, commodity): sites or sectors, after grouping."""


def _exchanges(
    flows: list[dict[str, Any]], sites: dict[str, SiteInfo], grouping: str
) -> dict[Key, dict[str, Any]]:
    """Flows summed per (sender, receiver, commodity) after grouping."""
    out: dict[Key, dict[str, Any]] = {}
    for f in flows:
        a, b = _member(str(f["from_id"]), sites, grouping), _member(str(f["to_id"]), sites, grouping)
        key = (a, b, str(f["commodity"]))
        row = out.setdefault(
            key, {"value_eur": 0.0, "quantity": 0.0, "unit": f.get("unit", ""), "count": 0}
        )
        row["value_eur"] += float(f.get("indicative_value_eur") or 0.0)
        row["quantity"] += float(f.get("delivered") or f.get("quantity") or 0.0)
        row["count"] += 1
    return out


def _point(geometry: dict[str, Any] | None) -> tuple[float, float] | None:
    if not geometry or geometry.get("type") != "Point":
        return None
    longitude, latitude = geometry["coordinates"][:2]
    return float(longitude), float(latitude)


def _zone(info: SiteInfo | None) -> str:
    """The site's own zone, else the canton holding its point (found only when asked for)."""
    if info is None:
        return OUTSIDE
    if info.zone:
        return info.zone
    return zone_of(*info.point) if info.point else OUTSIDE


def _member(site_id: str, sites: dict[str, SiteInfo], grouping: str) -> str:
    info = sites.get(site_id)
    if grouping == "sector":
        return f"sector:{info.sector if info else '—'}"
    if grouping == "zone":
        return f"zone:{_zone(info)}"
    return f"site:{site_id}"


def _node(member: str, sites: dict[str, SiteInfo], depth: int, prefix: str = "") -> dict[str, Any]:
    kind, _, key = member.partition(":")
    if kind in ("sector", "zone"):
        return {"id": prefix + member, "label": key, "kind": kind, "depth": depth}
    info = sites.get(key, SiteInfo(name=key, sector="—"))
    role = "hub" if info.hub else "converter" if info.converter else "site"
    return {
        "id": prefix + member,
        "label": info.name,
        "kind": role,
        "site_id": key,
        "sector": info.sector,
        "depth": depth,
    }


def _widths(exchanges: dict[Key, dict[str, Any]]) -> dict[Key, float]:
    largest = max((abs(x["value_eur"]) for x in exchanges.values()), default=0.0)
    floor = MIN_SHARE * largest if largest > 0 else 1.0
    return {k: max(abs(x["value_eur"]), floor) for k, x in exchanges.items()}


def _link(source: str, target: str, key: Key, x: dict[str, Any], width: float, total: float) -> dict[str, Any]:
    return {
        "source": source,
        "target": target,
        "value": width,
        "commodity": key[2],
        "value_eur": x["value_eur"],
        "quantity": x["quantity"],
        "unit": x["unit"],
        "share": width / total if total > 0 else 0.0,
    }


def _chain(
    exchanges: dict[Key, dict[str, Any]], graph: nx.DiGraph, sites: dict[str, SiteInfo], grouping: Any
) -> Sankey:
    """Sites in layers (longest chain of exchanges), a commodity node per layer it leaves."""
    layer: dict[str, int] = {}
    for member in nx.topological_sort(graph):
        preds = list(graph.predecessors(member))
        layer[member] = 1 + max((layer[p] for p in preds), default=-1)
    widths = _widths(exchanges)
    total = sum(widths.values())
    sankey = Sankey(grouping=grouping, layout="chain")
    sankey.nodes = [_node(m, sites, 2 * layer[m]) for m in graph.nodes]
    into: dict[str, dict[str, Any]] = {}
    for key, x in exchanges.items():
        a, b, commodity = key
        hop = f"commodity:{commodity}@{layer[a]}"
        into.setdefault(hop, {"id": hop, "label": commodity, "kind": "commodity", "depth": 2 * layer[a] + 1})
        sankey.links.append(_link(a, hop, key, x, widths[key], total))
        sankey.links.append(_link(hop, b, key, x, widths[key], total))
    sankey.nodes += list(into.values())
    sankey.links = _merge(sankey.links)
    return sankey


def _columns(exchanges: dict[Key, dict[str, Any]], sites: dict[str, SiteInfo], grouping: Any) -> Sankey:
    """Senders, commodities, receivers: three columns, always acyclic."""
    widths = _widths(exchanges)
    total = sum(widths.values())
    sankey = Sankey(grouping=grouping, layout="columns")
    nodes: dict[str, dict[str, Any]] = {}
    for key, x in exchanges.items():
        a, b, commodity = key
        src, dst, hop = f"out:{a}", f"in:{b}", f"commodity:{commodity}"
        nodes.setdefault(src, _node(a, sites, 0, "out:"))
        nodes.setdefault(hop, {"id": hop, "label": commodity, "kind": "commodity", "depth": 1})
        nodes.setdefault(dst, _node(b, sites, 2, "in:"))
        sankey.links.append(_link(src, hop, key, x, widths[key], total))
        sankey.links.append(_link(hop, dst, key, x, widths[key], total))
    sankey.nodes = list(nodes.values())
    sankey.links = _merge(sankey.links)
    return sankey


def _merge(links: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One link per (source, target, commodity): a sender's several receivers share its hop."""
    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
    sums: defaultdict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for link in links:
        sums[(link["source"], link["target"], link["commodity"])].append(link)
    for key, parts in sums.items():
        first = dict(parts[0])
        for extra in parts[1:]:
            for name in ("value", "value_eur", "quantity", "share"):
                first[name] += extra[name]
        merged[key] = first
    return list(merged.values())
