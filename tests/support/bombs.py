"""Hostile documents for the service's tests: an alias bomb, a sparse-sheet bomb, a deflate bomb.

Each is small on the wire and enormous once read naively; they are built here, in the test,
so no such file sits in the repository.
"""

from __future__ import annotations

import io
import zipfile

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="sites" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _workbook(sheet_xml: bytes | str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _RELS)
        book.writestr("xl/workbook.xml", _WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        book.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buffer.getvalue()


def alias_bomb(levels: int = 9, width: int = 9) -> bytes:
    """A "billion laughs" YAML document: ``width ** levels`` strings from a few kB of aliases."""
    lines = ['lol0: &lol0 ["' + "lol" * 40 + '"' + ', "lol"' * (width - 1) + "]"]
    for level in range(1, levels + 1):
        refs = ", ".join([f"*lol{level - 1}"] * width)
        lines.append(f"lol{level}: &lol{level} [{refs}]")
    lines.append(f"sites: [{', '.join([f'*lol{levels}'] * width)}]")
    return ("\n".join(lines) + "\n").encode()


def sparse_sheet_bomb(rows: int = 20000) -> bytes:
    """A workbook whose sheet claims ``A1:XFD<rows>`` but holds two cells."""
    sheet = (
        _SHEET_HEAD + f'<dimension ref="A1:XFD{rows}"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row>'
        f'<row r="{rows}"><c r="XFD{rows}" t="inlineStr"><is><t>x</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    return _workbook(sheet)


def deflate_bomb(rows: int = 4_000_000) -> bytes:
    """A small workbook whose one sheet inflates to ``rows`` rows of XML (hundreds of MB)."""
    row = b'<row><c t="inlineStr"><is><t>site</t></is></c><c><v>1</v></c></row>'
    sheet = _SHEET_HEAD.encode() + b"<sheetData>" + row * rows + b"</sheetData></worksheet>"
    return _workbook(sheet)


def slow_yaml(sites: int = 40_000) -> bytes:
    """A legal YAML inventory large enough that reading it takes well over a second."""
    rows = "".join(
        f"  - {{id: s{i}, name: Site {i}, latitude: 50.5, longitude: 2.5}}\n" for i in range(sites)
    )
    return ("territory: {name: Big}\nsites:\n" + rows).encode()


def memory_hungry_json(items: int = 700_000) -> bytes:
    """A small JSON document (about 13 MB, under the size limit) of many tiny objects, which
    Python needs far more than 64 MB to hold."""
    body = ",".join(f'{{"id":"s{i}"}}' for i in range(items))
    return ('{"territory":{"name":"Big"},"sites":[' + body + "]}").encode()
