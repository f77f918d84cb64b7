"""Safe outputs: no CSV or Excel file written by the command line runs a formula; French CSV.

Site names starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return reach every
writer: report tables (CSV, Excel), the numeric result, the template (Excel, CSV folder), the
comparison CSV and the pareto CSV.  Each must come out as text with a leading apostrophe, and
the template must read back to the same names.
"""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from support.spreadsheets import HOSTILE, csv_cells_are_safe, no_formulas

from cli.main import main
from symbiose import exports
from symbiose.inventory import Inventory, dump_inventory, load_inventory, parse_inventory
from symbiose.inventory.io import dump_document

FAST = ["--time-limit", "20", "--gap", "1e-6", "--quiet"]


def hostile_inventory() -> Inventory:
    """The example inventory whose sites carry names a spreadsheet would run."""
    from cli.inventory import example_inventory

    doc = dump_document(example_inventory())
    for site, name in zip(doc["sites"], HOSTILE, strict=False):
        site["name"] = name
    return parse_inventory(doc, "json")


# -- the rule itself --------------------------------------------------------------------------
@pytest.mark.parametrize("text", [*HOSTILE, "\r=1", "''-x", "plain", "", "a=b", "-"])
def test_neutralised_text_never_starts_a_formula_and_restores_exactly(text: str) -> None:
    safe = exports.neutralise(text)
    assert not safe or safe[0] not in "=+-@\t\r"
    assert exports.restore(safe) == text


def test_numbers_are_not_neutralised() -> None:
    assert exports.neutralise(-5.0) == -5.0
    assert exports.neutralise(-3) == -3
    rows = [["x"], [-2.5], ["-2.5"]]
    assert exports.csv_text(rows).splitlines() == ["x", "-2.5", "'-2.5"]


def test_french_csv_has_semicolons_decimal_commas_and_a_byte_order_mark() -> None:
    rows = [["site", "gain_eur", "ratio"], ["Usine; Nord", 1234.5, -0.25], ["=x", 3, None]]
    data = exports.csv_bytes(rows, exports.dialect("fr"))
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines() == [
        "site;gain_eur;ratio",
        '"Usine; Nord";1234,5;-0,25',
        "'=x;3;",
    ]
    back = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig")
    assert back["gain_eur"].tolist() == [1234.5, 3.0]


def test_the_dialect_follows_the_territory_number_format() -> None:
    fr = SimpleNamespace(territory=SimpleNamespace(number_format="fr"))
    assert exports.dialect_of(fr) is exports.FR
    assert exports.dialect_of(SimpleNamespace(territory=SimpleNamespace())) is exports.EN
    assert exports.dialect("EN") is exports.EN


def test_xlsx_text_cells_are_strings_even_when_they_look_like_formulas() -> None:
    data = exports.xlsx_bytes({"t": [["name"], *[[h] for h in HOSTILE]]})
    no_formulas(data)
    back = pd.read_excel(io.BytesIO(data))
    assert [exports.restore(v) for v in back["name"]] == HOSTILE


# -- every writer of the command line -----------------------------------------------------------
def test_the_template_round_trips_names_that_look_like_formulas(tmp_path: Path) -> None:
    inv = hostile_inventory()
    data = dump_inventory(inv, "xlsx")
    assert isinstance(data, bytes)
    no_formulas(data)
    assert parse_inventory(data, "xlsx") == inv
    from symbiose.inventory import write_csv_folder

    write_csv_folder(inv, tmp_path / "csv")
    csv_cells_are_safe((tmp_path / "csv" / "sites.csv").read_text(encoding="utf-8"))
    assert load_inventory(tmp_path / "csv") == inv


def test_template_from_an_inventory_writes_it_filled_in(tmp_path: Path) -> None:
    source = tmp_path / "hostile.yaml"
    source.write_text(str(dump_inventory(hostile_inventory(), "yaml")), encoding="utf-8")
    out = tmp_path / "filled.xlsx"
    assert main(["template", str(out), "--from", str(source)]) == 0
    no_formulas(out.read_bytes())
    assert load_inventory(out) == load_inventory(source)
    folder = tmp_path / "filled-csv"
    assert main(["template", str(folder), "--from", str(source)]) == 0
    assert load_inventory(folder) == load_inventory(source)


def test_template_from_a_broken_inventory_reports_its_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "broken.yaml"
    source.write_text("territory: {name: X}\nsites: [{id: a}]\n", encoding="utf-8")
    assert main(["template", str(tmp_path / "t.xlsx"), "--from", str(source)]) == 2
    err = capsys.readouterr().err
    assert "sites[0].latitude" in err
    assert not (tmp_path / "t.xlsx").exists()


def test_solve_out_writes_csv_and_xlsx_without_live_formulas(tmp_path: Path) -> None:
    source = tmp_path / "hostile.yaml"
    source.write_text(str(dump_inventory(hostile_inventory(), "yaml")), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["solve", str(source), *FAST, "--out", str(out)]) == 0
    names = set()
    for path in out.glob("*.csv"):
        rows = csv_cells_are_safe(path.read_text(encoding="utf-8"))
        names |= {c for row in rows for c in row}
    assert {"'" + HOSTILE[0], "'" + HOSTILE[1], "'" + HOSTILE[2]} <= names
    no_formulas((out / "report.xlsx").read_bytes())


def test_compare_and_pareto_csv_have_no_live_formulas(tmp_path: Path) -> None:
    source = tmp_path / "hostile.yaml"
    source.write_text(str(dump_inventory(hostile_inventory(), "yaml")), encoding="utf-8")
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text("name: '=cmd|calc'\nterritory: {carbon_price: 150 EUR/t}\n")
    out = tmp_path / "cmp"
    assert (
        main(["compare", str(source), str(scenario), "--time-limit", "20", "--out", str(out)]) == 0
    )
    totals = csv_cells_are_safe((out / "compare_totals.csv").read_text(encoding="utf-8"))
    assert "'=cmd|calc" in totals[0]
    csv_cells_are_safe((out / "compare_exchanges.csv").read_text(encoding="utf-8"))
    pareto = tmp_path / "pareto"
    assert (
        main(["pareto", str(source), "--points", "2", "--time-limit", "20", "--out", str(pareto)])
        == 0
    )
    csv_cells_are_safe((pareto / "pareto.csv").read_text(encoding="utf-8"))


def test_numeric_results_are_written_through_the_export_module(tmp_path: Path) -> None:
    from models.result import Objective, Result, Status

    result = Result(Status.OPTIMAL, Objective.COST, message="=evil()")
    result.flows = pd.DataFrame({"tail": ["=a"], "head": ["@b"], "quantity": [-1.5]})
    files = exports.write_result(result, tmp_path)
    assert {f.name for f in files} >= {"result.json", "flows.csv", "result.xlsx"}
    assert (tmp_path / "flows.csv").read_text().splitlines() == [
        "tail,head,quantity",
        "'=a,'@b,-1.5",
    ]
    no_formulas((tmp_path / "result.xlsx").read_bytes())


# -- the demo's coordinator key -----------------------------------------------------------------
def test_keys_create_out_writes_the_key_readable_by_its_owner_only(tmp_path: Path) -> None:
    key = tmp_path / "var" / "coordinator.key"
    key.parent.mkdir()
    key.write_text("old secret\n")
    os.chmod(key, 0o644)  # left by an older demo
    url = f"sqlite:///{tmp_path / 'keys.sqlite'}"
    args = ["keys", "create", "--territory", "t", "--role", "coordinator", "--database-url", url]
    assert main([*args, "--out", str(key)]) == 0
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_text().startswith("sym_") and "old secret" not in key.read_text()
    fresh = tmp_path / "fresh.key"
    assert main([*args, "--out", str(fresh)]) == 0
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600


def test_the_demo_creates_its_key_with_mode_600() -> None:
    demo = (Path(__file__).parents[2] / "scripts" / "demo.sh").read_text()
    assert "--out var/demo-coordinator.key" in demo
    assert "> var/demo-coordinator.key" not in demo
    assert "chmod 600 var/demo-coordinator.key" in demo


def test_template_from_a_scenario_file_writes_the_scenario_inventory(tmp_path: Path) -> None:
    dataset = Path(__file__).parents[2] / "datasets" / "dunkerque" / "scenarios" / "carbon-150.yaml"
    out = tmp_path / "scenario.xlsx"
    assert main(["template", str(out), "--from", str(dataset)]) == 0
    from cli.inventory import load_any

    assert load_inventory(out) == load_any(dataset)[0]


def test_missing_values_are_empty_cells() -> None:
    frame = pd.DataFrame({"a": pd.array([1, None], dtype="Int64"), "b": [None, "x"]})
    assert exports.csv_text(exports.frame_rows(frame)).splitlines() == ["a,b", "1,", ",x"]
