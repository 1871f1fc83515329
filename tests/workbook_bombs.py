"""Hostile workbooks, written straight as package XML and streamed into the zip, so that a test
builds a file inflating to a gigabyte or naming billions of cells in a second or two, without
holding either in memory."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
BOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
GB = 1_000_000_000
Parts = dict[str, Iterable[bytes]]


def _content_types(count: int) -> str:
    sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                     f'ContentType="{SHEET_TYPE}"/>' for i in range(1, count + 1))
    return ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.'
            'org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
            f'"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="{BOOK_TYPE}"/>'
            f"{sheets}</Types>")


def _workbook(names: list[str]) -> str:
    sheets = "".join(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>'
                     for i, name in enumerate(names, 1))
    return f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>{sheets}</sheets></workbook>'


def _workbook_rels(count: int) -> str:
    rels = "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" '
                   f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, count + 1))
    return f'<Relationships xmlns="{PACKAGE_REL}">{rels}</Relationships>'


def _package_rels() -> str:
    return (f'<Relationships xmlns="{PACKAGE_REL}"><Relationship Id="rId1" '
            f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')


def sheet_xml(rows: Iterable[str], tail: str = "") -> Iterator[bytes]:
    """A worksheet part from its ``<row>`` elements (and what follows sheetData), as chunks."""
    yield f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}"><sheetData>'.encode()
    yield from (row.encode() for row in rows)
    yield f"</sheetData>{tail}</worksheet>".encode()


def write_xlsx(target: Path | io.BytesIO, sheets: Parts, parts: Parts | None = None,
               level: int = 9) -> None:
    """An .xlsx package whose sheets (and any other ``parts``) are streamed from chunks."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as package:
        package.writestr("[Content_Types].xml", _content_types(len(sheets)))
        package.writestr("_rels/.rels", _package_rels())
        package.writestr("xl/workbook.xml", _workbook(list(sheets)))
        package.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        named = {f"xl/worksheets/sheet{i}.xml": c for i, c in enumerate(sheets.values(), 1)}
        for name, chunks in {**named, **(parts or {})}.items():
            with package.open(name, "w", force_zip64=True) as part:
                for chunk in chunks:
                    part.write(chunk)


def xlsx_bytes(sheets: Parts, parts: Parts | None = None, level: int = 9) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, sheets, parts, level)
    return buffer.getvalue()


def _repeated(block: str, total: int) -> Iterator[str]:
    for _ in range(total // len(block) + 1):
        yield block


def inflating_rows(inflated: int) -> bytes:
    """One sheet of ``inflated`` bytes of XML: the same empty cell, row after row."""
    return xlsx_bytes({"Sheet": sheet_xml(_repeated('<row r="1"><c r="A1"/></row>' * 4096,
                                                    inflated))})


def inflating_text(inflated: int) -> bytes:
    """One cell whose inline text is ``inflated`` bytes of one letter: about a thousand to one,
    deflate's best, so a bomb of hundreds of megabytes fits under a megabyte."""
    row = '<row r="1"><c r="A1" t="inlineStr"><is><t>'
    return xlsx_bytes({"Sheet": sheet_xml([row, *_repeated("a" * 1_000_000, inflated),
                                           "</t></is></c></row>"])})


def inflating_media(inflated: int) -> bytes:
    """A plain workbook carrying a binary part of ``inflated`` zero bytes."""
    zeros = (bytes(1_000_000) for _ in range(inflated // 1_000_000))
    return xlsx_bytes({"Sheet": sheet_xml([])}, {"xl/media/image1.bin": zeros})


def corners() -> bytes:
    """Two numbers, in A1 and in the grid's last cell (XFD1048576)."""
    return xlsx_bytes({"Sheet": sheet_xml([
        '<row r="1"><c r="A1"><v>1</v></c></row>',
        '<row r="1048576"><c r="XFD1048576"><v>2</v></c></row>'])})


def array_over_grid() -> bytes:
    """One array formula filling the whole grid."""
    return xlsx_bytes({"Sheet": sheet_xml(
        ['<row r="1"><c r="A1"><f t="array" ref="A1:XFD1048576">1</f></c></row>'])})


def merged_grid() -> bytes:
    """A number in A1, merged over the whole grid."""
    return xlsx_bytes({"Sheet": sheet_xml(['<row r="1"><c r="A1"><v>1</v></c></row>'],
                                          '<mergeCells count="1">'
                                          '<mergeCell ref="A1:XFD1048576"/></mergeCells>')})


def many_formulas(count: int) -> bytes:
    """``count`` formulas, one a row: ``=B{row}+1``."""
    rows = "".join(f'<row r="{r}"><c r="A{r}"><f>B{r}+1</f></c></row>'
                   for r in range(1, count + 1))
    return xlsx_bytes({"Sheet": sheet_xml([rows])}, level=1)


def entity_expansion() -> bytes:
    """A sheet that declares nested entities (the "billion laughs")."""
    laughs = ('<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "haha">'
              + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'
                        for i in range(9))
              + f']><worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr">'
              "<is><t>&j;</t></is></c></row></sheetData></worksheet>")
    return xlsx_bytes({"Sheet": [laughs.encode()]})


def whole_sheet_reads(rows: int = 100, cols: int = 3) -> bytes:
    """``Data`` holds 1..rows*cols row by row; ``Out`` reads it through whole-sheet, whole-column
    and grid-sized references (one in an array formula)."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[:cols]
    data = (f'<row r="{r}">' + "".join(f'<c r="{x}{r}"><v>{(r - 1) * cols + c + 1}</v></c>'
                                       for c, x in enumerate(letters)) + "</row>"
            for r in range(1, rows + 1))
    formulas = [
        ("A1", "", "SUM('Data'!$1:$1048576)"),
        ("B1", "", "ROWS('Data'!$1:$1048576)"),
        ("C1", "", "COUNTBLANK('Data'!A:A)"),
        ("D1", ' t="array" ref="D1"', "SUM('Data'!A1:XFD1048576*2)"),
        ("E1", ' t="array" ref="E1"', "SUM('Data'!A2:A1048576-'Data'!A1:A1048575)"),
        ("F1", "", "INDEX('Data'!A:A,5000)"),
        ("G1", "", "ROWS(OFFSET('Data'!A:A,0,1))"),
        ("H1", "", "MATCH(MAX('Data'!C:C),'Data'!C:C,0)"),
    ]
    out = ['<row r="1">' + "".join(f'<c r="{ref}"><f{kind}>{text}</f></c>'
                                   for ref, kind, text in formulas) + "</row>"]
    return xlsx_bytes({"Data": sheet_xml(data), "Out": sheet_xml(out)})
