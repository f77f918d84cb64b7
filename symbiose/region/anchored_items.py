"""The sites, supplies and demands of a register-anchored inventory, each figure cited.

:func:`inventory_items` turns the site table, the registers' figures and the chosen CO2
figures of :mod:`symbiose.region.anchored` into inventory records: a capturable-CO2 supply
per large source, an excess-heat supply per Hotmaps site with heat, a heat demand per
heat-using site burning fuel, and the sites that have at least one of them.  Quantities are
written with their unit to 12 significant digits; every ``sources`` entry names the register,
the year and the licence of the figure it comes from, and the coefficient that derived it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from symbiose.region.registers import HOTMAPS, IREP, REGISTERS

MAX_RELEASES = 6
"""Other releases (IREP) named in a site's notes: the largest by mass."""


def inventory_items(
    sites: pd.DataFrame,
    records: pd.DataFrame,
    figures: pd.DataFrame,
    co2: pd.DataFrame,
    rules: dict[str, Any],
) -> dict[str, list[dict[str, Any]]]:
    """``sites``, ``supplies`` and ``demands`` of the inventory document."""
    text = ("record", "quantity", "column", "label", "register", "site")
    figures = figures.astype({c: object for c in text})  # read row by row below: plain str
    sites = sites.astype({c: object for c in sites.columns if sites[c].dtype != float})
    ids = sites.set_index("site")["id"]
    sector = sites.set_index("site")["sector"]
    takers = set(rules["heat_demand"]["takers"])
    heat_takers = set(sector[sector.isin(takers)].index)
    demands = _heat_demands(figures, records, sector, heat_takers, rules)
    supplies = _capture(co2, rules, exclude=heat_takers) + _heat_supplies(figures, rules)
    for item in supplies + demands:
        item["site"] = ids[item["site"]]
    return {
        "sites": site_records(sites, figures, supplies + demands),
        "supplies": supplies,
        "demands": demands,
    }


def site_records(
    sites: pd.DataFrame, figures: pd.DataFrame, items: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The inventory's sites: those of the site table that ``items`` (by site id) use."""
    used = {item["site"] for item in items}
    sites = sites.astype({c: object for c in sites.columns if sites[c].dtype != float})
    figures = figures.astype({c: object for c in ("record", "quantity", "label", "register", "site")})
    return _sites(sites[sites["id"].isin(used)], figures)


def amount(value: float, unit: str) -> str:
    """``"1.2e+06 t/yr"``-free text: 12 significant digits and the unit (``"1200000 t/yr"``)."""
    return f"{value:.12g} {unit}"


# -- supplies --------------------------------------------------------------------------------


def _capture(co2: pd.DataFrame, rules: dict[str, Any], exclude: set[str]) -> list[dict[str, Any]]:
    """Capturable CO2 of every large source: the chosen CO2 figure times the capture rate."""
    capture = rules["capture"]
    chosen = co2[co2["chosen"] & (co2["value"] >= capture["threshold"])]
    chosen = chosen[~chosen["site"].isin(exclude)]
    items = []
    for row in chosen.to_dict("records"):
        quantity = capture["rate"] * float(row["value"])
        items.append(
            {
                "site": row["site"],
                "commodity": "co2",
                "quantity": amount(quantity, "t/yr"),
                "handling_cost": capture["handling_cost"],
                "disposal_co2": capture["disposal_co2"],
                "sources": {
                    "quantity": (
                        f"capturable CO2 = {capture['rate']:g} x {row['value']:,.0f} t CO2/yr"
                        f" ({row['source']} {row['year']}, first in the precedence"
                        f" {' > '.join(rules['precedence'])}): {row['cite']}; capture rate:"
                        f" {capture['rate_source']}; a source of at least"
                        f" {capture['threshold']:,} t/yr: {capture['threshold_source']}"
                    ),
                    "handling_cost": capture["handling_cost_source"],
                    "disposal_co2": capture["disposal_co2_source"],
                },
                "estimates": ["handling_cost"],
            }
        )
    return items


def _heat_supplies(figures: pd.DataFrame, rules: dict[str, Any]) -> list[dict[str, Any]]:
    """Hotmaps' excess heat of each site, at the lowest temperature band that has some."""
    bands = rules["heat_supply"]["bands"]
    heat = figures[figures["quantity"].isin(list(bands)) & (figures["value"] > 0)]
    items = []
    for site, rows in heat.groupby("site", sort=False):
        coolest = min(bands[q] for q in rows["quantity"])
        parts = "; ".join(
            f"{record} {column} {value / 1e3:,.2f} GWh/yr"
            for record, column, value in zip(rows["record"], rows["column"], rows["value"], strict=True)
        )
        items.append(
            {
                "site": site,
                "commodity": "waste_heat",
                "quantity": amount(float(rows["value"].sum()), "MWh/yr"),
                "temperature": f"{coolest} degC",
                "sources": {
                    "quantity": f"excess heat, {parts} ({HOTMAPS.cite(int(rows['year'].iloc[0]))})",
                    "temperature": (
                        f"{coolest} degC: the coolest band with heat; "
                        + rules["heat_supply"]["source"]
                    ),
                },
            }
        )
    return items


# -- demands ---------------------------------------------------------------------------------


def _heat_demands(
    figures: pd.DataFrame,
    records: pd.DataFrame,
    sector: pd.Series,
    takers: set[str],
    rules: dict[str, Any],
) -> list[dict[str, Any]]:
    """Heat a heat-using site's boilers make: EUTL combustion CO2 / factor x efficiency x share."""
    rule = rules["heat_demand"]
    activity = records.set_index("record")["activity"]
    eutl = figures[(figures["register"] == "eutl") & figures["site"].isin(takers)]
    eutl = eutl[eutl["record"].map(activity).isin(rule["activities"])]
    latest = eutl.sort_values("year").drop_duplicates("record", keep="last")
    items = []
    for site, rows in latest.groupby("site", sort=False):
        taker = rule["takers"][sector[site]]
        fuel = float(rows["value"].sum()) / rule["emission_factor"]
        quantity = fuel * rule["efficiency"] * taker["share"]
        if quantity <= 0:
            continue
        items.append(_heat_demand(str(site), rows, quantity, taker, rule))
    return items


def _heat_demand(
    site: str, rows: pd.DataFrame, quantity: float, taker: dict[str, Any], rule: dict[str, Any]
) -> dict[str, Any]:
    year = int(rows["year"].max())
    parts = "; ".join(
        f"{record} {y}: {value:,.0f} t CO2e"
        for record, y, value in zip(rows["record"], rows["year"], rows["value"], strict=True)
    )
    item: dict[str, Any] = {
        "site": site,
        "commodity": "waste_heat",
        "quantity": amount(quantity, "MWh/yr"),
        "min_temperature": taker["min_temperature"],
        "price": rule["price"],
        "co2": rule["co2"],
    }
    sources = {
        "quantity": (
            f"heat of the boilers = {rows['value'].sum():,.0f} t CO2/yr burnt / "
            f"{rule['emission_factor']:g} t/MWh x {rule['efficiency']:g} x share"
            f" {taker['share']:g}: EUTL verified emissions of its combustion, {parts}"
            f" ({REGISTERS['eutl'].cite(year)}); factor: {rule['emission_factor_source']};"
            f" efficiency: {rule['efficiency_source']}; share: {taker['source']}"
        ),
        "min_temperature": taker["source"],
        "price": rule["price_source"],
        "co2": rule["co2_source"],
    }
    if taker.get("profile"):
        item["profile"] = {
            name: float(weight)
            for name, weight in (part.split(":") for part in taker["profile"].split(";"))
        }
        sources["profile"] = taker["source"]
    item["sources"] = sources
    item["estimates"] = ["quantity", "min_temperature", "price", *(["profile"] * ("profile" in item))]
    return item


# -- sites -----------------------------------------------------------------------------------


def _sites(sites: pd.DataFrame, figures: pd.DataFrame) -> list[dict[str, Any]]:
    """The sites that have an item, with their position's source and precision."""
    releases = _releases(figures)
    out = []
    for row in sites.to_dict("records"):
        where = f"{row['position']}, within about {row['precision_km']:g} km"
        notes = f"Records: {row['records']}"
        if row["siret"]:
            notes += f"; SIRET {row['siret']}"
        if row["naf"]:
            notes += f"; NAF {row['naf']}"
        if row["site"] in releases.index:
            notes += f". {releases[row['site']]}"
        out.append(
            {
                "id": row["id"],
                "name": row["name"],
                "sector": row["sector"],
                "latitude": round(float(row["latitude"]), 6),
                "longitude": round(float(row["longitude"]), 6),
                "position_precision": round(float(row["precision_km"]), 3),
                "sources": {"latitude": where, "longitude": where, "position_precision": where},
                "notes": notes[:5000],
            }
        )
    return out


def _releases(figures: pd.DataFrame) -> pd.Series:
    """Per site, its largest other IREP releases, as a sentence citing the register."""
    rel = figures[(figures["register"] == IREP.key) & (figures["quantity"] == "release")]
    if rel.empty:
        return pd.Series(dtype=str)
    rel = rel.sort_values("value", ascending=False)
    top = rel.groupby("site").head(MAX_RELEASES)
    text = top["label"] + " " + top["value"].map(_tonnes)
    year = int(rel["year"].max())
    grouped = text.groupby(top["site"]).agg("; ".join)
    counts = rel.groupby("site").size()
    return grouped.index.to_series().map(
        lambda s: f"Other releases ({IREP.cite(year)}; {counts[s]} in all): {grouped[s]}"
    )


def _tonnes(value: float) -> str:
    if value >= 1:
        return f"{value:,.0f} t/yr" if value >= 10 else f"{value:.3g} t/yr"
    return f"{value * 1e3:.3g} kg/yr" if value >= 1e-3 else f"{value * 1e6:.3g} g/yr"

