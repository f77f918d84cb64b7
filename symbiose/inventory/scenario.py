"""Scenarios: a base inventory plus overrides, stored as small YAML files beside the base.

A scenario changes territory parameters, updates items (identified by their key fields, see
:data:`symbiose.inventory.schema.KEYS`), adds items and removes items.  Removing a site also
removes everything that refers to it (its supplies, demands, links and converters).  A
scenario may also pin or forbid links and converters and exclude sites (THERMOS-style): these
add to the territory's ``pin``, ``forbid`` and ``exclude_sites``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from symbiose.inventory.schema import BuildChoice

Section = Literal[
    "commodities",
    "seasons",
    "sites",
    "supplies",
    "demands",
    "modes",
    "links",
    "converters",
    "storages",
]


class Scenario(BaseModel):
    """A what-if: a base inventory and the overrides that make the scenario."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="Short name, used as a column of comparisons.")
    description: str = Field("", description="What the scenario supposes, for the reader.")
    base: str | None = Field(
        None, description="Path of the base inventory, relative to the scenario file."
    )
    territory: dict[str, Any] = Field(
        default_factory=dict,
        description="Territory fields to change, e.g. {carbon_price: '150 EUR/t'}.",
    )
    update: dict[Section, list[dict[str, Any]]] = Field(
        default_factory=dict,
        description="Items to change, by section: each gives its key fields (e.g. site and commodity) and the fields to replace.",
    )
    add: dict[Section, list[dict[str, Any]]] = Field(
        default_factory=dict, description="Items to add, by section, written as in an inventory."
    )
    remove: dict[Section, list[str | dict[str, str]]] = Field(
        default_factory=dict,
        description="Items to remove, by section: an id, or the key fields (e.g. {site: dk6, commodity: waste_heat}).",
    )
    sources: dict[str, str] = Field(
        default_factory=dict, description="Where the scenario's figures come from, by topic."
    )
    pin: list[BuildChoice] = Field(
        default_factory=list,
        description="Links or converters that must be built, added to the territory's pin, e.g. [{from: dk6, to: ecocem, mode: gas_pipe}].",
    )
    forbid: list[BuildChoice] = Field(
        default_factory=list,
        description="Links or converters that must not be built, added to the territory's forbid.",
    )
    exclude_sites: list[str] = Field(
        default_factory=list,
        description="Sites that take no part, added to the territory's exclude_sites.",
    )
