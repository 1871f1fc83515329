"""SHEET, SHEETS, FORMULATEXT and HYPERLINK on a workbook of several sheets, and RANDARRAY's
rules and draws, against Microsoft's examples."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
from openpyxl.chart import BarChart
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.table import Table

from engines.compiler import compile_model
from engines.errors import ExcelError
from engines.workbook import load_workbook
from tests.unit.engines.excel_sheet import assert_results, recalculated, sheet_model

E = ExcelError



def _workbook_of_sheets() -> bytes:
    """Sheet1; Sheet2, hidden, holding Table1 and the range QSalesByRegion names; Stuff, with
    a name of its own (Hi_Temps); a chart sheet; and My3DRef = Sheet2:Stuff!$A$1."""
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "Sheet1"
    second = book.create_sheet("Sheet2")
    second.sheet_state = "hidden"
    second["A1"], second["B1"], second["A2"], second["B2"] = "Region", "Sales", "North", 10
    second["D1"] = "=SUM(B2:B9)"
    second["D2"] = '=_xlfn.CONCAT("_xlfn.",B2)'
    second.add_table(Table(displayName="Table1", ref="A1:B2"))
    stuff = book.create_sheet("Stuff")
    stuff["A1"] = "=TODAY()"
    stuff["C1"] = ArrayFormula("C1:C2", "=_xlfn.SEQUENCE(2)")
    chart = book.create_chartsheet("Chart1")
    chart.add_chart(BarChart())
    book.defined_names["QSalesByRegion"] = DefinedName(
        "QSalesByRegion", attr_text="Sheet2!$B$2:$B$9")
    book.defined_names["My3DRef"] = DefinedName("My3DRef", attr_text="Sheet2:Stuff!$A$1")
    stuff.defined_names["Hi_Temps"] = DefinedName("Hi_Temps", attr_text="Stuff!$A$1:$A$9")
    book.defined_names["Indirect"] = DefinedName("Indirect", attr_text='INDIRECT("Stuff!B2")')
    book.defined_names["SheetText"] = DefinedName("SheetText", attr_text='"stuff"')
    formulas = {
        # SHEET: "=SHEET(QSalesByRegion) ... 2", "=SHEET(Table1) ... 2", "=SHEET(Hi_Temps)
        # Returns the #NAME? error value because the sought name Hi_Temps is limited to the
        # worksheet that contains it", "=SHEET("Stuff") ... 3"
        "A1": "=SHEET(QSalesByRegion)", "A2": "=SHEET(Table1)", "A3": "=SHEET(Hi_Temps)",
        "A4": '=SHEET("Stuff")',
        # SHEETS: "=SHEETS() ... the total number of sheets in the workbook" and
        # "=SHEETS(My3DRef) Returns the number of sheets in a 3D reference ... (2)"
        "A5": "=SHEETS()", "A6": "=SHEETS(My3DRef)",
        # "=SHEET(Sheet1!#REF) will return the #REF! error value"; "=SHEET("badSheetName")
        # will return the #N/A error value"; SHEETS: "If reference is not a valid value,
        # SHEETS returns the #REF! error value"
        "A7": "=SHEET(Sheet1!#REF!)", "A8": '=SHEET("badSheetName")', "A9": '=SHEETS("x")',
        "A10": "=SHEET()", "A11": "=SHEET(Chart1!A1)", "A12": "=SHEETS(Sheet1:Chart1!A1)",
        "A13": "=SHEET(Stuff:Sheet2!A1)", "A14": '=SHEET(INDIRECT("Stuff!B7"))',
        "A15": "=LET(r,Sheet2!A1,SHEET(r))", "A16": "=SHEETS(A1:B2)", "A17": '=SHEET("sheet2")',
        "A18": "=SHEET(NoSuchName)", "A19": "=SHEET(A19)", "A20": "=SHEET(Indirect)",
        "A21": "=SHEETS(Indirect)", "A22": "=SHEET(SheetText)", "A23": "=SHEETS(SheetText)",
        "A24": "=SHEETS((Sheet1!A1,Stuff!A1))", "A25": "=SHEET(1/0)",
        # FORMULATEXT: A2 holds =TODAY(); "The formula =TODAY() should appear as text in C2"
        "B1": "=FORMULATEXT(Stuff!A1)", "B2": "=FORMULATEXT(Sheet2!D1:D2)",
        "B3": "=FORMULATEXT(Sheet2!A2)", "B4": "=FORMULATEXT(B4)", "B5": "=FORMULATEXT(Sheet2!D2)",
        "B6": "=FORMULATEXT(Stuff!C2)", "B7": '=FORMULATEXT("A1")', "B8": "=FORMULATEXT(Z99)",
        # HYPERLINK: the cell "displays "Click for report" as its jump text"; friendly_name
        # "can be a value, a text string, a name, or a cell that contains the jump text or value"
        "C1": '=HYPERLINK("http://example.microsoft.com/report/budget report.xlsx",'
              ' "Click for report")',
        "C2": '=HYPERLINK("[http://example.microsoft.com/report/budget report.xlsx]Annual!F10",'
              " Sheet2!B2)",
        "C3": '=HYPERLINK("http://example.microsoft.com")', "C4": '=HYPERLINK("x", 1/0)',
    }
    for cell, formula in formulas.items():
        first[cell] = formula
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_sheet_sheets_formulatext_and_hyperlink_match_microsofts_examples() -> None:
    model = compile_model(load_workbook(_workbook_of_sheets()))
    # FORMULATEXT reads the formula, not its value
    assert model.unsupported == {}
    values = model.recalc()
    got = {key.split("!")[1]: value for key, value in values.items() if key.startswith("Sheet1!")}
    assert_results(got, {
        "A1": 2.0, "A2": 2.0, "A3": E.NAME, "A4": 3.0, "A5": 4.0, "A6": 2.0, "A7": E.REF,
        "A8": E.NA, "A9": E.REF, "A10": 1.0, "A11": 4.0, "A12": 4.0, "A13": 2.0, "A14": 3.0,
        "A15": 2.0, "A16": 1.0, "A17": 2.0, "A18": E.NAME, "A19": 1.0, "A20": 3.0, "A21": 1.0,
        "A22": 3.0, "A23": E.REF, "A24": 2.0, "A25": E.DIV0,
        "B1": "=TODAY()", "B2": "=SUM(B2:B9)", "B3": E.NA, "B4": "=FORMULATEXT(B4)",
        "B5": '=CONCAT("_xlfn.",B2)', "B6": "=SEQUENCE(2)", "B7": E.VALUE, "B8": E.NA,
        "C1": "Click for report", "C2": 10.0, "C3": "http://example.microsoft.com",
        "C4": E.DIV0,
    })


def test_randarray_follows_microsofts_rules() -> None:
    """"If you don't input a row or column argument, RANDARRAY will return a single value
    between 0 and 1"; "The minimum number argument must be less than the maximum number,
    otherwise RANDARRAY will return a #VALUE! error"."""
    got = recalculated({}, {
        "A1": "=RANDARRAY()", "A2": "=ROWS(RANDARRAY(5,3))", "A3": "=COLUMNS(RANDARRAY(5,3))",
        "A4": "=RANDARRAY(2,2,3,1)", "A5": "=RANDARRAY(0)", "A6": "=RANDARRAY(-1)",
        "A7": "=SUM(RANDARRAY(2,3,4,4))", "A8": "=RANDARRAY(,,5,5,TRUE)",
        "A9": "=RANDARRAY(NA())",
    })
    assert isinstance(got["A1"], float) and 0.0 <= got["A1"] < 1.0
    assert_results({k: v for k, v in got.items() if k != "A1"}, {
        "A2": 5.0, "A3": 3.0, "A4": E.VALUE, "A5": E.CALC, "A6": E.VALUE, "A7": 24.0,
        "A8": 5.0, "A9": E.NA})


def test_randarray_spills_new_draws_in_every_trial() -> None:
    """RANDARRAY(5,3,1,100,TRUE) "returns a series of random whole numbers between 1 and 100";
    RANDARRAY(5,3,1,100) random decimal values between 1 and 100. Each trial draws anew."""
    model = sheet_model({}, spills={"A1:C5": "=_xlfn.RANDARRAY(5,3,1,100,TRUE)",
                                    "E1:G5": "=_xlfn.RANDARRAY(5,3,1,100)"},
                        outputs=["S!A1", "S!C5", "S!E1", "S!G5"])
    assert model.unsupported == {}
    n = 400
    out = model.evaluate(n)
    for address in ("S!A1", "S!C5", "S!E1", "S!G5"):
        values, errors = out[address]
        values = values.reshape(-1)
        assert values.shape == (n,) and not errors.any()
        assert values.min() >= 1.0 and values.max() <= 100.0
        assert len(np.unique(values)) > 50  # not one value repeated in every trial
    whole = out["S!A1"][0].reshape(-1)
    assert np.array_equal(whole, np.floor(whole))
    assert not np.array_equal(out["S!A1"][0], out["S!C5"][0])


