"""Scenarios: a base inventory plus overrides, stored as small YAML files beside the base.

A scenario changes territory parameters, updates items (identified by their key fields, see
:data:`symbiose.inventory.schema.KEYS`), adds items and removes items.  Removing a site also
removes everything that refers to it (its supplies, demands, links and converters).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from symbiose.inventory.schema import (
    MAX_ENTRIES,
    MAX_ITEMS,
    MAX_PATH,
    Id,
    Name,
    Text,
    _one_line,
)

PathText = Annotated[str, StringConstraints(max_length=MAX_PATH), AfterValidator(_one_line)]

Section = Literal[
    "commodities", "seasons", "sites", "supplies", "demands", "modes", "links", "converters"
]


class Scenario(BaseModel):
    """A what-if: a base inventory and the overrides that make the scenario."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name = Field(min_length=1, description="Short name, used as a column of comparisons.")
    description: Text = Field("", description="What the scenario supposes, for the reader.")
    base: PathText | None = Field(
        None, description="Path of the base inventory, relative to the scenario file."
    )
    territory: dict[Name, Any] = Field(
        default_factory=dict,
        max_length=MAX_ENTRIES,
        description="Territory fields to change, e.g. {carbon_price: '150 EUR/t'}.",
    )
    update: dict[Section, Annotated[list[dict[Name, Any]], Field(max_length=MAX_ITEMS)]] = Field(
        default_factory=dict,
        description="Items to change, by section: each gives its key fields (e.g. site and commodity) and the fields to replace.",
    )
    add: dict[Section, Annotated[list[dict[Name, Any]], Field(max_length=MAX_ITEMS)]] = Field(
        default_factory=dict, description="Items to add, by section, written as in an inventory."
    )
    remove: dict[Section, Annotated[list[Id | dict[Name, Id]], Field(max_length=MAX_ITEMS)]] = (
        Field(
            default_factory=dict,
            description="Items to remove, by section: an id, or the key fields (e.g. {site: dk6, commodity: waste_heat}).",
        )
    )
    sources: dict[Name, Text] = Field(
        default_factory=dict,
        max_length=MAX_ENTRIES,
        description="Where the scenario's figures come from, by topic.",
    )
