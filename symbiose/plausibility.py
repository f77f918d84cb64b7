"""Plausibility warnings: what an inventory may legally say but probably says by a slip.

Validation (:mod:`symbiose.inventory.validate`) refuses what cannot be optimised; these checks
never refuse anything.  They flag, with the field path:

* a site whose latitude and longitude look swapped: far from the territory's other sites,
  while its swapped coordinates fall among them; or, when the territory lies in metropolitan
  France (most of its sites do, read either way), outside France while its swapped
  coordinates fall inside (so every site swapped is flagged too, though no site is far from
  the others);
* a site that both has and wants the same commodity: its own supply never meets its own
  demand (the ``no_internal_reuse`` rule), so a must-serve demand beside an equal supply of
  its own is infeasible unless others deliver;
* heat declared as handled by a hub, or carried on a link to or from a hub (heat does not pass
  through hubs: its temperature would be lost on the way, so candidates never route it there);
* converters that, around a cycle, turn one unit of a commodity into more than one unit of
  itself with nothing else going in (value from nothing);
* ids that differ only by case or by invisible or unusual characters (zero-width spaces,
  no-break spaces, control characters, leading or trailing spaces), shown escaped.

:func:`plausibility_warnings` runs them all; ``symbiose validate`` and ``symbiose solve`` print
the warnings, the web service returns them with a submitted inventory.
"""

from __future__ import annotations

import itertools
import math
import statistics
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx

from symbiose.candidates import great_circle_km
from symbiose.catalogue import BUILTIN
from symbiose.inventory.errors import InventoryIssue
from symbiose.inventory.schema import Inventory

SWAP_FACTOR = 10.0
"""A site is far off when its distance to the territory's median point exceeds this many
times the median distance of all sites..."""
SWAP_MIN_KM = 50.0
"""...and this many km (a compact territory's sites are all within a few km)."""


@dataclass(frozen=True)
class PlausibilityWarning(InventoryIssue):
    """A legal but suspicious part of an inventory: the field path, the message and its kind.

    Attributes:
        kind: which check found it (``swapped-coordinates``, ``own-supply-and-demand``,
            ``heat-through-hub``, ``converter-cycle``, ``look-alike-ids``,
            ``unusual-characters``).
    """

    kind: str = ""
    severity: str = "warning"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (``loc``, ``path``, ``msg``, ``kind``, ``severity``)."""
        return {**super().as_dict(), "kind": self.kind, "severity": self.severity}


def plausibility_warnings(inv: Inventory) -> list[PlausibilityWarning]:
    """Every plausibility warning of ``inv`` (see the module docstring); ``[]`` when none.

    The checks read the inventory as written and tolerate what validation refuses (unknown
    references, bad units), so they can run before, after or without validation.
    """
    checks: tuple[Callable[[Inventory], list[PlausibilityWarning]], ...] = (
        swapped_coordinates,
        swapped_against_france,
        own_supply_and_demand,
        heat_through_hubs,
        converter_cycles,
        look_alike_ids,
    )
    return [w for check in checks for w in check(inv)]


# -- latitude and longitude swapped -----------------------------------------------------------


def swapped_coordinates(inv: Inventory) -> list[PlausibilityWarning]:
    """Sites far from the territory's others whose swapped coordinates fall among them.

    Robust to the outlier itself: distances are taken to the median latitude and longitude,
    and "far" means more than :data:`SWAP_FACTOR` times the median of those distances and more
    than :data:`SWAP_MIN_KM`.  A distant site whose swapped coordinates are no nearer (an
    offshore store, a partner abroad) is not flagged.
    """
    if len(inv.sites) < 3:
        return []  # no majority to compare with
    lat0 = statistics.median(s.latitude for s in inv.sites)
    lon0 = statistics.median(s.longitude for s in inv.sites)
    dist = [great_circle_km(lat0, lon0, s.latitude, s.longitude) for s in inv.sites]
    far = max(SWAP_FACTOR * statistics.median(dist), SWAP_MIN_KM)
    out = []
    for i, (site, d) in enumerate(zip(inv.sites, dist, strict=True)):
        if d <= far or abs(site.longitude) > 90.0:
            continue
        swapped = great_circle_km(lat0, lon0, site.longitude, site.latitude)
        if swapped <= far:
            out.append(
                PlausibilityWarning(
                    ("sites", i, "latitude"),
                    f"latitude and longitude look swapped: site {escaped(site.id)} at"
                    f" ({site.latitude:g}, {site.longitude:g}) is {d:,.0f} km from the"
                    f" territory's other sites; at ({site.longitude:g}, {site.latitude:g}) it"
                    f" would be {swapped:,.0f} km from them",
                    kind="swapped-coordinates",
                )
            )
    return out


FRANCE = (41.32 - 0.1, 51.09 + 0.1, -5.15 - 0.1, 9.56 + 0.1)
"""Metropolitan France, Corsica and Ouessant included, as (south, north, west, east) in
degrees, 0.1° wider than its extreme points: Lavezzi 41°19′ N, Bray-Dunes 51°05′21″ N,
Ouessant 5°09′04″ W, Fiorentine 9°33′36″ E (fr.wikipedia.org, « Liste de points extrêmes de la
France »)."""

SWAPPED_LISTED = 20
"""Beyond this many sites looking swapped against France, one warning counts them all."""


def _in_france(lat: float, lon: float) -> bool:
    south, north, west, east = FRANCE
    return south <= lat <= north and west <= lon <= east


def swapped_against_france(inv: Inventory) -> list[PlausibilityWarning]:
    """Sites outside metropolitan France whose swapped coordinates fall inside it.

    Only for a territory in France: at least half its sites lie in France as written or as
    swapped (a territory abroad is left alone).  Sites the outlier check of
    :func:`swapped_coordinates` flags are not flagged twice.
    """
    sites = inv.sites
    inside = [_in_france(s.latitude, s.longitude) for s in sites]
    turned = [_in_france(s.longitude, s.latitude) for s in sites]
    if not sites or 2 * sum(a or b for a, b in zip(inside, turned, strict=True)) < len(sites):
        return []
    seen = {w.loc[1] for w in swapped_coordinates(inv)}
    flagged = [
        i for i, (a, b) in enumerate(zip(inside, turned, strict=True)) if b and not a and i not in seen
    ]
    if len(flagged) > SWAPPED_LISTED:
        first = sites[flagged[0]]
        return [
            PlausibilityWarning(
                ("sites", flagged[0], "latitude"),
                f"latitude and longitude look swapped on {len(flagged)} of {len(sites)} sites:"
                " they lie outside metropolitan France, where the territory's sites are, and"
                f" swapped they fall inside it (the first, {escaped(first.id)}, at"
                f" ({first.latitude:g}, {first.longitude:g}))",
                kind="swapped-coordinates",
            )
        ]
    return [
        PlausibilityWarning(
            ("sites", i, "latitude"),
            f"latitude and longitude look swapped: site {escaped(sites[i].id)} at"
            f" ({sites[i].latitude:g}, {sites[i].longitude:g}) lies outside metropolitan France,"
            f" where the territory's sites are; at ({sites[i].longitude:g},"
            f" {sites[i].latitude:g}) it would be inside",
            kind="swapped-coordinates",
        )
        for i in flagged
    ]


# -- a site that has and wants the same commodity -----------------------------------------------


def own_supply_and_demand(inv: Inventory) -> list[PlausibilityWarning]:
    """A warning on each demand whose site also has a supply of the same commodity.

    The site's own supply never meets its own demand (``no_internal_reuse``,
    docs/formulation.md): what it wants must come from others or a converter, what it has must
    leave by a link or feed a converter.
    """
    has = {(s.site, s.commodity) for s in inv.supplies}
    out = []
    for i, d in enumerate(inv.demands):
        if (d.site, d.commodity) not in has:
            continue
        extra = (
            "; its demand must be served, so others must deliver all of it"
            if d.must_serve
            else ""
        )
        out.append(
            PlausibilityWarning(
                ("demands", i, "commodity"),
                f"site {escaped(d.site)} both has and wants {escaped(d.commodity)}: its own"
                " supply never meets its own demand (rule no_internal_reuse: a site's supply"
                " leaves by a link or feeds a converter, its demand is met by others or a"
                f" converter){extra}",
                kind="own-supply-and-demand",
            )
        )
    return out


# -- heat through hubs --------------------------------------------------------------------------


def heat_commodities(inv: Inventory) -> set[str]:
    """The commodities whose temperature limits their uses (built-in or declared)."""
    heat = {k for k, info in BUILTIN.items() if info.quality == "temperature"}
    for c in inv.commodities:
        if c.quality == "temperature":
            heat.add(c.id)
    return heat


def heat_through_hubs(inv: Inventory) -> list[PlausibilityWarning]:
    """Heat listed in a hub's ``handles``, or carried by a link that starts or ends at a hub."""
    heat = heat_commodities(inv)
    hubs = {s.id for s in inv.sites if s.hub}
    out = []
    for i, site in enumerate(inv.sites):
        for j, k in enumerate(site.handles if site.hub else ()):
            if k in heat:
                out.append(
                    _heat_warning(("sites", i, "handles", j), f"hub {escaped(site.id)} handles {k}")
                )
    carried_by_mode = {m.id: list(m.commodities) for m in inv.modes}
    for i, link in enumerate(inv.links):
        ends = [s for s in (link.from_, link.to) if s in hubs]
        if not ends:
            continue
        listed: list[tuple[tuple[str | int, ...], str]]
        if link.commodities is not None:
            listed = [(("links", i, "commodities", j), k) for j, k in enumerate(link.commodities)]
        else:  # the link carries every commodity of its mode
            listed = [(("links", i, "mode"), k) for k in carried_by_mode.get(link.mode, [])]
        for loc, k in listed:
            if k in heat:
                what = f"the link {escaped(link.from_)} → {escaped(link.to)} carries {k}"
                out.append(_heat_warning(loc, f"{what} through hub {escaped(ends[0])}"))
    return out


def _heat_warning(loc: tuple[str | int, ...], what: str) -> PlausibilityWarning:
    return PlausibilityWarning(
        loc,
        f"{what}, but heat does not pass through hubs (its temperature would be lost on the"
        " way): link the heat source to its user directly",
        kind="heat-through-hub",
    )


# -- converter cycles -------------------------------------------------------------------------


def converter_cycles(inv: Inventory) -> list[PlausibilityWarning]:
    """Converters that, around a cycle, make more of a commodity than went in.

    Each converter with a single input ``a`` gives an edge ``a → b`` per output ``b``, of gain
    ``outputs[b] / inputs[a]``; a cycle whose gains multiply to more than 1 creates the
    commodity from nothing.  Converters with several inputs are left out: their other inputs
    pay for the gain (a heat pump's electricity).  One warning per cycle found, on the first
    converter of the cycle.
    """
    graph = nx.MultiDiGraph()
    for i, cv in enumerate(inv.converters):
        if len(cv.inputs) != 1:
            continue
        a, amount_in = next(iter(cv.inputs.items()))
        for b, amount_out in cv.outputs.items():
            if amount_in > 0 and amount_out > 0:
                gain = amount_out / amount_in
                graph.add_edge(a, b, key=i, gain=gain)
    out = []
    for component in nx.strongly_connected_components(graph):
        cycle = _gaining_cycle(graph.subgraph(component))
        if cycle is not None:
            out.append(_cycle_warning(inv, cycle))
    return out


def _gaining_cycle(graph: nx.MultiDiGraph) -> list[tuple[str, str, int]] | None:
    """One cycle of ``graph`` whose gains multiply to more than 1, as its edges, or None."""
    best: dict[tuple[str, str], tuple[int, float]] = {}
    for a, b, i, data in graph.edges(keys=True, data=True):
        if (a, b) not in best or data["gain"] > best[a, b][1]:
            best[a, b] = (i, data["gain"])
    simple = nx.DiGraph()
    for (a, b), (i, gain) in best.items():
        if a == b:
            if gain > 1.0 + 1e-9:
                return [(a, a, i)]
            continue
        # a little added per edge, so that a cycle of gain 1 lost in rounding is not negative
        simple.add_edge(a, b, weight=-math.log(gain) + 1e-9)
    if simple.number_of_nodes() == 0:
        return None
    source = next(iter(simple.nodes))
    try:
        nodes = nx.find_negative_cycle(simple, source, weight="weight")
    except nx.NetworkXError:
        return None
    edges = list(itertools.pairwise(nodes))
    product = math.prod(best[e][1] for e in edges)
    if product <= 1.0 + 1e-9:  # a cycle of gain 1 within rounding: no value from nothing
        return None
    return [(a, b, best[a, b][0]) for a, b in edges]


def _cycle_warning(inv: Inventory, cycle: list[tuple[str, str, int]]) -> PlausibilityWarning:
    product = math.prod(
        inv.converters[i].outputs[b] / inv.converters[i].inputs[a] for a, b, i in cycle
    )
    names = " → ".join(escaped(inv.converters[i].id) for _, _, i in cycle)
    path = " → ".join([cycle[0][0], *(b for _, b, _ in cycle)])
    start = cycle[0][0]
    return PlausibilityWarning(
        ("converters", min(i for _, _, i in cycle)),
        f"converter{'s' if len(cycle) > 1 else ''} {names}"
        f" turn{'s' if len(cycle) == 1 else ''} 1 unit of {start} into {product:.4g} units of {start}"
        f" around the cycle {path}: value from nothing; check their inputs and outputs",
        kind="converter-cycle",
    )


# -- look-alike ids ---------------------------------------------------------------------------

_INVISIBLE = {"Cc", "Cf", "Co", "Cn", "Zs", "Zl", "Zp"}
"""Unicode categories that are invisible or blank in a printed id (controls, zero-width, spaces)."""


def escaped(text: str) -> str:
    r"""``text`` quoted, with invisible and unusual characters written as ``\uXXXX``.

    ``'dk6\u200b'`` shows a zero-width space that ``'dk6'`` hides; an ordinary space stays a
    space, visible between the quotes.
    """
    body = "".join(
        ch
        if ch == " " or (ch.isprintable() and unicodedata.category(ch) not in _INVISIBLE)
        else f"\\u{ord(ch):04x}"
        for ch in text
    )
    return f"'{body}'"


def _fold(text: str) -> str:
    """``text`` as a reader sees it: case-folded, without invisible characters or edge spaces."""
    kept = "".join(
        " " if unicodedata.category(ch) == "Zs" else ch
        for ch in unicodedata.normalize("NFKC", text)
        if unicodedata.category(ch) not in _INVISIBLE - {"Zs"}
    )
    return kept.strip().casefold()


def _unusual(text: str) -> bool:
    return text != text.strip() or any(
        ch != " " and unicodedata.category(ch) in _INVISIBLE for ch in text
    )


def _ids(inv: Inventory) -> Iterable[tuple[str, tuple[str | int, ...], str]]:
    """Every id the inventory declares: (kind, path, id)."""
    for section, kind in (
        ("sites", "site"),
        ("commodities", "commodity"),
        ("modes", "mode"),
        ("converters", "converter"),
    ):
        for i, item in enumerate(getattr(inv, section)):
            yield kind, (section, i, "id"), item.id


def look_alike_ids(inv: Inventory) -> list[PlausibilityWarning]:
    """Ids that differ only by case or invisible characters, and ids with such characters.

    One warning per group of look-alikes, on the second one declared (on the declared one
    when it looks like a built-in commodity: ``CO2`` beside ``co2``).
    """
    groups: dict[tuple[str, str], list[tuple[tuple[str | int, ...], str]]] = {}
    for kind, loc, ident in _ids(inv):
        groups.setdefault((kind, _fold(ident)), []).append((loc, ident))
    out = []
    for (kind, folded), members in groups.items():
        declared = list(dict.fromkeys(ident for _, ident in members))
        builtin = [k for k in BUILTIN if kind == "commodity" and _fold(k) == folded]
        spellings = list(dict.fromkeys([*builtin, *declared]))
        if len(spellings) > 1:
            odd = next((m for m in members if m[1] != spellings[0]), members[0])
            shown = ", ".join(escaped(x) for x in spellings)
            out.append(
                PlausibilityWarning(
                    odd[0],
                    f"{kind} ids {shown} differ only by case or invisible characters:"
                    f" {escaped(odd[1])} is probably a slip for {escaped(spellings[0])}"
                    + (" (built in)" if builtin else ""),
                    kind="look-alike-ids",
                )
            )
            continue
        out.extend(
            PlausibilityWarning(
                loc,
                f"{kind} id {escaped(ident)} has invisible or unusual characters (spaces at"
                " an end, zero-width or no-break spaces, control characters)",
                kind="unusual-characters",
            )
            for loc, ident in members
            if _unusual(ident)
        )
    return out
