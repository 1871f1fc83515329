"""TEXT's elapsed-time, fractional-second, grouping and fraction formats, Excel's 29 February 1900
(serial 60), and how cell contents are decoded from the file.

Each expectation is a value Excel cached in ``shared/workbooks/excel`` (cited per case) or
Microsoft's documented behaviour: Excel takes 1900 for a leap year, so serial 60 is
29 February 1900, and counts weekdays from 1 January 1900, a Sunday (WEEKDAY(1) is 1).
"""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest

from engines.errors import ExcelError
from engines.recalc import recalc_workbook
from engines.workbook import cached_values, load_workbook
from tests.unit.engines.excel_sheet import sheet_model

E = ExcelError
FORMATS = [
    # pycel-text.xlsx TextDates!C20 … C29: a lone elapsed count shows a negative value; any
    # other time format, fractional seconds included, is #VALUE! for it
    ('=TEXT(0,"[h]:m")', "0:0"),
    ('=TEXT(-1,"h")', E.VALUE),
    ('=TEXT(-1,"[m]")', "-1440"),
    ('=TEXT(-1,"[m]:s")', E.VALUE),
    ('=TEXT(0,"[m]:s")', "0:0"),
    ('=TEXT(-1,"[s]")', "-86400"),
    ('=TEXT(-1,"[s].000")', E.VALUE),
    ('=TEXT(0,"[s].000")', "0.000"),
    ('=TEXT(-1,"s")', E.VALUE),
    # formulas-test.xlsx EXTRA!A17, A18, A20, A21, A22, A23: thousands separators count
    # placeholder positions, an unfilled # included
    ('=TEXT(1234567.555,"#,##000######## .  # ,0.00.0,00")', "00,01,234,567 .  5 ,5.50.000"),
    ('=TEXT(1000000.555,"##00,############# .  # ,0.00.0,00")', "001,000,000 .  5 ,5.50.000"),
    (
        '=TEXT(1234578.555,"#,##00000000####0### .  # ,0.00.0,00")',
        "0,000,000,01,234,578 .  5 ,5.50.000",
    ),
    (
        '=TEXT(1234578.555,"#,##00000000######## .  # ,0.00.0,00")',
        "0,000,000,01,234,578 .  5 ,5.50.000",
    ),
    (
        '=TEXT(1234578.555,"#,##000000070###### .  # ,0.00.0,00")',
        "00,000,0071,234,578 .  5 ,5.50.000",
    ),
    (
        '=TEXT(1234578.555,"#,##00000,  ,00 , 0########    .  # ,0.00.0,00")',
        "0,000,0  ,00, , 01,234,578    .  5 ,5.50.000",
    ),
    # formulas-test.xlsx EXTRA!A3, A4, A27: an empty quoted literal, and a decimal point
    # after the exponent, are formats Excel rejects
    ('=TEXT(10.93,"#"".505#""°F""#""")', "11.505#°F#"),
    ('=TEXT(1.23,"#""°F""""")', E.VALUE),
    (
        '=TEXT(1234578.555,"#,##00000,  ,00 , 0##e+8800######    .  # ,0.00.0,00")',
        E.VALUE,
    ),
]
DOCUMENTED_FORMATS = [
    # Microsoft's TEXT documentation: fractions, and a colour accepted but not shown
    ('=TEXT(4.34,"# ?/?")', "4 1/3"),
    ('=TRIM(TEXT(0.34,"# ?/?"))', "1/3"),
    ('=TEXT(-1234.5,"$#,##0.00_);[Red]($#,##0.00)")', "($1,234.50)"),
    ('=TEXT(1234567898,"[<=9999999]###-####;(###) ###-####")', "(123) 456-7898"),
]
LEAP_DAY = [
    ("=DATE(1900,2,28)", 59.0),
    ("=DATE(1900,2,29)", 60.0),
    ("=DATE(1900,3,1)", 61.0),
    ("=DAY(59)", 28.0),
    ("=DAY(60)", 29.0),
    ("=DAY(61)", 1.0),
    ("=MONTH(60)", 2.0),
    ("=MONTH(61)", 3.0),
    ("=WEEKDAY(1)", 1.0),
    ("=WEEKDAY(59)", 3.0),
    ("=WEEKDAY(60)", 4.0),
    ("=WEEKDAY(61)", 5.0),
    ('=TEXT(1,"dddd d mmmm yyyy")', "Sunday 1 January 1900"),
    ('=TEXT(59,"ddd yyyy-mm-dd")', "Tue 1900-02-28"),
    ('=TEXT(60,"dddd yyyy-mm-dd")', "Wednesday 1900-02-29"),
    ('=TEXT(60.5,"d mmm h:mm")', "29 Feb 12:00"),
    ('=TEXT(61,"ddd yyyy-mm-dd")', "Thu 1900-03-01"),
    # formulas-test.xlsx STATISTICAL!X38: the text "29/02/1900" reads as serial 60
    ('=DATEVALUE("29/02/1900")', 60.0),
]


@pytest.mark.parametrize(("formula", "expected"), FORMATS + DOCUMENTED_FORMATS + LEAP_DAY)
def test_matches_excel(formula: str, expected: object) -> None:
    assert sheet_model({"A1": formula}).recalc()["S!A1"] == expected


def _package(build: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    build.save(buffer)
    return buffer.getvalue()


def _rewritten(
    data: bytes, parts: dict[str, bytes], edits: dict[str, list[tuple[bytes, bytes]]]
) -> bytes:
    """The package with ``parts`` added and, per part, regex substitutions applied once."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            body = source.read(item.filename)
            for pattern, replacement in edits.get(item.filename, []):
                body = re.sub(pattern, replacement, body, count=1)
            target.writestr(item, body)
        for name, body in parts.items():
            target.writestr(name, body)
    return out.getvalue()


_SHEET = "xl/worksheets/sheet1.xml"
_TYPES = "[Content_Types].xml"
_RELS = "xl/_rels/workbook.xml.rels"
_MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def test_escaped_text_is_decoded_once() -> None:
    """formulas-test.xlsx CORE!B27 holds the text "_x0001_", written ``_x005F_x0001_``:
    CODE gives 95 ("_", CORE!C27); ``_x0001_`` itself is the character U+0001."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "S"
    sheet["A1"], sheet["A2"] = "=CODE(B1)", "=CODE(B2)"
    sheet["B1"], sheet["B2"] = "first", "second"
    data = _rewritten(
        _package(book),
        {"xl/sharedStrings.xml": b'<sst xmlns="' + _MAIN + b'" count="2" uniqueCount="2">'
         b"<si><t>_x005F_x0001_</t></si><si><t>_x0001_</t></si></sst>"},
        {
            _SHEET: [(rb't="inlineStr"><is><t>first</t></is>', b't="s"><v>0</v>'),
                     (rb't="inlineStr"><is><t>second</t></is>', b't="s"><v>1</v>')],
            _TYPES: [(rb"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="'
                      b"application/vnd.openxmlformats-officedocument.spreadsheetml."
                      b'sharedStrings+xml"/></Types>')],
            _RELS: [(rb"</Relationships>", b'<Relationship Id="rIdS" Target="sharedStrings.xml" '
                     b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                     b'sharedStrings"/></Relationships>')],
        },
    )
    cells = load_workbook(data).cells
    assert cells[("S", 1, 2)].value == "_x0001_"
    assert cells[("S", 2, 2)].value == "\x01"
    values = recalc_workbook(data)
    assert values["S!A1"] == 95.0
    assert values["S!A2"] == 1.0


def test_serial_60_in_a_date_cell_stays_60() -> None:
    """formulas-test.xlsx CORE!C22 holds serial 60 formatted mm-dd-yy; =C22+1 is 61 (D22)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "S"
    sheet["A1"], sheet["B1"] = 60, "=A1+1"
    sheet["A1"].number_format = "mm-dd-yy"
    sheet["A2"], sheet["A3"] = 61.5, 0.25
    sheet["A2"].number_format = "yyyy-mm-dd hh:mm"
    sheet["A3"].number_format = "h:mm"
    data = _package(book)
    cells = load_workbook(data).cells
    assert [cells[("S", r, 1)].value for r in (1, 2, 3)] == [60.0, 61.5, 0.25]
    assert recalc_workbook(data)["S!B1"] == 61.0


def test_cached_calc_error_is_read_from_its_rich_value() -> None:
    """formulas-test.xlsx LOOKUP!U16 (=DROP(…,3) of three rows) caches #VALUE! in the cell and
    #CALC! (errorType 13) in its rich value; TAKE(…,0) is #CALC! in Excel too."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "S"
    sheet["A1"] = "=_xlfn.TAKE({1,2;3,4},0)"
    rich = b"http://schemas.microsoft.com/office/spreadsheetml/2017/richdata"
    data = _rewritten(
        _package(book),
        {
            "xl/metadata.xml": b'<metadata xmlns="' + _MAIN + b'" xmlns:xlrd="' + rich + b'">'
            b'<metadataTypes count="1"><metadataType name="XLRICHVALUE"/></metadataTypes>'
            b'<futureMetadata name="XLRICHVALUE" count="1"><bk><extLst><ext uri="x">'
            b'<xlrd:rvb i="0"/></ext></extLst></bk></futureMetadata>'
            b'<valueMetadata count="1"><bk><rc t="1" v="0"/></bk></valueMetadata></metadata>',
            "xl/richData/rdrichvalue.xml": b'<rvData xmlns="' + rich + b'" count="1">'
            b'<rv s="0"><v>13</v><v>3</v></rv></rvData>',
            "xl/richData/rdrichvaluestructure.xml": b'<rvStructures xmlns="' + rich + b'" '
            b'count="1"><s t="_error"><k n="errorType" t="i"/><k n="subType" t="i"/></s>'
            b"</rvStructures>",
        },
        {_SHEET: [(rb'<c r="A1"[^>]*>.*?</c>', b'<c r="A1" t="e" vm="1"><f>_xlfn.TAKE({1,2;3,4},0)'
                   b"</f><v>#VALUE!</v></c>")]},
    )
    assert cached_values(data)[("S", 1, 1)] == E.CALC
    assert recalc_workbook(data)["S!A1"] == E.CALC
