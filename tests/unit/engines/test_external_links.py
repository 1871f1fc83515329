"""References to other workbooks read the values the link saved, as Excel shows them."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping

import openpyxl

from engines.compiler import compile_model
from engines.errors import ExcelError
from engines.workbook import load_workbook

LINK = (
    '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<externalBook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    ' r:id="rId1"><sheetNames><sheetName val="Rates"/><sheetName val="Other Sheet"/></sheetNames>'
    '<sheetDataSet><sheetData sheetId="0"><row r="1"><cell r="A1"><v>2.5</v></cell>'
    '<cell r="B1" t="s"><v>text</v></cell></row><row r="2"><cell r="A2"><v>4</v></cell>'
    '<cell r="B2" t="b"><v>1</v></cell></row></sheetData>'
    '<sheetData sheetId="1"><row r="3"><cell r="C3" t="e"><v>#N/A</v></cell></row></sheetData>'
    "</sheetDataSet></externalBook></externalLink>"
)
LINK_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="rates.xlsx" TargetMode="External" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/externalLinkPath"/></Relationships>'
)
LINK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"
REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLink"


def _linked_book(cells: dict[str, str]) -> bytes:
    """Sheet ``S`` with ``cells``, and sheet ``T``, linked to a file ``rates.xlsx`` whose
    sheets Rates (A1 2.5, A2 4, B1 "text", B2 TRUE) and 'Other Sheet' (C3 #N/A) it saved."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "S"
    for address, value in cells.items():
        sheet[address] = value
    book.create_sheet("T")["A2"] = 1
    saved = io.BytesIO()
    book.save(saved)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(saved.getvalue())) as source, \
            zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            text = source.read(name).decode()
            if name == "xl/workbook.xml":
                text = text.replace("<definedNames", '<externalReferences><externalReference'
                                    ' r:id="rId99"/></externalReferences><definedNames')
            elif name == "xl/_rels/workbook.xml.rels":
                text = text.replace("</Relationships>", f'<Relationship Id="rId99" Type='
                                    f'"{REL_TYPE}" Target="externalLinks/externalLink1.xml"/>'
                                    "</Relationships>")
            elif name == "[Content_Types].xml":
                text = text.replace("</Types>", '<Override PartName="/xl/externalLinks/'
                                    f'externalLink1.xml" ContentType="{LINK_TYPE}"/></Types>')
            target.writestr(name, text)
        target.writestr("xl/externalLinks/externalLink1.xml", LINK)
        target.writestr("xl/externalLinks/_rels/externalLink1.xml.rels", LINK_RELS)
    return out.getvalue()


def _recalc(cells: dict[str, str]) -> Mapping[str, object]:
    return compile_model(load_workbook(_linked_book(cells)), outputs=[]).recalc()


def test_references_to_another_file_read_the_values_its_link_saved() -> None:
    got = _recalc({
        "A1": "=[1]Rates!$A$1*2", "A2": "=SUM([1]Rates!A1:A2)", "A3": "=[1]Rates!B1",
        "A4": "=[1]Rates!B2", "A5": "=ISNA('[1]Other Sheet'!C3)", "A6": "=[1]rates!A2",
    })
    assert got["S!A1"] == 5.0
    assert got["S!A2"] == 6.5
    assert got["S!A3"] == "text"
    assert got["S!A4"] is True
    assert got["S!A5"] is True
    assert got["S!A6"] == 4.0  # sheet names match in any case, as in Excel


def test_a_cell_the_link_did_not_save_is_a_reference_error() -> None:
    got = _recalc({"A1": "=[1]Rates!D9", "A2": "=SUM([1]Rates!A1:A3)", "A3": "=[2]Rates!A1"})
    assert got["S!A1"] == ExcelError.REF
    assert got["S!A2"] == ExcelError.REF
    assert got["S!A3"] == ExcelError.REF  # no second link


def test_linked_sheets_are_read_but_not_listed_as_the_workbooks_own() -> None:
    workbook = load_workbook(_linked_book({"A1": "=1"}))
    assert workbook.sheets == ["S", "T"]
    assert workbook.linked == ["[1]Rates", "[1]Other Sheet"]


def test_a_range_from_one_sheet_to_another_is_a_value_error() -> None:
    got = _recalc({"A1": "=SUM(A2:T!A2)", "A2": "=(B1:C1 B2:C2)", "A3": "=A2:[1]Rates!A2"})
    assert got["S!A1"] == ExcelError.VALUE
    assert got["S!A2"] == ExcelError.NULL  # references that do not intersect
    assert got["S!A3"] == ExcelError.VALUE
