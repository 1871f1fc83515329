"""Lookups as Excel's binary search behaves, LOOKUP's choice of row or column by shape, SWITCH
meeting an error among its cases, and text that starts with "=" staying text.

The MATCH cases are Excel's cached values in ``shared/workbooks/excel/formulas-test.xlsx``
(sheet LOOKUP, cited per case, with the row's data C=-2, D=1.1, H empty, I "*b?u*", J TRUE).
LOOKUP's rule is Microsoft's ("wider than tall: the first row, else the first column"). The
SWITCH case follows the cases being tried in turn, as seen in Excel-saved models; no file here
holds it.
"""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest

from engines.errors import ExcelError
from engines.recalc import recalc_workbook
from tests.unit.engines.excel_sheet import sheet_model

ROW: dict[str, object] = {"C1": -2, "D1": 1.1, "I1": "*b?u*", "J1": True}
MATCH_DESCENDING = {
    # LOOKUP!R83, S83, W83: ascending data searched with -1
    "=MATCH(C1,{-1.1,2.1,3.1,4.1},-1)": 4.0,
    "=MATCH(D1,{-1.1,2.1,3.1,4.1},-1)": ExcelError.NA,
    "=MATCH(H1,{-1.1,2.1,3.1,4.1},-1)": ExcelError.NA,
    # LOOKUP!R85, S85, Y85: mixed types
    "=MATCH(C1,{FALSE,2.1,TRUE,4.1},-1)": 4.0,
    "=MATCH(D1,{FALSE,2.1,TRUE,4.1},-1)": 4.0,
    "=MATCH(J1,{FALSE,2.1,TRUE,4.1},-1)": ExcelError.NA,
    # LOOKUP!W88, X88
    '=MATCH(H1,{"",4.1,"a",1.1},-1)': 4.0,
    '=MATCH(I1,{"",4.1,"a",1.1},-1)': ExcelError.NA,
    # descending data, as documented: the smallest value >= the lookup value
    "=MATCH(6,{9,7,5,3},-1)": 2.0,
    "=MATCH(10,{9,7,5,3},-1)": ExcelError.NA,
}


@pytest.mark.parametrize("formula", MATCH_DESCENDING)
def test_match_descending(formula: str) -> None:
    assert sheet_model({**ROW, "Z1": formula}).recalc()["S!Z1"] == MATCH_DESCENDING[formula]


# A1:A3 empty, then the sorted keys 1..7 with their labels; blank cells above sorted data
# change nothing: each answer is the one the sorted keys alone give (Excel's documented rule)
LEADING_BLANKS: dict[str, object] = {
    **{f"A{r}": r - 3 for r in range(4, 11)}, **{f"B{r}": f"v{r - 3}" for r in range(4, 11)},
    "B1": "x", "B2": "y", "B3": "z",
}  # fmt: skip
APPROXIMATE = {
    "=VLOOKUP(5,A1:B10,2,TRUE)": "v5",
    "=VLOOKUP(5.5,A1:B10,2)": "v5",
    "=VLOOKUP(100,A1:B10,2)": "v7",
    "=VLOOKUP(0.5,A1:B10,2)": ExcelError.NA,
    "=MATCH(1,A1:A10,1)": 4.0,
    "=MATCH(6.5,A1:A10)": 9.0,
    "=LOOKUP(3,A1:A10,B1:B10)": "v3",
}


@pytest.mark.parametrize("formula", APPROXIMATE)
def test_approximate_lookup_over_leading_blanks(formula: str) -> None:
    values = sheet_model({**LEADING_BLANKS, "D1": formula}).recalc()
    assert values["S!D1"] == APPROXIMATE[formula]


TABLE: dict[str, object] = {"A1": 1, "A2": 2, "A3": 3, "B1": 10, "B2": 20, "B3": 30,
                            "C1": "a", "C2": "b", "C3": "c"}
LOOKUPS = {
    "=LOOKUP(2.5,A1:B3,C1:C3)": "b",  # a 2-D lookup vector taller than wide: its first column
    "=LOOKUP(2.5,A1:B3)": 20.0,  # the array form returns from the last column
    "=LOOKUP(15,B1:C1,A1:A2)": 1.0,  # wider than tall: the first row
    "=LOOKUP(25,A1:C2)": 20.0,  # 2 x 3: search row 1 (1,10,"a"), return row 2
    "=LOOKUP(0,A1:A3,C1:C3)": ExcelError.NA,
}


@pytest.mark.parametrize("formula", LOOKUPS)
def test_lookup_by_shape(formula: str) -> None:
    assert sheet_model({**TABLE, "E1": formula}).recalc()["S!E1"] == LOOKUPS[formula]


SWITCHES = {
    '=SWITCH(2,1,"a",1/0,"b",2,"c")': ExcelError.DIV0,  # the error case is reached first
    '=SWITCH(1,1,"a",1/0,"b","z")': "a",  # a match before the error case
    '=SWITCH(3,1,"a",NA(),"b")': ExcelError.NA,
    '=SWITCH(3,1,"a",2,"b")': ExcelError.NA,
    '=SWITCH(3,1,"a",3,"b")': "b",
}


@pytest.mark.parametrize("formula", SWITCHES)
def test_switch_cases_in_turn(formula: str) -> None:
    assert sheet_model({"E1": formula}).recalc()["S!E1"] == SWITCHES[formula]


def _with_shared_string(data: bytes, text: str) -> bytes:
    """The workbook with its inline string ``text`` moved to the shared-string table, as
    Excel writes text cells."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                inline = re.escape(f"<is><t>{text}</t></is>").encode()
                body = re.sub(b't="inlineStr">' + inline, b't="s"><v>0</v>', body)
            elif item.filename == "[Content_Types].xml":
                body = body.replace(b"</Types>", (
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                    b"</Types>"))
            elif item.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace(b"</Relationships>", (
                    b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://'
                    b'schemas.openxmlformats.org/officeDocument/2006/relationships/'
                    b'sharedStrings"/></Relationships>'))
            target.writestr(item, body)
        target.writestr("xl/sharedStrings.xml", (
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1"'
            f' uniqueCount="1"><si><t>{text}</t></si></sst>'))
    return out.getvalue()


def test_text_starting_with_equals_stays_text() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "S"
    ws["A1"] = "=1+2"
    ws["A1"].data_type = "s"  # typed as text ('=1+2), not a formula
    ws["B1"] = '=A1&"!"'
    ws["B2"] = "=ISTEXT(A1)"
    buffer = io.BytesIO()
    wb.save(buffer)
    for data in (buffer.getvalue(), _with_shared_string(buffer.getvalue(), "=1+2")):
        values = recalc_workbook(data)
        assert "S!A1" not in values  # not a formula cell
        assert values["S!B1"] == "=1+2!"
        assert values["S!B2"] is True


def test_approximate_lookups_end_at_the_tables_last_entry() -> None:
    """A sorted table in A1:B5 looked up in whole columns or in a range with spare rows, the
    formulas below it (so the columns' used range holds empty rows): the empty cells after
    the last entry take no part, where the search fell into them and answered #N/A."""
    cells: dict[str, object] = {f"A{i}": i for i in range(1, 6)}
    cells |= {f"B{i}": 2 * i for i in range(1, 6)}
    formulas = {"C11": ("=VLOOKUP(1,A:B,2)", 2.0), "D11": ("=MATCH(1,A:A,1)", 1.0),
                "E11": ("=VLOOKUP(1,A1:B11,2)", 2.0), "F11": ("=VLOOKUP(4.5,A1:B20,2,TRUE)", 8.0),
                "G11": ("=MATCH(9,A1:A20)", 5.0), "H11": ("=MATCH(0,A1:A20)", ExcelError.NA),
                "I11": ("=LOOKUP(3.2,A1:A20,B1:B20)", 6.0)}
    cells |= {cell: formula for cell, (formula, _) in formulas.items()}
    cells["C30"] = 1
    model = sheet_model(cells, outputs=[f"S!{cell}" for cell in formulas])
    values = model.recalc()
    assert {cell: values[f"S!{cell}"] for cell in formulas} == {
        cell: expected for cell, (_, expected) in formulas.items()}


def test_criteria_meet_error_cells_only_by_name_or_by_inequality() -> None:
    """1, #N/A, 3, #DIV/0! down A1:A4: an error cell meets a criterion naming its error and
    any "<>" other than its own, never a comparison (Excel's SUMIF(range, "<>#N/A") idiom
    sums past #N/A but not past #DIV/0!)."""
    cells: dict[str, object] = {"A1": 1, "A2": "=NA()", "A3": 3, "A4": "=1/0"}
    formulas = {
        "C1": ('=SUMIF(A1:A4,"<>#N/A")', ExcelError.DIV0),
        "C2": ('=COUNTIF(A1:A4,"#N/A")', 1.0), "C3": ('=COUNTIF(A1:A4,"#DIV/0!")', 1.0),
        "C4": ('=SUMIF(A1:A4,">0")', 4.0), "C5": ('=COUNTIF(A1:A4,"<>3")', 3.0),
        "C6": ('=COUNTIF(A1:A4,">=1")', 2.0), "C7": ('=COUNTIF(A1:A4,"<>#N/A")', 3.0),
        "C8": ('=SUMIFS(A1:A4,A1:A4,"<5")', 4.0), "C9": ('=AVERAGEIF(A1:A4,">0")', 2.0),
        "C10": ('=COUNTIFS(A1:A4,"<>#DIV/0!",A1:A4,"<>#N/A")', 2.0),
    }
    cells |= {cell: formula for cell, (formula, _) in formulas.items()}
    values = sheet_model(cells, outputs=[f"S!{cell}" for cell in formulas]).recalc()
    assert {cell: values[f"S!{cell}"] for cell in formulas} == {
        cell: expected for cell, (_, expected) in formulas.items()}


def test_index_takes_a_computed_array_in_an_ordinary_formula() -> None:
    """INDEX's first argument is an array: ``MATCH(TRUE, INDEX(A1:D1>=0, 0), 0)``, the usual
    way to find the first non-negative entry without an array formula, compares the whole row
    (it was implicitly intersected to one cell)."""
    values = sheet_model({
        "A1": -5, "B1": -2, "C1": 1, "D1": 3, "A10": -1, "A11": -1, "A12": 2, "A13": 3,
        "A3": "=MATCH(TRUE,INDEX(A1:D1>=0,0),0)", "A4": "=SUM(INDEX(A1:D1>=0,0)*1)",
        "A5": "=COLUMNS(INDEX(A1:D1>=0,0))", "A6": "=INDEX(A1:D1*2,1,3)",
        "A7": "=MATCH(TRUE,INDEX(A10:A13>=0,0),0)", "A8": "=INDEX(A1:D1,1,3)"}).recalc()
    assert [values[f"S!A{row}"] for row in range(3, 9)] == [3.0, 2.0, 4.0, 2.0, 3.0, 1.0]
