"""docs/inventory.md's field reference says what the schema says, field by field."""

from __future__ import annotations

from pathlib import Path

import pytest

from symbiose.inventory.reference import field_reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "inventory.md"


@pytest.mark.parametrize("block", field_reference(), ids=lambda b: b.splitlines()[0])
def test_the_inventory_documentation_lists_every_schema_field_with_its_description(
    block: str,
) -> None:
    text = DOC.read_text(encoding="utf-8")
    heading = block.splitlines()[0]
    assert heading in text, f"docs/inventory.md has no {heading!r} section"
    start = text.index(heading)
    documented = text[start : start + len(block)]
    assert documented == block, (
        f"docs/inventory.md's {heading!r} is out of step with the schema; run "
        "`python -m symbiose.inventory.reference docs/inventory.md`"
    )


def test_a_changed_description_would_be_caught() -> None:
    block = field_reference()[0]
    altered = block.replace("Name of the territory.", "Name of the place.")
    assert altered != block
