"""SORTBY, WRAPROWS/WRAPCOLS, EXPAND, TRIMRANGE, TEXTSPLIT, ASC, BAHTTEXT, ADDRESS, AREAS and
ANCHORARRAY against the values Excel saved in shared/workbooks/excel/formulas-test.xlsx
(sheet and cell given) or values derived by hand from Excel's documentation."""

from __future__ import annotations

import pytest

from engines.errors import ExcelError
from tests.unit.engines.excel_sheet import grid, sheet_model

E = ExcelError
_ = 0.0  # an empty cell inside a result, which a recalculated cell reports as 0
CELLS: dict[str, object] = {"A1": 3, "B1": 1, "A2": 1, "B2": 3, "A3": 2, "B3": 2, "C2": 7}
SPILLS = {
    # LOOKUP!Y121
    "E1:G2": "=_xlfn.SORTBY({1,2,3;4,5,6},{3,2,2},1,{5,1,4},-1)",
    # LOOKUP!R120 pattern: rows of A1:B3 by column A
    "E4:F6": "=_xlfn.SORTBY(A1:B3,A1:A3,1)",
    # LOOKUP!F155 and L155
    "H1:L2": "=_xlfn.WRAPCOLS({1,2,3,4,5,6,7,8,9},2,6)",
    "H4:I8": "=_xlfn.WRAPROWS({1,2,3,4,5,6,7,8,9},2,6)",
    # LOOKUP!T19 and U19
    "N1:N3": "=_xlfn.EXPAND({1},3)",
    "O1:P2": "=_xlfn.EXPAND({1},2,2,4)",
    # TRIMRANGE of A1:D4 drops the empty fourth row and column
    "R1:T3": "=_xlfn.TRIMRANGE(A1:D4)",
    # EXTRA!O28 and J28 (H28 there holds 26/08TRUE19|87)
    "E10:G12": '=_xlfn.TEXTSPLIT("1,2.3;4,,5AA6.7",{",","."},{";","a"},TRUE,1,"pi")',
    "I10:K12": '=_xlfn.TEXTSPLIT("26/08TRUE19|87",{"/","|",TRUE},{6,9},FALSE,1,10)',
    # CORE!AD4: ANCHORARRAY(AC4)+3 over a two-row spill
    "M10:M11": "={4;6}",
    "N10:N11": "=_xlfn.ANCHORARRAY(M10)+3",
}
SINGLE = [
    ("=_xlfn.SORTBY(A1:B3,A1:B3,1)", E.VALUE),  # LOOKUP!Y120: a two-dimensional key
    ("=_xlfn.EXPAND({1},0)", E.VALUE),  # LOOKUP!R19
    ('=_xlfn.TEXTSPLIT("123434,43r23123-1,2.3","")', E.VALUE),  # TEXT!V47
    ('=_xlfn.TEXTSPLIT("123434,43r23123-1,2.3",2.3)', "123434,43r23123-1,"),  # TEXT!T47
    ('=_xlfn.TRIMRANGE(A1:D4,"3.3",2)', E.VALUE),  # LOOKUP!W135
    ("=ASC(157)", "157"),  # TEXT!S5
    ('=ASC("ＡＢＣ１")', "ABC1"),
    ("=BAHTTEXT(157)", "หนึ่งร้อยห้าสิบเจ็ดบาทถ้วน"),  # TEXT!S6
    ("=BAHTTEXT(65.8)", "หกสิบห้าบาทแปดสิบสตางค์"),  # TEXT!U6
    ("=BAHTTEXT(0)", "ศูนย์บาทถ้วน"),  # TEXT!R6
    ("=BAHTTEXT(21)", "ยี่สิบเอ็ดบาทถ้วน"),
    ("=ADDRESS(1.1,3,4,4.1,D9)", "!C1"),  # LOOKUP!S3 (sheet given as an empty cell)
    ('=ADDRESS(3,4,4.1,D9,"*b?u*")', "'*b?u*'!R[3]C[4]"),  # LOOKUP!T3
    ("=ADDRESS(-2,1.1)", E.VALUE),  # LOOKUP!R3
    ('=ADDRESS(2,28,2,TRUE,"Data")', "Data!AB$2"),
    ("=AREAS((A1:B2,C3,D4:E5))", 3.0),  # LOOKUP!S4
    ("=AREAS((A1:D1 B2:C3 E4:F4))", E.NULL),  # LOOKUP!T4
    ("=AREAS(((A1:B1,B1:C1,A3:B3,B3:C3) B1:B9))", 4.0),  # LOOKUP!V4
    ("=SUM(A1:C3 (A1:A3,C1:C3))", 13.0),  # CORE!E7 pattern: 3+1+2 and 7
    ("=COUNT((A1:A2,B3))", 3.0),
    ("=INDEX((A1:A3,B1:B3),2,1,2)", 3.0),  # LOOKUP!AS52 pattern
    ("=INDEX((A1:A3,B1:B3),1,1,3)", E.REF),  # LOOKUP!AQ52
    ("=ROWS((A1:A3,B1:B3))", E.REF),  # LOOKUP!S115
]


@pytest.fixture(scope="module")
def results() -> dict[str, object]:
    cells = dict(CELLS)
    cells.update({f"D{row}": formula for row, (formula, _) in enumerate(SINGLE, start=10)})
    model = sheet_model(cells, SPILLS)
    assert model.unsupported == {}
    return {**model.recalc()}


def test_sorting_and_wrapping(results: dict[str, object]) -> None:
    assert grid(results, "E1:G2") == [[3.0, 2.0, 1.0], [6.0, 5.0, 4.0]]
    assert grid(results, "E4:F6") == [[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]]
    assert grid(results, "H1:L2") == [[1.0, 3.0, 5.0, 7.0, 9.0], [2.0, 4.0, 6.0, 8.0, 6.0]]
    assert grid(results, "H4:I8") == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0], [9.0, 6.0]]


def test_expanding_and_trimming(results: dict[str, object]) -> None:
    assert grid(results, "N1:N3") == [[1.0], [E.NA], [E.NA]]
    assert grid(results, "O1:P2") == [[1.0, 4.0], [4.0, 4.0]]
    assert grid(results, "R1:T3") == [[3.0, 1.0, _], [1.0, 3.0, 7.0], [2.0, 2.0, _]]


def test_textsplit_and_spill_anchor(results: dict[str, object]) -> None:
    assert grid(results, "E10:G12") == [["1", "2", "3"], ["4", "5", "pi"], ["6", "7", "pi"]]
    assert grid(results, "I10:K12") == [["2", 10.0, 10.0], ["", "08", "1"], ["", "87", 10.0]]
    assert grid(results, "N10:N11") == [[7.0], [9.0]]


@pytest.mark.parametrize(
    ("row", "formula", "expected"), [(i, f, e) for i, (f, e) in enumerate(SINGLE, start=10)]
)
def test_single_values(
    results: dict[str, object], row: int, formula: str, expected: object
) -> None:
    assert results[f"S!D{row}"] == expected, formula
