"""Readers and writers: JSON, YAML, the Excel template and its CSV form round-trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.solve import SolveOptions
from symbiose.inventory import dump_inventory, load_inventory, parse_inventory, write_csv_folder
from symbiose.inventory.schema import Inventory
from symbiose.pipeline import optimise

DATASET = Path(__file__).parents[2] / "datasets" / "dunkerque" / "dunkerque.yaml"
FAST = SolveOptions(time_limit=20, gap=1e-6)


@pytest.fixture(scope="module")
def dunkirk() -> Inventory:
    return load_inventory(DATASET)


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_text_formats_round_trip_exactly(dunkirk: Inventory, fmt: str) -> None:
    assert parse_inventory(dump_inventory(dunkirk, fmt), fmt) == dunkirk


def test_the_workbook_round_trip_keeps_the_inventory(dunkirk: Inventory) -> None:
    data = dump_inventory(dunkirk, "xlsx")
    assert isinstance(data, bytes)
    assert parse_inventory(data, "xlsx") == dunkirk


def test_the_workbook_round_trip_solves_to_the_same_optimum(
    dunkirk: Inventory, tmp_path: Path
) -> None:
    path = tmp_path / "dunkerque.xlsx"
    path.write_bytes(dump_inventory(dunkirk, "xlsx"))  # type: ignore[arg-type]
    back = load_inventory(path)
    a, b = optimise(dunkirk, options=FAST), optimise(back, options=FAST)
    assert b.result.objective == pytest.approx(a.result.objective, rel=1e-9)
    assert b.result.totals["co2_avoided"] == pytest.approx(a.result.totals["co2_avoided"], rel=1e-6)


def test_the_csv_folder_round_trip_solves_to_the_same_optimum(
    dunkirk: Inventory, tmp_path: Path
) -> None:
    write_csv_folder(dunkirk, tmp_path / "csv")
    assert (tmp_path / "csv" / "sites.csv").exists()
    back = load_inventory(tmp_path / "csv")
    assert back == dunkirk
    a, b = optimise(dunkirk, options=FAST), optimise(back, options=FAST)
    assert b.result.objective == pytest.approx(a.result.objective, rel=1e-9)


def test_the_shipped_template_is_a_valid_inventory() -> None:
    template = Path(__file__).parents[2] / "symbiose" / "templates" / "inventory-template.xlsx"
    inv = load_inventory(template)
    assert inv.sites and inv.supplies and inv.demands
    from cli.inventory import build_template

    assert parse_inventory(build_template(), "xlsx") == inv


def test_schema_fields_are_all_described() -> None:
    from symbiose.inventory.schema import SECTIONS, Territory

    for model in (Inventory, Territory, *SECTIONS.values()):
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"


def test_scenarios_travel_in_the_overrides_sheet(dunkirk: Inventory) -> None:
    from symbiose.inventory import (
        apply_scenario,
        dump_workbook,
        load_scenario,
        load_workbook_scenarios,
    )

    names = ["dri-eaf", "carbon-150", "dk6-stops", "no-co2-hub"]
    folder = DATASET.parent / "scenarios"
    scenarios = [load_scenario(folder / f"{n}.yaml")[0] for n in names]
    data = dump_workbook(dunkirk, scenarios)
    back = load_workbook_scenarios(data)
    assert [s.name for s in back] == names
    for original, read in zip(scenarios, back, strict=True):
        assert apply_scenario(dunkirk, read) == apply_scenario(dunkirk, original)
    assert parse_inventory(data, "xlsx") == dunkirk
