"""Hostile workbooks: every limit of the .xlsx reader is refused with a message and a path.

The two bombs of issue 7 (a tiny sheet declaring ``A1:XFD20000``, a small zip inflating to
millions of rows) are read in a fresh subprocess whose peak memory and time are measured.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pytest

from symbiose.inventory import InventoryError, dump_inventory, parse_inventory
from symbiose.inventory.workbook import LIMITS, WorkbookRefused, read_xlsx

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def sheet_xml(rows: str, dimension: str | None = "A1:B2", head: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f"{head}<worksheet {NS}>{dim}<sheetData>{rows}</sheetData></worksheet>"


def workbook(sheets: dict[str, str | Iterable[bytes]], strings: list[str] | None = None) -> bytes:
    """A minimal .xlsx: each sheet's XML given whole (str) or as chunks (streamed in)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        entries = "".join(
            f'<sheet name="{name}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
            for i, name in enumerate(sheets)
        )
        z.writestr("xl/workbook.xml", f"<workbook {NS} {RNS}><sheets>{entries}</sheets></workbook>")
        rels = "".join(
            f'<Relationship Id="rId{i + 1}" Type="{REL}/worksheet"'
            f' Target="worksheets/sheet{i + 1}.xml"/>'
            for i in range(len(sheets))
        )
        if strings is not None:
            rels += (
                f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
            )
            items = "".join(f"<si><t>{s}</t></si>" for s in strings)
            z.writestr("xl/sharedStrings.xml", f"<sst {NS}>{items}</sst>")
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f"{rels}</Relationships>",
        )
        for i, content in enumerate(sheets.values()):
            name = f"xl/worksheets/sheet{i + 1}.xml"
            if isinstance(content, str):
                z.writestr(name, content)
            else:
                with z.open(name, "w", force_zip64=True) as out:
                    for chunk in content:
                        out.write(chunk)
    return buffer.getvalue()


def refused(data: bytes) -> tuple[str, str]:
    with pytest.raises(WorkbookRefused) as info:
        read_xlsx(data)
    return info.value.issue.path(), info.value.issue.msg


def sparse_bomb() -> bytes:
    """11 kB-class: a sheet claiming A1:XFD20000 with one cell at each corner."""
    rows = (
        '<row r="1"><c r="A1"><v>1</v></c></row><row r="20000"><c r="XFD20000"><v>2</v></c></row>'
    )
    return workbook({"sites": sheet_xml(rows, "A1:XFD20000")})


def deflate_bomb(
    rows: int = 4_000_000, dimension: str | None = "A1:A4000000", numbered: bool = False
) -> bytes:
    """A few hundred kB inflating to millions of rows (numbered rows compress less)."""

    def chunks() -> Iterable[bytes]:
        yield f"<worksheet {NS}>".encode()
        if dimension:
            yield f'<dimension ref="{dimension}"/>'.encode()
        yield b"<sheetData>"
        block = 20_000
        row = b"<row><c><v>1</v></c></row>"  # no row numbers: each row is the same bytes
        for start in range(0, rows, block):
            count = min(block, rows - start)
            if numbered:
                yield "".join(
                    f'<row r="{start + i + 1}"><c><v>{i}</v></c></row>' for i in range(count)
                ).encode()
            else:
                yield row * count
        yield b"</sheetData></worksheet>"

    return workbook({"supplies": chunks()})


# -- the two bombs, measured in a subprocess ------------------------------------------------------
MEASURE = textwrap.dedent(
    """
    import json, resource, subprocess, sys, time
    start = time.monotonic()
    child = subprocess.run([sys.executable, "-c", sys.argv[1], sys.argv[2]],
                           capture_output=True, text=True)
    elapsed = time.monotonic() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"seconds": elapsed, "peak_mb": peak_kb / 1024, "out": child.stdout,
                      "err": child.stderr[-2000:]}))
    """
)
READ = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from symbiose.inventory import InventoryError, parse_inventory
    try:
        parse_inventory(Path(sys.argv[1]).read_bytes(), "xlsx")
        print(json.dumps({"issues": []}))
    except InventoryError as exc:
        print(json.dumps({"issues": [[i.path(), i.msg] for i in exc.issues]}))
    """
)


def measure(data: bytes, tmp_path: Path) -> tuple[dict[str, float], list[list[str]]]:
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(data)
    root = str(Path(__file__).parents[2])
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, READ, str(path)],
        capture_output=True,
        text=True,
        cwd=root,
        env={"PYTHONPATH": root, "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    report = json.loads(done.stdout)
    assert report["out"], report["err"]
    return report, json.loads(report["out"])["issues"]


def test_the_sparse_sheet_bomb_is_refused_quickly_in_little_memory(tmp_path: Path) -> None:
    data = sparse_bomb()
    assert len(data) < 12_000
    report, issues = measure(data, tmp_path)
    assert issues == [
        [
            "sites",
            "sheet 'sites': the sheet declares the range A1:XFD20000 (16,384 columns), more"
            " than the limit of 100 columns",
        ]
    ]
    assert report["peak_mb"] < 500, report  # (its time is measured, never asserted: noisy)


def test_the_deflate_bomb_is_refused_quickly_in_little_memory(tmp_path: Path) -> None:
    data = deflate_bomb()
    assert len(data) < 1_000_000
    report, issues = measure(data, tmp_path)
    assert len(issues) == 1
    path, msg = issues[0]
    assert path == "supplies"
    assert "sheet 'supplies' (xl/worksheets/sheet1.xml) unpacks to" in msg
    assert "more than the limit of 64.0 MB per part" in msg
    assert report["peak_mb"] < 500, report  # (its time is measured, never asserted: noisy)


def test_a_row_bomb_under_the_size_limit_with_a_lying_dimension_stops_at_the_row_limit(
    tmp_path: Path,
) -> None:
    data = deflate_bomb(rows=1_000_000, dimension="A1:A1", numbered=True)
    report, issues = measure(data, tmp_path)
    assert issues == [
        ["supplies", "sheet 'supplies': row 200,001 is beyond the limit of 200,000 rows"]
    ]
    assert report["peak_mb"] < 500, report  # it reads 200,000 rows before it knows


# -- every limit and malformation, with its message and path ------------------------------------
def test_a_declared_range_with_too_many_rows_is_refused_before_reading_rows() -> None:
    path, msg = refused(workbook({"demands": sheet_xml("", "A1:C250000")}))
    assert path == "demands"
    assert msg == (
        "sheet 'demands': the sheet declares the range A1:C250000 (250,000 rows), more than"
        " the limit of 200,000 rows"
    )


def test_a_cell_beyond_the_column_limit_is_refused_even_when_the_dimension_lies() -> None:
    rows = '<row r="1"><c r="A1"><v>1</v></c><c r="XFD1"><v>2</v></c></row>'
    path, msg = refused(workbook({"sites": sheet_xml(rows, "A1:A1")}))
    assert path == "sites"
    assert msg == "sheet 'sites': a cell in column XFD (row 1) is beyond the limit of 100 columns"


def test_a_row_number_beyond_the_limit_is_refused_without_filling_the_gap() -> None:
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row r="999999999"><c r="A999999999"><v>2</v></c></row>'
    path, msg = refused(workbook({"links": sheet_xml(rows, None)}))
    assert (path, msg) == (
        "links",
        "sheet 'links': row 999,999,999 is beyond the limit of 200,000 rows",
    )


def test_too_many_cells_in_the_workbook_are_refused() -> None:
    limits = replace(LIMITS, cells=5)
    rows = "".join(
        f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>1</v></c></row>'
        for r in range(1, 4)
    )
    with pytest.raises(WorkbookRefused) as info:
        read_xlsx(workbook({"sites": sheet_xml(rows)}), limits)
    assert info.value.issue.path() == "sites"
    assert info.value.issue.msg == "sheet 'sites': the workbook has more than 5 cells (the limit)"


def test_a_huge_shared_strings_table_is_refused() -> None:
    limits = replace(LIMITS, strings=3)
    with pytest.raises(WorkbookRefused) as info:
        read_xlsx(workbook({"sites": sheet_xml("")}, strings=["a", "b", "c", "d"]), limits)
    assert info.value.issue.path() == "(document)"
    assert info.value.issue.msg == "the shared-strings table has more than 3 entries (the limit)"


def test_a_shared_string_that_does_not_exist_is_refused() -> None:
    rows = '<row r="1"><c r="A1" t="s"><v>7</v></c></row>'
    path, msg = refused(workbook({"sites": sheet_xml(rows)}, strings=["id"]))
    assert (path, msg) == ("sites", "sheet 'sites': row 1: shared string '7' does not exist")


def test_a_highly_compressed_part_is_refused_as_a_zip_bomb() -> None:
    limits = replace(LIMITS, ratio=50)
    padding = "<!-- " + " " * 3_000_000 + " -->"
    with pytest.raises(WorkbookRefused) as info:
        read_xlsx(workbook({"sites": sheet_xml("", head=padding)}), limits)
    assert info.value.issue.path() == "sites"
    assert "sheet 'sites' (xl/worksheets/sheet1.xml) is compressed" in info.value.issue.msg
    assert "more than the limit of 50 to 1 (a zip bomb?)" in info.value.issue.msg


def test_a_workbook_inflating_past_the_total_limit_is_refused() -> None:
    limits = replace(LIMITS, total_bytes=2 * 1024 * 1024, ratio=10_000)
    padding = "<!-- " + " " * 1_500_000 + " -->"
    sheets = {"sites": sheet_xml("", head=padding), "links": sheet_xml("", head=padding)}
    with pytest.raises(WorkbookRefused) as info:
        read_xlsx(workbook(sheets), limits)
    assert info.value.issue.path() == "(document)"
    assert info.value.issue.msg.startswith(
        "the workbook unpacks to 2.9 MB, more than the limit of 2.0 MB"
    )


def test_too_many_parts_are_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for i in range(1001):
            z.writestr(f"x/{i}.xml", "")
    path, msg = refused(buffer.getvalue())
    assert (path, msg) == (
        "(document)",
        "the workbook has 1,001 parts, more than the limit of 1,000",
    )


def test_an_entity_declaration_is_refused() -> None:
    head = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>'
    path, msg = refused(workbook({"sites": sheet_xml("", head=head)}))
    assert path == "sites"
    assert msg == (
        "part 'xl/worksheets/sheet1.xml' declares a document type or entities, which a"
        " workbook never needs (refused)"
    )


def test_a_sheet_that_is_not_xml_is_refused_with_its_line() -> None:
    path, msg = refused(workbook({"sites": f"<worksheet {NS}><sheetData><row>"}))
    assert path == "sites"
    assert msg.startswith("sheet 'sites' (xl/worksheets/sheet1.xml) is not well-formed XML:")


def test_a_file_that_is_not_a_zip_is_refused() -> None:
    path, msg = refused(b"\xd0\xcf\x11\xe0 an old .xls file")
    assert path == "(document)"
    assert msg.startswith("not a readable Excel workbook (.xlsx): the file is not a zip archive")


def test_a_zip_without_a_workbook_part_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("hello.txt", "hi")
    path, msg = refused(buffer.getvalue())
    assert path == "(document)"
    assert msg.startswith("not a readable Excel workbook (.xlsx): it has no workbook part")


def test_a_part_whose_real_size_exceeds_its_declared_size_is_refused_as_damaged() -> None:
    data = bytearray(workbook({"sites": sheet_xml('<row r="1"><c r="A1"><v>12345</v></c></row>')}))
    # shrink the declared uncompressed size of the sheet in the central directory
    name = b"xl/worksheets/sheet1.xml"
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(name))
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    path, msg = refused(bytes(data))
    assert path == "(document)"
    assert msg.startswith("not a readable Excel workbook (.xlsx):")


def test_refusals_reach_the_inventory_reader_as_inventory_errors() -> None:
    with pytest.raises(InventoryError) as info:
        parse_inventory(sparse_bomb(), "xlsx")
    assert [i.path() for i in info.value.issues] == ["sites"]


def test_the_reader_reads_what_openpyxl_writes() -> None:
    from cli.inventory import example_inventory

    inv = example_inventory()
    data = dump_inventory(inv, "xlsx")
    assert isinstance(data, bytes)
    tables = read_xlsx(data)
    assert {"id", "name", "latitude", "longitude"} <= set(tables["sites"][0])
    assert len(tables["sites"]) == len(inv.sites) + 1
    assert parse_inventory(data, "xlsx") == inv
