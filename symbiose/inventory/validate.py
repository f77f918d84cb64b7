"""Semantic checks of an inventory: references, units, dimensions, duplicates, profiles."""

from __future__ import annotations

from symbiose.inventory.errors import InventoryIssue
from symbiose.inventory.schema import Inventory


def validate_inventory(inv: Inventory) -> list[InventoryIssue]:
    """Every problem that stops ``inv`` from being optimised; ``[]`` when it is fine.

    The checks are the conversion itself (:func:`symbiose.convert.compile_inventory`), so
    what passes here converts.  An entry point that goes on to solve calls
    :func:`symbiose.pipeline.check` instead, which keeps the converted network.
    """
    from symbiose.convert import compile_inventory

    _, issues = compile_inventory(inv)
    return issues
