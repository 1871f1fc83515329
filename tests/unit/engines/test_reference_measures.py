"""A reference that is only measured or moved is no dependency on the cells' values: ROW(A1)
in A1, ROWS($A$1:A3) in A3, ISREF(A7) in A7, OFFSET($C5,…) in C5 are no circular references.

Expected values are what Excel's documentation of ROW, COLUMN, ROWS, COLUMNS, ISREF, OFFSET and
CELL gives for these references (no Excel-saved workbook holds these cases).
"""

from __future__ import annotations

import numpy as np
import pytest

from engines.compiler import ModelError, compile_model
from engines.errors import ExcelError
from tests.unit.engines.excel_sheet import sheet_model


def test_measuring_the_own_cell_is_no_cycle() -> None:
    values = sheet_model({
        "A1": "=ROW(A1)",
        "A2": "=COLUMN(A2)",
        "A3": "=ROWS($A$1:A3)",
        "B4": "=COLUMNS(A4:B4)",
        "A7": "=ISREF(A7)",
        "B8": '=CELL("row",B8)*100+CELL("col",B8)',
        "C9": '=CELL("address",C9)',
        "D1": "=A1+A2+A3+B4",
    }).recalc()
    assert values["S!A1"] == 1.0
    assert values["S!A2"] == 1.0
    assert values["S!A3"] == 3.0
    assert values["S!B4"] == 2.0
    assert values["S!A7"] is True
    assert values["S!B8"] == 802.0
    assert values["S!C9"] == "$C$9"
    assert values["S!D1"] == 7.0


def test_running_count_down_a_column() -> None:
    # the classic running index: each row counts the rows from the top to itself
    cells: dict[str, object] = {f"A{r}": f"=ROWS($A$1:A{r})" for r in range(1, 6)}
    cells["B1"] = "=SUM(A1:A5)"
    values = sheet_model(cells).recalc()
    assert [values[f"S!A{r}"] for r in range(1, 6)] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert values["S!B1"] == 15.0


def test_offset_from_its_own_cell_reads_the_cell_it_lands_on() -> None:
    # =OFFSET($C5,MATCH(…),0) in C5: the base is only moved; the result (C7) is read
    values = sheet_model({
        "A1": "x", "A2": "y",
        "C5": '=OFFSET($C5,MATCH("y",A1:A2,0),0)',
        "C7": 42,
        "D5": "=C5*2",
    }).recalc()
    assert values["S!C5"] == 42.0
    assert values["S!D5"] == 84.0


def test_offset_landing_on_its_own_cell_is_still_a_cycle() -> None:
    model = sheet_model({"C5": "=OFFSET($C5,0,0)+1"})
    assert model.recalc()["S!C5"] == ExcelError.REF


def test_a_reading_function_on_the_own_cell_is_still_a_cycle() -> None:
    with pytest.raises(ModelError, match="S!A1"):
        sheet_model({"A1": "=SUM(A1:A3)", "B1": "=A1"}, outputs=["S!B1"])


def test_cell_contents_reads_the_value() -> None:
    values = sheet_model({
        "A1": 5, "A2": "text",
        "B1": '=CELL("contents",A1)+1',
        "B2": '=CELL("type",A2)&CELL("type",A1)&CELL("type",A9)',
    }).recalc()
    assert values["S!B1"] == 6.0
    assert values["S!B2"] == "lvb"


def test_measured_reference_in_a_simulation() -> None:
    model = sheet_model({"A1": 2, "B3": "=ROW(B3)*A1"}, outputs=["S!B3"])
    out = model.evaluate(3, {})
    assert out["S!B3"][0].tolist() == [6.0, 6.0, 6.0]


def test_index_into_its_own_column_reads_only_what_it_picks() -> None:
    # a running balance reading the row above through INDEX over the whole column
    cells: dict[str, object] = {"D1": 0}
    for r in range(2, 1501):
        cells[f"D{r}"] = "=INDEX(D$1:D$1500,ROW()-1)+1"
    cells["E1"] = "=SUM(D1:D1500)"
    values = sheet_model(cells).recalc()
    assert values["S!D2"] == 1.0
    assert values["S!D1500"] == 1499.0
    assert values["S!E1"] == 1499 * 1500 / 2


def test_index_picking_its_own_cell_is_a_cycle() -> None:
    model = sheet_model({"D1": 1, "D2": "=INDEX(D1:D3,2)+1", "E1": "=D2"})
    assert model.recalc()["S!D2"] == ExcelError.REF
    assert model.circular and "S!D2" in str(model.circular[0])


def test_index_picks_follow_the_trials() -> None:
    # B1 comes before C3 in the sheet; it still varies with the input that C3 reads
    workbook = sheet_model(
        {"A1": 1, "A2": 2, "B1": "=INDEX(C1:C5,3)", "B2": "=INDEX(C1:C5,A2)",
         "C1": 10, "C2": 20, "C3": "=A1*2", "C4": 40, "C5": 50},
    ).workbook
    model = compile_model(workbook, inputs=["S!A1", "S!A2"], outputs=["S!B1", "S!B2"])
    out = model.evaluate(3, {"S!A1": np.array([1.0, 2.0, 3.0]), "S!A2": np.array([1.0, 3.0, 5.0])})
    assert out["S!B1"][0].tolist() == [2.0, 4.0, 6.0]
    assert out["S!B2"][0].tolist() == [10.0, 4.0, 50.0]


def test_a_long_chain_of_picks_up_the_sheet() -> None:
    # each row reads the row below: computed as the formulas run, deeper than Python's stack
    cells: dict[str, object] = {"D1500": 0}
    for r in range(1, 1500):
        cells[f"D{r}"] = "=INDEX(D$1:D$1500,ROW()+1)+1"
    model = sheet_model(cells)
    values = model.recalc()
    assert values["S!D1"] == 1499.0
    assert not model.failures and not model.circular


def test_a_long_cycle_of_picks_is_named() -> None:
    cells: dict[str, object] = {f"D{r}": "=INDEX(D$1:D$300,ROW()+1)+1" for r in range(1, 300)}
    cells["D300"] = "=INDEX(D$1:D$300,1)"
    model = sheet_model(cells)
    assert model.recalc()["S!D1"] == ExcelError.REF
    assert model.circular and "S!D1" in str(model.circular[0])
