"""GROUPBY, PIVOTBY and PERCENTOF against Excel.

Results marked ``formulas-test`` are the values Excel saved in
shared/workbooks/excel/formulas-test.xlsx (sheet and range given); the others are derived
by hand from Excel's documented layout.
"""

from __future__ import annotations

import numpy as np
import pytest

from engines.errors import ExcelError
from tests.unit.engines.excel_sheet import grid, sheet_model

E = ExcelError
_ = 0.0  # a blank entry of a spilled result, which a recalculated cell reports as 0
TABLE = {
    "A1": "region", "B1": "item", "C1": "sales",
    "A2": "n", "B2": "a", "C2": 1,
    "A3": "s", "B3": "b", "C3": 2,
    "A4": "n", "B4": "b", "C4": 3,
    "A5": "s", "B5": "a", "C5": 4,
    "A6": "n", "B6": "a", "C6": 5,
}  # fmt: skip
ROWS = '{"r2";"r2";"r3";"r2";"r2";"r2";"r3";"r2";"r3"}'
COLS = '{"c1";"c1";"c2";"c2";"c1";"c2";"c1";"c2";"c2"}'
VALS = "{1;-1;-7;-1;7;5;9;8;-8}"
ONES = "{1;1;1;1;1;1;1;1;1}"
SPILLS = {
    # formulas-test EXTRA!H96:K99
    "E1:H4": "=_xlfn.PIVOTBY({2;2;3},{1;2;2},{1;2;3},_xleta.SUM)",
    # formulas-test LOOKUP!R105:U108
    "E6:H9": f"=_xlfn.PIVOTBY({ROWS},{COLS},{VALS},_xleta.SUM,0,1,1,1,1,{ONES},3)",
    # formulas-test LOOKUP!N106:Q109 (PERCENTOF of the parent column total)
    "E11:H14": f"=_xlfn.PIVOTBY({ROWS},{COLS},{VALS},_xleta.PERCENTOF,0,1,1,1,1,{ONES},3)",
    "J1:L9": "=_xlfn.GROUPBY(A1:B6,C1:C6,_xleta.SUM,3,2)",
    "N1:O3": "=_xlfn.GROUPBY(A2:A6,C2:C6,_xleta.SUM,0,-1,-2)",
    "Q1:R3": "=_xlfn.GROUPBY(A2:A6,C2:C6,_xlfn.LAMBDA(_xlpm.v,MAX(_xlpm.v)),0,1,2)",
    "T1:U1": "=_xlfn.GROUPBY(A2:A6,C2:C6,_xleta.SUM,0,0,1,{TRUE;FALSE;TRUE;FALSE;TRUE})",
    # formulas-test EXTRA!H100:K103: IF needs two arguments, so each value cell is #VALUE!
    "E16:H19": "=_xlfn.PIVOTBY({2;2;3},{1;2;2},{1;2;3},_xleta.IF)",
}
ERRORS = [
    # formulas-test LOOKUP!Y34: values one row short of the row fields
    ("=_xlfn.GROUPBY(A2:A6,C2:C5,_xleta.SUM)", E.VALUE),
    # formulas-test LOOKUP!Z34: sort order past the last column
    ("=_xlfn.GROUPBY(A2:B6,C2:C6,_xleta.SUM,0,1,4)", E.VALUE),
    # formulas-test EXTRA!AX3: a total depth deeper than the fields
    ("=_xlfn.GROUPBY(A2:A6,C2:C6,_xleta.SUM,0,2)", E.VALUE),
    # formulas-test EXTRA!L96: an error given as the function
    ("=_xlfn.PIVOTBY({2;2;3},{1;2;2},{1;2;3},NA())", E.NA),
    # formulas-test MATH & TRIG!T49: text and booleans are skipped
    ('=_xlfn.PERCENTOF({2.3,-0.2,-2},{-0.2,-2,"ciao"})', -0.1 / 2.2 * -1 * -1),
]


@pytest.fixture(scope="module")
def results() -> dict[str, object]:
    cells: dict[str, object] = dict(TABLE)
    cells.update({f"W{row}": formula for row, (formula, _) in enumerate(ERRORS, start=1)})
    model = sheet_model(cells, SPILLS)
    assert model.unsupported == {}
    return {**model.recalc()}


def test_pivotby_layout_and_totals(results: dict[str, object]) -> None:
    assert grid(results, "E1:H4") == [
        [_, 1.0, 2.0, "Total"],
        [2.0, 1.0, 2.0, 3.0],
        [3.0, _, 3.0, 3.0],
        ["Total", 1.0, 5.0, 6.0],
    ]
    assert grid(results, "E6:H9") == [
        [_, "c1", "c2", "Total"],
        ["r2", 7.0, 12.0, 19.0],
        ["r3", 9.0, -15.0, -6.0],
        ["Total", 16.0, -3.0, 13.0],
    ]


def test_function_given_too_few_arguments(results: dict[str, object]) -> None:
    assert grid(results, "E16:H19") == [
        [_, 1.0, 2.0, "Total"],
        [2.0, E.VALUE, E.VALUE, E.VALUE],
        [3.0, _, E.VALUE, E.VALUE],
        ["Total", E.VALUE, E.VALUE, E.VALUE],
    ]


def test_percentof_relative_to_parent_column(results: dict[str, object]) -> None:
    shares = grid(results, "F12:H14")
    assert np.allclose(np.array(shares, dtype=float), [
        [7 / 19, 12 / 19, 1.0],
        [9 / -6, -15 / -6, 1.0],
        [16 / 13, -3 / 13, 1.0],
    ])  # fmt: skip


def test_groupby_headers_subtotals_sorting_filter(results: dict[str, object]) -> None:
    assert grid(results, "J1:L9") == [
        ["region", "item", "sales"],
        ["n", "a", 6.0],
        ["n", "b", 3.0],
        ["n", _, 9.0],
        ["s", "a", 4.0],
        ["s", "b", 2.0],
        ["s", _, 6.0],
        ["Grand Total", _, 15.0],
        [E.NA, E.NA, E.NA],  # the array range is one row larger than the result
    ]
    assert grid(results, "N1:O3") == [["Total", 15.0], ["n", 9.0], ["s", 6.0]]
    assert grid(results, "Q1:R3") == [["s", 4.0], ["n", 5.0], ["Total", 5.0]]
    assert grid(results, "T1:U1") == [["n", 9.0]]


@pytest.mark.parametrize(
    ("row", "formula", "expected"), [(i + 1, f, e) for i, (f, e) in enumerate(ERRORS)]
)
def test_rejected_arguments(
    results: dict[str, object], row: int, formula: str, expected: object
) -> None:
    actual = results[f"S!W{row}"]
    if isinstance(expected, float):
        assert isinstance(actual, float) and np.isclose(actual, expected), formula
    else:
        assert actual == expected, formula


def test_groupby_aggregates_every_trial() -> None:
    cells: dict[str, object] = {"A1": "x", "A2": "y", "A3": "x"}
    cells.update({f"B{r}": "=RAND()" for r in (1, 2, 3)})
    model = sheet_model(
        cells,
        {"D1:E3": "=_xlfn.GROUPBY(A1:A3,B1:B3,_xleta.SUM)"},
        outputs=["S!B1", "S!B2", "S!B3", "S!E1", "S!E2", "S!E3"],
    )
    out = {key: value[0] for key, value in model.evaluate(400).items()}
    assert np.std(out["S!B1"]) > 0.1
    assert np.allclose(out["S!E1"], out["S!B1"] + out["S!B3"])
    assert np.allclose(out["S!E2"], out["S!B2"])
    assert np.allclose(out["S!E3"], out["S!B1"] + out["S!B2"] + out["S!B3"])
