"""Reading is pure, checking is one named step: every entry point converts an inventory once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from symbiose import convert
from symbiose.inventory import InventoryError, load_inventory
from symbiose.inventory.io import dump_inventory, load_inventory_or_scenario
from symbiose.pipeline import CheckedInventory, check

ROOT = Path(__file__).parents[2]
DATASET = ROOT / "datasets" / "dunkerque" / "dunkerque.yaml"
SCENARIO = ROOT / "datasets" / "dunkerque" / "scenarios" / "dk6-stops.yaml"
CORPUS = Path(__file__).parent / "malformed"


@pytest.fixture
def conversions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The inventories converted while the test runs (a spy on the compiler's run)."""
    seen: list[str] = []
    run = convert._Compiler.run

    def spy(self: Any) -> Any:
        seen.append(self.inv.territory.name)
        return run(self)

    monkeypatch.setattr(convert._Compiler, "run", spy)
    return seen


def test_reading_without_validate_converts_nothing(conversions: list[str]) -> None:
    load_inventory(DATASET, validate=False)
    assert conversions == []


def test_check_converts_once_and_keeps_the_network(conversions: list[str]) -> None:
    inv = load_inventory(DATASET, validate=False)
    checked = check(inv)
    assert isinstance(checked, CheckedInventory) and checked.inventory is inv
    assert checked.problem is checked.network.problem and checked.network.candidates == 22
    assert check(checked) is checked  # a checked inventory is not checked again
    assert conversions == ["Dunkerque"]


def test_check_reports_every_problem_with_its_path(conversions: list[str]) -> None:
    inv = load_inventory(CORPUS / "several_problems.yaml", validate=False)
    with pytest.raises(InventoryError) as err:
        check(inv)
    where = {i.loc[:2] for i in err.value.issues}
    assert {("supplies", 0), ("demands", 1), ("links", 0)} <= where
    assert len(conversions) == 1


def test_symbiose_validate_converts_once(
    conversions: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main

    assert main(["validate", str(DATASET)]) == 0
    assert "22 generated candidates" in capsys.readouterr().out
    assert conversions == ["Dunkerque"]


def test_symbiose_validate_of_a_scenario_converts_once(
    conversions: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main

    assert main(["validate", str(SCENARIO)]) == 0
    assert "20 sites" in capsys.readouterr().out
    assert len(conversions) == 1


def test_symbiose_validate_of_a_wrong_inventory_converts_once(
    conversions: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main

    assert main(["validate", str(CORPUS / "several_problems.yaml")]) == 2
    assert "supplies[0].quantity" in capsys.readouterr().err
    assert len(conversions) == 1


def test_optimise_of_a_checked_inventory_does_not_convert_again(conversions: list[str]) -> None:
    from models.solve import SolveOptions
    from symbiose.pipeline import optimise

    checked = check(load_inventory(DATASET, validate=False))
    report = optimise(checked, options=SolveOptions(time_limit=30))
    assert report.result.has_solution
    assert conversions == ["Dunkerque"]


def test_a_file_is_decoded_once_to_tell_a_scenario_from_an_inventory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from symbiose.inventory import io

    decoded: list[str] = []
    read = io.read_document

    def spy(data: str, fmt: str) -> Any:
        decoded.append(fmt)
        return read(data, fmt)

    monkeypatch.setattr(io, "read_document", spy)
    assert not isinstance(load_inventory_or_scenario(DATASET, validate=False), io.ScenarioFile)
    assert decoded == ["yaml"]
    found = load_inventory_or_scenario(SCENARIO)
    assert isinstance(found, io.ScenarioFile) and found.base is not None and found.base.is_file()
    assert decoded == ["yaml", "yaml"]


def test_the_service_parser_checks_a_submitted_inventory_once(conversions: list[str]) -> None:
    from api import sandbox

    class Conn:
        def send(self, message: Any) -> None:
            self.message = message

    data = str(dump_inventory(load_inventory(DATASET, validate=False), "json")).encode()
    stored = sandbox._read_inventory(Conn(), data, "json", sandbox.Budget(max_sites=100))  # type: ignore[arg-type]
    assert json.loads(stored)["territory"]["name"] == "Dunkerque"
    assert conversions == ["Dunkerque"]


def test_the_service_applies_a_scenario_with_one_check(conversions: list[str]) -> None:
    from api import domain

    base = domain.canonical_json(load_inventory(DATASET, validate=False))
    inv = domain.apply_overrides(base, {"name": "dear carbon", "territory": {"carbon_price": 150}})
    assert inv.territory.carbon_price == 150
    assert len(conversions) == 1


def test_the_service_worker_converts_once(conversions: list[str]) -> None:
    from api import domain

    base = domain.canonical_json(load_inventory(DATASET, validate=False))
    outcome = domain.optimise(base, "valorisation", time_limit=30, gap=1e-4, threads=1)
    assert outcome.has_solution
    assert conversions == ["Dunkerque"]


def test_the_service_reads_and_checks_an_inventory_with_one_conversion(
    conversions: list[str],
) -> None:
    from api import domain

    data = str(dump_inventory(load_inventory(DATASET, validate=False), "yaml")).encode()
    assert domain.read_inventory(data, "yaml").territory.name == "Dunkerque"
    assert conversions == ["Dunkerque"]
