"""The ``@`` operator (``_xlfn.SINGLE`` in the file) and where Excel does not intersect: the
arguments SUMPRODUCT, LOOKUP's vectors and AGGREGATE's array evaluate as arrays in any formula.

Expected values follow Microsoft's description of implicit intersection ("a range gives the
cell on the same row or column as the formula, an array its top-left value") and the
documented results of SUMPRODUCT and LOOKUP; the workbooks are written with openpyxl.
"""

from __future__ import annotations

import io

import openpyxl
import pytest

from engines.compiler import compile_model
from engines.errors import ExcelError
from engines.workbook import load_workbook
from tests.unit.engines.excel_sheet import sheet_model

DATA: dict[str, object] = {"A1": 10, "A2": 20, "A3": 30, "A4": 40, "B1": "w", "B2": "x",
                           "B3": "y", "B4": "z", "A6": 1, "B6": 2, "C6": 3}

SINGLE = {
    "D3": ("=_xlfn.SINGLE(A1:A4)", 30.0),  # the cell on the formula's row
    "B9": ("=_xlfn.SINGLE(A6:C6)", 2.0),  # the cell in the formula's column
    "D8": ("=_xlfn.SINGLE(A1:A4)", ExcelError.VALUE),  # no cell on row 8
    "D2": ("=_xlfn.SINGLE(A1:B4)", ExcelError.VALUE),  # two columns: no single cell
    "D1": ("=_xlfn.SINGLE({7,8,9})", 7.0),  # an array: its top-left value
    "E1": ("=_xlfn.SINGLE(5)+1", 6.0),  # one value: itself
    "E2": ("=_xlfn.SINGLE(OFFSET(A1,0,0,4,1))*2", 40.0),  # a reference known when run
    "E4": ("=_xlfn.SINGLE(A:A)", 40.0),
}


@pytest.mark.parametrize("cell", SINGLE)
def test_single(cell: str) -> None:
    formula, expected = SINGLE[cell]
    assert sheet_model({**DATA, cell: formula}).recalc()[f"S!{cell}"] == expected


def test_single_on_another_sheet_intersects_by_row() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "S"
    other = wb.create_sheet("Data")
    for row in range(1, 5):
        other.cell(row, 1, row * 100)
    ws["C3"] = "=_xlfn.SINGLE(Data!A1:A4)"
    ws["D2"] = "=Data!A1:A4+1"  # the legacy implicit intersection, across sheets too
    buffer = io.BytesIO()
    wb.save(buffer)
    values = compile_model(load_workbook(buffer.getvalue()), outputs=[]).recalc()
    assert values["S!C3"] == 300.0
    assert values["S!D2"] == 201.0


ARRAYS = {
    "D2": ("=SUMPRODUCT((A1:A4>15)*A1:A4)", 90.0),
    "D3": ("=SUMPRODUCT(A1:A4*2)", 200.0),
    "D4": ('=LOOKUP(2,1/(A1:A4<35),B1:B4)', "y"),  # the last row meeting the condition
    "D1": ("=SUM(A1:A4*2)", 20.0),  # SUM's arguments are intersected (row 1) outside arrays
}


@pytest.mark.parametrize("cell", ARRAYS)
def test_array_arguments(cell: str) -> None:
    formula, expected = ARRAYS[cell]
    assert sheet_model({**DATA, cell: formula}).recalc()[f"S!{cell}"] == expected
