"""Results in the user's terms: named sites, readable units, EUR/yr and t CO2/yr.

A :class:`Report` wraps the numeric :class:`models.result.Result` with the inventory it came
from, and derives the tables a planner reads: flows between named sites, links to build with
their length and cost, each site's gains, and totals per commodity.  It exports them as CSV,
Excel, JSON and GeoJSON, and renders a terminal summary meant to be read in ten seconds.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from models.constants import FEASIBILITY_TOLERANCE, SOLVED, Objective
from models.result import Certificate, Result, Status
from symbiose import exports
from symbiose.convert import Network
from symbiose.document import Columns, ResultDocument
from symbiose.document import json_ready as _clean
from symbiose.inventory.schema import Inventory
from symbiose.units import money, readable, tonnes

FLOW_COLUMNS = [
    "from_id",
    "from",
    "to_id",
    "to",
    "mode",
    "kind",
    "commodity",
    "quantity",
    "delivered",
    "lost",
    "unit",
    "readable",
    "length_km",
    "transport_cost_eur",
    "co2_t",
    "indicative_value_eur",
]
LINK_COLUMNS = [
    "from_id",
    "from",
    "to_id",
    "to",
    "mode",
    "kind",
    "commodities",
    "existing",
    "length_km",
    "investment_eur",
    "annual_fixed_cost_eur",
    "flow",
    "unit",
    "utilisation",
]
GAIN_COLUMNS = [
    "site_id",
    "site",
    "sector",
    "delivery_value_eur",
    "disposal_avoided_eur",
    "gain_eur",
    "co2_avoided_t",
]
COMMODITY_COLUMNS = [
    "commodity",
    "name",
    "unit",
    "available",
    "used",
    "delivered",
    "delivered_by_exchange",
    "delivered_by_conversion",
    "internal_reuse",
    "lost",
    "delivery_value_eur",
    "disposal_avoided_eur",
    "transport_cost_eur",
    "co2_avoided_t",
]
CONVERTER_COLUMNS = ["converter", "name", "site_id", "site", "reference", "output", "unit", "built"]
STOCK_COLUMNS = ["site_id", "site", "commodity", "season", "stock", "unit", "lost", "cost_eur"]
MARGINAL_COLUMNS = [
    "kind",
    "site_id",
    "site",
    "item",
    "commodity",
    "unit",
    "value_per_unit",
    "value_unit",
    "step",
    "value_of_step",
    "text",
]


@dataclass
class Report:
    """A solved inventory, in names, readable units, EUR/yr and t CO2/yr."""

    result: Result
    inventory: Inventory
    network: Network | None = None
    name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    marginal: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Marginal values in model units (``models.marginal.marginal_values``), if computed."""

    def __post_init__(self) -> None:
        if not self.name:
            self.name = self.inventory.territory.name

    # -- lookups ---------------------------------------------------------------------------
    def _site_name(self, sid: str) -> str:
        site = self.network.sites.get(sid) if self.network else None
        return site.name if site else sid

    def _unit(self, commodity: str) -> str:
        if self.network and commodity in self.network.commodities:
            return self.network.unit(commodity)
        return ""

    # -- tables ----------------------------------------------------------------------------
    @cached_property
    def flows(self) -> pd.DataFrame:
        """Yearly flows between named sites, largest indicative value first.

        ``lost`` is what the link loses on the way; its disposal cost and CO2 are taken off
        the indicative value (a unit lost is not avoided).
        """
        raw = _with_loss_columns(self.result.flows)
        if raw.empty or self.network is None:
            return pd.DataFrame(columns=FLOW_COLUMNS)
        net, p = self.network, self.network.problem
        grouped = raw.groupby(["tail", "head", "mode", "commodity"], as_index=False)[
            ["quantity", "delivered", "cost", "co2", *_LOSS_COLUMNS]
        ].sum()
        rows = []
        cp = net.carbon_price
        for r in grouped.to_dict(orient="records"):
            info = net.arcs.get((r["tail"], r["head"], r["mode"]))
            unit = self._unit(r["commodity"])
            value = 0.0
            demand = p.demand_of(r["head"], r["commodity"])
            if demand is not None:
                value += r["delivered"] * (demand.value + cp * demand.co2)
            supply = p.supply_of(r["tail"], r["commodity"])
            if supply is not None:
                value += r["quantity"] * (supply.disposal_cost + cp * supply.disposal_co2)
            value -= r["lost_disposal_cost"] + cp * r["lost_co2"]
            rows.append(
                {
                    "from_id": r["tail"],
                    "from": self._site_name(r["tail"]),
                    "to_id": r["head"],
                    "to": self._site_name(r["head"]),
                    "mode": r["mode"],
                    "kind": info.kind if info else "",
                    "commodity": r["commodity"],
                    "quantity": r["quantity"],
                    "delivered": r["delivered"],
                    "lost": r["lost"],
                    "unit": f"{unit}/yr",
                    "readable": readable(r["delivered"], unit),
                    "length_km": round(info.length_km, 2) if info else math.nan,
                    "transport_cost_eur": r["cost"],
                    "co2_t": r["co2"],
                    "indicative_value_eur": value - r["cost"],
                }
            )
        out = pd.DataFrame(rows, columns=FLOW_COLUMNS)
        return out.sort_values("indicative_value_eur", ascending=False, ignore_index=True)

    @property
    def flows_by_slice(self) -> pd.DataFrame:
        """Flows per time slice, as the optimiser gives them (canonical units)."""
        return self.result.flows

    @cached_property
    def built_links(self) -> pd.DataFrame:
        """Links in use: candidates to build (with investment) and existing ones carrying flow."""
        raw = self.result.built_arcs
        if raw.empty or self.network is None:
            return pd.DataFrame(columns=LINK_COLUMNS)
        net = self.network
        arcs = {a.key: a for a in net.problem.arcs}
        rows = []
        for r in raw.to_dict(orient="records"):
            key = (str(r["tail"]), str(r["head"]), str(r["mode"]))
            info, arc = net.arcs.get(key), arcs[key]
            idle = float(r["flow"]) <= 1e-6 and float(r["fixed_cost"]) <= 1e-9
            if idle and not arc.required:
                continue  # a free candidate the solver left "built" without use
            unit = self._unit(arc.commodities[0])
            rows.append(
                {
                    "from_id": r["tail"],
                    "from": self._site_name(str(r["tail"])),
                    "to_id": r["head"],
                    "to": self._site_name(str(r["head"])),
                    "mode": r["mode"],
                    "kind": info.kind if info else "",
                    "commodities": ", ".join(arc.commodities),
                    "existing": bool(r["existing"]),
                    "length_km": round(info.length_km, 2) if info else math.nan,
                    "investment_eur": (info.investment if info else 0.0)
                    + (arc.capacity_investment * float(r["capacity"]) if arc.sized else 0.0),
                    "annual_fixed_cost_eur": float(r["fixed_cost"]),
                    "flow": float(r["flow"]),
                    "unit": f"{unit}/yr",
                    "utilisation": float(r["utilisation"])
                    if math.isfinite(r["capacity"])
                    else math.nan,
                }
            )
        return pd.DataFrame(rows, columns=LINK_COLUMNS)

    @cached_property
    def site_gains(self) -> pd.DataFrame:
        """Per site: the value of what it receives, the disposal it avoids, and its CO2 avoided.

        Transport, conversion and link costs, and what links lose on the way, are
        territory-wide and are not split among sites.
        """
        bal = self.result.balances
        if bal.empty or self.network is None:
            return pd.DataFrame(columns=GAIN_COLUMNS)
        per = bal.groupby("node")[["delivery_value", "disposal_avoided", "co2_avoided"]].sum()
        rows = []
        for sid, r in per.iterrows():
            site = self.network.sites.get(str(sid))
            rows.append(
                {
                    "site_id": sid,
                    "site": site.name if site else sid,
                    "sector": site.sector if site else "",
                    "delivery_value_eur": float(r["delivery_value"]),
                    "disposal_avoided_eur": float(r["disposal_avoided"]),
                    "gain_eur": float(r["delivery_value"] + r["disposal_avoided"]),
                    "co2_avoided_t": float(r["co2_avoided"]),
                }
            )
        out = pd.DataFrame(rows, columns=GAIN_COLUMNS)
        out = out[(out["gain_eur"].abs() > 1e-6) | (out["co2_avoided_t"].abs() > 1e-6)]
        return out.sort_values("gain_eur", ascending=False, ignore_index=True)

    @cached_property
    def commodity_totals(self) -> pd.DataFrame:
        """Per commodity: available, used, delivered and where from, value, cost, CO2.

        What is delivered is split into what arrived by an exchange between members (a flow
        row), what an on-site converter made, and internal reuse (a site's own supply meeting
        its own demand: not an exchange, 0 under the model's rule).  Disposal avoided and CO2
        avoided are net of what links lose on the way.
        """
        bal, flows = self.result.balances, _with_loss_columns(self.result.flows)
        if bal.empty or self.network is None:
            return pd.DataFrame(columns=COMMODITY_COLUMNS)
        bal = bal.assign(**_delivery_split(bal))
        per = bal.groupby("commodity")[
            [
                "available",
                "used",
                "delivered",
                "delivered_by_exchange",
                "delivered_by_conversion",
                "internal_reuse",
                "delivery_value",
                "disposal_avoided",
                "co2_avoided",
            ]
        ].sum()
        columns = ["cost", "co2", *_LOSS_COLUMNS]
        sums = {
            str(k): {str(c): float(v) for c, v in row.items()}
            for k, row in flows.groupby("commodity")[columns].sum().to_dict(orient="index").items()
        }
        rows = []
        for k, r in per.iterrows():
            info = self.network.commodities.get(str(k))
            f = sums.get(str(k), dict.fromkeys(columns, 0.0))
            rows.append(
                {
                    "commodity": k,
                    "name": info.name if info else k,
                    "unit": f"{info.unit if info else ''}/yr",
                    "available": float(r["available"]),
                    "used": float(r["used"]),
                    "delivered": float(r["delivered"]),
                    "delivered_by_exchange": float(r["delivered_by_exchange"]),
                    "delivered_by_conversion": float(r["delivered_by_conversion"]),
                    "internal_reuse": float(r["internal_reuse"]),
                    "lost": float(f["lost"]),
                    "delivery_value_eur": float(r["delivery_value"]),
                    "disposal_avoided_eur": float(r["disposal_avoided"] - f["lost_disposal_cost"]),
                    "transport_cost_eur": float(f["cost"]),
                    "co2_avoided_t": float(r["co2_avoided"] - f["co2"] - f["lost_co2"]),
                }
            )
        return pd.DataFrame(rows, columns=COMMODITY_COLUMNS)

    @cached_property
    def converters(self) -> pd.DataFrame:
        """Converters' yearly output in their reference commodity."""
        raw = self.result.converters
        if raw.empty or self.network is None:
            return pd.DataFrame(columns=CONVERTER_COLUMNS)
        per = raw.groupby(["converter", "node"], as_index=False).agg(
            activity=("activity", "sum"), built=("built", "first")
        )
        rows = []
        for r in per.to_dict(orient="records"):
            info = self.network.converters.get(str(r["converter"]))
            ref = info.reference if info else ""
            out = float(r["activity"]) * (info.reference_yield if info else 1.0)
            rows.append(
                {
                    "converter": r["converter"],
                    "name": info.name if info else r["converter"],
                    "site_id": r["node"],
                    "site": self._site_name(str(r["node"])),
                    "reference": ref,
                    "output": out,
                    "unit": f"{self._unit(ref)}/yr",
                    "built": bool(r["built"]),
                }
            )
        return pd.DataFrame(rows, columns=CONVERTER_COLUMNS)

    @cached_property
    def stocks(self) -> pd.DataFrame:
        """Seasonal stocks: what each site holds at the end of each season, and what it costs."""
        raw = getattr(self.result, "stocks", None)
        if raw is None or raw.empty:
            return pd.DataFrame(columns=STOCK_COLUMNS)
        rows = [
            {
                "site_id": r["node"],
                "site": self._site_name(str(r["node"])),
                "commodity": r["commodity"],
                "season": r["slice"],
                "stock": float(r["stock"]),
                "unit": self._unit(str(r["commodity"])),
                "lost": float(r["lost"]),
                "cost_eur": float(r["cost"]),
            }
            for r in raw.to_dict(orient="records")
        ]
        return pd.DataFrame(rows, columns=STOCK_COLUMNS)

    @cached_property
    def marginal_values(self) -> pd.DataFrame:
        """What one more unit of each supply, demand and binding capacity is worth, per year.

        ``value_per_unit`` is EUR/yr (t CO2/yr for the CO2 objective) per unit/yr of ``unit``;
        ``step`` is a round amount near 1 % of the item's size, and ``text`` says what that
        step is worth ("10 kt/yr more bf_slag at ArcelorMittal is worth 120 k€/yr").  The
        value holds for small steps only: a larger one may change what is built.
        """
        raw = getattr(self, "marginal", None)
        if raw is None or raw.empty:
            return pd.DataFrame(columns=MARGINAL_COLUMNS)
        rows = [self._marginal_row(r) for r in raw.to_dict(orient="records")]
        table = pd.DataFrame(rows, columns=MARGINAL_COLUMNS)
        order = table["value_of_step"].abs().sort_values(ascending=False, kind="stable").index
        return table.loc[order].reset_index(drop=True)

    def _marginal_row(self, r: dict[str, Any]) -> dict[str, Any]:
        kind, node, value = str(r["kind"]), str(r["node"]), float(r["value_per_unit"])
        commodity = str(r["commodity"]).split(", ")[0]
        size = self._marginal_size(r)
        if kind == "converter_capacity" and self.network is not None:
            info = self.network.converters.get(str(r["item"]))
            if info is not None:  # per unit of the reference commodity, not of activity
                commodity, value = info.reference, value / info.reference_yield
                size *= info.reference_yield
        unit = self._unit(commodity)
        per = "" if kind == "storage_capacity" else "/yr"  # a store's room is a stock
        step = _round_step(size / 100.0)
        co2 = r["objective"] == "co2"
        worth = f"{tonnes(value * step)} CO2/yr" if co2 else f"{money(value * step)}/yr"
        what = {
            "supply": f"more {commodity} at {self._site_name(node)}",
            "demand": f"more {commodity} wanted by {self._site_name(node)}",
            "arc_capacity": f"more capacity on {r['item']}",
            "converter_capacity": f"more capacity of {r['item']}",
            "storage_capacity": f"more room in the {commodity} store at {self._site_name(node)}",
        }[kind]
        return {
            "kind": kind,
            "site_id": node,
            "site": self._site_name(node),
            "item": r["item"],
            "commodity": commodity,
            "unit": f"{unit}{per}",
            "value_per_unit": value,
            "value_unit": ("t CO2" if co2 else "EUR") + f"/{unit}",
            "step": step,
            "value_of_step": value * step,
            "text": f"{readable(step, unit, per=per)} {what} is worth {worth}",
        }

    def _marginal_size(self, r: dict[str, Any]) -> float:
        """The item's yearly size, from which a readable step is chosen."""
        p = self.network.problem if self.network else None
        if p is None:
            return 100.0
        node, commodity = str(r["node"]), str(r["commodity"])
        if r["kind"] == "supply" and (s := p.supply_of(node, commodity)) is not None:
            return float(sum(s.quantities))
        if r["kind"] == "demand" and (d := p.demand_of(node, commodity)) is not None:
            return float(sum(d.quantities))
        if r["kind"] == "arc_capacity":
            arc = next((a for a in p.arcs if f"{a.tail}->{a.head} ({a.mode})" == r["item"]), None)
            return arc.capacity if arc is not None else 100.0
        if r["kind"] == "storage_capacity":
            store = next((st for st in p.storages if st.name == r["item"]), None)
            return store.capacity if store is not None else 100.0
        conv = next((c for c in p.converters if c.name == r["item"]), None)
        return conv.capacity if conv is not None else 100.0

    # -- summary ---------------------------------------------------------------------------
    def totals(self) -> dict[str, float | None]:
        """The objective's parts in EUR/yr, and t CO2/yr avoided."""
        t = self.result.totals
        if not t:
            return {}
        return {
            "valorisation_eur_per_yr": t["valorisation"],
            "delivery_value_eur_per_yr": t["value"],
            "disposal_avoided_eur_per_yr": t["disposal_avoided"],
            "carbon_value_eur_per_yr": t["carbon_value"],
            "transport_cost_eur_per_yr": t["transport_cost"],
            "conversion_cost_eur_per_yr": t["conversion_cost"],
            "fixed_cost_eur_per_yr": t["fixed_cost"],
            "co2_avoided_t_per_yr": t["co2_avoided"],
            "carbon_price_eur_per_t": t.get("carbon_price", 0.0),
            **self._traced_totals(),
        }

    def _traced_totals(self) -> dict[str, float]:
        """Where deliveries come from and what is lost, in EUR/yr and t CO2/yr.

        ``internal_reuse_value``: the value of deliveries a site made to itself (not an
        exchange; 0 under the model's rule, so every delivery is on a flow row or comes out of
        a converter).  ``lost_*``: the disposal cost and CO2 given back by units lost on links,
        already inside the disposal avoided and the CO2 avoided.
        """
        bal, flows = self.result.balances, _with_loss_columns(self.result.flows)
        reuse = 0.0
        if len(bal) and "internal_reuse" in bal:
            wanted = bal["delivered"] > 0
            share = bal.loc[wanted, "internal_reuse"] / bal.loc[wanted, "delivered"]
            reuse = float((share * bal.loc[wanted, "delivery_value"]).sum())
        return {
            "internal_reuse_value_eur_per_yr": reuse,
            "lost_disposal_cost_eur_per_yr": float(flows["lost_disposal_cost"].sum()),
            "lost_co2_t_per_yr": float(flows["lost_co2"].sum()),
        }

    def investment(self) -> float:
        """EUR invested once in what is built: new links and converters.

        This is what the investment budget counts (existing links and converters cost none).
        """
        res, net = self.result, self.network
        if not res.totals or net is None:
            return 0.0
        arcs = {a.key: a for a in net.problem.arcs}
        total = 0.0
        for r in res.built_arcs.to_dict(orient="records"):
            arc = arcs[(str(r["tail"]), str(r["head"]), str(r["mode"]))]
            if not arc.existing:
                total += arc.investment
                total += arc.capacity_investment * float(r["capacity"]) if arc.sized else 0.0
        if len(res.converters):
            built = set(res.converters.loc[res.converters["built"].astype(bool), "converter"])
            total += sum(c.investment for c in net.problem.converters if c.name in built)
        return float(total)

    def planner(self) -> dict[str, Any]:
        """The planner's limits of this run, the investment made and notes on the answer."""
        problem = self.network.problem if self.network else None
        limits: dict[str, Any] = {}
        if problem is not None:
            limits = {
                "investment_budget_eur": problem.investment_budget,
                "co2_min_t_per_yr": problem.co2_min,
                "max_new_links": problem.max_new_links,
                "max_new_links_per_mode": dict(problem.max_new_links_per_mode),
                "max_new_links_per_commodity": dict(problem.max_new_links_per_commodity),
                "required": [_arc_label(a) for a in problem.arcs if a.required]
                + [c.name for c in problem.converters if c.required],
                "forbidden": [_arc_label(a) for a in problem.arcs if a.forbidden]
                + [c.name for c in problem.converters if c.forbidden],
            }
        return limits | {"investment_eur": self.investment(), "notes": list(self.result.notes)}

    def shortfalls(self) -> list[dict[str, Any]]:
        """Hard requirements that cannot be met, with site names and units."""
        out = []
        for s in self.result.shortfalls:
            if s.kind == "co2_minimum":
                out.append(_co2_shortfall(s))
                continue
            unit = self._unit(s.commodity)
            what = {
                "must_dispatch": "must dispatch",
                "must_serve": "must serve",
                "minimum": "minimum delivery",
            }[s.kind]
            out.append(
                {
                    "kind": s.kind,
                    "site_id": s.node,
                    "site": self._site_name(s.node),
                    "commodity": s.commodity,
                    "slice": s.slice,
                    "required": s.required,
                    "shortfall": s.shortfall,
                    "unit": unit,
                    "text": (
                        f"{self._site_name(s.node)}: {what} of {s.commodity} cannot be met in"
                        f" {s.slice} ({s.shortfall:,.4g} of {s.required:,.4g} {unit} missing)"
                        + (
                            f"; it both has and wants {s.commodity}: its own supply never meets"
                            " its own demand (rule no_internal_reuse)"
                            if s.own_supply
                            else ""
                        )
                    ),
                }
            )
        return out

    def summary(self) -> dict[str, Any]:
        """Status, message, totals in EUR/yr and t CO2/yr, per commodity, shortfalls: JSON-ready."""
        res = self.result
        message = res.message
        if res.status is Status.INFEASIBLE and res.shortfalls:
            message = "infeasible: " + "; ".join(s["text"] for s in self.shortfalls())
        return _clean(
            {
                "territory": self.name,
                "status": res.status.value,
                "message": message,
                "objective_kind": res.objective_kind.value,
                "objective": res.objective,
                "bound": res.bound,
                "gap": res.gap,
                "certificate": None if res.certificate is None else res.certificate.as_dict(),
                "solve_seconds": round(res.solve_seconds, 3),
                "totals": self.totals(),
                "per_commodity": self.commodity_totals.to_dict(orient="records"),
                "shortfalls": self.shortfalls(),
                "planner": self.planner(),
                "counts": {
                    "sites": len(self.inventory.sites),
                    "candidate_links": self.network.candidates if self.network else 0,
                    "links_in_use": len(self.built_links),
                    "links_to_build": int((~self.built_links["existing"].astype(bool)).sum())
                    if len(self.built_links)
                    else 0,
                    "flows": len(self.flows),
                },
            }
        )

    # -- exports ---------------------------------------------------------------------------
    def tables(self) -> dict[str, pd.DataFrame]:
        """The report's tables by name."""
        return {
            "flows": self.flows,
            "built_links": self.built_links,
            "site_gains": self.site_gains,
            "commodities": self.commodity_totals,
            "converters": self.converters,
            "marginal_values": self.marginal_values,
            "stocks": self.stocks,
        }

    def to_geojson(self, *, aggregate: bool = True, links: bool = True) -> dict[str, Any]:
        """Sites (points) and links in use (lines) as a GeoJSON FeatureCollection.

        With more than :data:`symbiose.scale.MAP_MAX_LINKS` links in use (and ``aggregate``),
        links are drawn zone to zone per commodity (:func:`symbiose.scale.map_geojson`).
        ``links=False``: the sites only.
        """
        from symbiose import scale

        if aggregate and len(self.built_links) > scale.MAP_MAX_LINKS:
            return scale.map_geojson(self, scale.MAP_MAX_LINKS)
        features: list[dict[str, Any]] = []
        gains = dict(zip(self.site_gains["site_id"], self.site_gains["gain_eur"], strict=True))
        for s in self.inventory.sites:
            gain = float(gains.get(s.id, 0.0))
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [s.longitude, s.latitude]},
                    "properties": {
                        "kind": "site",
                        "id": s.id,
                        "name": s.name,
                        "sector": s.sector,
                        "hub": s.hub,
                        "gain_eur_per_yr": gain,
                        **_precision(s.position_precision),
                    },
                }
            )
        sites = {s.id: s for s in self.inventory.sites}
        for link in self.built_links.to_dict(orient="records") if links else []:
            a, b = sites[link["from_id"]], sites[link["to_id"]]
            features.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [[a.longitude, a.latitude], [b.longitude, b.latitude]],
                    },
                    "properties": {"kind": "link"}
                    | _clean(link)
                    | _length_precision(a.position_precision, b.position_precision),
                }
            )
        return {"type": "FeatureCollection", "features": features}

    def candidate_geojson(self) -> dict[str, Any]:
        """Every link the optimiser could use (candidates and existing links) as GeoJSON lines.

        ``built`` tells which of them the optimum uses; the page draws the others on request.
        """
        if self.network is None:
            return {"type": "FeatureCollection", "features": []}
        return candidate_geojson(self.network, Columns.of(self.built_links).records())

    def document(self, *, candidates: bool = False) -> ResultDocument:
        """The report as data: what the service stores and every export is written from.

        ``candidates`` adds the candidate links of :meth:`candidate_geojson` (for the map).
        """
        return ResultDocument(
            summary=self.summary(),
            tables={name: Columns.of(t) for name, t in self.tables().items()},
            number_format=exports.dialect_of(self.inventory).name,
            candidates=self.candidate_geojson() if candidates else None,
        )

    def to_json(self) -> str:
        """Summary and tables as one JSON document."""
        return self.document().public_json()

    def write(
        self,
        directory: str | Path,
        formats: tuple[str, ...] | list[str] = ("csv", "json", "xlsx", "geojson"),
    ) -> list[Path]:
        """Write the report in ``formats`` to ``directory``; returns the files written."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        unknown = set(formats) - {"csv", "json", "xlsx", "geojson", "parquet"}
        if unknown:
            raise ValueError(
                f"unknown formats {sorted(unknown)} (csv, json, xlsx, geojson, parquet)"
            )
        if "parquet" in formats:  # the flows streamed, for tables too long for a workbook
            from symbiose.scale import write_flows

            written.append(write_flows(self, out / "flows.parquet"))
        if "json" in formats:
            path = out / "report.json"
            path.write_text(self.to_json(), encoding="utf-8")
            written.append(path)
        if "geojson" in formats:
            path = out / "report.geojson"
            path.write_text(json.dumps(self.to_geojson(), ensure_ascii=False), encoding="utf-8")
            written.append(path)
        totals: exports.Table = [
            ["field", "value"],
            ["status", self.result.status.value],
            ["message", self.result.message],
            *[[k, v] for k, v in self.totals().items()],
        ]
        from symbiose.scale import zone_exchanges, zone_summary

        tables = self.tables() | {"zones": zone_summary(self), "zone_exchanges": zone_exchanges(self)}
        written += exports.write_tables(
            tables,
            out,
            formats,
            dialect=exports.dialect_of(self.inventory),
            workbook="report.xlsx",
            first_sheet=("totals", totals),
        )
        return written

    # -- the terminal summary --------------------------------------------------------------
    def _planner_lines(self) -> list[str]:
        """The planner's limits beside what the answer spends, and notes on the answer."""
        plan = self.planner()
        asked = []
        if plan.get("investment_budget_eur") is not None:
            asked.append(
                f"investment {money(plan['investment_eur'])}"
                f" of a budget of {money(plan['investment_budget_eur'])}"
            )
        if plan.get("co2_min_t_per_yr") is not None:
            asked.append(f"CO2 target {tonnes(plan['co2_min_t_per_yr'])}/yr")
        if plan.get("max_new_links") is not None:
            asked.append(f"at most {plan['max_new_links']} new links")
        for key in ("required", "forbidden"):
            if plan.get(key):
                asked.append(f"{key}: {', '.join(plan[key])}")
        lines = [f"  Planner: {'; '.join(asked)}"] if asked else []
        return lines + [f"  Note: {note}" for note in plan["notes"]]

    def render_text(self, top: int = 8) -> str:
        """A summary a planner reads in ten seconds."""
        res = self.result
        head = f"{self.name} — {res.status.value.replace('_', ' ')}"
        if res.gap is not None and res.status.value in SOLVED:
            head += f" (gap {res.gap:.2%}, {res.solve_seconds:.1f} s)"
        lines = [head]
        if res.status.value in SOLVED and res.status is not Status.OPTIMAL:
            lines.append(f"  {res.message}")
        if res.certificate is not None:
            lines.append(self._certificate_line(res.certificate))
        if not res.totals:
            lines.append(f"  {res.message}")
            for s in self.shortfalls():
                lines.append(f"  - {s['text']}")
            return "\n".join(lines)
        t = self.totals()
        lines.append(
            f"  Valorisation {money(t['valorisation_eur_per_yr'] or 0)}/yr · CO2 avoided"
            f" {tonnes(t['co2_avoided_t_per_yr'] or 0)}/yr"
            f" (carbon price {t['carbon_price_eur_per_t']:.0f} €/t)"
        )
        lines.append(
            f"  = deliveries {money(t['delivery_value_eur_per_yr'] or 0)}"
            f" + disposal avoided net of handling {money(t['disposal_avoided_eur_per_yr'] or 0)}"
            f" + carbon {money(t['carbon_value_eur_per_yr'] or 0)}"
            f" − transport {money(t['transport_cost_eur_per_yr'] or 0)}"
            f" − conversion {money(t['conversion_cost_eur_per_yr'] or 0)}"
            f" − links/plants {money(t['fixed_cost_eur_per_yr'] or 0)}"
        )
        lines.append(self._traced_line(t))
        flows = self.flows
        if len(flows):
            lines.append(f"  Top exchanges ({min(top, len(flows))} of {len(flows)}):")
            w_from = min(32, max(len(str(x)) for x in flows["from"].head(top)))
            w_to = min(32, max(len(str(x)) for x in flows["to"].head(top)))
            for f in flows.head(top).to_dict(orient="records"):
                lines.append(
                    f"    {str(f['from'])[:w_from]:<{w_from}} → {str(f['to'])[:w_to]:<{w_to}}"
                    f"  {f['commodity']:<12} {f['readable']:>14}  {f['mode']} {f['length_km']:.1f} km"
                    + self._approximate(f["from_id"], f["to_id"])
                )
        links = self.built_links
        new = links[~links["existing"].astype(bool)] if len(links) else links
        if len(new):
            paid = int((new["investment_eur"] > 0).sum())
            lines.append(
                f"  New links in use: {len(new)} ({paid} to build, the others need no investment),"
                f" investment {money(float(new['investment_eur'].sum()))},"
                f" {money(float(new['annual_fixed_cost_eur'].sum()))}/yr annualised"
            )
        lines.extend(self._planner_lines())
        for st in self.stocks.to_dict(orient="records"):
            lines.append(
                f"  Stock at {st['site']}: {readable(st['stock'], st['unit'], per='')}"
                f" of {st['commodity']} kept after {st['season']}"
            )
        worth = self.marginal_values
        worth = worth[worth["value_of_step"].abs() > 0.5] if len(worth) else worth
        if len(worth):
            lines.append(f"  Marginal values (top {min(5, len(worth))} of {len(worth)}):")
            lines.extend(f"    {text}" for text in worth["text"].head(5))
        gains = self.site_gains
        if len(gains):
            best = ", ".join(
                f"{g['site']} {money(g['gain_eur'])}"
                for g in gains.head(3).to_dict(orient="records")
            )
            lines.append(f"  Sites gaining most (per yr): {best}")
        return "\n".join(lines)

    def _certificate_line(self, cert: Certificate) -> str:
        """The check of the answer against the model: rows, objective recomputed, bound."""
        co2 = self.result.objective_kind is Objective.CO2

        def amount(value: float | None) -> str:
            if value is None:
                return "none"
            return f"{tonnes(value)} CO2/yr" if co2 else f"{money(value)}/yr"

        line = (
            f"  Certificate: {'passed' if cert.passed else 'FAILED'} — largest row violation"
            f" {cert.max_row_violation:.1e} (tolerance {FEASIBILITY_TOLERANCE:.0e}), objective"
            f" recomputed {amount(cert.objective)}, bound {amount(cert.bound)}"
        )
        if cert.gap is not None:
            line += f", gap {cert.gap:.2%}"
        if not cert.presolve:
            line += ", re-solved with presolve off"
        if cert.failures:
            line += ": " + "; ".join(cert.failures)
        return line

    def _approximate(self, a: str, b: str) -> str:
        """`` (±5 km)`` after a length whose ends' positions are approximate, else ''."""
        sites = {s.id: s for s in self.inventory.sites}
        spread = _length_precision(
            sites[a].position_precision if a in sites else None,
            sites[b].position_precision if b in sites else None,
        )
        km = spread.get("length_precision_km")
        return f" (±{km:.2g} km)" if km and km >= 1 else ""

    def _traced_line(self, t: dict[str, float | None]) -> str:
        """Where deliveries come from, and what links lose on the way."""
        reuse = t.get("internal_reuse_value_eur_per_yr") or 0.0
        line = (
            "  Every delivery is an exchange or a conversion (internal reuse: none counted)"
            if abs(reuse) < 0.5
            else f"  Internal reuse (not an exchange): {money(reuse)}/yr of deliveries"
        )
        lost_cost = t.get("lost_disposal_cost_eur_per_yr") or 0.0
        lost_co2 = t.get("lost_co2_t_per_yr") or 0.0
        charged = []
        if abs(lost_cost) >= 0.5:
            charged.append(f"disposal {money(lost_cost)}/yr")
        if abs(lost_co2) >= 1e-3:
            charged.append(f"{tonnes(lost_co2)}/yr CO2 not avoided")
        if charged:
            line += "; lost on links: " + ", ".join(charged)
        return line


_LOSS_COLUMNS = ["lost", "lost_disposal_cost", "lost_co2"]


def _with_loss_columns(flows: pd.DataFrame) -> pd.DataFrame:
    """``flows`` with the loss columns (0 in a table stored before they existed)."""
    missing = {c: 0.0 for c in _LOSS_COLUMNS if c not in flows}
    return flows.assign(**missing) if missing else flows


def _delivery_split(bal: pd.DataFrame) -> dict[str, pd.Series]:
    """Each balance row's delivery: by exchange (arrivals first), by conversion, reused."""
    delivered = bal["delivered"]
    by_exchange = delivered.clip(upper=bal["received"])
    by_conversion = (delivered - by_exchange).clip(upper=bal["converted_out"])
    reuse = bal["internal_reuse"] if "internal_reuse" in bal else delivered * 0.0
    return {
        "delivered_by_exchange": by_exchange,
        "delivered_by_conversion": by_conversion,
        "internal_reuse": reuse,
    }


def _round_step(size: float) -> float:
    """A round step (1, 2 or 5 times a power of ten) near ``size``, at least 1."""
    if not math.isfinite(size) or size <= 1.0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(size))
    return next(m * power for m in (5.0, 2.0, 1.0) if m * power <= size)


def _arc_label(arc: Any) -> str:
    return f"{arc.tail}->{arc.head} ({arc.mode})"


def _co2_shortfall(s: Any) -> dict[str, Any]:
    """The planner's CO2 target, out of reach: it is no site's requirement."""
    return {
        "kind": s.kind,
        "site_id": "",
        "site": "",
        "commodity": "co2",
        "slice": s.slice,
        "required": s.required,
        "shortfall": s.shortfall,
        "unit": "t/yr",
        "text": (
            f"CO2 target of {tonnes(s.required)}/yr avoided cannot be met"
            f" ({tonnes(s.shortfall)}/yr short of the most that can be avoided)"
        ),
    }


def candidate_geojson(network: Network, built: list[dict[str, Any]]) -> dict[str, Any]:
    """Every arc of ``network`` as a GeoJSON line; ``built`` rows (``built_links``) flag theirs."""
    used = {(b["from_id"], b["to_id"], b["mode"]) for b in built}
    commodities = {a.key: list(a.commodities) for a in network.problem.arcs}
    features: list[dict[str, Any]] = []
    for (tail, head, mode), info in network.arcs.items():
        a, b = network.sites.get(tail), network.sites.get(head)
        if a is None or b is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[a.longitude, a.latitude], [b.longitude, b.latitude]],
                },
                "properties": {
                    "kind": "candidate",
                    "from_id": tail,
                    "to_id": head,
                    "mode": mode,
                    "link_kind": info.kind,
                    "commodities": ", ".join(commodities.get((tail, head, mode), [])),
                    "length_km": round(info.length_km, 2),
                    "investment_eur": info.investment,
                    "explicit": info.explicit,
                    "built": (tail, head, mode) in used,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _precision(km: float | None) -> dict[str, float]:
    """A site's ``position_precision`` for its GeoJSON properties (none when it has none)."""
    return {} if km is None else {"position_precision": km}


def _length_precision(a: float | None, b: float | None) -> dict[str, float]:
    """How far a length between two sites may be off: the sum of their positions' precision."""
    if a is None and b is None:
        return {}
    return {"length_precision_km": round((a or 0.0) + (b or 0.0), 3)}
