"""XLOOKUP with a return array of several columns (or rows) returns the whole matching row (or
column), and a reference when its return array is one.

Microsoft's XLOOKUP page shows a return array of two columns spilling the matching row, and
``SUM(XLOOKUP(..):XLOOKUP(..))`` summing the range between two returned references; it
documents #VALUE! for lookup and return arrays of incompatible sizes. The data are
``r*10+c`` in D1:G4 (rows 1-4, columns 4-7) with keys k1-k4 in C1:C4.
"""

from __future__ import annotations

import io

import numpy as np
import openpyxl
from openpyxl.worksheet.formula import ArrayFormula

from engines.compiler import compile_model
from engines.errors import ExcelError
from engines.workbook import load_workbook
from tests.unit.engines.excel_sheet import grid, recalculated, sheet_model

TABLE: dict[str, object] = {
    **{f"C{r}": f"k{r}" for r in range(1, 5)},
    **{f"{col}{r}": r * 10 + c for r in range(1, 5) for c, col in enumerate("DEFG", start=4)},
}


def test_a_column_lookup_returns_the_matching_row() -> None:
    got = recalculated(TABLE, {
        "A8": '=SUM(XLOOKUP("k2",C1:C4,D1:G4))',  # 24+25+26+27
        "A9": '=COUNT(XLOOKUP("k3",C1:C4,D1:G4))',
        "A10": '=SUM(XLOOKUP("k*",C1:C4,D1:G4,,2,-1))',  # wildcard, last to first: row 4
        "A11": '=SUM(XLOOKUP("zz",C1:C4,D1:G4,{1,2}))',  # if_not_found as given
        "A12": '=XLOOKUP("zz",C1:C4,D1:G4)',
        "A13": "=SUM(XLOOKUP(25,D1:D4,D1:G4,,1))",  # next larger (34): row 3
    })
    assert got == {"A8": 102.0, "A9": 4.0, "A10": 182.0, "A11": 3.0, "A12": ExcelError.NA,
                   "A13": 142.0}


def test_a_row_lookup_returns_the_matching_column() -> None:
    got = recalculated(TABLE, {"A8": "=SUM(XLOOKUP(16,D1:G1,D1:G4))",  # column F: 16+26+36+46
                               "A9": "=SUM(XLOOKUP(99,D1:G1,D1:G4,0,-1))"})  # next smaller: G
    assert got == {"A8": 124.0, "A9": 17.0 + 27.0 + 37.0 + 47.0}


def test_sizes_that_do_not_fit_are_value_errors() -> None:
    got = recalculated(TABLE, {"A8": '=XLOOKUP("k2",C1:C4,D1:G3)',
                               "A9": '=XLOOKUP("k2",C1:C4,D1:G1)',
                               "A10": '=XLOOKUP("k2",C1:C4,D1:D3)'})
    assert got == {"A8": ExcelError.VALUE, "A9": ExcelError.VALUE, "A10": ExcelError.VALUE}


def test_the_row_spills_in_an_array_formula() -> None:
    values = sheet_model(TABLE, spills={"A8:D8": '=XLOOKUP("k2",C1:C4,D1:G4)',
                                        "A9:A12": "=XLOOKUP(16,D1:G1,D1:G4)",
                                        "B9:C9": "=XLOOKUP(\"k3\",C1:C4,{1,2;3,4;5,6;7,8})"}
                         ).recalc()
    assert grid(values, "A8:D8") == [[24.0, 25.0, 26.0, 27.0]]
    assert grid(values, "A9:A12") == [[16.0], [26.0], [36.0], [46.0]]
    assert grid(values, "B9:C9") == [[5.0, 6.0]]


def test_the_result_is_a_reference_on_either_side_of_a_range() -> None:
    got = recalculated(TABLE, {
        "A8": '=SUM(XLOOKUP("k2",C1:C4,D1:D4):XLOOKUP("k4",C1:C4,D1:D4))',  # D2:D4
        "A9": '=SUM(XLOOKUP("k2",C1:C4,D1:D4):XLOOKUP("k4",C1:C4,F1:F4))',  # D2:F4
        "A10": '=SUM(XLOOKUP("k2",C1:C4,D1:D4):G2)',  # D2:G2
        "A11": '=SUM(D1:XLOOKUP("k2",C1:C4,E1:E4))',  # D1:E2
        "A12": '=ISREF(XLOOKUP("k2",C1:C4,D1:G4))',
        "A13": '=ROWS(XLOOKUP("k2",C1:C4,D1:D4):XLOOKUP("k4",C1:C4,F1:F4))',
    })
    assert got == {"A8": 102.0, "A9": 315.0, "A10": 102.0, "A11": 14.0 + 15 + 24 + 25,
                   "A12": True, "A13": 3.0}


def test_a_lookup_value_per_trial_returns_each_trials_row() -> None:
    """The matched row differs by trial: values, not a reference, each trial's own row."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "S"
    for r in range(1, 5):
        sheet.cell(r, 3, r)
        for c in range(4, 8):
            sheet.cell(r, c, r * 10 + c)
    sheet["A1"] = 1
    sheet["A8"] = "=SUM(XLOOKUP(A1,C1:C4,D1:G4,-1))"
    sheet["B8"] = ArrayFormula("B8:E8", "=XLOOKUP(A1,C1:C4,D1:G4)")
    buffer = io.BytesIO()
    book.save(buffer)
    model = compile_model(load_workbook(buffer.getvalue()), inputs=["S!A1"],
                          outputs=["S!A8", "S!C8", "S!E8"])
    out = model.evaluate(3, {"S!A1": np.array([2.0, 9.0, 4.0])})
    np.testing.assert_allclose(out["S!A8"][0], [102.0, -1.0, 182.0])
    np.testing.assert_allclose(out["S!C8"][0][[0, 2]], [25.0, 45.0])
    np.testing.assert_allclose(out["S!E8"][0][[0, 2]], [27.0, 47.0])
    assert int(out["S!E8"][1][1]) == int(ExcelError.NA)
