"""The spreadsheet template: one Excel workbook, or a folder of CSV files, per inventory.

Sheets (or ``<sheet>.csv`` files): ``territory`` (two columns, field and value), then one row
per item in ``commodities``, ``seasons``, ``sites``, ``supplies``, ``demands``, ``modes``,
``links`` and ``converters``, with one column per field (``docs/inventory.md``).  An
``overrides`` sheet holds scenarios (``scenario, action, section, key, field, value``), and
a ``fields`` sheet documents every column; both are optional when reading.

Cells: a list is written ``a, b, c``; a mapping ``key=value; key=value`` (profiles, converter
yields, sources); an empty cell leaves the field at its default.
"""

from __future__ import annotations

import csv
import io
import re
import types
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from symbiose.inventory.errors import InventoryIssue
from symbiose.inventory.scenario import Scenario
from symbiose.inventory.schema import KEYS, SECTIONS, Inventory, Territory

SHEETS = ("territory", *SECTIONS)
OVERRIDE_COLUMNS = ("scenario", "action", "section", "key", "field", "value")
_DICT_SPLIT = re.compile(r";\s*(?=[A-Za-z_][\w.-]*\s*=)")


def _columns(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _kind(model: type[BaseModel], column: str) -> str:
    for name, f in model.model_fields.items():
        if (f.alias or name) == column:
            return _kind_of(f.annotation)
    return "other"


def _kind_of(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        kinds = {_kind_of(a) for a in typing.get_args(annotation) if a is not type(None)}
        return kinds.pop() if len(kinds) == 1 else "other"
    if origin is list:
        return "list"
    if origin is dict:
        return "dict_str" if typing.get_args(annotation)[1:] == (str,) else "dict"
    if annotation is str:
        return "str"
    return "other"


def _required(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items() if f.is_required()]


# -- encoding cells ---------------------------------------------------------------------------
def encode_cell(value: Any) -> Any:
    """A field value as a spreadsheet cell."""
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(_item_text(v) for v in value) if value else None
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items()) if value else None
    return value


def _item_text(value: Any) -> str:
    """A list item as cell text; a pinned or forbidden build in its short form."""
    if isinstance(value, dict) and value.get("converter"):
        return f"converter {value['converter']}"
    if isinstance(value, dict) and "from" in value and "to" in value:
        mode = f" ({value['mode']})" if value.get("mode") else ""
        return f"{value['from']}->{value['to']}{mode}"
    return str(value)


def decode_cell(value: Any, kind: str) -> Any:
    """A spreadsheet cell as a field value (the inverse of :func:`encode_cell`)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if kind == "list":
        return [part.strip() for part in str(value).split(",") if part.strip()]
    if kind in ("dict", "dict_str"):
        out: dict[str, Any] = {}
        for part in _DICT_SPLIT.split(str(value)):
            if not part.strip():
                continue
            key, sep, text = part.partition("=")
            if not sep:
                raise ValueError(f"expected 'key=value; key=value', got {value!r}")
            out[key.strip()] = text.strip() if kind == "dict_str" else _number_or_text(text.strip())
        return out
    if kind == "str" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, str):
        text = value.strip()
        if kind == "other":
            try:  # CSV cells are text: a number written there is a number
                return float(text)
            except ValueError:
                return text
        return text
    return value


def _number_or_text(text: str) -> Any:
    try:
        return float(text)
    except ValueError:
        return text


# -- reading ------------------------------------------------------------------------------------
Table = list[list[Any]]


def tables_to_document(tables: dict[str, Table]) -> tuple[dict[str, Any], list[InventoryIssue]]:
    """Sheets (header row first) to an inventory document, with every sheet-level problem."""
    issues: list[InventoryIssue] = []
    doc: dict[str, Any] = {}
    if "territory" not in tables:
        issues.append(InventoryIssue(("territory",), "missing sheet 'territory'"))
    else:
        doc["territory"] = _read_territory(tables["territory"], issues)
    for section, model in SECTIONS.items():
        if section not in tables:
            continue
        doc[section] = _read_section(section, model, tables[section], issues)
    return doc, issues


def _read_territory(rows: Table, issues: list[InventoryIssue]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for r, row in enumerate(rows[1:] if rows and _is_header(rows[0]) else rows):
        if not row or row[0] is None or str(row[0]).strip() == "":
            continue
        name = str(row[0]).strip()
        value = row[1] if len(row) > 1 else None
        try:
            decoded = decode_cell(value, _kind(Territory, name))
        except ValueError as exc:
            issues.append(InventoryIssue(("territory", name), f"{exc} (row {r + 2})"))
            continue
        if decoded is not None:
            out[name] = decoded
    return out


def _is_header(row: list[Any]) -> bool:
    return bool(row) and str(row[0]).strip().lower() == "field"


def _read_section(
    section: str, model: type[BaseModel], rows: Table, issues: list[InventoryIssue]
) -> list[dict[str, Any]]:
    if not rows:
        return []
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    known = set(_columns(model))
    bad = False
    for col in header:
        if col and col not in known:
            issues.append(
                InventoryIssue((section, col), f"unknown column {col!r} in sheet {section!r}")
            )
            bad = True
    body = [row for row in rows[1:] if any(c is not None and str(c).strip() != "" for c in row)]
    for col in _required(model):
        if col not in header and body:
            issues.append(
                InventoryIssue((section, col), f"missing column {col!r} in sheet {section!r}")
            )
            bad = True
    if bad:
        return []
    items = []
    for i, row in enumerate(body):
        item: dict[str, Any] = {}
        for col, cell in zip(header, row, strict=False):
            if not col:
                continue
            try:
                value = decode_cell(cell, _kind(model, col))
            except ValueError as exc:
                issues.append(InventoryIssue((section, i, col), str(exc)))
                continue
            if value is not None:
                item[col] = value
        items.append(item)
    return items


def read_workbook(data: bytes) -> tuple[dict[str, Table], list[InventoryIssue]]:
    """The sheets of an Excel workbook as tables of cells."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        return {}, [
            InventoryIssue((), f"not a readable Excel workbook (.xlsx): {type(exc).__name__}")
        ]
    tables = {}
    for sheet in book.worksheets:
        tables[sheet.title.strip().lower()] = [
            list(row) for row in sheet.iter_rows(values_only=True)
        ]
    book.close()
    return tables, []


def read_csv_folder(folder: Path) -> tuple[dict[str, Table], list[InventoryIssue]]:
    """The ``<sheet>.csv`` files of a folder as tables of cells."""
    tables: dict[str, Table] = {}
    issues: list[InventoryIssue] = []
    for name in (*SHEETS, "overrides"):
        path = folder / f"{name}.csv"
        if not path.exists():
            continue
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            issues.append(InventoryIssue((name,), f"cannot read {path.name}: {exc}"))
            continue
        tables[name] = [list(row) for row in csv.reader(io.StringIO(text))]
    if not tables:
        issues.append(
            InventoryIssue(
                (), f"no inventory CSV files (territory.csv, sites.csv, ...) in {folder}"
            )
        )
    return tables, issues


def overrides_to_scenarios(rows: Table) -> tuple[list[Scenario], list[InventoryIssue]]:
    """Scenarios from an ``overrides`` sheet (one row per changed field)."""
    issues: list[InventoryIssue] = []
    if len(rows) < 2:
        return [], issues
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    missing = [c for c in OVERRIDE_COLUMNS if c not in header]
    if missing:
        return [], [
            InventoryIssue(("overrides", m), f"missing column {m!r} in sheet 'overrides'")
            for m in missing
        ]
    docs: dict[str, dict[str, Any]] = {}
    for r, row in enumerate(rows[1:]):
        cells = dict(zip(header, row, strict=False))
        if not any(v not in (None, "") for v in cells.values()):
            continue
        name = str(cells["scenario"] or "").strip()
        action = str(cells["action"] or "").strip()
        section = str(cells["section"] or "").strip()
        key = str(cells["key"] or "").strip()
        field = str(cells["field"] or "").strip()
        value = cells["value"]
        doc = docs.setdefault(name, {"name": name})
        loc: tuple[str | int, ...] = ("overrides", r)
        if action == "territory" or section == "territory":
            doc.setdefault("territory", {})[field] = decode_cell(value, _kind(Territory, field))
            continue
        if section not in SECTIONS:
            issues.append(InventoryIssue((*loc, "section"), f"unknown section {section!r}"))
            continue
        fields = KEYS[section]
        parts = key.split("/")
        if len(parts) != len(fields):
            issues.append(
                InventoryIssue(
                    (*loc, "key"), f"expected {'/'.join(fields)} for {section}, got {key!r}"
                )
            )
            continue
        ident = dict(zip(fields, parts, strict=True))
        if action == "remove":
            doc.setdefault("remove", {}).setdefault(section, []).append(ident)
        elif action in ("update", "add"):
            items = doc.setdefault(action, {}).setdefault(section, [])
            item = next((it for it in items if all(it.get(f) == ident[f] for f in fields)), None)
            if item is None:
                item = dict(ident)
                items.append(item)
            if field:
                item[field] = decode_cell(value, _kind(SECTIONS[section], field))
        else:
            issues.append(
                InventoryIssue(
                    (*loc, "action"), f"unknown action {action!r} (territory, update, add, remove)"
                )
            )
    scenarios = []
    for doc in docs.values():
        try:
            scenarios.append(Scenario.model_validate(doc))
        except Exception as exc:
            issues.append(InventoryIssue(("overrides",), f"scenario {doc['name']!r}: {exc}"))
    return scenarios, issues


# -- writing ------------------------------------------------------------------------------------
def inventory_tables(inv: Inventory, scenarios: Iterable[Scenario] = ()) -> dict[str, Table]:
    """An inventory (and optional scenarios) as sheets of cells."""
    dumped = inv.model_dump(by_alias=True, exclude_none=False)
    tables: dict[str, Table] = {}
    territory = dumped["territory"]
    tables["territory"] = [["field", "value"]] + [[k, encode_cell(v)] for k, v in territory.items()]
    for section, model in SECTIONS.items():
        columns = _columns(model)
        tables[section] = [columns] + [
            [encode_cell(item.get(c)) for c in columns] for item in dumped[section]
        ]
    rows: Table = [list(OVERRIDE_COLUMNS)]
    for sc in scenarios:
        for field, value in sc.territory.items():
            rows.append([sc.name, "territory", "territory", "", field, encode_cell(value)])
        for action in ("update", "add"):
            for section, items in getattr(sc, action).items():
                for item in items:
                    key = "/".join(str(item.get(f, "")) for f in KEYS[section])
                    for field, value in item.items():
                        if field not in KEYS[section]:
                            rows.append([sc.name, action, section, key, field, encode_cell(value)])
        for section, removed in sc.remove.items():
            for entry in removed:
                key = entry if isinstance(entry, str) else "/".join(entry.values())
                rows.append([sc.name, "remove", section, key, "", None])
    tables["overrides"] = rows
    return tables


def field_docs() -> Table:
    """The ``fields`` sheet: every column of every sheet with its description."""
    rows: Table = [["sheet", "column", "required", "description"]]
    models: list[tuple[str, type[BaseModel]]] = [("territory", Territory), *SECTIONS.items()]
    for sheet, model in models:
        for name, f in model.model_fields.items():
            rows.append([sheet, f.alias or name, "yes" if f.is_required() else "", f.description])
    return rows


def write_workbook(tables: dict[str, Table]) -> bytes:
    """Sheets of cells as an Excel workbook, with a ``fields`` sheet documenting the columns."""
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for name, rows in {**tables, "fields": field_docs()}.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for col in sheet.columns:
            width = max(len(str(c.value)) if c.value is not None else 0 for c in col)
            sheet.column_dimensions[col[0].column_letter].width = min(max(10, width + 2), 60)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_csv_folder(tables: dict[str, Table], folder: Path) -> list[Path]:
    """Sheets of cells as ``<sheet>.csv`` files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in {**tables, "fields": field_docs()}.items():
        path = folder / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            for row in rows:
                writer.writerow(["" if c is None else c for c in row])
        written.append(path)
    return written
