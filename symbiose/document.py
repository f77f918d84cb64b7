"""A solved inventory's results as data: the document that is stored, served and exported.

A stored result must stay readable by every later version of the code, so it is plain JSON,
never an object of this code base: the summary (status, totals, planner figures...), each
table as columns (its column names and one array of values per column, so an empty table
keeps its header), the territory's number format for CSV, and the candidate links of the map.
Every format the service and the command line give out — the JSON document with tables as
records, one table as JSON or CSV, the Excel workbook, comparisons — is written from it.

The stored form::

    {"format": 1,
     "summary": {"status": "optimal", "totals": {...}, ...},
     "tables": {"flows": {"columns": ["from_id", ...], "data": [[...], ...]}, ...},
     "number_format": "fr",
     "candidates": {"type": "FeatureCollection", "features": [...]} | null}
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from symbiose import exports

FORMAT = 1
"""The version of the stored form; a later layout gets a new number and a reader for this one."""

TOTALS = "totals"
"""The table derived from the summary's totals (one row per total), not stored as a table."""


def json_ready(value: Any) -> Any:
    """``value`` as plain JSON: NaN and infinities become None, numpy scalars plain numbers."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


@dataclass(frozen=True)
class Columns:
    """A table as columns: the column names and one array of plain values per column."""

    names: list[str]
    data: list[list[Any]]

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Columns:
        """The columns of a DataFrame (missing values as None)."""
        names = [str(c) for c in frame.columns]
        data = [json_ready(frame.iloc[:, i].tolist()) for i in range(len(names))]
        return cls(names, data)

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]], names: list[str]) -> Columns:
        """Columns from rows as mappings; ``names`` gives the columns and their order."""
        rows = list(records)
        return cls(list(names), [[row.get(n) for row in rows] for n in names])

    def __len__(self) -> int:
        return len(self.data[0]) if self.data else 0

    def records(self) -> list[dict[str, Any]]:
        """The rows as mappings from column name to value."""
        return [dict(zip(self.names, row, strict=True)) for row in zip(*self.data, strict=True)]

    def rows(self) -> exports.Table:
        """A header row, then the rows as lists: what the CSV and Excel writers take."""
        return [list(self.names), *(list(row) for row in zip(*self.data, strict=True))]

    def frame(self) -> pd.DataFrame:
        """The table as a DataFrame (missing numbers as NaN)."""
        frame = pd.DataFrame({i: pd.Series(col, dtype=_dtype(col)) for i, col in enumerate(self.data)})
        frame.columns = pd.Index(self.names)
        return frame

    def as_json(self) -> dict[str, Any]:
        """The stored form of the table."""
        return {"columns": self.names, "data": self.data}

    @classmethod
    def from_json(cls, stored: Mapping[str, Any]) -> Columns:
        """A table from its stored form."""
        return cls(list(stored["columns"]), [list(col) for col in stored["data"]])


def _dtype(column: list[Any]) -> str | None:
    """``float64`` for numbers with gaps (so that None reads as NaN), else pandas' guess."""
    present = [v for v in column if v is not None]
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in present)
    return "float64" if present and numbers and len(present) < len(column) else None


@dataclass(frozen=True)
class ResultDocument:
    """A solved inventory's results as data (see the module's docstring for the stored form)."""

    summary: dict[str, Any]
    tables: dict[str, Columns]
    number_format: str = "en"
    candidates: dict[str, Any] | None = field(default=None)
    """Every link the optimiser could use, as GeoJSON lines; None in results stored before."""

    @property
    def status(self) -> str:
        """The solver's status (``models.result.Status`` value)."""
        return str(self.summary.get("status", ""))

    @property
    def totals(self) -> dict[str, Any]:
        """The totals in EUR/yr and t CO2/yr (empty without a solution)."""
        return dict(self.summary.get("totals") or {})

    def table(self, name: str) -> Columns:
        """One table by name; ``totals`` is the summary's totals, one row per total.

        Raises:
            KeyError: no table of that name.
        """
        if name == TOTALS:
            plain = [(k, v) for k, v in self.totals.items() if not isinstance(v, dict | list)]
            return Columns(["total", "value"], [[k for k, _ in plain], [v for _, v in plain]])
        return self.tables[name]

    def public(self) -> dict[str, Any]:
        """The JSON document served and written: the summary, and each table as records."""
        return self.summary | {"tables": {n: t.records() for n, t in self.tables.items()}}

    def public_json(self) -> str:
        """:meth:`public` as JSON text."""
        return json.dumps(self.public(), indent=2, ensure_ascii=False)

    def csv(self, name: str) -> bytes:
        """One table as CSV, in the number format of the territory (neutralised text)."""
        return exports.csv_bytes(self.table(name).rows(), exports.dialect(self.number_format))

    def xlsx(self, names: Iterable[str]) -> bytes:
        """Tables as the sheets of one Excel workbook (text neutralised, never formulas)."""
        return exports.xlsx_bytes({name: self.table(name).rows() for name in names})

    def to_json(self) -> str:
        """The stored form (compact JSON; no NaN, which JSON does not have)."""
        stored = {
            "format": FORMAT,
            "summary": self.summary,
            "tables": {name: t.as_json() for name, t in self.tables.items()},
            "number_format": self.number_format,
            "candidates": self.candidates,
        }
        return json.dumps(stored, ensure_ascii=False, separators=(",", ":"), allow_nan=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> ResultDocument:
        """A document from its stored form.

        Raises:
            ValueError: not a stored result document of a format this code reads.
        """
        stored = json.loads(text)
        if not isinstance(stored, dict) or stored.get("format") != FORMAT:
            found = stored.get("format") if isinstance(stored, dict) else type(stored).__name__
            raise ValueError(f"not a result document of format {FORMAT} (format {found!r})")
        return cls(
            summary=dict(stored["summary"]),
            tables={n: Columns.from_json(t) for n, t in stored["tables"].items()},
            number_format=str(stored.get("number_format") or "en"),
            candidates=stored.get("candidates"),
        )
