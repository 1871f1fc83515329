"""Arrays given where a function takes one value or a reference, as Excel evaluates them: the
Analysis ToolPak functions map over a computed array (only a range is #VALUE!), N and T map
over an array (a reference gives its first cell), and INDIRECT or OFFSET over an array of
addresses or offsets gives references a function taking one runs over one by one."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from engines.compiler import compile_model
from engines.errors import ExcelError
from engines.workbook import load_workbook
from tests.unit.engines.excel_sheet import assert_results, grid, recalculated, sheet_model

E = ExcelError
DATES = {"C1": dt.date(2024, 1, 31), "C2": dt.date(2024, 2, 29), "C3": dt.date(2024, 6, 15)}
MONTH_ENDS_2024 = [45322.0, 45351.0, 45382.0, 45412.0, 45443.0, 45473.0, 45504.0, 45535.0,
                   45565.0, 45596.0, 45626.0, 45657.0]


def test_toolpak_functions_map_over_computed_arrays() -> None:
    got = recalculated(DATES, {
        "A1": "=SUM(EOMONTH(DATE(2024,1,1),{0,1}))",
        "A2": "=SUM(EDATE(DATE(2024,1,1),SEQUENCE(12,1,0)))",
        "A3": "=SUMPRODUCT(EOMONTH(C1:C3+0,0))",
        "A4": "=SUMPRODUCT(YEARFRAC(C1:C3*1,DATE(2025,1,1)))",
        "A5": "=SUMPRODUCT(WEEKNUM(C1:C3+0))",
        "A6": "=SUM(MROUND({1.26,2.74},0.5))",
        "A7": "=SUMPRODUCT(--ISODD({1,2,3}))",
        "A8": "=SUM(EFFECT({0.05,0.06},12))",
        "A9": "=SUM(GESTEP({-1,0,2},0),DELTA({1,2},1))",
        "A10": '=INDEX(DEC2BIN({5,6}),1,2)',
        "A11": '=SUM(CONVERT({1,2},"m","cm"))',
    })
    assert_results(got, {
        "A1": 90673.0, "A2": 545512.0, "A3": 136146.0, "A4": 2.3, "A5": 38.0, "A6": 4.0,
        "A7": 2.0, "A8": 0.11283970974623125, "A9": 3.0, "A10": "110", "A11": 300.0})


def test_toolpak_function_spills_over_a_sequence() -> None:
    values = sheet_model({}, spills={"A1:L1": "=EOMONTH(DATE(2024,1,1),SEQUENCE(1,12,0))"}
                         ).recalc()
    assert grid(values, "A1:L1") == [MONTH_ENDS_2024]


@pytest.mark.parametrize("formula", ["=EOMONTH(C1:C3,0)", "=EDATE(C1:C9,1)", "=ISODD(C1:C3)"])
def test_toolpak_functions_refuse_a_range_in_an_array_formula(formula: str) -> None:
    """A reference of several cells stays #VALUE!, its cells past the content counted."""
    values = sheet_model(dict(DATES), spills={"A1:A3": formula}).recalc()
    assert grid(values, "A1:A3") == [[E.VALUE]] * 3


def test_n_and_t_map_over_an_array_and_read_a_reference_first_cell() -> None:
    dates = [dt.date(2022, 10, 3), dt.date(2022, 11, 3), dt.date(2022, 10, 13),
             dt.date(2022, 9, 3), dt.date(2022, 10, 23)]
    cells: dict[str, object] = {f"C{i}": d for i, d in enumerate(dates, start=1)}
    cells |= {"E1": "Floor", "E2": 0, "E3": 11000, "E4": 44725, "G1": 60000,
              "F1": "Rate", "F2": 0.10, "F3": 0.12, "F4": 0.22}
    got = recalculated(cells, {
        "A1": "=SUMPRODUCT(N(MONTH(C1:C5)=10))",
        "A2": "=SUM(N({1,2,3}))",
        "A3": "=SUMPRODUCT((G1>E2:E4)*(G1-E2:E4)*(F2:F4-N(+F1:F3)))",
        "A4": '=SUMPRODUCT(--(T({"a","b"})="b"))',
        "A5": '=SUMPRODUCT(--(T({1,2})=""))',
        "A6": "=SUMPRODUCT(N(E1:E4))",
        "A7": "=T(E1:E4)",
    })
    assert_results(got, {"A1": 3.0, "A2": 6.0, "A3": 8507.5, "A4": 1.0, "A5": 2.0, "A6": 0.0,
                         "A7": "Floor"})


def _months_model(formulas: dict[str, str]) -> dict[str, object]:
    """Sheets Jan, Feb and Mar with Item1..Item5 in A1:A5 and 11..15, 21..25, 31..35 in B1:B5;
    sheet S names them in C1:C3 and holds ``formulas``."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "S"
    for k, month in enumerate(["Jan", "Feb", "Mar"]):
        other = book.create_sheet(month)
        for r in range(1, 6):
            other.cell(r, 1, f"Item{r}")
            other.cell(r, 2, (k + 1) * 10 + r)
        sheet.cell(k + 1, 3, month)
    for cell, formula in formulas.items():
        sheet[cell] = formula
    buffer = io.BytesIO()
    book.save(buffer)
    model = compile_model(load_workbook(buffer.getvalue()), outputs=[])
    values = model.recalc()
    return {cell: values[f"S!{cell}"] for cell in formulas}


def test_functions_taking_a_reference_run_once_per_reference_of_an_array() -> None:
    got = _months_model({
        "A1": '=SUMPRODUCT(SUMIF(INDIRECT("\'"&C1:C3&"\'!A1:A5"),"Item2",'
              'INDIRECT("\'"&C1:C3&"\'!B1:B5")))',
        "A2": '=SUMPRODUCT(SUMIF(INDIRECT({"Jan","Feb","Mar"}&"!A1:A5"),{"Item1","Item2","Item3"},'
              'INDIRECT({"Jan","Feb","Mar"}&"!B1:B5")))',
        "A3": '=SUMPRODUCT(COUNTIF(INDIRECT(C1:C3&"!B1:B5"),">20"))',
        "A4": '=SUMPRODUCT(N(INDIRECT(C1:C3&"!B2")))',
        "A5": "=SUMPRODUCT(N(OFFSET(Jan!B1,{0,1,2},0)))",
        "A6": "=SUMPRODUCT(SUBTOTAL(9,OFFSET(Jan!B1,ROW(Jan!B1:B5)-1,0,1)))",
        "A7": '=SUMPRODUCT(SUM(INDIRECT(C1:C3&"!B1:B2")))',
    })
    assert_results(got, {"A1": 66.0, "A2": 66.0, "A3": 10.0, "A4": 66.0, "A5": 36.0,
                         "A6": 65.0, "A7": 129.0})


def test_an_array_of_references_read_as_values_is_value_error_for_several_cells() -> None:
    got = _months_model({
        "A1": '=SUMPRODUCT(INDIRECT(C1:C3&"!B1:B5"))',
        "A2": '=SUMPRODUCT(INDIRECT(C1:C3&"!B1:B5")+0)',
        "A3": '=SUMPRODUCT(INDIRECT(C1:C3&"!B2")+0)',
    })
    assert_results(got, {"A1": E.VALUE, "A2": E.VALUE, "A3": 66.0})
