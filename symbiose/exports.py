"""Every CSV and Excel file the command line and the service write goes through here.

Two concerns, one place:

- **Formula injection.**  A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return is run as a formula by Excel or LibreOffice when a CSV file is opened
  (``=HYPERLINK(...)``, ``=cmd|...``).  Following OWASP's rule, such text gets a leading
  apostrophe, so the spreadsheet shows it as text.  Only text is touched: a negative *number*
  stays a number.  Text that already starts with apostrophes followed by one of those
  characters gets one more, so the rule is reversible: :func:`restore` removes exactly one,
  and a site called ``=cmd`` (or ``'=cmd``) survives a round trip through the template.  In
  .xlsx files every text cell is also written as a string, never as a formula.
- **Number format.**  ``en`` files use ``,`` between columns, ``.`` before decimals and UTF-8;
  ``fr`` files use ``;``, a decimal comma and UTF-8 with a byte-order mark, which is what a
  French Excel expects when it opens a CSV file by double-click.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from models.result import Result

Table = list[list[Any]]

_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_QUOTED = re.compile(r"'+[=+\-@\t\r]")


def neutralise(value: Any) -> Any:
    """``value`` safe to put in a spreadsheet cell: text a spreadsheet would run gets a ``'``."""
    if isinstance(value, str) and _NEEDS_QUOTE.match(value):
        return "'" + value
    return value


def restore(value: Any) -> Any:
    """The inverse of :func:`neutralise`, applied when a template is read back."""
    if isinstance(value, str) and _QUOTED.match(value):
        return value[1:]
    return value


@dataclass(frozen=True)
class Dialect:
    """How numbers and columns are written in a CSV file."""

    name: str
    separator: str
    decimal: str
    encoding: str


EN = Dialect("en", ",", ".", "utf-8")
FR = Dialect("fr", ";", ",", "utf-8-sig")
DIALECTS = {"en": EN, "fr": FR}


def dialect(number_format: str | None) -> Dialect:
    """The CSV dialect of a territory's ``number_format`` (``en`` when unset or unknown)."""
    return DIALECTS.get(str(number_format or "en").lower(), EN)


def dialect_of(inventory: Any) -> Dialect:
    """The CSV dialect of an inventory's territory."""
    territory = getattr(inventory, "territory", None)
    return dialect(getattr(territory, "number_format", "en"))


# -- tables -------------------------------------------------------------------------------------
def frame_rows(frame: pd.DataFrame, index_label: str | None = None) -> Table:
    """A DataFrame as a header row and rows of plain Python values (missing values as None)."""
    if index_label is not None:
        frame = frame.rename_axis(index_label).reset_index()
    rows: Table = [[str(c) for c in frame.columns]]
    for record in frame.itertuples(index=False, name=None):
        rows.append([_plain(v) for v in record])
    return rows


def _plain(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _csv_cell(value: Any, dialect: Dialect) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        text = str(value)
        return text.replace(".", dialect.decimal) if dialect.decimal != "." else text
    if isinstance(value, (bool, int)):
        return str(value)
    return str(neutralise(str(value)))


def csv_text(rows: Table, dialect: Dialect = EN) -> str:
    """Rows as CSV text in ``dialect``, every text cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=dialect.separator, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_csv_cell(v, dialect) for v in row])
    return buffer.getvalue()


def csv_bytes(rows: Table, dialect: Dialect = EN) -> bytes:
    """Rows as the bytes of a CSV file in ``dialect`` (with a byte-order mark for ``fr``)."""
    return csv_text(rows, dialect).encode(dialect.encoding)


def write_csv(rows: Table, path: str | Path, dialect: Dialect = EN) -> Path:
    """Write rows as a CSV file; returns its path."""
    path = Path(path)
    path.write_bytes(csv_bytes(rows, dialect))
    return path


def xlsx_bytes(sheets: Mapping[str, Table]) -> bytes:
    """Sheets of rows (header first) as an Excel workbook: bold frozen header, text as text."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook(write_only=True)
    bold = Font(bold=True)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name[:31])
        widths: dict[int, int] = {}
        for row in rows:
            for i, value in enumerate(row):
                widths[i] = max(widths.get(i, 0), len(str(value)) if value is not None else 0)
        for i, width in widths.items():
            sheet.column_dimensions[get_column_letter(i + 1)].width = min(max(10, width + 2), 60)
        sheet.freeze_panes = "A2"
        for r, row in enumerate(rows):
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, _xlsx_value(value))
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever the text
                if r == 0:
                    cell.font = bold
                cells.append(cell)
            sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value: Any) -> Any:
    value = _plain(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None  # Excel has no infinity
    return neutralise(value)


def write_xlsx(sheets: Mapping[str, Table], path: str | Path) -> Path:
    """Write sheets of rows as an Excel workbook; returns its path."""
    path = Path(path)
    path.write_bytes(xlsx_bytes(sheets))
    return path


def write_tables(
    tables: Mapping[str, pd.DataFrame],
    directory: str | Path,
    formats: tuple[str, ...] | list[str],
    *,
    dialect: Dialect = EN,
    workbook: str = "tables.xlsx",
    first_sheet: tuple[str, Table] | None = None,
) -> list[Path]:
    """Write DataFrames as ``<name>.csv`` files and/or one workbook; returns the files written."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    rows = {name: frame_rows(table) for name, table in tables.items()}
    if "csv" in formats:
        for name, table in rows.items():
            written.append(write_csv(table, out / f"{name}.csv", dialect))
    if "xlsx" in formats:
        sheets = dict([first_sheet]) if first_sheet else {}
        written.append(write_xlsx({**sheets, **rows}, out / workbook))
    return written


def write_result(
    result: Result, directory: str | Path, formats: tuple[str, ...] = ("csv", "json", "xlsx")
) -> list[Path]:
    """Write a numeric result's summary and tables to ``directory``; returns the files written."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if "json" in formats:
        path = out / "result.json"
        path.write_text(result.to_json())
        written.append(path)
    summary: Table = [["field", "value"]]
    summary += [[k, v] for k, v in result.summary().items() if not isinstance(v, (dict, list))]
    summary += [[f"totals.{k}", v] for k, v in result.totals.items()]
    written += write_tables(
        result.tables(), out, formats, workbook="result.xlsx", first_sheet=("summary", summary)
    )
    return written
