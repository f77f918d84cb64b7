"""Regenerate the malformed-inventory corpus from base.yaml: ``python tests/inventory/malformed/build_corpus.py``.

Each case is a copy of the valid ``base.yaml`` with one defect (a few with several); the
expected field path and message fragment of each are written to ``expected.yaml``.
"""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import yaml

HERE = Path(__file__).parent
BASE = yaml.safe_load((HERE / "base.yaml").read_text())


def mutate(fn: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    fn(doc)
    return doc


def setter(*path: Any, value: Any) -> Any:
    def fn(doc: dict[str, Any]) -> None:
        target = doc
        for p in path[:-1]:
            target = target[p]
        target[path[-1]] = value

    return fn


def deleter(*path: Any) -> Any:
    def fn(doc: dict[str, Any]) -> None:
        target = doc
        for p in path[:-1]:
            target = target[p]
        del target[path[-1]]

    return fn


CASES: dict[str, tuple[Any, list[tuple[str, str]]]] = {
    "wrong_dimension_quantity": (
        setter("supplies", 0, "quantity", value="80 t/yr"),
        [("supplies[0].quantity", "wrong dimension")],
    ),
    "unknown_unit": (
        setter("supplies", 1, "quantity", value="1.8 Mfoo/yr"),
        [("supplies[1].quantity", "unknown unit")],
    ),
    "negative_quantity": (
        setter("demands", 0, "quantity", value="-5 GWh/yr"),
        [("demands[0].quantity", "must not be negative")],
    ),
    "not_a_rate": (
        setter("supplies", 1, "quantity", value="1.8 Mt"),
        [("supplies[1].quantity", "not a rate")],
    ),
    "wrong_dimension_price": (
        setter("demands", 0, "price", value="45 EUR/t"),
        [("demands[0].price", "wrong dimension")],
    ),
    "negative_carbon_price": (
        setter("territory", "carbon_price", value="-10 EUR/t"),
        [("territory.carbon_price", "must not be negative")],
    ),
    "unknown_site_supply": (
        setter("supplies", 0, "site", value="nowhere"),
        [("supplies[0].site", "unknown site 'nowhere'")],
    ),
    "unknown_commodity": (
        setter("demands", 1, "commodity", value="unobtainium"),
        [("demands[1].commodity", "unknown commodity 'unobtainium'")],
    ),
    "duplicate_site": (
        lambda d: d["sites"].append(dict(d["sites"][0])),
        [("sites[4].id", "duplicate site 'steel'")],
    ),
    "duplicate_supply": (
        lambda d: d["supplies"].append(dict(d["supplies"][1])),
        [("supplies[2].site", "duplicate supply 'steel/bf_slag'")],
    ),
    "link_to_nowhere": (
        setter("links", 0, "to", value="atlantis"),
        [("links[0].to", "unknown site 'atlantis'")],
    ),
    "link_unknown_mode": (
        setter("links", 0, "mode", value="teleport"),
        [("links[0].mode", "unknown link mode 'teleport'")],
    ),
    "link_to_itself": (setter("links", 0, "to", value="steel"), [("links[0].to", "to itself")]),
    "unknown_field": (
        setter("sites", 0, "colour", value="red"),
        [("sites[0].colour", "unknown field 'colour'")],
    ),
    "unknown_section": (setter("plants", value=[]), [("plants", "unknown field 'plants'")]),
    "missing_latitude": (
        deleter("sites", 1, "latitude"),
        [("sites[1].latitude", "required field is missing")],
    ),
    "wrong_type_latitude": (
        setter("sites", 0, "latitude", value="north"),
        [("sites[0].latitude", "valid number")],
    ),
    "latitude_out_of_range": (
        setter("sites", 0, "latitude", value=95),
        [("sites[0].latitude", "less than or equal to 90")],
    ),
    "wrong_type_quantity": (
        setter("supplies", 0, "quantity", value=[1, 2]),
        [("supplies[0].quantity", "got [1, 2]")],
    ),
    "wrong_type_discount_rate": (
        setter("territory", "discount_rate", value="five"),
        [("territory.discount_rate", "expected a fraction such as 0.05")],
    ),
    "volume_without_density": (
        lambda d: d["supplies"].append(
            {"site": "steel", "commodity": "hydrogen", "quantity": "5e6 m**3/yr"}
        ),
        [("supplies[2].quantity", "give a density")],
    ),
    "heat_without_temperature": (
        deleter("supplies", 0, "temperature"),
        [("supplies[0].temperature", "required for waste_heat")],
    ),
    "wrong_temperature_unit": (
        setter("supplies", 0, "temperature", value="110 bar"),
        [("supplies[0].temperature", "wrong dimension")],
    ),
    "unknown_season_in_profile": (
        setter("demands", 0, "profile", value={"winter": 1, "spring": 1}),
        [("demands[0].profile.spring", "unknown season 'spring'")],
    ),
    "season_shares": (setter("seasons", 1, "share", value=0.6), [("seasons", "must sum to 1")]),
    "mode_unknown_commodity": (
        setter("modes", 1, "commodities", value=["bf_slag", "gravel"]),
        [("modes[1].commodities[1]", "unknown commodity 'gravel'")],
    ),
    "converter_zero_yield": (
        setter("converters", 0, "inputs", value={"bf_slag": 0}),
        [("converters[0].inputs.bf_slag", "yield must be a positive number")],
    ),
    "minimum_exceeds_quantity": (
        setter("demands", 1, "minimum", value="2 Mt/yr"),
        [("demands[1].minimum", "exceeds the quantity")],
    ),
    "supply_at_hub": (
        lambda d: d["supplies"].append({"site": "hub", "commodity": "co2", "quantity": "1 Mt/yr"}),
        [("supplies[2].site", "is a hub")],
    ),
    "hub_unknown_commodity": (
        setter("sites", 3, "handles", value=["co2", "plasma"]),
        [("sites[3].handles[1]", "unknown commodity 'plasma'")],
    ),
    "currency_not_eur": (
        setter("territory", "currency", value="USD"),
        [("territory.currency", "only EUR")],
    ),
    "negative_lifetime": (
        setter("modes", 0, "lifetime", value="-3 yr"),
        [("modes[0].lifetime", "must not be negative")],
    ),
    "loss_per_km_too_high": (
        setter("modes", 0, "loss_per_km", value="150 %/km"),
        [("modes[0].loss_per_km", "below 1 per km")],
    ),
    "power_tower": (
        setter("supplies", 1, "quantity", value="10**10**10 t/yr"),
        [("supplies[1].quantity", "powers must be small numbers")],
    ),
    "explicit_heat_link_too_cool": (
        setter("supplies", 0, "temperature", value="80 degC"),
        [("links[0].to", "leaves 'steel' at 80 °C but 'dh' needs 90 °C")],
    ),
    "several_problems": (
        lambda d: (
            d["supplies"][0].update(quantity="80 kg/yr"),
            d["demands"][1].update(site="mars"),
            d["links"][0].update(mode="wormhole"),
        ),
        [
            ("supplies[0].quantity", "wrong dimension"),
            ("demands[1].site", "unknown site 'mars'"),
            ("links[0].mode", "unknown link mode 'wormhole'"),
        ],
    ),
}

RAW: dict[str, tuple[bytes, list[tuple[str, str]]]] = {
    "empty.yaml": (b"", [("(document)", "the document is empty")]),
    "comments_only.yaml": (b"# nothing here\n", [("(document)", "the document is empty")]),
    "top_level_list.yaml": (b"- a\n- b\n", [("(document)", "expected a mapping")]),
    "bad_syntax.yaml": (
        b"territory: {name: x\nsites: [\n",
        [("(document)", "invalid YAML at line")],
    ),
    "bad_syntax.json": (
        b'{"territory": {"name": "x",}}',
        [("(document)", "invalid JSON at line 1")],
    ),
    "not_utf8.yaml": (b"territory:\n  name: \xff\xfe\xfa\n", [("(document)", "not UTF-8")]),
    "garbage.xlsx": (b"this is not a workbook", [("(document)", "not a readable Excel workbook")]),
}


def workbook(
    drop_column: tuple[str, str] | None = None,
    add_column: tuple[str, str] | None = None,
    drop_sheet: str | None = None,
) -> bytes:
    """The base inventory as a workbook, with one sheet-level defect."""
    import sys

    sys.path.insert(0, str(HERE.parents[1]))
    from symbiose.inventory import parse_inventory
    from symbiose.inventory.spreadsheet import inventory_tables

    tables = inventory_tables(parse_inventory(BASE, "json"))
    if drop_sheet:
        del tables[drop_sheet]
    if drop_column:
        sheet, col = drop_column
        i = tables[sheet][0].index(col)
        tables[sheet] = [row[:i] + row[i + 1 :] for row in tables[sheet]]
    if add_column:
        sheet, col = add_column
        tables[sheet] = [tables[sheet][0] + [col]] + [[*row, "x"] for row in tables[sheet][1:]]
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in tables.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


SHEETS = {
    "missing_column.xlsx": (
        dict(drop_column=("sites", "latitude")),
        [("sites.latitude", "missing column 'latitude'")],
    ),
    "unknown_column.xlsx": (
        dict(add_column=("supplies", "colour")),
        [("supplies.colour", "unknown column 'colour'")],
    ),
    "missing_territory_sheet.xlsx": (
        dict(drop_sheet="territory"),
        [("territory", "missing sheet 'territory'")],
    ),
    "missing_quantity_column.xlsx": (
        dict(drop_column=("demands", "quantity")),
        [("demands.quantity", "missing column 'quantity'")],
    ),
}


def main() -> None:
    expected: dict[str, list[dict[str, str]]] = {}
    for name, (fn, issues) in CASES.items():
        doc = mutate(fn)
        fmt = "json" if name in ("wrong_type_quantity",) else "yaml"
        path = HERE / f"{name}.{fmt}"
        text = json.dumps(doc, indent=1) if fmt == "json" else yaml.safe_dump(doc, sort_keys=False)
        path.write_text(text)
        expected[path.name] = [{"path": p, "msg": m} for p, m in issues]
    for name, (data, issues) in RAW.items():
        (HERE / name).write_bytes(data)
        expected[name] = [{"path": p, "msg": m} for p, m in issues]
    for name, (kwargs, issues) in SHEETS.items():
        (HERE / name).write_bytes(workbook(**kwargs))
        expected[name] = [{"path": p, "msg": m} for p, m in issues]
    # a CSV folder with a missing column
    folder = HERE / "csv_missing_column"
    folder.mkdir(exist_ok=True)
    (folder / "territory.csv").write_text("field,value\nname,Corpus\n")
    (folder / "sites.csv").write_text("id,name,longitude\nsteel,Steelworks,2.29\n")
    expected["csv_missing_column"] = [
        {"path": "sites.latitude", "msg": "missing column 'latitude'"}
    ]
    (HERE / "expected.yaml").write_text(yaml.safe_dump(expected, sort_keys=True, width=120))


if __name__ == "__main__":
    main()
