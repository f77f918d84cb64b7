"""The scenario override format is declared once: scenario files and the API's bodies share it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.problems import loc_path
from api.schemas import InventoryPatch, ScenarioCreate
from symbiose.inventory.scenario import Scenario

CHANGES = ("territory", "update", "add", "remove")
CHOICES = ("pin", "forbid", "exclude_sites")


@pytest.mark.parametrize(
    ("body", "fields"), [(InventoryPatch, CHANGES), (ScenarioCreate, CHANGES + CHOICES)]
)
def test_the_api_bodies_declare_the_overrides_of_a_scenario_file(
    body: type, fields: tuple[str, ...]
) -> None:
    for name in fields:
        ours, theirs = body.model_fields[name], Scenario.model_fields[name]
        assert ours.annotation == theirs.annotation, name
        assert ours.description == theirs.description, name
        assert ours.metadata == theirs.metadata, name


def test_an_unknown_section_in_a_patch_is_refused_naming_it() -> None:
    with pytest.raises(ValidationError) as caught:
        InventoryPatch.model_validate({"update": {"sitez": [{"id": "a"}]}})
    error = caught.value.errors()[0]
    assert loc_path(error["loc"]) == "update.sitez"
    assert "'sites'" in error["msg"]  # the sections one may write; the path names the wrong one


def test_a_scenario_body_stores_pins_as_a_scenario_file_writes_them() -> None:
    body = ScenarioCreate.model_validate(
        {
            "name": "s",
            "inventory_id": "i",
            "territory": {"carbon_price": "150 EUR/t"},
            "pin": [{"from": "dk6", "to": "ecocem", "mode": "gas_pipe"}],
            "forbid": ["converter grinder"],
        }
    )
    doc = body.overrides()
    assert doc["pin"] == [{"from": "dk6", "to": "ecocem", "mode": "gas_pipe"}]
    assert doc["forbid"] == [{"converter": "grinder"}]
    assert "inventory_id" not in doc and "version" not in doc
    assert Scenario.model_validate(doc).pin[0].from_ == "dk6"
