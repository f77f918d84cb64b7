"""Scenarios: a base inventory plus overrides, stored as small YAML files beside the base.

A scenario changes territory parameters, updates items (identified by their key fields, see
:data:`symbiose.inventory.schema.KEYS`), adds items and removes items.  A removal gives every
key field; ``'*'`` as a key field's value matches every value, so a wide removal is always
written out.  Removing a site also removes everything that refers to it (its supplies,
demands, links and converters).  A scenario may also pin or forbid links and converters and
exclude sites (THERMOS-style): these add to the territory's ``pin``, ``forbid`` and
``exclude_sites``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from symbiose.inventory.schema import (
    MAX_ENTRIES,
    MAX_ITEMS,
    MAX_PATH,
    MAX_SITES,
    SINGULAR,
    BuildChoice,
    Fraction,
    Id,
    Name,
    Text,
    _one_line,
)

PathText = Annotated[str, StringConstraints(max_length=MAX_PATH), AfterValidator(_one_line)]


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


# -- the override format: declared once, used by scenario files and by the API -------------------
# Each part of a scenario's changes is one annotated type (its shape, limits, default and
# description); :class:`Scenario` and the API's inventory patch and scenario bodies list them.
TerritoryChanges = Annotated[
    dict[Name, Any],
    Field(
        default_factory=dict,
        max_length=MAX_ENTRIES,
        description="Territory fields to change, e.g. {carbon_price: '150 EUR/t'}.",
    ),
]
ItemUpdates = Annotated[
    dict[Section, Annotated[list[dict[Name, Any]], Field(max_length=MAX_ITEMS)]],
    Field(
        default_factory=dict,
        description="Items to change, by section: each gives its key fields (e.g. site and commodity) and the fields to replace.",
    ),
]
ItemAdditions = Annotated[
    dict[Section, Annotated[list[dict[Name, Any]], Field(max_length=MAX_ITEMS)]],
    Field(default_factory=dict, description="Items to add, by section, written as in an inventory."),
]
ItemRemovals = Annotated[
    dict[Section, Annotated[list[Id | dict[Name, Id]], Field(max_length=MAX_ITEMS)]],
    Field(
        default_factory=dict,
        description="Items to remove, by section: an id, or every key field (e.g. {site: dk6, commodity: waste_heat}); '*' as a key field matches every value (e.g. {site: dk6, commodity: '*'} removes every supply of dk6).",
    ),
]
Pins = Annotated[
    list[BuildChoice],
    Field(
        default_factory=list,
        max_length=MAX_ITEMS,
        description="Links or converters that must be built, added to the territory's pin, e.g. [{from: dk6, to: ecocem, mode: gas_pipe}].",
    ),
]
Bans = Annotated[
    list[BuildChoice],
    Field(
        default_factory=list,
        max_length=MAX_ITEMS,
        description="Links or converters that must not be built, added to the territory's forbid.",
    ),
]
ExcludedSites = Annotated[
    list[Id],
    Field(
        default_factory=list,
        max_length=MAX_SITES,
        description="Sites that take no part, added to the territory's exclude_sites.",
    ),
]


class Scenario(BaseModel):
    """A what-if: a base inventory and the overrides that make the scenario."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name = Field(min_length=1, description="Short name, used as a column of comparisons.")
    description: Text = Field("", description="What the scenario supposes, for the reader.")
    base: PathText | None = Field(
        None, description="Path of the base inventory, relative to the scenario file."
    )
    territory: TerritoryChanges
    update: ItemUpdates
    add: ItemAdditions
    remove: ItemRemovals
    sources: dict[Name, Text] = Field(
        default_factory=dict,
        max_length=MAX_ENTRIES,
        description="Where the scenario's figures come from, by topic.",
    )
    pin: Pins
    forbid: Bans
    exclude_sites: ExcludedSites
    probability: Fraction | None = Field(
        None,
        description="The planner's probability of the scenario when scenarios are solved"
        " together (a stochastic pathway), e.g. 0.3 or '30 %'; those solved together sum to 1"
        " (none given: equally likely).",
    )


WILDCARD = "*"
"""A key field's value in a ``remove`` entry that matches every value of that field."""


def partial_key_message(section: str, given: dict[str, Any], missing: list[str]) -> str:
    """How to finish a removal that names only part of an item's key (``given``).

    A partial key used to remove every match silently (``{site: X}`` took every supply of
    ``X``); now the wildcard must be written out.
    """
    names = ", ".join(repr(m) for m in missing)
    wild = ", ".join(f"{m}: '{WILDCARD}'" for m in missing)
    which = " and ".join(f"{k} {v!r}" for k, v in given.items())
    scope = f"every {SINGULAR[section]} with {which}" if which else f"every {SINGULAR[section]}"
    return f"give {names} too, or {wild} to remove {scope}"
