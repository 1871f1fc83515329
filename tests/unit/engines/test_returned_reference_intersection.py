"""Implicit intersection on references that functions return (INDEX, OFFSET, XLOOKUP, a name
defined by OFFSET), in formulas that are neither array formulas nor spills.

Microsoft's page on implicit intersection: where one value is expected, a range gives its cell
on the formula's row (a column) or column (a row), #VALUE! when there is none; Excel applies
it to the reference a function returns as to one written out (``@INDEX(..)`` in Excel 365).
A range argument (SUM's) keeps the whole reference, and an array formula spills it. The data
are ``r*10+c`` in B2:D5 (rows 2-5, columns 2-4).
"""

from __future__ import annotations

from engines.errors import ExcelError
from tests.unit.engines.excel_sheet import grid, recalculated, sheet_model

DATA: dict[str, object] = {
    f"{col}{r}": r * 10 + c for r in range(2, 6) for c, col in enumerate("BCD", start=2)
}


def test_a_returned_column_gives_the_cell_on_the_formulas_row() -> None:
    got = recalculated(DATA, {
        "F3": "=INDEX($B$2:$D$5,0,2)",
        "F9": "=INDEX($B$2:$D$5,0,2)",  # no cell of C2:C5 on row 9
        "I4": "=OFFSET($B$2,0,1,4,1)",
        "I9": "=OFFSET($B$2,0,1,4,1)",
        "F4": "=INDEX($B$2:$D$5,0,2)*2",  # an operator's operand is one value too
        "F5": "=ABS(INDEX($B$2:$D$5,0,2))",  # as is a function's one-value argument
        "G2": "=CHOOSE(2,$B$2:$B$5,OFFSET($B$2,0,2,4,1))",
    })
    assert got == {"F3": 33.0, "F9": ExcelError.VALUE, "I4": 43.0, "I9": ExcelError.VALUE,
                   "F4": 86.0, "F5": 53.0, "G2": 24.0}


def test_a_returned_row_gives_the_cell_in_the_formulas_column() -> None:
    got = recalculated(DATA, {
        "C9": "=INDEX(B2:D5,2,0)",
        "F9": "=INDEX(B2:D5,2,0)",  # no cell of B3:D3 in column F
        "B8": "=XLOOKUP(43,C2:C5,B2:D5)",  # XLOOKUP's row B4:D4
        "D8": "=INDEX(B2:D5,2,0):D5",  # B3:D5, two-dimensional: no one cell
    })
    assert got == {"C9": 33.0, "F9": ExcelError.VALUE, "B8": 42.0, "D8": ExcelError.VALUE}


def test_range_arguments_keep_the_whole_reference() -> None:
    got = recalculated(DATA, {
        "F3": "=SUM(INDEX($B$2:$D$5,0,2))",
        "F4": "=SUM(OFFSET($B$2,0,1,4,1))",
        "F5": "=ROWS(INDEX($B$2:$D$5,0,2))",
        "F6": "=ISREF(INDEX($B$2:$D$5,0,2))",
        "F7": "=SUMPRODUCT(INDEX($B$2:$D$5,0,2)*1)",
    })
    assert got == {"F3": 152.0, "F4": 152.0, "F5": 4.0, "F6": True, "F7": 152.0}


def test_a_name_defined_by_offset_is_intersected() -> None:
    values = sheet_model({**DATA, "F4": "=Column3", "F8": "=SUM(Column3)"},
                         names={"Column3": "OFFSET(S!$B$2,0,2,4,1)"}).recalc()
    assert (values["S!F4"], values["S!F8"]) == (44.0, 24.0 + 34 + 44 + 54)


def test_array_formulas_spill_the_whole_reference() -> None:
    values = sheet_model(DATA, spills={"F2:F5": "=INDEX($B$2:$D$5,0,2)",
                                       "G7:I7": "=OFFSET($B$2,1,0,1,3)"}).recalc()
    assert grid(values, "F2:F5") == [[23.0], [33.0], [43.0], [53.0]]
    assert grid(values, "G7:I7") == [[32.0, 33.0, 34.0]]
