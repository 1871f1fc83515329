"""Structured references against a table's XML as written: column names kept with their spaces
and special characters, escapes (``'[``, ``']``, ``'#``, ``''``), special items (#All, #Data,
#Headers, #Totals, #This Row and ``@``) and case.

The table is written with openpyxl (no Excel-saved file holds these names); the expected values
are the sums and sizes of the cells each reference names in Excel's documentation of
structured references.
"""

from __future__ import annotations

import io

import openpyxl
import pytest
from openpyxl.worksheet.table import Table

from engines.compiler import compile_model
from engines.errors import ExcelError
from engines.workbook import load_workbook

# the last name holds a line break, which the XML writes as _x000a_
HEADERS = ["Item", "Qty ", " Region", "Price [EUR]", "#Units", "Owner's", "Two\nLines"]
ROWS = [
    ["a", 1, 10, 100, 1000, 10000, 5],
    ["b", 2, 20, 200, 2000, 20000, 6],
    ["c", 4, 40, 400, 4000, 40000, 7],
]


def _recalc(formulas: dict[str, str]) -> dict[str, object]:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "S"
    ws.append(HEADERS)
    for row in ROWS:
        ws.append(row)
    ws.append(["Total", "=SUBTOTAL(109,Sales[Qty ])", None, None, None, None, None])
    ws.add_table(Table(displayName="Sales", ref="A1:G5", totalsRowCount=1))
    for ref, formula in formulas.items():
        ws[ref] = formula
    buffer = io.BytesIO()
    wb.save(buffer)
    book = load_workbook(buffer.getvalue())
    assert book.tables["SALES"].columns == tuple(HEADERS)
    values = compile_model(book, outputs=[]).recalc()
    return {ref: values[f"S!{ref}"] for ref in formulas}


COLUMNS = {
    "=SUM(Sales[Qty ])": 7.0,
    "=SUM(Sales[[Qty ]])": 7.0,
    "=SUM(Sales[[ Region]])": 70.0,
    "=SUM(Sales[ Region])": 70.0,
    "=SUM(Sales[Price '[EUR']])": 700.0,
    "=SUM(Sales[['#Units]])": 7000.0,
    "=SUM(Sales[Owner''s])": 70000.0,
    "=SUM(Sales[Two\nLines])": 18.0,  # _x000a_ in the XML, decoded once
    "=SUM(sales[QTY ])": 7.0,  # table and column names are matched in any case
    "=SUM(Sales[Qty])": 7.0,  # the trailing space left out still names the column
    "=SUM(Sales[Nothing])": ExcelError.REF,
    "=COLUMNS(Sales[[Qty ]:[Price '[EUR']]])": 3.0,
    "=SUM(Sales[[Qty ]:[ Region]])": 77.0,
}


@pytest.mark.parametrize("formula", COLUMNS)
def test_column_names_as_written(formula: str) -> None:
    assert _recalc({"H1": formula})["H1"] == COLUMNS[formula]


SPECIAL_ITEMS = {
    "=ROWS(Sales[#All])": 5.0,
    "=ROWS(Sales[#Data])": 3.0,
    "=ROWS(Sales)": 3.0,
    "=ROWS(Sales[[#Headers],[#Data]])": 4.0,
    "=ROWS(Sales[[#Data],[#Totals]])": 4.0,
    "=ROWS(Sales[[#all],[Qty ]])": 5.0,
    "=COLUMNS(Sales[#All])": 7.0,
    "=Sales[[#Headers],[Qty ]]": "Qty ",
    "=Sales[[#Totals],[Qty ]]": 7.0,  # the totals row's own SUBTOTAL
    "=SUM(Sales[[#Totals],[Qty ]],Sales[Qty ])": 14.0,
    "=SUM(Sales[[#Data],[#Totals],[Qty ]])": 14.0,  # the SUM is no SUBTOTAL: it counts both
}


@pytest.mark.parametrize("formula", SPECIAL_ITEMS)
def test_special_items(formula: str) -> None:
    assert _recalc({"H1": formula})["H1"] == SPECIAL_ITEMS[formula]


def test_this_row_and_its_at_shorthand() -> None:
    got = _recalc({
        "H3": "=Sales[[#This Row],[Qty ]]*2",
        "I3": "=Sales[@[Qty ]]+Sales[@Owner''s]",
        "J4": "=Sales[[#This Row],[Price '[EUR']]]",
        "K2": "=SUM(Sales[@[Qty ]:[ Region]])",
    })
    assert got == {"H3": 4.0, "I3": 20002.0, "J4": 400.0, "K2": 11.0}


def test_total_row_subtotal_skips_nothing_visible() -> None:
    assert _recalc({"H1": "=B5"})["H1"] == 7.0
