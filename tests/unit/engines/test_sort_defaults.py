"""SORT and SORTBY with an argument left empty take Excel's default: ``SORT(x,,-1)``, the usual
descending sort, sorts by the first column; an empty sort order is ascending."""

from __future__ import annotations

from engines.errors import ExcelError
from tests.unit.engines.excel_sheet import assert_results, grid, recalculated, sheet_model

COSTS = {f"E{i}": v for i, v in enumerate([100, 250, 75, 300, 0, 10], start=1)}


def test_sort_with_sort_index_left_empty_sorts_by_the_first_column() -> None:
    values = sheet_model(dict(COSTS), spills={"A1:A6": "=SORT(E1:E6,,-1)"}).recalc()
    assert grid(values, "A1:A6") == [[300.0], [250.0], [100.0], [75.0], [10.0], [0.0]]


def test_empty_sort_arguments_take_their_defaults() -> None:
    got = recalculated(COSTS, {
        "A1": "=SUM(TAKE(SORT(E1:E6,,-1),3))",
        "A2": "=INDEX(SORT(E1:E6,,),1)",
        "A3": "=INDEX(SORTBY(E1:E6,E1:E6,),1)",
        "A4": "=INDEX(SORTBY(E1:E6,E1:E6,-1),1)",
        "A5": "=INDEX(SORT(E1:E6,F1,-1),1)",  # an empty cell is no default: index 0
    })
    assert_results(got, {"A1": 650.0, "A2": 0.0, "A3": 0.0, "A4": 300.0, "A5": ExcelError.VALUE})
