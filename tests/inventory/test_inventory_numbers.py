"""Numbers, units and French spreadsheets in whole inventories: read as meant, or refused.

Each malformed case is the valid ``tests/inventory/malformed/base.yaml`` with one defect, rejected with
its field path and a message that shows how to write the value (the style of
``tests/inventory/test_inventory_malformed.py``).
"""

from __future__ import annotations

import copy
import csv
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from symbiose.convert import to_network, to_problem
from symbiose.inventory import (
    InventoryError,
    dump_inventory,
    load_inventory,
    load_workbook_scenarios,
    parse_inventory,
    write_csv_folder,
)
from symbiose.inventory.schema import SECTIONS, Inventory, Territory
from symbiose.inventory.spreadsheet import _kind, decode_cell, detect_separator

HERE = Path(__file__).parent
BASE: dict[str, Any] = yaml.safe_load((HERE / "malformed" / "base.yaml").read_text())
DATASET = HERE.parents[1] / "datasets" / "dunkerque" / "dunkerque.yaml"
NBSP, NNBSP, THIN = "\u00a0", "\u202f", "\u2009"


def base(**territory: Any) -> dict[str, Any]:
    """The base inventory; with ``number_format="fr"`` its quantities are written the French way."""
    doc = copy.deepcopy(BASE)
    if territory.get("number_format") == "fr":
        doc = _frenchified(doc)
    doc["territory"].update(territory)
    return doc


def _frenchified(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _frenchified(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_frenchified(v) for v in value]
    return _french_value(value) if isinstance(value, str) else value


def setter(*path: Any, value: Any, **territory: Any) -> Callable[[], dict[str, Any]]:
    def make() -> dict[str, Any]:
        doc = base(**territory)
        target = doc
        for p in path[:-1]:
            target = target[p]
        target[path[-1]] = value
        return doc

    return make


MALFORMED: dict[str, tuple[Callable[[], dict[str, Any]], str, str]] = {
    "decimal_comma_under_en": (
        setter("supplies", 1, "quantity", value="1,8 Mt/yr"),
        "supplies[1].quantity",
        "'1,8' uses a decimal comma: write '1.8', or set number_format: fr in the territory",
    ),
    "decimal_comma_with_exponent_under_en": (
        setter("supplies", 1, "quantity", value="1,8e6 t/yr"),
        "supplies[1].quantity",
        "write '1800000', or set number_format: fr",
    ),
    "french_thousands_and_comma_under_en": (
        setter("demands", 1, "quantity", value=f"1{NBSP}400{NBSP}000,0 t/yr"),
        "demands[1].quantity",
        "uses a decimal comma: write '1400000'",
    ),
    "decimal_point_under_fr": (
        setter("supplies", 1, "quantity", value="1.8 Mt/yr", number_format="fr"),
        "supplies[1].quantity",
        "'1.8' has a dot, but number_format is fr: the decimal mark is a comma",
    ),
    "dot_thousands_under_fr_is_ambiguous": (
        setter("supplies", 1, "quantity", value="1.800 kt/yr", number_format="fr"),
        "supplies[1].quantity",
        "'1.800' has a dot, but number_format is fr",
    ),
    "thousands_not_in_threes": (
        setter("supplies", 1, "quantity", value="18 00 000 t/yr"),
        "supplies[1].quantity",
        "'18 00 000' is not one number: write it like '1200.5'",
    ),
    "product_of_numbers": (
        setter("supplies", 1, "quantity", value="2 * 900 t/yr"),
        "supplies[1].quantity",
        "a quantity is one number followed by its unit (e.g. '1 200 000 t/yr')",
    ),
    "trailing_decimal_mark": (
        setter("supplies", 0, "quantity", value="80. GWh/yr"),
        "supplies[0].quantity",
        "'80.' is not one number",
    ),
    "unit_without_number": (
        setter("supplies", 0, "quantity", value="GWh/yr"),
        "supplies[0].quantity",
        "expected a number followed by its unit (e.g. '80 GWh/yr'), got 'GWh/yr'",
    ),
    "millitonne_mt": (
        setter("supplies", 1, "quantity", value="1.8 mt/yr"),
        "supplies[1].quantity",
        "unit 'mt' in '1.8 mt/yr' is easily mistaken (as written it means millimetric_ton):"
        " did you mean 'Mt'?",
    ),
    "megatesla_MT": (
        setter("demands", 1, "quantity", value="1.4 MT/yr"),
        "demands[1].quantity",
        "(as written it means megatesla): did you mean 'Mt'?",
    ),
    "lowercase_gwh": (
        setter("supplies", 0, "quantity", value="80 gwh/yr"),
        "supplies[0].quantity",
        "unit 'gwh' in '80 gwh/yr' is easily mistaken: did you mean 'GWh'?",
    ),
    "milliwatt_hour_for_megawatt_hour": (
        setter("demands", 0, "quantity", value="120000 mWh/yr"),
        "demands[0].quantity",
        "did you mean 'MWh'?",
    ),
    "lowercase_kwh_in_a_price": (
        setter("demands", 0, "price", value="0.045 EUR/kwh"),
        "demands[0].price",
        "unit 'kwh' in '0.045 EUR/kwh' is easily mistaken: did you mean 'kWh'?",
    ),
    "capital_KT": (
        setter("converters", 0, "capacity", value="1400 KT/yr"),
        "converters[0].capacity",
        "did you mean 'kt'?",
    ),
    "milli_euro": (
        setter("modes", 0, "investment_per_km", value="1 m€/km"),
        "modes[0].investment_per_km",
        "did you mean 'MEUR'?",
    ),
    "dollar_sign": (
        setter("demands", 1, "price", value="70 $/t"),
        "demands[1].price",
        "cannot read '70 $/t' as a quantity",
    ),
    "discount_rate_above_one": (
        setter("territory", "discount_rate", value="120 %"),
        "territory.discount_rate",
        "must be a fraction below 1 (e.g. 0.05 or '5 %'), got '120 %'",
    ),
    "discount_rate_with_a_unit": (
        setter("territory", "discount_rate", value="5 EUR"),
        "territory.discount_rate",
        "expected a fraction such as 0.05 or '5 %', got '5 EUR'",
    ),
    "discount_rate_decimal_comma_under_en": (
        setter("territory", "discount_rate", value="5,5 %"),
        "territory.discount_rate",
        "'5,5' uses a decimal comma: write '5.5', or set number_format: fr",
    ),
    "fixed_om_above_one": (
        setter("modes", 0, "fixed_om", value="150 %"),
        "modes[0].fixed_om",
        "must be a fraction at most 1 (e.g. 0.05 or '5 %'), got '150 %'",
    ),
    "commodity_in_millitonnes": (
        lambda: {**base(), "commodities": [{"id": "ore", "unit": "mt"}]},
        "commodities[0].unit",
        "unit 'mt' is easily mistaken (as written it means millimetric_ton): did you mean 'Mt'?",
    ),
    "latitude_with_a_decimal_comma": (
        setter("sites", 0, "latitude", value="51,03", number_format="fr"),
        "sites[0].latitude",
        "got '51,03': write the number 51.03",
    ),
    "unknown_number_format": (
        setter("territory", "number_format", value="de"),
        "territory.number_format",
        "Input should be 'en' or 'fr'",
    ),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_number_or_unit_is_rejected_with_path_and_message(name: str) -> None:
    make, path, fragment = MALFORMED[name]
    with pytest.raises(InventoryError) as info:
        parse_inventory(make(), "json")
    got = [(issue.path(), issue.msg) for issue in info.value.issues]
    assert any(p == path and fragment in m for p, m in got), f"{name}: {got}"


def supply(doc: dict[str, Any], index: int) -> float:
    return sum(to_problem(parse_inventory(doc, "json")).supplies[index].quantity)


@pytest.mark.parametrize("space", [" ", NBSP, NNBSP, THIN])
@pytest.mark.parametrize("style", ["en", "fr"])
def test_french_thousands_with_spaces_are_read_exactly(space: str, style: str) -> None:
    doc = base(number_format=style)
    doc["supplies"][1]["quantity"] = f"1{space}800{space}000 t/yr"
    assert supply(doc, 1) == 1.8e6  # was read as 0: pint multiplied 1 × 800 × 0 t/yr


def _only_issue(doc: dict[str, Any]) -> tuple[str, str]:
    with pytest.raises(InventoryError) as info:
        parse_inventory(doc, "json")
    [issue] = info.value.issues
    return issue.path(), issue.msg


def test_1_2_mt_per_year_is_refused_instead_of_read_as_1_2_kg_per_year() -> None:
    doc = base()
    doc["supplies"][1]["quantity"] = "1.2 mt/yr"
    path, msg = _only_issue(doc)
    assert path == "supplies[1].quantity"
    assert msg.endswith("did you mean 'Mt'?")


def test_1_comma_2_mt_per_year_under_en_is_refused_instead_of_read_as_12_mt() -> None:
    doc = base()
    doc["supplies"][1]["quantity"] = "1,2 Mt/yr"
    path, msg = _only_issue(doc)
    assert path == "supplies[1].quantity"
    assert msg == (
        "'1,2' uses a decimal comma: write '1.2', or set number_format: fr in the territory"
    )


def test_a_decimal_comma_is_a_decimal_mark_under_fr_not_a_thousands_separator() -> None:
    doc = base(number_format="fr")
    doc["supplies"][1]["quantity"] = "1,8 Mt/yr"
    assert supply(doc, 1) == 1.8e6  # was read as 18 Mt/yr


def test_a_french_inventory_gives_the_same_problem_as_the_english_one() -> None:
    fr = copy.deepcopy(BASE)
    fr["territory"].update(number_format="fr", carbon_price="80 €/t", discount_rate="5 %")
    fr["supplies"][1].update(quantity="1,8 Mt/an", disposal_cost="5 €/t")
    fr["demands"][1].update(quantity="1,4 Mt/yr", price="70 €/t", co2="0,75")
    fr["supplies"][0].update(quantity=f"80{NNBSP}000 MWh/an", temperature="110 °C")
    fr["demands"][0].update(co2="0,26 t/MWh", price="45 €/MWh")
    fr["modes"][0].update(investment_per_km="1 M€/km", loss_per_km="0,5 %/km")
    fr["modes"][1].update(cost_per_unit_km="0,12 €/(t*km)")
    fr["converters"][0].update(capacity="1 400 kt/an", variable_cost="15 €/t")
    assert to_problem(parse_inventory(fr, "json")) == to_problem(parse_inventory(base(), "json"))


def test_a_discount_rate_of_6_percent_is_0_06() -> None:
    percent = base(discount_rate="6 %")
    fraction = base(discount_rate=0.06)
    percent["links"] = fraction["links"] = []  # the heat pipe is then built at a cost
    assert to_network(parse_inventory(percent, "json")).discount_rate == pytest.approx(0.06)
    assert _same_costs(percent, fraction)


def _same_costs(a: dict[str, Any], b: dict[str, Any]) -> bool:
    pa, pb = (to_problem(parse_inventory(d, "json")) for d in (a, b))
    assert any(arc.fixed_cost > 0 for arc in pa.arcs)
    return all(
        x.fixed_cost == pytest.approx(y.fixed_cost, rel=1e-12)
        for x, y in zip(pa.arcs, pb.arcs, strict=True)
    )


def test_fixed_om_in_percent_is_a_fraction_of_the_investment() -> None:
    percent, fraction = base(), base()
    percent["modes"][0]["fixed_om"] = "2 %"
    fraction["modes"][0]["fixed_om"] = 0.02
    percent["links"] = fraction["links"] = []
    assert _same_costs(percent, fraction)


def test_yaml_numbers_still_work_for_fractions() -> None:
    inv = parse_inventory(base(discount_rate=0.07), "json")
    assert to_network(inv).discount_rate == 0.07


# -- French Excel CSV folders ----------------------------------------------------------------
_EN_NUMBER = re.compile(r"^(-?)(\d+)(?:\.(\d+))?([eE][+-]?\d+)?(?=$|\s)")


def _french_number(match: re.Match[str]) -> str:
    sign, integer, fraction, exponent = match.groups()
    groups = [integer[max(0, i - 3) : i] for i in range(len(integer), 0, -3)][::-1]
    text = sign + NBSP.join(groups)  # French Excel groups thousands with a no-break space
    return text + ("," + fraction if fraction else "") + (exponent or "")


def _french_value(text: str) -> str:
    return _EN_NUMBER.sub(_french_number, text).replace("EUR", "€")


def _french_cell(cell: str, kind: str) -> str:
    if cell in ("True", "False"):
        return {"True": "VRAI", "False": "FAUX"}[cell]
    if kind == "other":
        return _french_value(cell)
    if kind == "dict":
        parts = [p.partition("=") for p in cell.split("; ")] if cell else []
        return "; ".join(f"{k}={_french_value(v)}" for k, _, v in parts)
    return cell


def _kinds(sheet: str, header: list[str]) -> list[str]:
    if sheet == "territory":
        return ["str", "other"]
    if sheet in SECTIONS:
        return [_kind(SECTIONS[sheet], col) for col in header]
    return ["str"] * len(header)


def french_excel_folder(inv: Inventory, folder: Path, *, declare: bool = True) -> None:
    """What French Excel saves: cp1252, ';', decimal comma, NBSP thousands, VRAI/FAUX, €."""
    english = folder.parent / f"{folder.name}-en"
    write_csv_folder(inv, english)  # the project's own CSV writer, then French Excel's habits
    folder.mkdir()
    for path in english.glob("*.csv"):
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        header = rows[0]
        out = [header]
        for row in rows[1:]:
            kinds = _kinds(path.stem, header)
            if path.stem == "territory":
                kinds = ["str", _kind(Territory, row[0])]
            cells = [_french_cell(c, k) for c, k in zip(row, kinds, strict=False)]
            if path.stem == "sites" and cells:
                cells[header.index("name")] += " – zone côtière"
            out.append(cells)
        if path.stem == "territory" and declare:
            out = [row for row in out if row[0] != "number_format"] + [["number_format", "fr"]]
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(out)
        (folder / path.name).write_bytes(buffer.getvalue().encode("cp1252"))


@pytest.fixture(scope="module")
def dunkirk() -> Inventory:
    return load_inventory(DATASET)


def test_a_csv_folder_saved_by_french_excel_solves_to_the_same_network_as_the_yaml(
    dunkirk: Inventory, tmp_path: Path
) -> None:
    folder = tmp_path / "dunkerque"
    french_excel_folder(dunkirk, folder)
    raw = (folder / "supplies.csv").read_bytes()
    assert b";" in raw.splitlines()[0] and b"\xa0" in raw and b",5" in raw  # really French
    assert b"\xf4" in (folder / "sites.csv").read_bytes()  # ô in Windows-1252
    assert b"VRAI" in (folder / "sites.csv").read_bytes()

    back = load_inventory(folder)
    assert back.territory.number_format == "fr"
    assert back.sites[0].name.endswith("zone côtière")
    assert any(site.hub for site in back.sites)
    assert to_problem(back) == to_problem(dunkirk)


def test_a_french_excel_folder_without_number_format_gets_one_hint_not_one_per_cell(
    dunkirk: Inventory, tmp_path: Path
) -> None:
    folder = tmp_path / "dunkerque"
    french_excel_folder(dunkirk, folder, declare=False)
    with pytest.raises(InventoryError) as info:
        load_inventory(folder)
    assert len(info.value.issues) == 1
    issue = info.value.issues[0]
    assert issue.path() == "territory.number_format"
    assert re.search(
        r"numbers use a decimal comma \(e\.g\. '0,05' at territory\.discount_rate\)", issue.msg
    )
    assert "set number_format: fr in the territory" in issue.msg


def test_a_decimal_point_in_a_folder_declared_fr_gets_one_hint(tmp_path: Path) -> None:
    (tmp_path / "territory.csv").write_text("field;value\nname;Corpus\nnumber_format;fr\n")
    (tmp_path / "sites.csv").write_text("id;name;latitude;longitude\nsteel;Acier;51.03;2.29\n")
    with pytest.raises(InventoryError) as info:
        load_inventory(tmp_path)
    assert [i.path() for i in info.value.issues] == ["territory.number_format"]
    assert "numbers are written the English way (e.g. '51.03' at sites[0].latitude)" in (
        info.value.issues[0].msg
    )


@pytest.mark.parametrize(
    ("sheet", "header", "sep"),
    [
        ("sites", "id;name;latitude;longitude", ";"),
        ("sites", "id,name,latitude,longitude", ","),
        ("sites", "id\tname\tlatitude\tlongitude", "\t"),
        ("territory", "field;value", ";"),
        ("overrides", "scenario;action;section;key;field;value", ";"),
        ("seasons", "name", None),
    ],
)
def test_the_csv_separator_is_found_from_the_known_column_names(
    sheet: str, header: str, sep: str | None
) -> None:
    assert detect_separator(sheet, header + "\n") == sep


def test_a_one_column_sheet_takes_the_separator_of_the_folder(tmp_path: Path) -> None:
    (tmp_path / "territory.csv").write_text("field;value\nname;Corpus\nnumber_format;fr\n")
    (tmp_path / "seasons.csv").write_text("name;share\nwinter;0,5\nsummer;0,5\n")
    (tmp_path / "commodities.csv").write_text("id\n")
    inv = load_inventory(tmp_path, validate=False)
    assert [s.share for s in inv.seasons] == [0.5, 0.5]


@pytest.mark.parametrize(
    ("cell", "value"),
    [("VRAI", True), ("faux", False), ("Oui", True), ("NON", False), ("true", True)],
)
def test_french_excel_booleans_are_booleans(cell: str, value: bool) -> None:
    assert decode_cell(cell, "bool") is value


def test_a_cp1252_file_that_is_not_utf8_is_read(tmp_path: Path) -> None:
    (tmp_path / "territory.csv").write_bytes("field;value\nname;Côte d'Opale\n".encode("cp1252"))
    inv = load_inventory(tmp_path, validate=False)
    assert inv.territory.name == "Côte d'Opale"


def test_overrides_of_a_french_folder_are_read_in_its_number_format(tmp_path: Path) -> None:
    (tmp_path / "territory.csv").write_text("field;value\nname;Corpus\nnumber_format;fr\n")
    (tmp_path / "overrides.csv").write_text(
        "scenario;action;section;key;field;value\n"
        "cher;territory;territory;;carbon_price;1 200,5\n"
        "cher;update;supplies;steel/bf_slag;quantity;1,9 Mt/an\n"
    )
    [scenario] = load_workbook_scenarios(tmp_path)
    assert scenario.territory["carbon_price"] == 1200.5
    assert scenario.update["supplies"][0]["quantity"] == "1,9 Mt/an"


def test_a_french_inventory_round_trips_through_the_csv_template_and_the_workbook(
    tmp_path: Path,
) -> None:
    doc = base(number_format="fr")
    doc["supplies"][1]["profile"] = {"winter": 1.5, "summer": 0.5}
    inv = parse_inventory(doc, "json")
    write_csv_folder(inv, tmp_path / "csv")  # floats were written '51.03': refused under fr
    assert "51,03" in (tmp_path / "csv" / "sites.csv").read_text()
    assert "winter=1,5" in (tmp_path / "csv" / "supplies.csv").read_text()
    assert load_inventory(tmp_path / "csv") == inv
    workbook = tmp_path / "inventory.xlsx"
    workbook.write_bytes(dump_inventory(inv, "xlsx"))  # type: ignore[arg-type]
    assert load_inventory(workbook) == inv
