"""A bounded reader of Excel workbooks (.xlsx): every limit is checked before it is spent.

An .xlsx file is a zip of XML parts, and both layers can lie: a 12 kB file may declare the
range ``A1:XFD20000`` (openpyxl then pads every row to 16,384 cells, gigabytes in all), and a
600 kB file may inflate to millions of rows.  So this reader

1. checks the zip before inflating anything: the file size, the number of parts, each part's
   declared uncompressed size and compression ratio, and their total (:class:`Limits`);
2. streams each XML part through expat, never building a tree and never allocating a cell that
   is not in the file: it refuses a declared ``<dimension>`` beyond the row or column limit as
   soon as it sees it, and then counts the real rows, columns and cells as they come, so a
   dimension that lies is caught at the first row past the limit;
3. refuses document type declarations (entity expansion has no place in a workbook).

Python's ``zipfile`` never returns more bytes than a part's declared size (a part inflating
past it fails its CRC check), so the declared sizes checked in step 1 bound step 2.  Only cell
values are read (cached results of formulas, not the formulas); styles, drawings and the like
are never opened.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn
from xml.parsers import expat

from symbiose.inventory.errors import InventoryIssue

Table = list[list[Any]]

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What a workbook may hold.  A 25,000-site regional inventory fits well within them."""

    file_bytes: int = 50 * MB
    """Size of the .xlsx file itself."""
    parts: int = 1000
    """Number of parts (files) in the zip."""
    part_bytes: int = 64 * MB
    """Uncompressed size of any one part."""
    total_bytes: int = 128 * MB
    """Uncompressed size of all parts together."""
    ratio: int = 200
    """Compression ratio of a part larger than 1 MB (XML of real tables stays well below)."""
    rows: int = 200_000
    """Rows of one sheet."""
    columns: int = 100
    """Columns of one sheet (the widest sheet of the template has about 20)."""
    cells: int = 3_000_000
    """Non-empty cells of the whole workbook."""
    strings: int = 1_000_000
    """Entries of the shared-strings table."""


LIMITS = Limits()

_MAIN = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_CELL_REF = re.compile(r"([A-Za-z]{1,3})(\d+)$")
_RANGE = re.compile(r"([A-Za-z]{1,3})(\d+)(?::([A-Za-z]{1,3})(\d+))?$")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_CHUNK = 64 * 1024


class WorkbookRefused(Exception):
    """The workbook breaks a limit or is not a readable .xlsx; ``issue`` says which."""

    def __init__(self, issue: InventoryIssue) -> None:
        super().__init__(issue.msg)
        self.issue = issue


def read_xlsx(data: bytes, limits: Limits = LIMITS) -> dict[str, Table]:
    """The sheets of an .xlsx workbook as tables of cell values, keyed by sheet title.

    Raises:
        WorkbookRefused: a limit is exceeded or the file is not a readable workbook; the issue
            names the sheet (as its path) and the limit.
    """
    if len(data) > limits.file_bytes:
        _refuse(
            (),
            f"the workbook is {_size(len(data))}, more than the limit of"
            f" {_size(limits.file_bytes)}",
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        _refuse(
            (),
            "not a readable Excel workbook (.xlsx): the file is not a zip archive"
            " (save it from Excel as 'Excel Workbook (*.xlsx)')",
        )
    with archive:
        try:
            return _read_archive(archive, limits)
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            EOFError,
            OSError,
            NotImplementedError,
            RuntimeError,
        ) as exc:  # damaged, encrypted, odd compression
            _refuse((), f"not a readable Excel workbook (.xlsx): {exc}")


def _read_archive(archive: zipfile.ZipFile, limits: Limits) -> dict[str, Table]:
    infos = {info.filename: info for info in archive.infolist()}
    if len(infos) > limits.parts:
        _refuse(
            (), f"the workbook has {len(infos):,} parts, more than the limit of {limits.parts:,}"
        )
    book = _main_part(archive, infos, limits)
    sheets, strings_part = _sheets_of(archive, infos, book, limits)
    _check_sizes(infos, {path: title for title, path in sheets}, limits)
    counter = _Counter(limits)
    strings = _shared_strings(archive, strings_part, limits) if strings_part else []
    tables: dict[str, Table] = {}
    for title, path in sheets:
        tables[title] = _read_sheet(archive, path, title, strings, counter)
    return tables


def _check_sizes(infos: dict[str, zipfile.ZipInfo], titles: dict[str, str], limits: Limits) -> None:
    """Refuse any part, or the whole, that would inflate beyond the limits (nothing inflated)."""
    total = 0
    for name, info in infos.items():
        loc, what = (
            ((titles[name],), f"sheet {titles[name]!r} ({name})")
            if name in titles
            else ((), f"part {name!r}")
        )
        if info.file_size > limits.part_bytes:
            _refuse(
                loc,
                f"{what} unpacks to {_size(info.file_size)}, more than the limit of"
                f" {_size(limits.part_bytes)} per part",
            )
        if info.file_size > MB and info.file_size > limits.ratio * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            _refuse(
                loc,
                f"{what} is compressed {ratio:,.0f} to 1, more than the limit of"
                f" {limits.ratio} to 1 (a zip bomb?)",
            )
        total += info.file_size
    if total > limits.total_bytes:
        _refuse(
            (),
            f"the workbook unpacks to {_size(total)}, more than the limit of"
            f" {_size(limits.total_bytes)}",
        )


# -- the package's structure: main part, sheets, shared strings ---------------------------------
def _small_part(
    archive: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo], name: str, limits: Limits
) -> bytes | None:
    """A structural part (relationships, workbook), read whole once its size is checked."""
    info = infos.get(name)
    if info is None:
        return None
    if info.file_size > min(limits.part_bytes, 4 * MB):
        _refuse(
            (),
            f"part {name!r} unpacks to {_size(info.file_size)}, more than the limit"
            f" of {_size(min(limits.part_bytes, 4 * MB))}",
        )
    return archive.read(info)


def _main_part(archive: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo], limits: Limits) -> str:
    rels = _small_part(archive, infos, "_rels/.rels", limits)
    if rels is not None:
        for rel in _relationships(rels, "_rels/.rels"):
            if rel["Type"] == _MAIN:
                return _resolve("", rel["Target"])
    return "xl/workbook.xml"


def _sheets_of(
    archive: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo], book: str, limits: Limits
) -> tuple[list[tuple[str, str]], str | None]:
    """The (title, part) of every worksheet in workbook order, and the shared-strings part."""
    xml = _small_part(archive, infos, book, limits)
    if xml is None:
        _refuse(
            (),
            "not a readable Excel workbook (.xlsx): it has no workbook part"
            f" ({book}); save it from Excel as 'Excel Workbook (*.xlsx)'",
        )
    folder = posixpath.dirname(book)
    rels_name = posixpath.join(folder, "_rels", posixpath.basename(book) + ".rels")
    rels_xml = _small_part(archive, infos, rels_name, limits) or b""
    targets: dict[str, tuple[str, str]] = {}
    for rel in _relationships(rels_xml, rels_name) if rels_xml else []:
        targets[rel.get("Id", "")] = (rel.get("Type", ""), _resolve(folder, rel.get("Target", "")))
    strings = next((t for kind, t in targets.values() if kind.endswith("/sharedStrings")), None)
    sheets: list[tuple[str, str]] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if name.endswith("}sheet"):
            rid = next((v for k, v in attrs.items() if k.endswith("}id")), "")
            kind, target = targets.get(rid, ("", ""))
            if kind.endswith("/worksheet") and target in infos:
                sheets.append((attrs.get("name", "").strip().lower(), target))

    _parse_bytes(xml, book, start)
    return sheets, strings if strings in infos else None


def _relationships(xml: bytes, part: str) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    _parse_bytes(
        xml,
        part,
        lambda name, attrs: found.append(attrs) if name.endswith("}Relationship") else None,
    )
    return found


def _resolve(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(folder, target))


def _shared_strings(archive: zipfile.ZipFile, part: str, limits: Limits) -> list[str]:
    """The shared-strings table (rich text joined, phonetic guides left out)."""
    strings: list[str] = []
    parts: list[str] = []
    depth = {"t": 0, "rPh": 0}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition("}")[2]
        if local == "si":
            parts.clear()
        elif local in depth:
            depth[local] += 1

    def end(name: str) -> None:
        local = name.rpartition("}")[2]
        if local == "si":
            if len(strings) >= limits.strings:
                _refuse(
                    (),
                    f"the shared-strings table has more than {limits.strings:,}"
                    " entries (the limit)",
                )
            strings.append(_unescape("".join(parts)))
        elif local in depth:
            depth[local] -= 1

    def text(data: str) -> None:
        if depth["t"] and not depth["rPh"]:
            parts.append(data)

    _parse_stream(archive, part, (), start, end, text)
    return strings


# -- worksheets ---------------------------------------------------------------------------------
class _Counter:
    """Cells read so far in the whole workbook."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.cells = 0


class _Sheet:
    """The expat handlers of one worksheet: rows and cells as they stream past, within limits."""

    def __init__(self, title: str, strings: list[str], counter: _Counter) -> None:
        self.title, self.strings, self.counter = title, strings, counter
        self.limits = counter.limits
        self.rows: Table = []
        self.in_data = False
        self.cell: dict[str, Any] | None = None
        self.text: list[str] | None = None
        self.column = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _LOCAL.get(name) or _local(name)
        if local == "c" and self.in_data:
            self._start_cell(attrs)
        elif local == "row" and self.in_data:
            self._start_row(attrs.get("r"))
        elif local in ("v", "t") and self.cell is not None:
            self.text = []
        elif local == "sheetData":
            self.in_data = True
        elif local == "dimension" and not self.in_data:
            self._check_dimension(attrs.get("ref", ""))

    def end(self, name: str) -> None:
        local = _LOCAL.get(name) or _local(name)
        if local in ("v", "t") and self.cell is not None and self.text is not None:
            self.cell[local] = self.cell.get(local, "") + "".join(self.text)
            self.text = None
        elif local == "c" and self.cell is not None:
            self._end_cell()
        elif local == "sheetData":
            self.in_data = False

    def chars(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def _check_dimension(self, ref: str) -> None:
        match = _RANGE.match(ref.strip())
        if not match:
            return
        last_col, last_row = match.group(3) or match.group(1), match.group(4) or match.group(2)
        rows, cols = int(last_row), _column_number(last_col)
        if rows > self.limits.rows:
            self._refuse(
                f"the sheet declares the range {ref} ({rows:,} rows), more than the"
                f" limit of {self.limits.rows:,} rows"
            )
        if cols > self.limits.columns:
            self._refuse(
                f"the sheet declares the range {ref} ({cols:,} columns), more than"
                f" the limit of {self.limits.columns} columns"
            )

    def _start_row(self, number: str | None) -> None:
        index = int(number) if number and number.isdigit() else len(self.rows) + 1
        if index > self.limits.rows:
            self._refuse(f"row {index:,} is beyond the limit of {self.limits.rows:,} rows")
        if index <= len(self.rows):
            self._refuse(f"row {index} appears twice or out of order")
        while len(self.rows) < index:  # rows the file leaves out are empty
            self.rows.append([])
        self.column = 0

    def _start_cell(self, attrs: dict[str, str]) -> None:
        if not self.rows:
            self._start_row(None)
        ref = _CELL_REF.match(attrs.get("r", ""))
        self.column = _column_number(ref.group(1)) if ref else self.column + 1
        if self.column > self.limits.columns:
            column = ref.group(1).upper() if ref else str(self.column)
            self._refuse(
                f"a cell in column {column} (row {len(self.rows):,}) is beyond the"
                f" limit of {self.limits.columns} columns"
            )
        self.counter.cells += 1
        if self.counter.cells > self.limits.cells:
            self._refuse(f"the workbook has more than {self.limits.cells:,} cells (the limit)")
        self.cell = {"type": attrs.get("t", "n")}

    def _end_cell(self) -> None:
        assert self.cell is not None
        value = self._value(self.cell)
        self.cell = None
        if value is None:
            return
        row = self.rows[-1]
        if len(row) < self.column:
            row.extend([None] * (self.column - len(row)))
        row[self.column - 1] = value

    def _value(self, cell: dict[str, Any]) -> Any:
        kind = cell["type"]
        if kind == "inlineStr":
            return _unescape(cell["t"]) if "t" in cell else None
        text = cell.get("v")
        if text is None or text == "":
            return None
        if kind == "s":
            index = int(text) if text.strip().isdigit() else -1
            if not 0 <= index < len(self.strings):
                self._refuse(f"row {len(self.rows)}: shared string {text!r} does not exist")
            return self.strings[index]
        if kind == "b":
            return text.strip() in ("1", "true")
        if kind in ("str", "e", "d"):
            return _unescape(text) if kind == "str" else text
        return _number(text, self)

    def _refuse(self, msg: str) -> NoReturn:
        _refuse((self.title,), f"sheet {self.title!r}: {msg}")


def _read_sheet(
    archive: zipfile.ZipFile, part: str, title: str, strings: list[str], counter: _Counter
) -> Table:
    sheet = _Sheet(title, strings, counter)
    _parse_stream(archive, part, (title,), sheet.start, sheet.end, sheet.chars)
    return sheet.rows


def _number(text: str, sheet: _Sheet) -> int | float:
    try:
        if any(c in text for c in ".eE") or text.strip().lower() in ("nan", "inf", "-inf"):
            return float(text)
        return int(text)
    except ValueError:
        sheet._refuse(f"row {len(sheet.rows)}: {text!r} is not a number")


def _column_number(letters: str) -> int:
    number = _COLUMNS.get(letters)
    if number is None:
        number = 0
        for ch in letters.upper():
            number = number * 26 + ord(ch) - 64
        _COLUMNS[letters] = number  # at most 3 letters: a bounded cache
    return number


_COLUMNS: dict[str, int] = {}
_LOCAL: dict[str, str] = {}


def _local(name: str) -> str:
    """The local part of an expat ``namespace}name``, remembered for the few names of a sheet."""
    local = name.rpartition("}")[2]
    if len(_LOCAL) < 1000:
        _LOCAL[name] = local
    return local


# -- XML through expat, with no document type and no tree ----------------------------------------
def _parser(where: tuple[str | int, ...], part: str) -> Any:
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True

    def no_doctype(*_args: Any) -> NoReturn:
        _refuse(
            where,
            f"part {part!r} declares a document type or entities, which a workbook"
            " never needs (refused)",
        )

    parser.StartDoctypeDeclHandler = no_doctype
    parser.EntityDeclHandler = no_doctype
    return parser


def _parse_bytes(xml: bytes, part: str, start: Callable[[str, dict[str, str]], Any]) -> None:
    parser = _parser((), part)
    parser.StartElementHandler = start
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as exc:
        _refuse(
            (),
            f"part {part!r} is not well-formed XML: {expat.ErrorString(exc.code)}"
            f" (line {exc.lineno})",
        )


def _parse_stream(
    archive: zipfile.ZipFile,
    part: str,
    where: tuple[str | int, ...],
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None],
    chars: Callable[[str], None],
) -> None:
    parser = _parser(where, part)
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = chars
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(_CHUNK):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        name = f"sheet {where[0]!r} ({part})" if where else f"part {part!r}"
        _refuse(
            where,
            f"{name} is not well-formed XML: {expat.ErrorString(exc.code)} (line {exc.lineno})",
        )


def _unescape(text: str) -> str:
    """Excel's ``_xHHHH_`` escapes of control characters, as openpyxl reads them."""
    if "_x" not in text:
        return text
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


def _refuse(loc: tuple[str | int, ...], msg: str) -> NoReturn:
    raise WorkbookRefused(InventoryIssue(loc, msg))


def _size(n: int) -> str:
    return f"{n / MB:,.1f} MB" if n >= MB else f"{n / 1024:,.1f} kB"
