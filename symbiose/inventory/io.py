"""Reading and writing inventories and scenarios: JSON, YAML, Excel and CSV folders.

Every reader turns every user error — unreadable text, a wrong type, an unknown key, a missing
column — into an :class:`~symbiose.inventory.errors.InventoryError` with field paths.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic
import yaml

from models.jsondoc import DocumentError, check_size
from symbiose.inventory import spreadsheet
from symbiose.inventory.documents import read_document
from symbiose.inventory.errors import InventoryError, InventoryIssue, from_validation_error
from symbiose.inventory.scenario import Scenario
from symbiose.inventory.schema import Inventory

FORMATS = ("json", "yaml", "xlsx")


def _text(data: bytes | str) -> str:
    _check_size(len(data))
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InventoryError(
                [InventoryIssue((), f"the file is not UTF-8 text: {exc.reason}")]
            ) from None
    return data


def read_text_file(path: Path) -> bytes:
    """The bytes of a YAML or JSON file, refused unread if larger than a document may be.

    Raises:
        InventoryError: the file cannot be read or is too large.
    """
    try:
        _check_size(path.stat().st_size)
        return path.read_bytes()
    except OSError as exc:
        raise InventoryError([InventoryIssue((), f"cannot read {path}: {exc.strerror}")]) from None


def _file_bytes(path: Path) -> bytes:
    """The bytes of a file (a workbook: its reader checks its own limits); unreadable is an error."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InventoryError([InventoryIssue((), f"cannot read {path}: {exc.strerror}")]) from None


def _check_size(size: int) -> None:
    try:
        check_size(size)
    except DocumentError as exc:
        raise InventoryError([InventoryIssue(loc, msg) for loc, msg in exc.problems]) from None


def load_document(data: bytes | str | dict[str, Any], fmt: str) -> dict[str, Any]:
    """Decode ``data`` in ``fmt`` (json, yaml) into a mapping; errors as InventoryError."""
    if isinstance(data, dict):
        return data
    fmt = fmt.lower()
    if fmt == "yml":
        fmt = "yaml"
    if fmt not in ("json", "yaml"):
        raise InventoryError([InventoryIssue((), f"unknown format {fmt!r} (json, yaml, xlsx)")])
    if not isinstance(data, (str, bytes)):
        raise InventoryError(
            [
                InventoryIssue(
                    (), f"expected a document (text, bytes or a mapping), got {type(data).__name__}"
                )
            ]
        )
    text = _text(data)
    if not text.strip():
        raise InventoryError([InventoryIssue((), "the document is empty")])
    doc = read_document(text, fmt)
    if doc is None:
        raise InventoryError([InventoryIssue((), "the document is empty")])
    if not isinstance(doc, dict):
        raise InventoryError(
            [
                InventoryIssue(
                    (), f"expected a mapping of sections at the top, got a {type(doc).__name__}"
                )
            ]
        )
    return doc


def inventory_from_document(doc: dict[str, Any], *, validate: bool = True) -> Inventory:
    """Validate a decoded document as an :class:`Inventory` (schema, then semantics).

    ``validate=False`` checks the schema only: for a caller that checks the meaning next with
    :func:`symbiose.pipeline.check`, which converts the inventory once and keeps the result.
    """
    try:
        inv = Inventory.model_validate(doc)
    except pydantic.ValidationError as exc:
        raise InventoryError(from_validation_error(exc)) from None
    if validate:
        from symbiose.inventory.validate import validate_inventory

        issues = validate_inventory(inv)
        if issues:
            raise InventoryError(issues)
    return inv


def parse_inventory(
    data: bytes | str | dict[str, Any], fmt: str = "json", *, validate: bool = True
) -> Inventory:
    """Read an inventory from JSON, YAML or Excel (``xlsx``, as bytes).

    With ``validate`` (the default) the semantic checks run too (units, references, ...).

    Raises:
        InventoryError: every problem found, with field paths.
    """
    if fmt.lower() == "xlsx":
        if not isinstance(data, bytes):
            raise InventoryError([InventoryIssue((), "an Excel workbook must be given as bytes")])
        tables, issues = spreadsheet.read_workbook(data)
        if issues:
            raise InventoryError(issues)
        return _from_tables(tables, validate)
    return inventory_from_document(load_document(data, fmt), validate=validate)


def _from_tables(tables: dict[str, spreadsheet.Table], validate: bool) -> Inventory:
    doc, issues = spreadsheet.tables_to_document(tables)
    if issues:
        raise InventoryError(issues)
    return inventory_from_document(doc, validate=validate)


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    return {"yml": "yaml"}.get(suffix, suffix)


def load_inventory(path: str | Path, *, validate: bool = True) -> Inventory:
    """Read an inventory file (.yaml, .yml, .json, .xlsx) or a folder of CSV files.

    Raises:
        InventoryError: the file cannot be read, or every problem found in it.
    """
    path = Path(path)
    if path.is_dir():
        tables, issues = spreadsheet.read_csv_folder(path)
        if issues:
            raise InventoryError(issues)
        return _from_tables(tables, validate)
    fmt = _format_of(path)
    if fmt not in FORMATS:
        raise InventoryError(
            [
                InventoryIssue(
                    (),
                    f"unknown file type {path.suffix!r}: use .yaml, .json, .xlsx or a CSV folder",
                )
            ]
        )
    data = _file_bytes(path) if fmt == "xlsx" else read_text_file(path)
    return parse_inventory(data, fmt, validate=validate)


@dataclass(frozen=True)
class ScenarioFile:
    """A scenario read from a file, with the path of the base inventory it names (if any)."""

    scenario: Scenario
    base: Path | None


def load_inventory_or_scenario(
    path: str | Path, *, validate: bool = True
) -> Inventory | ScenarioFile:
    """An inventory, or a scenario (a YAML/JSON mapping with a top-level ``name`` or ``base``).

    A YAML or JSON file is read and decoded once, then taken as what its top level says: an
    inventory has no top-level ``name`` or ``base`` (its name is the territory's).  Workbooks
    and CSV folders are inventories.

    Raises:
        InventoryError: the file cannot be read, or every problem found in it.
    """
    path = Path(path)
    fmt = _format_of(path)
    if path.is_dir() or fmt not in ("json", "yaml"):
        return load_inventory(path, validate=validate)
    doc = load_document(read_text_file(path), fmt)
    if "base" in doc or "name" in doc:
        scenario = parse_scenario(doc)
        base = (path.parent / scenario.base).resolve() if scenario.base else None
        return ScenarioFile(scenario, base)
    return inventory_from_document(doc, validate=validate)


def dump_document(inv: Inventory) -> dict[str, Any]:
    """The inventory as a plain mapping without the fields left at their default."""
    return inv.model_dump(by_alias=True, exclude_defaults=True, mode="json")


def dump_inventory(inv: Inventory, fmt: str = "yaml") -> bytes | str:
    """Write an inventory as ``yaml`` or ``json`` text, or ``xlsx`` bytes."""
    fmt = fmt.lower()
    if fmt in ("yaml", "yml"):
        return yaml.safe_dump(dump_document(inv), sort_keys=False, allow_unicode=True, width=100)
    if fmt == "json":
        return json.dumps(dump_document(inv), indent=2, ensure_ascii=False)
    if fmt == "xlsx":
        return spreadsheet.write_workbook(spreadsheet.inventory_tables(inv))
    raise ValueError(f"unknown format {fmt!r} (json, yaml, xlsx)")


def write_csv_folder(inv: Inventory, folder: str | Path) -> list[Path]:
    """Write an inventory as a folder of CSV files (the template's CSV form)."""
    return spreadsheet.write_csv_folder(spreadsheet.inventory_tables(inv), Path(folder))


def parse_scenario(data: bytes | str | dict[str, Any], fmt: str = "yaml") -> Scenario:
    """Read a scenario (YAML or JSON).

    Raises:
        InventoryError: every problem found, with field paths.
    """
    doc = load_document(data, fmt)
    try:
        return Scenario.model_validate(doc)
    except pydantic.ValidationError as exc:
        raise InventoryError(from_validation_error(exc)) from None


def load_scenario(path: str | Path) -> tuple[Scenario, Path | None]:
    """Read a scenario file; also returns the path of its base inventory, if it names one."""
    path = Path(path)
    data = read_text_file(path)
    scenario = parse_scenario(data, "json" if path.suffix.lower() == ".json" else "yaml")
    base = (path.parent / scenario.base).resolve() if scenario.base else None
    return scenario, base


def dump_workbook(inv: Inventory, scenarios: list[Scenario] | None = None) -> bytes:
    """The inventory as the Excel template, with scenarios in its ``overrides`` sheet."""
    return spreadsheet.write_workbook(spreadsheet.inventory_tables(inv, scenarios or []))


def load_workbook_scenarios(source: str | Path | bytes) -> list[Scenario]:
    """The scenarios of a workbook's ``overrides`` sheet (or ``overrides.csv`` of a folder).

    Raises:
        InventoryError: an unreadable workbook or a malformed override row, with its path.
    """
    if isinstance(source, bytes):
        tables, issues = spreadsheet.read_workbook(source)
    else:
        path = Path(source)
        if path.is_dir():
            tables, issues = spreadsheet.read_csv_folder(path)
        else:
            data = _file_bytes(path)
            tables, issues = spreadsheet.read_workbook(data)
    if issues:
        raise InventoryError(issues)
    scenarios, issues = spreadsheet.overrides_to_scenarios(
        tables.get("overrides", []), spreadsheet.number_format_of(tables)
    )
    if issues:
        raise InventoryError(issues)
    return scenarios
