"""The register-anchored regional inventory: every site from a register, every figure cited.

:func:`build_from_registers` reads register files (:mod:`symbiose.region.registers`), keeps
the records inside the territory, groups them into sites (:mod:`symbiose.region.matching`),
and gives each site the registers' figures by a documented precedence (``anchors.yaml``):

* CO2: EUTL verified emissions first, then IREP's fossil CO2, then Hotmaps' ETS and E-PRTR
  columns; a figure that is probably a ×1000 slip is not used (it is listed, and the
  overrides file may keep it); every other figure beyond the tolerance is a disagreement;
* capturable CO2 (a supply): the CO2 of a large source times a published capture rate;
* excess heat (a supply): Hotmaps' bands, at the band's lower temperature;
* heat the boilers of a heat-using sector make (a demand): their EUTL combustion emissions
  over the emission factor of natural gas, times the boiler efficiency and the sector's share;
* other releases (IREP) in the site's notes.

Each figure cites its register, year and licence; derived quantities cite the coefficient
too, and estimates are listed as such.  Positions are the most precise a register gives, with
their precision (``position_precision``, km) and source.  The shipped coefficient table is
used only for what no register gives, and only where a headcount is known.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from symbiose.region.anchored_coefficients import coefficient_supplies_demands
from symbiose.region.anchored_items import inventory_items, site_records
from symbiose.region.anchored_report import territory_notes
from symbiose.region.matching import Matching, Overrides, match_records, read_overrides
from symbiose.region.registers import REGISTERS, Register, RegisterError, read_register
from symbiose.region.tables import COEFFICIENTS_CSV, DEFAULTS_YAML, HERE
from symbiose.region.territory import Outline, inside, region_outline

ANCHORS_YAML = HERE / "anchors.yaml"


def anchors() -> dict[str, Any]:
    """The coefficients and rules of ``anchors.yaml`` (read each time: it is small)."""
    loaded: dict[str, Any] = yaml.safe_load(ANCHORS_YAML.read_text(encoding="utf-8"))
    return loaded


# -- the territory -------------------------------------------------------------------------


@dataclass(frozen=True)
class Territory:
    """Where the build's sites must be: inside an outline, or a box, and not overseas."""

    key: str
    name: str
    departments: tuple[str, ...]
    """Postcode departments of the territory (places a record without a position)."""
    outline: Outline | None = None
    box: tuple[float, float, float, float] | None = None
    """West, south, east, north (degrees)."""

    def holds(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Whether each position is in the territory (NaN: no)."""
        if self.outline is not None:
            result: np.ndarray = inside(lon, lat, self.outline)
            return result
        west, south, east, north = self.box or (-180.0, -90.0, 180.0, 90.0)
        with np.errstate(invalid="ignore"):
            return (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)


TERRITORIES = {
    "hauts-de-france": Territory(
        "hauts-de-france", "Hauts-de-France", region_outline().departments, outline=region_outline()
    ),
    "france": Territory(
        "france",
        "metropolitan France",
        (*(f"{d:02d}" for d in range(1, 96)), "2A", "2B"),  # Corsica: postcodes 20xxx, in range
        box=(-5.3, 41.3, 9.7, 51.15),
    ),
}
"""The territories a build may be limited to (metropolitan France: mainland and Corsica)."""


# -- the build --------------------------------------------------------------------------------


@dataclass
class RegisterBuild:
    """A built regional inventory and everything its build report says."""

    doc: dict[str, Any]
    registers: list[Register]
    matching: Matching
    sites: pd.DataFrame
    """Every site made of register records, with or without an item."""
    co2: pd.DataFrame
    """Every CO2 figure of every site, by source, with the one chosen."""
    disagreements: pd.DataFrame
    warnings: pd.DataFrame
    left_out: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)


def build_from_registers(
    paths: Sequence[str | Path],
    *,
    territory: str = "hauts-de-france",
    overrides: str | Path | None = None,
    additions: str | Path | None = None,
    establishments: str | Path | None = None,
    coefficients: str | Path = COEFFICIENTS_CSV,
) -> RegisterBuild:
    """The inventory of the register files ``paths`` (EUTL, IREP, Hotmaps: any of them).

    ``overrides`` is the coordinator's overrides CSV (:mod:`symbiose.region.matching`);
    ``additions`` a partial inventory (YAML) of sites, supplies, demands, modes and links no
    register holds (the CO2 export hub of ``datasets/hauts-de-france/``), merged in and counted
    apart; ``establishments`` a SIRENE establishments file whose headcounts let the
    ``coefficients`` table add what no register gives (:mod:`symbiose.region.anchored_coefficients`).

    Raises:
        RegisterError: a file cannot be read, or two files are of the same register.
        OverridesError: the overrides file has a problem (line and column named).
    """
    rules = anchors()
    registers = _read_all(paths)
    place = TERRITORIES[territory]
    fixes = read_overrides(overrides)
    records, left_out = _in_territory(registers, place)
    matching = match_records(records, fixes)
    sites = _site_table(records, matching, rules)
    sites, left_out = _placed(sites, records, matching, left_out)
    figures = _site_figures(registers, matching)
    figures = figures[figures["site"].isin(sites["site"])].reset_index(drop=True)
    co2, warnings = _co2_figures(figures, sites, rules, fixes)
    disagreements = _disagreements(co2, rules)
    items = inventory_items(sites, records, figures, co2, rules)
    headcounts = _coefficients(items, sites, figures, establishments, coefficients)
    built = RegisterBuild({}, registers, matching, sites, co2, disagreements, warnings, left_out)
    built.counts["sites with a headcount"] = headcounts
    built.doc = _document(built, items, place, additions)
    return built


def _coefficients(
    items: dict[str, list[dict[str, Any]]],
    sites: pd.DataFrame,
    figures: pd.DataFrame,
    establishments: str | Path | None,
    coefficients: str | Path,
) -> int:
    """Add the coefficient table's items no register gave; the sites with a known headcount."""
    if establishments is None:
        return 0
    given = {(s["site"], s["commodity"], "has") for s in items["supplies"]}
    given |= {(d["site"], d["commodity"], "wants") for d in items["demands"]}
    supplies, demands, known = coefficient_supplies_demands(
        sites, given, establishments, coefficients
    )
    items["supplies"] += supplies
    items["demands"] += demands
    items["sites"] = site_records(sites, figures, items["supplies"] + items["demands"])
    return known


def _read_all(paths: Sequence[str | Path]) -> list[Register]:
    registers = [read_register(p) for p in paths]
    kinds = [r.info.key for r in registers]
    twice = sorted({k for k in kinds if kinds.count(k) > 1})
    if twice:
        raise RegisterError(
            f"two files of the {', '.join(REGISTERS[k].name for k in twice)} register: give one"
            " file per register"
        )
    if not registers:
        raise RegisterError("no register file: give EUTL, IREP or Hotmaps files")
    return registers


def _in_territory(registers: list[Register], place: Territory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The records inside the territory, and the records left out (with the rows' problems)."""
    kept, out = [], [r.left_out for r in registers]
    for register in registers:
        rec = register.records
        lon = rec["longitude"].to_numpy(dtype=float)
        lat = rec["latitude"].to_numpy(dtype=float)
        located = np.isfinite(lon) & np.isfinite(lat)
        null = located & (lon == 0) & (lat == 0)
        # a record without a position stays if its postcode is the territory's: another
        # register's record of the same plant may place it (else the build leaves it out)
        department = rec["postcode"].str[:2].to_numpy()
        unplaced = ~located & np.isin(department, place.departments)
        country = rec["country"].to_numpy(dtype=object)
        abroad = country != "France"  # the territories are French: a Belgian plant by the border is not
        holds = ((place.holds(lon, lat) & ~null) | unplaced) & ~abroad
        reason = np.where(
            null, "at (0, 0)",
            np.where(located, f"outside {place.name}", "no position, and no postcode of the territory"),
        )
        reason = np.where(abroad, "in another country: " + country.astype(str), reason)
        gone = ~holds
        out.append(
            pd.DataFrame(
                {
                    "register": register.info.key,
                    "line": rec["line"][gone].to_numpy(),
                    "record": rec["record"][gone].to_numpy(),
                    "column": "position",
                    "value": [
                        f"{a:.4f}, {b:.4f}" if np.isfinite(a) else ""
                        for a, b in zip(lon[gone], lat[gone], strict=True)
                    ],
                    "reason": reason[gone],
                }
            )
        )
        kept.append(rec[holds])
    left = pd.concat(out, ignore_index=True)
    return pd.concat(kept, ignore_index=True), left


def _placed(
    sites: pd.DataFrame, records: pd.DataFrame, matching: Matching, left_out: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sites that have a position; the records of the others are left out, and said so."""
    unplaced = sites["latitude"].isna().to_numpy()
    gone = set(sites["site"][unplaced])
    rec = records[records["record"].map(matching.site_of).isin(gone)]
    rows = pd.DataFrame(
        {
            "register": rec["register"],
            "line": rec["line"],
            "record": rec["record"],
            "column": "position",
            "value": "",
            "reason": "no position, and no record of another register of the same plant gives one",
        }
    )
    return sites[~unplaced].reset_index(drop=True), pd.concat([left_out, rows], ignore_index=True)


def _site_figures(registers: list[Register], matching: Matching) -> pd.DataFrame:
    """Every figure of a kept record, with its register and site."""
    parts = [r.figures.assign(register=r.info.key) for r in registers]
    figures = pd.concat(parts, ignore_index=True)
    figures["site"] = figures["record"].map(matching.site_of)
    return figures[figures["site"].notna()].reset_index(drop=True)


# -- sites -----------------------------------------------------------------------------------

POSITION_ORDER = {"irep": 0, "hotmaps": 1, "eutl": 2}
"""At equal precision, the register whose position is taken."""


def site_id(record: str) -> str:
    """The inventory id of the site a record opens: ``irep:070.00956`` → ``irep_070.00956``."""
    return record.replace(":", "_", 1)


def _site_table(records: pd.DataFrame, matching: Matching, rules: dict[str, Any]) -> pd.DataFrame:
    """One row per site: id, name, sector, NAF, SIRET, position and precision, its records."""
    rec = records.assign(
        site=records["record"].map(matching.site_of),
        order=records["register"].map(POSITION_ORDER),
        key=records["register"].map(NAME_ORDER),
    ).astype({"name": object, "commune": object, "naf": object, "activity": object})
    located = rec[np.isfinite(rec["latitude"].to_numpy(dtype=float))]
    best = located.sort_values(["site", "precision_km", "order"]).drop_duplicates("site")
    first = rec.sort_values(["site", "key"]).drop_duplicates("site").set_index("site")
    grouped = rec.groupby("site", sort=False)
    table = pd.DataFrame(
        {
            "site": grouped["record"].first().index,
            "records": grouped["record"].agg(", ".join),
            "naf": grouped["naf"].agg(lambda n: next((c for c in n if c), "")),
            "siret": grouped["siret"].agg(lambda s: ", ".join(sorted({c for c in s if c}))),
            "words": grouped["name"].agg(" ".join).str.upper(),
            "labels": grouped["activity"].agg(" ".join).str.lower(),
        }
    ).reset_index(drop=True)
    table = table.merge(
        best[["site", "longitude", "latitude", "precision_km", "position"]], on="site", how="left"
    )
    table["id"] = table["site"].map(site_id)
    irep = first["register"] == "irep"
    named = first["name"] + np.where(irep & (first["commune"] != ""), " (" + first["commune"] + ")", "")
    table["name"] = table["site"].map(named.str[:200])
    sector = _sector_of(rules)
    table["sector"] = [
        sector(n, w, a) for n, w, a in zip(table["naf"], table["words"], table["labels"], strict=True)
    ]
    return table.drop(columns=["words", "labels"])


NAME_ORDER = {"irep": 0, "eutl": 1, "hotmaps": 2}
"""Whose name a site takes: the IREP establishment's (with its commune), else EUTL's, else
Hotmaps'."""


def _sector_of(rules: dict[str, Any]) -> Callable[[str, str, str], str]:
    """The rule giving a site its sector: its NAF code, else a word of its names, else activity."""
    naf_sectors = sorted(rules["naf_sectors"].items(), key=lambda kv: -len(kv[0]))
    activity = sorted(rules["activity_sectors"].items(), key=lambda kv: -len(kv[0]))

    def sector(naf: str, names: str, labels: str) -> str:
        for prefix, name in naf_sectors:
            if naf.startswith(prefix):
                return str(name)
        said = set(names.split())
        for word, name in rules["name_sectors"].items():
            if word in said:
                return str(name)
        for key, name in activity:
            if key in labels:
                return str(name)
        return "other"

    return sector


# -- CO2: precedence, slips, disagreements ---------------------------------------------------

CO2_SOURCES = {
    "eutl": ("eutl", "co2"),
    "irep": ("irep", "co2"),
    "hotmaps_ets": ("hotmaps", "co2_ets"),
    "hotmaps_eprtr": ("hotmaps", "co2_eprtr"),
}
"""Each CO2 source of the precedence: (register, quantity of its figures)."""

CO2_COLUMNS = ("site", "source", "value", "year", "records", "cite", "chosen", "slip")


def _co2_figures(
    figures: pd.DataFrame, sites: pd.DataFrame, rules: dict[str, Any], fixes: Overrides
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every CO2 figure per site and source, which one is chosen, and the slip warnings."""
    parts = [_eutl_latest(figures)] + [
        _summed(figures, register, quantity, source)
        for source, (register, quantity) in CO2_SOURCES.items()
        if source != "eutl"
    ]
    co2 = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    if co2.empty:
        return pd.DataFrame(columns=CO2_COLUMNS), pd.DataFrame(columns=WARNING_COLUMNS)
    co2 = _irep_fossil(figures, co2)
    co2["slip"] = ""
    warnings = _slips(co2, sites, rules, fixes)
    rank = {source: k for k, source in enumerate(rules["precedence"])}
    co2["rank"] = co2["source"].map(rank)
    usable = co2[co2["slip"] == ""].sort_values(["site", "rank"])  # a verified 0 is a figure
    chosen = usable.drop_duplicates("site").index
    co2["chosen"] = co2.index.isin(chosen)
    return co2[list(CO2_COLUMNS)], warnings


def _eutl_latest(figures: pd.DataFrame) -> pd.DataFrame:
    """Per site, the sum of its installations' latest verified emissions."""
    eutl = figures[(figures["register"] == "eutl") & (figures["quantity"] == "co2")]
    if eutl.empty:
        return pd.DataFrame(columns=CO2_COLUMNS)
    latest = eutl.sort_values("year").drop_duplicates("record", keep="last")
    return _per_site(latest, "eutl")


def _summed(figures: pd.DataFrame, register: str, quantity: str, source: str) -> pd.DataFrame:
    rows = figures[(figures["register"] == register) & (figures["quantity"] == quantity)]
    return _per_site(rows, source) if len(rows) else pd.DataFrame(columns=CO2_COLUMNS)


def _per_site(rows: pd.DataFrame, source: str) -> pd.DataFrame:
    info = REGISTERS[CO2_SOURCES[source][0]]
    cites = rows["record"] + " " + rows["column"] + " " + rows["year"].astype(str) + ": " + rows[
        "value"
    ].map("{:,.0f} t".format)
    grouped = rows.assign(cite=cites).groupby("site")
    out = pd.DataFrame(
        {
            "value": grouped["value"].sum(),
            "year": grouped["year"].max(),
            "records": grouped["record"].agg(lambda r: ", ".join(sorted(set(r)))),
            "cite": grouped["cite"].agg("; ".join),
        }
    ).reset_index()
    out["source"] = source
    years = out["year"].astype(int).astype(str)
    out["cite"] = out["cite"] + " (" + [info.cite(y) for y in years] + ")"
    return out


def _irep_fossil(figures: pd.DataFrame, co2: pd.DataFrame) -> pd.DataFrame:
    """Sites whose IREP rows give only the total CO2: the total less the biomass CO2, said so."""
    irep = figures[figures["register"] == "irep"]
    has_fossil = set(irep.loc[irep["quantity"] == "co2", "site"])
    total = irep[(irep["quantity"] == "co2_total") & ~irep["site"].isin(has_fossil)]
    if total.empty:
        return co2
    biomass = irep[irep["quantity"] == "co2_biomass"].groupby("site")["value"].sum()
    part = _per_site(total, "irep")
    less = part["site"].map(biomass).fillna(0.0)
    part["value"] = (part["value"] - less).clip(lower=0.0)
    part["cite"] = np.where(
        less > 0,
        "total less biomass CO2 " + less.map("{:,.0f} t".format) + ": " + part["cite"],
        "total CO2 (IREP gives no fossil share): " + part["cite"],
    )
    return pd.concat([co2, part], ignore_index=True)


WARNING_COLUMNS = ("site", "kind", "source", "value", "message")


def _slips(
    co2: pd.DataFrame, sites: pd.DataFrame, rules: dict[str, Any], fixes: Overrides
) -> pd.DataFrame:
    """Mark IREP figures that are probably a ×1000 slip; return the warnings."""
    slip = rules["slip"]
    eutl = co2[co2["source"] == "eutl"].set_index("site")["value"]
    irep = co2[co2["source"] == "irep"]
    division = sites.set_index("site")["naf"].str[:2]
    peers = irep.assign(division=irep["site"].map(division))
    warnings = []
    for k, row in irep.iterrows():
        reason = _slip_reason(row, eutl, peers, slip)
        if not reason:
            continue
        kept = any((r, "co2") in fixes.uses() for r in str(row["records"]).split(", "))
        if not kept:
            co2.at[k, "slip"] = reason
        message = f"{row['value']:,.0f} t CO2/yr in IREP {row['year']}: {reason}" + (
            "; kept by the overrides file" if kept else
            "; not used (use it with the overrides line"
            f" '{str(row['records']).split(', ')[0]},use,co2,...')"
        )
        warnings.append(
            {"site": row["site"], "kind": "probable-x1000-slip", "source": "irep",
             "value": row["value"], "message": message}
        )
    return pd.DataFrame(warnings, columns=WARNING_COLUMNS)


def _slip_reason(row: pd.Series, eutl: pd.Series, peers: pd.DataFrame, slip: dict[str, Any]) -> str:
    value = float(row["value"])
    if value < slip["floor"]:
        return ""
    if row["site"] in eutl.index and eutl[row["site"]] > 0:
        ratio = value / float(eutl[row["site"]])
        if slip["low"] <= ratio <= slip["high"]:
            return f"{ratio:,.0f} times the site's EUTL figure: probably a x1000 slip (kg for t)"
        return ""
    division = peers.loc[peers["site"] == row["site"], "division"].iloc[0]
    others = peers[(peers["division"] == division) & (peers["site"] != row["site"])]["value"]
    if not isinstance(division, str) or len(others) < slip["peers"]:
        return ""
    median = float(others.median())
    if median > 0 and value > slip["sector_ratio"] * median:
        return (
            f"{value / median:,.0f} times the median of the {len(others)} other sites of NAF"
            f" division {division} ({median:,.0f} t), and not in the EU ETS: probably a x1000"
            " slip (kg for t)"
        )
    return ""


DISAGREEMENT_COLUMNS = ("site", "quantity", "chosen", "chosen_value", "other", "other_value", "ratio", "detail")


def _disagreements(co2: pd.DataFrame, rules: dict[str, Any]) -> pd.DataFrame:
    """Each CO2 figure that differs from the chosen one by more than the tolerance."""
    if co2.empty:
        return pd.DataFrame(columns=DISAGREEMENT_COLUMNS)
    chosen = co2[co2["chosen"]].set_index("site")
    others = co2[~co2["chosen"] & co2["site"].isin(chosen.index)]
    c = chosen.loc[others["site"]]
    a, b = c["value"].to_numpy(), others["value"].to_numpy()
    spread = np.abs(a - b) / np.maximum(np.maximum(a, b), 1e-9)
    far = spread > rules["tolerance"]
    rows = pd.DataFrame(
        {
            "site": others["site"].to_numpy()[far],
            "quantity": "co2",
            "chosen": (c["source"].to_numpy() + " " + c["year"].astype(str).to_numpy())[far],
            "chosen_value": a[far],
            "other": (others["source"] + " " + others["year"].astype(str)).to_numpy()[far],
            "other_value": b[far],
            "ratio": (a / np.maximum(b, 1e-9))[far],
            "detail": others["cite"].to_numpy()[far],
        }
    )
    return rows.sort_values("chosen_value", ascending=False, ignore_index=True)


# -- the document ------------------------------------------------------------------------------


def _document(
    built: RegisterBuild,
    items: dict[str, list[dict[str, Any]]],
    place: Territory,
    additions: str | Path | None,
) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(DEFAULTS_YAML.read_text(encoding="utf-8"))
    doc["territory"]["name"] = f"{place.name.capitalize()[0]}{place.name[1:]} (public registers)"
    doc["sites"] = list(items["sites"])  # copies: the additions extend them, not the items
    doc["supplies"] = list(items["supplies"])
    doc["demands"] = list(items["demands"])
    doc["links"] = []
    added = _merge_additions(doc, additions) if additions else {}
    headcounts = built.counts.get("sites with a headcount", 0)
    built.counts = {
        "records": sum(len(r.records) for r in built.registers),
        "kept": int(built.matching.site_of.size),
        "register sites": len(built.sites),
        "sites": len(items["sites"]),
        "supplies": len(items["supplies"]),
        "demands": len(items["demands"]),
        **{f"added {k}": v for k, v in added.items()},
        "sites with a headcount": headcounts,
    }
    doc["territory"]["notes"] = territory_notes(built, additions)
    order = ("territory", "commodities", "seasons", "sites", "supplies", "demands", "modes", "links")
    return {key: doc[key] for key in order if doc.get(key) or key != "links"}


def _merge_additions(doc: dict[str, Any], path: str | Path) -> dict[str, int]:
    """Add the sections of a partial inventory; the counts of what it added, by section."""
    from symbiose.inventory.io import load_document, read_text_file

    extra = load_document(read_text_file(Path(path)), "yaml")
    added = {}
    for section in ("commodities", "sites", "supplies", "demands", "modes", "links"):
        rows = list(extra.get(section) or [])
        if section == "modes":
            known = {m["id"] for m in doc["modes"]}
            rows = [m for m in rows if m["id"] not in known]
        doc.setdefault(section, []).extend(rows)
        if rows:
            added[section] = len(rows)
    return added
