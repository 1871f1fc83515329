"""Hostile workbooks written straight as package XML, streamed, so a test builds a file that
inflates to gigabytes or names a billion cells without holding either in memory."""

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
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _content_types(count: int) -> str:
    sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{SHEET_TYPE}"/>'
                     for i in range(1, count + 1))
    return ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
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


def sheet_xml(rows: Iterable[str], dimension: str | None = None) -> Iterator[bytes]:
    """A worksheet part from its ``<row>`` elements, as chunks."""
    head = f'<worksheet xmlns="{MAIN}">'
    if dimension:
        head += f'<dimension ref="{dimension}"/>'
    yield (head + "<sheetData>").encode()
    yield from (row.encode() for row in rows)
    yield b"</sheetData></worksheet>"


def write_xlsx(target: Path | io.BytesIO, sheets: dict[str, Iterable[bytes]]) -> None:
    """An .xlsx package whose sheets are streamed from chunks of worksheet XML."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        package.writestr("[Content_Types].xml", _content_types(len(sheets)))
        package.writestr("_rels/.rels", _package_rels())
        package.writestr("xl/workbook.xml", _workbook(list(sheets)))
        package.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        for i, chunks in enumerate(sheets.values(), 1):
            with package.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as part:
                for chunk in chunks:
                    part.write(chunk)


def xlsx_bytes(sheets: dict[str, Iterable[bytes]]) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, sheets)
    return buffer.getvalue()


def inflating(target: Path | io.BytesIO, inflated_bytes: int) -> None:
    """One sheet of ``inflated_bytes`` of XML: the same empty row, over and over."""
    block = '<row r="1"><c r="A1"/></row>' * 4096
    count = inflated_bytes // len(block) + 1
    write_xlsx(target, {"Sheet": sheet_xml(block for _ in range(count))})


def corners() -> bytes:
    """Two numbers, in A1 and in the last cell of the grid (XFD1048576)."""
    rows = ['<row r="1"><c r="A1"><v>1</v></c></row>',
            '<row r="1048576"><c r="XFD1048576"><v>2</v></c></row>']
    return xlsx_bytes({"Sheet": sheet_xml(rows, "A1:XFD1048576")})


def array_over_grid() -> bytes:
    """One array formula whose range is the whole grid."""
    rows = ['<row r="1"><c r="A1"><f t="array" ref="A1:XFD1048576">1</f></c></row>']
    return xlsx_bytes({"Sheet": sheet_xml(rows)})


def many_formulas(count: int) -> bytes:
    """``count`` formulas, one per row: ``=B{row}+1``."""
    rows = (f'<row r="{r}"><c r="A{r}"><f>B{r}+1</f></c></row>' for r in range(1, count + 1))
    return xlsx_bytes({"Sheet": sheet_xml(rows)})


def whole_sheet_sum(rows: int = 100, cols: int = 3) -> tuple[bytes, float]:
    """Sheet ``Data`` holds 1..rows*cols; ``Out!A1`` is ``SUM('Data'!$1:$1048576)``."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[:cols]
    data = (f'<row r="{r}">' + "".join(
        f'<c r="{letter}{r}"><v>{(r - 1) * cols + c + 1}</v></c>' for c, letter in enumerate(letters))
        + "</row>" for r in range(1, rows + 1))
    out = ["<row r=\"1\"><c r=\"A1\"><f>SUM('Data'!$1:$1048576)</f></c>"
           "<c r=\"B1\"><f>ROWS('Data'!$1:$1048576)</f></c>"
           "<c r=\"C1\"><f>COUNTBLANK('Data'!A:A)</f></c></row>"]
    cells = rows * cols
    return xlsx_bytes({"Data": sheet_xml(data), "Out": sheet_xml(out)}), cells * (cells + 1) / 2
