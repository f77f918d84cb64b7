"""The field reference of ``docs/inventory.md``, written from the schema itself.

The schema's field descriptions are the one source of what each field means: the spreadsheet
template's ``fields`` sheet, the service's OpenAPI document and the field reference of
``docs/inventory.md`` all come from them.  :func:`field_reference` writes that reference as
Markdown; a test keeps the documentation in step with it, and
``python -m symbiose.inventory.reference docs/inventory.md`` rewrites it after a schema change.
"""

from __future__ import annotations

import inspect

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from symbiose.inventory.scenario import Scenario
from symbiose.inventory.schema import SECTIONS, Territory


def _default(info: FieldInfo) -> str:
    """How the reference shows a field's default: blank when required, 'empty' for a list."""
    if info.is_required():
        return ""
    if info.default_factory is not None:
        return "empty"
    return "" if info.default is PydanticUndefined else repr(info.default)


def _row(name: str, info: FieldInfo) -> str:
    required = "yes" if info.is_required() else ""
    return f"| `{info.alias or name}` | {required} | {_default(info)} | {info.description or ''} |"


def section_reference(section: str, model: type[BaseModel]) -> str:
    """One section's heading, summary (the model's docstring) and table of fields."""
    summary = inspect.cleandoc(model.__doc__ or "").split("\n\n")[0].replace("\n", " ")
    lines = [
        f"### `{section}`",
        "",
        summary,
        "",
        "| field | required | default | description |",
        "|---|---|---|---|",
        *(_row(name, info) for name, info in model.model_fields.items()),
    ]
    return "\n".join(lines)


def scenario_reference() -> str:
    """The table of a scenario file's fields."""
    rows = (
        f"| `{name}` | {info.description or ''} |" for name, info in Scenario.model_fields.items()
    )
    return "\n".join(["### Scenario files", "", "| field | description |", "|---|---|", *rows])


def field_reference() -> list[str]:
    """Every block of the reference, in the order of the documentation."""
    models: list[tuple[str, type[BaseModel]]] = [("territory", Territory), *SECTIONS.items()]
    return [*(section_reference(s, m) for s, m in models), scenario_reference()]


def _table_end(text: str, start: int) -> int:
    """Where the table that follows ``start`` ends (the first line that is not a row)."""
    table = text.index("\n|", start) + 1
    position = table
    while text.startswith("|", position):
        position = text.index("\n", position) + 1
    return position


def update_document(text: str) -> str:
    """``text`` with each block of the reference (heading to end of table) written anew."""
    for block in field_reference():
        heading = block.splitlines()[0]
        start = text.index(heading + "\n")
        text = text[:start] + block + "\n" + text[_table_end(text, start) :]
    return text


if __name__ == "__main__":
    import sys
    from pathlib import Path

    for name in sys.argv[1:]:
        path = Path(name)
        path.write_text(update_document(path.read_text(encoding="utf-8")), encoding="utf-8")
    if len(sys.argv) == 1:
        print("\n\n".join(field_reference()))
