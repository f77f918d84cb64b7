"""The spreadsheet template: one Excel workbook, or a folder of CSV files, per inventory.

Sheets (or ``<sheet>.csv`` files): ``territory`` (two columns, field and value), then one row
per item in ``commodities``, ``seasons``, ``sites``, ``supplies``, ``demands``, ``modes``,
``links`` and ``converters``, with one column per field (``docs/inventory.md``).  An
``overrides`` sheet holds scenarios (``scenario, action, section, key, field, value``), and
a ``fields`` sheet documents every column; both are optional when reading.

Cells: a list is written ``a, b, c``; a mapping ``key=value; key=value`` (profiles, converter
yields, sources); figures by year ``2030: quantity=5.5 Mt/yr; price=40 EUR/t | 2035: ...``;
an empty cell leaves the field at its default.  Numbers written as text follow the territory's ``number_format`` (:mod:`symbiose.numbers`); booleans may be written
``true``/``false`` or, as French Excel writes them, ``VRAI``/``FAUX`` (also ``oui``/``non``).

A CSV folder may be saved by French Excel: each file is read as UTF-8 (with or without a byte
order mark) or else as Windows-1252, and its separator (``,``, ``;`` or tab) is the one that
splits its header row into known column names.
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

from symbiose import exports
from symbiose.inventory.errors import InventoryIssue
from symbiose.inventory.scenario import Scenario, partial_key_message
from symbiose.inventory.schema import KEYS, SECTIONS, Distribution, Inventory, Territory
from symbiose.inventory.workbook import WorkbookRefused, read_xlsx
from symbiose.numbers import (
    NUMBER_FORMATS,
    NumberFormat,
    NumberProblem,
    leading_number_text,
    only_in_other_style,
    parse_number,
    render,
)

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


def _bare(annotation: Any) -> Any:
    """The type under ``Annotated[...]`` (text limits leave the kind of a cell unchanged)."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _kind_of(annotation: Any) -> str:
    annotation = _bare(annotation)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        kinds = {_kind_of(a) for a in typing.get_args(annotation) if a is not type(None)}
        return kinds.pop() if len(kinds) == 1 else "other"
    if origin is list:
        return "list"
    if origin is dict:
        value_type = tuple(_bare(a) for a in typing.get_args(annotation)[1:])
        if value_type == (Distribution,):
            return "dict_distribution"
        if value_type and typing.get_origin(value_type[0]) is dict:
            return "by_year"
        return "dict_str" if value_type == (str,) else "dict"
    if annotation is str:
        return "str"
    if annotation is bool:
        return "bool"
    return "other"


def _required(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items() if f.is_required()]


# -- encoding cells ---------------------------------------------------------------------------
def encode_cell(value: Any, style: NumberFormat = "en") -> Any:
    """A field value as a spreadsheet cell; numbers inside a mapping are written in ``style``."""
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(_item_text(v) for v in value) if value else None
    if isinstance(value, dict) and value and all(isinstance(k, int) for k in value):
        # figures by year: ``2030: quantity=5.5 Mt/yr; price=40 EUR/t | 2035: ...``
        years = (f"{year}: {encode_cell(figures, style)}" for year, figures in value.items())
        return " | ".join(years)
    if isinstance(value, dict):
        parts = (f"{k}={_encode_entry(v, style)}" for k, v in value.items())
        return "; ".join(parts) if value else None
    return value


def _decode_by_year(text: str, style: NumberFormat) -> dict[str, Any]:
    """A ``by_year`` cell: ``YEAR: field=value; field=value | YEAR: ...``."""
    out: dict[str, Any] = {}
    for part in text.split("|"):
        if not part.strip():
            continue
        year, sep, figures = part.partition(":")
        if not sep or not year.strip().isdigit():
            raise ValueError(
                f"expected 'YEAR: field=value; field=value | YEAR: ...', got {text!r}"
            )
        out[year.strip()] = decode_cell(figures, "dict", style) or {}
    return out


def _item_text(value: Any) -> str:
    """A list item as cell text; a pinned or forbidden build in its short form."""
    if isinstance(value, dict) and value.get("converter"):
        return f"converter {value['converter']}"
    if isinstance(value, dict) and "from" in value and "to" in value:
        mode = f" ({value['mode']})" if value.get("mode") else ""
        return f"{value['from']}->{value['to']}{mode}"
    return str(value)


def _text_of(value: Any, style: NumberFormat) -> str:
    # in fr a number written as text must carry a decimal comma to read back (en: unchanged)
    if style == "fr" and isinstance(value, float | int) and not isinstance(value, bool):
        return render(value, style)
    return str(value)


def _encode_entry(value: Any, style: NumberFormat) -> str:
    # an uncertainty entry is a distribution, written as one short formula-like text
    if isinstance(value, dict):
        kind, parts = Distribution.model_validate(value).text_parts()
        return f"{kind}({' | '.join(_text_of(p, style) for p in parts)})"
    return _text_of(value, style)


def _decode_distribution(text: str, style: NumberFormat) -> dict[str, Any]:
    kind, parts = Distribution.parts_of_text(text)
    values = [_number_or_text(part, style) for part in parts]
    if kind == "lognormal":
        if len(values) != 2:
            raise ValueError(f"lognormal takes a median and a sigma, got {text!r}")
        return {"lognormal": {"median": values[0], "sigma": values[1]}}
    return {kind: values}


_BOOLEANS = {
    "true": True,
    "false": False,
    "vrai": True,
    "faux": False,
    "oui": True,
    "non": False,
    "yes": True,
    "no": False,
}
"""Boolean cells, as English and French spreadsheets write them (case does not matter)."""


def decode_cell(value: Any, kind: str, style: NumberFormat = "en") -> Any:
    """A spreadsheet cell as a field value (the inverse of :func:`encode_cell`).

    Numbers written as text are read in ``style``, the territory's ``number_format``.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if kind == "bool" and isinstance(value, str):
        return _BOOLEANS.get(value.strip().lower(), value.strip())
    if kind == "list":
        return [part.strip() for part in str(value).split(",") if part.strip()]
    if kind == "by_year":
        return _decode_by_year(str(value), style)
    if kind in ("dict", "dict_str", "dict_distribution"):
        out: dict[str, Any] = {}
        for part in _DICT_SPLIT.split(str(value)):
            if not part.strip():
                continue
            key, sep, text = part.partition("=")
            if not sep:
                raise ValueError(f"expected 'key=value; key=value', got {value!r}")
            text = text.strip()
            if kind == "dict_distribution":
                out[key.strip()] = _decode_distribution(text, style)
            else:
                out[key.strip()] = text if kind == "dict_str" else _number_or_text(text, style)
        return out
    if kind == "str" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, str):
        text = value.strip()
        if kind in ("other", "bool"):
            # CSV cells are text: a number written there is a number
            return _number_or_text(text, style)
        return text
    return value


def _number_or_text(text: str, style: NumberFormat) -> Any:
    try:
        return parse_number(text, style)
    except NumberProblem:
        return text  # a quantity with its unit, read later in the same style


# -- reading ------------------------------------------------------------------------------------
Table = list[list[Any]]


def tables_to_document(tables: dict[str, Table]) -> tuple[dict[str, Any], list[InventoryIssue]]:
    """Sheets (header row first) to an inventory document, with every sheet-level problem.

    Numbers written as text are read in the territory's ``number_format``.  When they are
    written in the other style (a decimal comma under ``en``), the one problem reported is
    that, rather than one per cell.
    """
    issues: list[InventoryIssue] = []
    doc: dict[str, Any] = {}
    tables = {name: _restored(rows) for name, rows in tables.items()}
    style = number_format_of(tables)
    hint = _style_hint(tables, style)
    if hint:
        return doc, [hint]
    if "territory" not in tables:
        issues.append(InventoryIssue(("territory",), "missing sheet 'territory'"))
    else:
        doc["territory"] = _read_territory(tables["territory"], issues, style)
    for section, model in SECTIONS.items():
        if section not in tables:
            continue
        doc[section] = _read_section(section, model, tables[section], issues, style)
    return doc, issues


def _restored(rows: Table) -> Table:
    """Cells as the user wrote them: the ``'`` the exports put before formula-like text removed."""
    return [[exports.restore(c) for c in row] for row in rows]


def _territory_rows(rows: Table) -> Table:
    return rows[1:] if rows and _is_header(rows[0]) else rows


def number_format_of(tables: dict[str, Table]) -> NumberFormat:
    """The ``number_format`` the territory sheet declares (``en`` when none, or not a known one).

    An unknown value is left for the schema to report; the cells are read as ``en`` meanwhile.
    """
    for row in _territory_rows(tables.get("territory", [])):
        if len(row) > 1 and str(row[0]).strip() == "number_format":
            value = str(row[1]).strip().lower() if row[1] is not None else ""
            for style in NUMBER_FORMATS:
                if value == style:
                    return style
    return "en"


def _numeric_cells(tables: dict[str, Table]) -> Iterable[tuple[tuple[str | int, ...], str]]:
    """Every text cell that holds a number or a quantity, with where it is (for messages)."""
    for row in _territory_rows(tables.get("territory", [])):
        name = str(row[0]).strip() if row and row[0] is not None else ""
        if len(row) > 1 and isinstance(row[1], str) and _kind(Territory, name) == "other":
            yield ("territory", name), row[1]
    for section, model in SECTIONS.items():
        rows = tables.get(section) or [[]]
        header = [str(h).strip() if h is not None else "" for h in rows[0]]
        for i, row in enumerate(rows[1:]):
            for col, cell in zip(header, row, strict=False):
                kind = _kind(model, col)
                if not isinstance(cell, str) or kind not in ("other", "dict"):
                    continue
                parts = _DICT_SPLIT.split(cell) if kind == "dict" else [cell]
                for part in parts:
                    yield (section, i, col), part.partition("=")[2] if kind == "dict" else part


def _style_hint(tables: dict[str, Table], style: NumberFormat) -> InventoryIssue | None:
    """One problem for numbers written in the other style than the declared one, or None."""
    for loc, text in _numeric_cells(tables):
        if only_in_other_style(text.strip(), style):
            where = InventoryIssue(loc, "").path()
            example = leading_number_text(text.strip())[:40]
            if style == "en":
                return InventoryIssue(
                    ("territory", "number_format"),
                    f"numbers use a decimal comma (e.g. {example!r} at {where}):"
                    " set number_format: fr in the territory",
                )
            return InventoryIssue(
                ("territory", "number_format"),
                f"numbers are written the English way (e.g. {example!r} at {where}) but"
                " number_format is fr: set number_format: en, or write them with a decimal comma",
            )
    return None


def _read_territory(
    rows: Table, issues: list[InventoryIssue], style: NumberFormat
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for r, row in enumerate(_territory_rows(rows)):
        if not row or row[0] is None or str(row[0]).strip() == "":
            continue
        name = str(row[0]).strip()
        value = row[1] if len(row) > 1 else None
        try:
            decoded = decode_cell(value, _kind(Territory, name), style)
        except ValueError as exc:
            issues.append(InventoryIssue(("territory", name), f"{exc} (row {r + 2})"))
            continue
        if decoded is not None:
            out[name] = decoded
    return out


def _is_header(row: list[Any]) -> bool:
    return bool(row) and str(row[0]).strip().lower() == "field"


def _read_section(
    section: str,
    model: type[BaseModel],
    rows: Table,
    issues: list[InventoryIssue],
    style: NumberFormat,
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
                value = decode_cell(cell, _kind(model, col), style)
            except ValueError as exc:
                issues.append(InventoryIssue((section, i, col), str(exc)))
                continue
            if value is not None:
                item[col] = value
        items.append(item)
    return items


def read_workbook(data: bytes) -> tuple[dict[str, Table], list[InventoryIssue]]:
    """The sheets of an Excel workbook as tables of cells, within :data:`workbook.LIMITS`.

    A workbook past a limit (declared or real rows and columns, cells, uncompressed size,
    compression ratio) is refused before the memory is spent, with an issue naming the sheet.
    """
    try:
        return read_xlsx(data), []
    except WorkbookRefused as exc:
        return {}, [exc.issue]


def read_csv_folder(folder: Path) -> tuple[dict[str, Table], list[InventoryIssue]]:
    """The ``<sheet>.csv`` files of a folder as tables of cells.

    Each file is UTF-8 (with or without a byte order mark) or else Windows-1252, as French
    Excel saves it; its separator is found from its header row (see :func:`detect_separator`).
    """
    texts: dict[str, str] = {}
    issues: list[InventoryIssue] = []
    for name in (*SHEETS, "overrides"):
        path = folder / f"{name}.csv"
        if not path.exists():
            continue
        try:
            texts[name] = decode_csv_bytes(path.read_bytes())
        except OSError as exc:
            issues.append(InventoryIssue((name,), f"cannot read {path.name}: {exc.strerror}"))
        except UnicodeDecodeError:
            issues.append(
                InventoryIssue((name,), f"cannot read {path.name}: neither UTF-8 nor Windows-1252")
            )
    if not texts and not issues:
        issues.append(
            InventoryIssue(
                (), f"no inventory CSV files (territory.csv, sites.csv, ...) in {folder}"
            )
        )
    scores = {name: _separator_scores(name, text) for name, text in texts.items()}
    folder_choice = max(SEPARATORS, key=lambda sep: sum(s[sep] for s in scores.values()))
    tables: dict[str, Table] = {}
    for name, text in texts.items():
        sep = _best(scores[name]) or folder_choice
        tables[name] = [list(row) for row in csv.reader(io.StringIO(text), delimiter=sep)]
    return tables, issues


SEPARATORS = (",", ";", "\t")
"""The separators a CSV file may use: English Excel writes ``,``, French Excel ``;``."""


def decode_csv_bytes(data: bytes) -> str:
    """The text of a CSV file: UTF-8 (a byte order mark is dropped), else Windows-1252.

    Windows-1252 is what French Excel writes under "CSV (separator: semicolon)".

    Raises:
        UnicodeDecodeError: neither reads the bytes.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def _known_headers(name: str) -> set[str]:
    if name == "territory":
        return {"field", "value"}
    if name == "overrides":
        return set(OVERRIDE_COLUMNS)
    return set(_columns(SECTIONS[name]))


def _separator_scores(name: str, text: str) -> dict[str, int]:
    """How many known column names each separator splits the header row of ``text`` into."""
    first = text.splitlines()[0] if text.strip() else ""
    known = _known_headers(name)
    scores = {}
    for sep in SEPARATORS:
        cells = next(csv.reader([first], delimiter=sep), [])
        scores[sep] = sum(1 for c in cells if c.strip() in known)
    return scores


def _best(scores: dict[str, int]) -> str | None:
    """The separator that splits the header best, or None when none does better than another."""
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    return ranked[0][0] if ranked[0][1] > ranked[1][1] else None


def detect_separator(name: str, text: str) -> str | None:
    """The separator of the CSV ``text`` of sheet ``name``, from its header row.

    Headers are known column names, so the right separator is the one that yields the most
    of them; None when the header tells nothing (e.g. a one-column sheet).
    """
    return _best(_separator_scores(name, text))


def overrides_to_scenarios(
    rows: Table, style: NumberFormat = "en"
) -> tuple[list[Scenario], list[InventoryIssue]]:
    """Scenarios from an ``overrides`` sheet (one row per changed field).

    Numbers written as text are read in ``style``, the territory's ``number_format``.
    """
    issues: list[InventoryIssue] = []
    if len(rows) < 2:
        return [], issues
    rows = _restored(rows)
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    missing = [c for c in OVERRIDE_COLUMNS if c not in header]
    if missing:
        return [], [
            InventoryIssue(("overrides", m), f"missing column {m!r} in sheet 'overrides'")
            for m in missing
        ]
    docs: dict[str, dict[str, Any]] = {}
    for r, row in enumerate(rows[1:]):
        cells = dict(zip(header, [*row, *[None] * (len(header) - len(row))], strict=False))
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
            doc.setdefault("territory", {})[field] = decode_cell(
                value, _kind(Territory, field), style
            )
            continue
        if section not in SECTIONS:
            issues.append(InventoryIssue((*loc, "section"), f"unknown section {section!r}"))
            continue
        fields = KEYS[section]
        ident, problem = _row_key(section, action, key)
        if ident is None:
            issues.append(InventoryIssue((*loc, "key"), problem))
            continue
        if action == "remove":
            doc.setdefault("remove", {}).setdefault(section, []).append(ident)
        elif action in ("update", "add"):
            items = doc.setdefault(action, {}).setdefault(section, [])
            item = next((it for it in items if all(it.get(f) == ident[f] for f in fields)), None)
            if item is None:
                item = dict(ident)
                items.append(item)
            if field:
                item[field] = decode_cell(value, _kind(SECTIONS[section], field), style)
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


def _row_key(section: str, action: str, key: str) -> tuple[dict[str, str] | None, str]:
    """The key fields an overrides row names (``site/commodity``), or None and why not.

    A removal must name every field; ``*`` stands for every value (``indaver/*``).
    """
    fields = KEYS[section]
    parts = key.split("/")
    if action == "remove" and len(parts) < len(fields):
        parts += [""] * (len(fields) - len(parts))  # a partial key: said below how to finish it
    if len(parts) != len(fields):
        return None, f"expected {'/'.join(fields)} for {section}, got {key!r}"
    ident = dict(zip(fields, parts, strict=True))
    blank = [f for f in fields if not ident[f].strip()]
    if blank and action == "remove":
        given = {f: v for f, v in ident.items() if f not in blank}
        written = "/".join(v.strip() or "*" for v in ident.values())
        return None, f"{partial_key_message(section, given, blank)} (here: key {written!r})"
    return ident, ""


# -- writing ------------------------------------------------------------------------------------
def inventory_tables(inv: Inventory, scenarios: Iterable[Scenario] = ()) -> dict[str, Table]:
    """An inventory (and optional scenarios) as sheets of cells."""
    dumped = inv.model_dump(by_alias=True, exclude_none=False)
    style = inv.territory.number_format
    tables: dict[str, Table] = {}
    territory = dumped["territory"]
    tables["territory"] = [["field", "value"]] + [
        [k, encode_cell(v, style)] for k, v in territory.items()
    ]
    for section, model in SECTIONS.items():
        columns = _columns(model)
        tables[section] = [columns] + [
            [encode_cell(item.get(c), style) for c in columns] for item in dumped[section]
        ]
    rows: Table = [list(OVERRIDE_COLUMNS)]
    for sc in scenarios:
        for field, value in sc.territory.items():
            rows.append([sc.name, "territory", "territory", "", field, encode_cell(value, style)])
        for action in ("update", "add"):
            for section, items in getattr(sc, action).items():
                for item in items:
                    key = "/".join(str(item.get(f, "")) for f in KEYS[section])
                    for field, value in item.items():
                        if field not in KEYS[section]:
                            cell = encode_cell(value, style)
                            rows.append([sc.name, action, section, key, field, cell])
        for section, removed in sc.remove.items():
            for entry in removed:
                if isinstance(entry, str):
                    key = entry
                else:  # in the order of the key fields, whatever the entry's order
                    key = "/".join(str(entry.get(f, "")) for f in KEYS[section])
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
    """Sheets of cells as an Excel workbook, with a ``fields`` sheet documenting the columns.

    Text a spreadsheet would run as a formula is written with a leading ``'``
    (:func:`symbiose.exports.neutralise`); reading the template back removes it.
    """
    return exports.xlsx_bytes({**tables, "fields": field_docs()})


def write_csv_folder(tables: dict[str, Table], folder: Path) -> list[Path]:
    """Sheets of cells as ``<sheet>.csv`` files in ``folder``, in the territory's number format."""
    folder.mkdir(parents=True, exist_ok=True)
    dialect = exports.dialect(number_format_of(tables))
    return [
        exports.write_csv(rows, folder / f"{name}.csv", dialect)
        for name, rows in {**tables, "fields": field_docs()}.items()
    ]
