"""Apply a scenario's overrides to a base inventory."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from symbiose.inventory.errors import InventoryError, Issues
from symbiose.inventory.io import inventory_from_document
from symbiose.inventory.scenario import WILDCARD, Scenario, Section, partial_key_message
from symbiose.inventory.schema import KEYS, SINGULAR, Inventory, Territory

# What refers to a site, for removing a site with everything attached to it.
_SITE_FIELDS = {
    "supplies": ("site",),
    "demands": ("site",),
    "converters": ("site",),
    "storages": ("site",),
    "links": ("from", "to"),
}


def _matches(item: dict[str, Any], ident: dict[str, Any]) -> bool:
    return all(v == WILDCARD or str(item.get(k)) == str(v) for k, v in ident.items())


def _remove_target(
    section: str, entry: str | dict[str, str], loc: tuple[str | int, ...], issues: Issues
) -> dict[str, Any] | None:
    """The key fields a ``remove`` entry names, or None (with an issue) if it names too few."""
    keys = KEYS[section]
    if isinstance(entry, str):
        if len(keys) == 1:
            return {keys[0]: entry}
        issues.add(loc, f"give {', '.join(keys)} to say which {SINGULAR[section]} to remove")
        return None
    unknown = [k for k in entry if k not in keys]
    for k in unknown:
        issues.add(
            (*loc, k),
            f"{k!r} does not identify a {SINGULAR[section]}: give only {', '.join(keys)}",
        )
    missing = [k for k in keys if k not in entry or entry[k] in ("", None)]
    if missing:
        given = {k: entry[k] for k in keys if k not in missing}
        issues.add(loc, partial_key_message(section, given, missing))
    return None if unknown or missing else dict(entry)


def _remove(
    doc: dict[str, Any], removals: Mapping[Section, list[str | dict[str, str]]], issues: Issues
) -> None:
    """Remove the items ``removals`` names; removed sites take what refers to them along."""
    for section, entries in removals.items():
        for j, entry in enumerate(entries):
            loc = ("remove", section, j)
            target = _remove_target(section, entry, loc, issues)
            if target is None:
                continue
            before = doc.get(section, [])
            gone = [it for it in before if _matches(it, target)]
            if not gone:
                issues.add(
                    loc,
                    f"no {SINGULAR[section]} {'/'.join(map(str, target.values()))!r} in the base",
                )
                continue
            doc[section] = [it for it in before if not _matches(it, target)]
            if section == "sites":
                ids = {it.get("id") for it in gone}
                for other, fields in _SITE_FIELDS.items():
                    doc[other] = [
                        it for it in doc.get(other, []) if all(it.get(f) not in ids for f in fields)
                    ]


def apply_scenario(base: Inventory, scenario: Scenario, *, validate: bool = True) -> Inventory:
    """The inventory of ``scenario``: ``base`` with its overrides applied.

    Territory fields are replaced; updated items are found by their key fields and the given
    fields replaced; removed sites take their supplies, demands, links and converters with them;
    added items are appended.  The result is validated like any inventory (``validate=False``:
    its schema only, for a caller that checks it next with :func:`symbiose.pipeline.check`).

    Raises:
        InventoryError: an override that matches nothing, or every problem of the result.
    """
    doc = copy.deepcopy(base.model_dump(by_alias=True, exclude_defaults=True, mode="json"))
    issues = Issues()
    known = set(Territory.model_fields)
    for field, value in scenario.territory.items():
        if field not in known:
            issues.add(("territory", field), f"unknown territory field {field!r}")
        doc["territory"][field] = value

    for key in ("pin", "forbid", "exclude_sites"):
        extra = getattr(scenario, key)
        if extra:
            doc["territory"][key] = list(doc["territory"].get(key, [])) + [
                choice
                if isinstance(choice, str)
                else choice.model_dump(by_alias=True, exclude_none=True)
                for choice in extra
            ]

    for section, items in scenario.update.items():
        keys = KEYS[section]
        for j, change in enumerate(items):
            loc = ("update", section, j)
            missing = [k for k in keys if k not in change]
            if missing:
                issues.add(
                    loc, f"give {', '.join(missing)} to say which {SINGULAR[section]} to change"
                )
                continue
            ident = {k: change[k] for k in keys}
            found = [it for it in doc.get(section, []) if _matches(it, ident)]
            if not found:
                issues.add(
                    loc,
                    f"no {SINGULAR[section]} {'/'.join(map(str, ident.values()))!r} in the base",
                )
                continue
            for it in found:
                it.update({k: v for k, v in change.items() if k not in keys})

    _remove(doc, scenario.remove, issues)

    for section, items in scenario.add.items():
        doc.setdefault(section, []).extend(copy.deepcopy(items))

    issues.raise_if_any()
    try:
        return inventory_from_document(doc, validate=validate)
    except InventoryError as exc:
        raise InventoryError(
            [
                type(i)(i.loc, f"{i.msg} (after applying scenario {scenario.name!r})")
                for i in exc.issues
            ]
        ) from None
