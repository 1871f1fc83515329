"""SUBTOTAL and AGGREGATE with Excel's documented rules: nested totals skipped, rows hidden in
the sheet XML (``<row hidden="1">``) skipped by 101-111, filtered rows always skipped by
SUBTOTAL, AGGREGATE's options 0-7 and its array form.

The workbooks are written with openpyxl (no Excel-saved file holds these cases); expected values
are the sums, counts and statistics of the cells left, worked out by hand.
"""

from __future__ import annotations

import io
import math

import openpyxl
import pytest

from engines.compiler import compile_model
from engines.errors import ExcelError
from engines.workbook import load_workbook

E = ExcelError
DATA: dict[str, object] = {
    # A1:A4 with row 3 hidden by hand; A5 a nested total
    "A1": 10, "A2": 20, "A3": 30, "A4": 40, "A5": "=SUBTOTAL(9,A1:A4)",
    # B: an error, a hidden row, a nested AGGREGATE
    "B1": 1, "B2": "=1/0", "B3": 5, "B4": 2, "B5": "=AGGREGATE(9,4,B1)",
    # C10:C15 under an AutoFilter whose filter hides rows 12 and 14
    "C10": "h", "C11": 1, "C12": 2, "C13": 3, "C14": 4, "C15": 5,
    "D1": 3, "D2": 3, "D3": 7, "D4": 1,
}  # fmt: skip


def _recalc(formulas: dict[str, str]) -> dict[str, object]:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "S"
    for ref, value in {**DATA, **formulas}.items():
        ws[ref] = value
    for row in (3, 12, 14):
        ws.row_dimensions[row].hidden = True
    ws.auto_filter.ref = "C10:C15"
    ws.auto_filter.add_filter_column(0, ["1", "3", "5"])
    buffer = io.BytesIO()
    wb.save(buffer)
    values = compile_model(load_workbook(buffer.getvalue()), outputs=[]).recalc()
    return {ref: values[f"S!{ref}"] for ref in formulas}


def test_hidden_and_filtered_rows_are_read_from_the_sheet() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in (3, 12):
        ws.row_dimensions[row].hidden = True
    ws["A1"] = 1
    ws.auto_filter.ref = "A10:B20"
    buffer = io.BytesIO()
    wb.save(buffer)
    book = load_workbook(buffer.getvalue())
    assert book.hidden_rows[ws.title] == frozenset({3, 12})
    assert book.filtered_rows[ws.title] == frozenset()  # a filter without criteria hides none
    ws.auto_filter.add_filter_column(0, ["1"])
    buffer = io.BytesIO()
    wb.save(buffer)
    book = load_workbook(buffer.getvalue())
    assert book.filtered_rows[ws.title] == frozenset({12})


SUBTOTALS = {
    "F1": ("=SUBTOTAL(9,A1:A5)", 100.0),  # A5's nested total is skipped
    "F2": ("=SUBTOTAL(109,A1:A5)", 70.0),  # and the hidden row 3
    "F3": ("=SUBTOTAL(1,A1:A4)", 25.0),
    "F4": ("=SUBTOTAL(101,A1:A4)", 70 / 3),
    "F5": ("=SUBTOTAL(2,A1:A5)", 4.0),
    "F6": ("=SUBTOTAL(102,A1:A4)", 3.0),
    "F7": ("=SUBTOTAL(3,A1:A5,C10)", 5.0),
    "F8": ("=SUBTOTAL(4,A1:A4)", 40.0),
    "F9": ("=SUBTOTAL(105,A1:A4)", 10.0),
    "F10": ("=SUBTOTAL(6,A1:A4)", 240000.0),
    "F11": ("=SUBTOTAL(106,A1:A4)", 8000.0),
    "F12": ("=SUBTOTAL(7,A1:A4)", math.sqrt(500 / 3)),
    "F13": ("=SUBTOTAL(8,A1:A4)", math.sqrt(125)),
    "F14": ("=SUBTOTAL(10,A1:A4)", 500 / 3),
    "F15": ("=SUBTOTAL(111,A1:A4)", 1400 / 9),
    # filtered rows are skipped by 1-11 too
    "F16": ("=SUBTOTAL(9,C11:C15)", 9.0),
    "F17": ("=SUBTOTAL(109,C11:C15)", 9.0),
    "F18": ("=SUM(C11:C15)", 15.0),
    "F19": ("=SUBTOTAL(9,A1:A4,C11:C15)", 109.0),
    # errors propagate; an array or an unknown function number is #VALUE!
    "F20": ("=SUBTOTAL(9,B1:B4)", E.DIV0),
    "F21": ("=SUBTOTAL(9,{1,2})", E.VALUE),
    "F22": ("=SUBTOTAL(12,A1:A4)", E.VALUE),
    "F23": ("=SUBTOTAL(1/0,A1:A4)", E.DIV0),
}  # fmt: skip


@pytest.mark.parametrize("cell", SUBTOTALS)
def test_subtotal(cell: str) -> None:
    formula, expected = SUBTOTALS[cell]
    got = _recalc({cell: formula})[cell]
    if isinstance(expected, float):
        assert got == pytest.approx(expected, rel=1e-12)
    else:
        assert got == expected


def test_a_total_of_totals_skips_the_inner_ones() -> None:
    got = _recalc({"H1": "=SUBTOTAL(9,A1:A2)", "H2": "=SUBTOTAL(9,A4)", "H3": "=SUM(H1:H2)",
                   "H4": "=SUBTOTAL(9,H1:H2)", "H5": "=SUBTOTAL(9,H1:H3)"})
    assert got["H3"] == 70.0
    assert got["H4"] == 0.0
    assert got["H5"] == 70.0


AGGREGATES = {
    # B1:B5 = 1, #DIV/0!, 5 (hidden row), 2, AGGREGATE(...) = 1
    "F1": ("=AGGREGATE(9,6,B1:B5)", 9.0),  # errors skipped
    "F2": ("=AGGREGATE(9,2,B1:B5)", 8.0),  # errors and nested totals
    "F3": ("=AGGREGATE(9,3,B1:B5)", 3.0),  # errors, nested totals and hidden rows
    "F4": ("=AGGREGATE(9,7,B1:B5)", 4.0),  # errors and hidden rows
    "F5": ("=AGGREGATE(9,4,B1:B5)", E.DIV0),  # nothing skipped
    "F6": ("=AGGREGATE(9,0,B1:B5)", E.DIV0),  # nested totals only
    "F7": ("=AGGREGATE(9,5,B1:B5)", E.DIV0),  # hidden rows only
    "F8": ("=AGGREGATE(9,1,A1:A5)", 70.0),
    "F9": ("=AGGREGATE(9,,A1:A5)", 100.0),  # option left out: 0
    "F10": ("=AGGREGATE(9,4,A1:A5)", 200.0),
    "F11": ("=AGGREGATE(12,4,A1:A4)", 25.0),
    "F12": ("=AGGREGATE(13,4,D1:D4)", 3.0),
    "F13": ("=AGGREGATE(7,4,A1:A4)", math.sqrt(500 / 3)),
    "F14": ("=AGGREGATE(11,5,A1:A4)", 1400 / 9),
    # array form: k after the array; a computed array may hold the errors to skip
    "F15": ("=AGGREGATE(14,6,B1:B5,2)", 2.0),
    "F16": ("=AGGREGATE(14,6,A1:A4/(A1:A4>15),1)", 40.0),
    "F17": ("=AGGREGATE(15,6,A1:A4/(A1:A4>15),1)", 20.0),
    "F18": ("=AGGREGATE(16,4,A1:A4,0.5)", 25.0),
    "F19": ("=AGGREGATE(17,4,A1:A4,1)", 17.5),
    "F20": ("=AGGREGATE(18,4,A1:A4,0.4)", 20.0),
    "F21": ("=AGGREGATE(19,4,A1:A4,1)", 12.5),
    "F22": ("=AGGREGATE(15,5,A1:A4,2)", 20.0),
    "F23": ("=AGGREGATE(14,4,A1:A4/(A1:A4>15),1)", E.DIV0),
    # the reference form takes references; bad numbers are #VALUE!
    "F24": ("=AGGREGATE(9,4,{1,2})", E.VALUE),
    "F25": ("=AGGREGATE(20,0,A1)", E.VALUE),
    "F26": ("=AGGREGATE(9,8,A1)", E.VALUE),
    "F27": ("=AGGREGATE(14,6,A1:A4)", E.VALUE),
}  # fmt: skip


@pytest.mark.parametrize("cell", AGGREGATES)
def test_aggregate(cell: str) -> None:
    formula, expected = AGGREGATES[cell]
    got = _recalc({cell: formula})[cell]
    if isinstance(expected, float):
        assert got == pytest.approx(expected, rel=1e-12)
    else:
        assert got == expected
