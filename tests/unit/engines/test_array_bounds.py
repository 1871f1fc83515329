"""Arrays a formula builds are bounded: SEQUENCE, MUNIT, RANDARRAY, EXPAND and an operator
between two arrays give #VALUE! past 2^24 entries (or 2^26 over the trials evaluated
together) instead of taking the memory of the machine; smaller ones are untouched."""

from __future__ import annotations

import time

from engines.compiler import compile_model
from engines.errors import ExcelError
from engines.recalc import recalc_workbook
from engines.simulation import SimulationSpec, run_simulation
from engines.workbook import load_workbook
from tests.unit.engines.excel_sheet import model_workbook


def test_huge_arrays_are_value_errors_at_once() -> None:
    began = time.perf_counter()
    values = recalc_workbook(model_workbook(
        A1="=SUM(MUNIT(50000))", A2="=SUM(SEQUENCE(100000, 1000))",
        A3="=SUM(EXPAND(1, 100000, 1000, 0))", A4="=SUM(SEQUENCE(5000)*TRANSPOSE(SEQUENCE(5000)))",
        A5="=SUM(MUNIT(100))", A6="=SUM(SEQUENCE(1000)*TRANSPOSE(SEQUENCE(1000)))"))
    assert [values[f"Model!A{row}"] for row in range(1, 5)] == [ExcelError.VALUE] * 4
    assert values["Model!A5"] == 100 and values["Model!A6"] == (1000 * 1001 // 2) ** 2
    assert time.perf_counter() - began < 10


def test_an_array_drawn_in_every_trial_is_bounded_over_the_trials() -> None:
    model = compile_model(load_workbook(model_workbook(
        A1="=SUM(RANDARRAY(100000, 100))", B1="=RiskOutput()+A1+RiskNormal(0, 1)")))
    out = run_simulation(model, SimulationSpec({}, model.outputs, 2000, seed=1)).outputs
    assert out["Model!B1"]["errors"] == {str(ExcelError.VALUE): 2000}
