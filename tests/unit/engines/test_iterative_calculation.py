"""Excel's iterative calculation (``<calcPr iterate="1" iterateCount iterateDelta>``) against
closed forms, and circular references named as errors when the workbook does not turn it on.

No Excel-saved workbook is used: the files are written with openpyxl, whose ``calculation``
properties are the ``calcPr`` element of ``xl/workbook.xml``.
"""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pytest
from openpyxl.workbook.properties import CalcProperties

from engines.compiler import ModelError, compile_model
from engines.recalc import recalc_workbook
from engines.workbook import Iteration, load_workbook


def _book(cells: dict[str, object], iterate: bool, count: int | None = None,
          delta: float | None = None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "S"
    for ref, value in cells.items():
        ws[ref] = value
    wb.calculation = CalcProperties(iterate=iterate, iterateCount=count, iterateDelta=delta)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# opening balance B1, cash flow B2, rate B3; interest B4 on the average balance, closing B5
INTEREST = {
    "B1": 1000, "B2": 200, "B3": 0.06,
    "B4": "=B3*(B1+B5)/2",
    "B5": "=B1+B2+B4",
    "B6": "=B5*2",
}  # fmt: skip


def _interest_fixed_point(opening: float, flow: float, rate: float) -> float:
    # I = r (O + O + F + I) / 2  =>  I = r (2 O + F) / (2 - r)
    return rate * (2 * opening + flow) / (2 - rate)


def test_calc_properties_are_read_with_excel_defaults() -> None:
    assert load_workbook(_book({"A1": 1}, iterate=False)).iteration is None
    assert load_workbook(_book({"A1": 1}, iterate=True)).iteration == Iteration(100, 0.001)
    assert load_workbook(_book({"A1": 1}, True, 7, 0.5)).iteration == Iteration(7, 0.5)


def test_circular_interest_converges_to_its_fixed_point() -> None:
    values = recalc_workbook(_book(INTEREST, iterate=True, count=100, delta=1e-9))
    interest = _interest_fixed_point(1000, 200, 0.06)
    assert values["S!B4"] == pytest.approx(interest, abs=1e-9)
    assert values["S!B5"] == pytest.approx(1200 + interest, abs=1e-9)
    assert values["S!B6"] == pytest.approx(2 * (1200 + interest), abs=1e-8)


def test_iteration_stops_at_the_delta() -> None:
    # x = a x + 1 from x0 = 0: x_k = (1 - a^k) / (1 - a), moving by a^(k-1) at sweep k;
    # with a = 0.5 and delta 0.001 the first sweep moving less is k = 11 (0.5^10 < 0.001)
    values = recalc_workbook(_book({"A1": 0.5, "B1": "=A1*B1+1"}, True, 100, 0.001))
    assert values["S!B1"] == (1 - 0.5**11) / 0.5


def test_iteration_stops_at_the_count() -> None:
    # a = 0.99 needs 688 sweeps for delta 0.001: the count (100) stops it first
    values = recalc_workbook(_book({"A1": 0.99, "B1": "=A1*B1+1"}, True, 100, 0.001))
    assert values["S!B1"] == pytest.approx((1 - 0.99**100) / 0.01, rel=1e-12)


def test_each_trial_stops_on_its_own() -> None:
    data = _book({"A1": 0.5, "B1": "=A1*B1+1", "C1": "=B1"}, True, 100, 0.001)
    model = compile_model(load_workbook(data), inputs=["S!A1"], outputs=["S!C1"])
    out = model.evaluate(3, {"S!A1": np.array([0.5, 0.99, 0.0])})
    expected = [(1 - 0.5**11) / 0.5, (1 - 0.99**100) / 0.01, 1.0]
    assert out["S!C1"][0] == pytest.approx(expected, rel=1e-12)
    assert out["S!C1"][1].tolist() == [0, 0, 0]


def test_interest_by_trial_matches_the_closed_form() -> None:
    data = _book(INTEREST, True, 100, 1e-12)
    model = compile_model(load_workbook(data), inputs=["S!B3"], outputs=["S!B4"])
    rates = np.array([0.01, 0.05, 0.1, 0.2])
    out = model.evaluate(4, {"S!B3": rates})
    expected = [_interest_fixed_point(1000, 200, r) for r in rates]
    assert out["S!B4"][0] == pytest.approx(expected, abs=1e-9)


def test_without_iteration_a_cycle_is_an_error_naming_its_cells() -> None:
    data = _book(INTEREST, iterate=False)
    with pytest.raises(ModelError, match=r"S!B4.*S!B5|S!B5.*S!B4"):
        recalc_workbook(data)
    with pytest.raises(ModelError, match="circular reference"):
        compile_model(load_workbook(data), outputs=["S!B6"])
