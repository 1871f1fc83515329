"""A range reaching past the workbook's content (``A2:A1000`` over 50 rows of data) is read only
as far as the content, but every cell it names counts where blanks do: a criterion that blank
cells meet, a comparison or function per cell, ROW of it."""

from __future__ import annotations

import pytest

from tests.unit.engines.excel_sheet import assert_results, recalculated

DATA = {**{f"A{r}": "Closed" if r % 4 == 0 else "Open" for r in range(2, 52)},
        **{f"B{r}": float(r * 3) for r in range(2, 52)}}
"""Rows 2-51: A is Open or Closed (12 Closed), B is 3 × the row."""


def test_criteria_count_the_blank_cells_past_the_data() -> None:
    got = recalculated(DATA, {
        "D1": '=COUNTIFS(A2:A1000,"<>Closed")', "D2": '=COUNTIF(A2:A1000,"")',
        "D3": '=COUNTIF(A:A,"<>Open")', "D4": '=COUNTIFS(A2:A1000,"",B2:B1000,"")',
        "D5": '=COUNTIF(A2:A1000,"Open")', "D6": '=SUMIF(A2:A1000,"",B2:B1000)',
        "D7": '=COUNTIFS(A2:A1000,"<>Closed",B2:B1000,">10")', "D8": "=COUNTBLANK(A2:A1000)",
    })
    assert_results(got, {"D1": 987.0, "D2": 949.0, "D3": 1_048_576.0 - 38, "D4": 949.0,
                         "D5": 38.0, "D6": 0.0, "D7": 36.0, "D8": 949.0})


def test_operators_and_functions_per_cell_see_every_cell_named() -> None:
    got = recalculated({**DATA, "A1": "Region"}, {
        "D1": "=SUMPRODUCT(--(B2:B1000<100))",  # 32 rows of data and 949 blanks
        "D2": "=SUMPRODUCT(ROW(A2:A1000))", "D3": '=MATCH(TRUE,INDEX(A1:A1000="",0),0)',
        "D4": '=SUMPRODUCT((A2:A1000="Open")*B2:B1000)', "D5": "=SUMPRODUCT(--ISBLANK(A2:A1000))",
        "D6": '=SUMPRODUCT((A:A="Open")*B:B)', "D7": "=SUM(B2:B1000)",
        "D8": "=ROWS(A2:A1000)",
    })
    open_total = sum(3.0 * r for r in range(2, 52) if r % 4)
    assert_results(got, {"D1": 981.0, "D2": float(sum(range(2, 1001))), "D3": 52.0,
                         "D4": open_total, "D5": 949.0, "D6": open_total,
                         "D7": float(sum(3 * r for r in range(2, 52))), "D8": 999.0})


@pytest.mark.parametrize("formula", ['=AGGREGATE(15,6,ROW(A1:A1000)/(A1:A1000=""),1)',
                                     '=SUMPRODUCT(MIN(IF(A1:A1000="",ROW(A1:A1000))))'])
def test_the_first_empty_row_after_the_data(formula: str) -> None:
    got = recalculated({f"A{r}": float(r) for r in range(1, 51)}, {"D1": formula})
    assert_results(got, {"D1": 51.0})
