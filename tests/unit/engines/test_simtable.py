"""RiskSimtable and RiskCurrentSim read the simulation's number (@RISK's simulation number): a
set of runs 1, 2, … takes each table's values in turn; past the last value the cell is #N/A,
and an error in the value picked is that error; the sheet view is simulation 1."""

from __future__ import annotations

import pytest

from engines.compiler import compile_model
from engines.errors import ExcelError
from engines.recalc import recalc_workbook
from engines.simulation import SimulationSpec, run_simulation
from engines.workbook import load_workbook
from tests.unit.engines.excel_sheet import model_workbook

CELLS = {"C1": 5, "C2": 7, "C3": "=1/0", "A1": "=RiskSimtable({0.1,0.2,0.3})",
         "A2": "=RiskSimtable(C1:C3)", "A3": "=RiskCurrentSim()",
         "A4": "=RiskNormal(100, 10)*(1+A1)+A2", "B1": "=RiskOutput()+A4",
         "B2": "=RiskOutput()+A3"}


def test_the_sheet_view_is_the_first_simulation() -> None:
    values = recalc_workbook(model_workbook(**CELLS))
    assert (values["Model!A1"], values["Model!A2"], values["Model!A3"]) == (0.1, 5.0, 1.0)
    assert values["Model!A4"] == pytest.approx(100 * 1.1 + 5)


@pytest.mark.parametrize(("number", "mean"), [(1, 100 * 1.1 + 5), (2, 100 * 1.2 + 7)])
def test_each_simulation_reads_its_own_values(number: int, mean: float) -> None:
    model = compile_model(load_workbook(model_workbook(**CELLS)))
    out = run_simulation(model, SimulationSpec({}, model.outputs, 4000, seed=3,
                                               simulation_number=number)).outputs
    assert out["Model!B1"]["mean"] == pytest.approx(mean, rel=1e-3)
    assert out["Model!B2"]["min"] == out["Model!B2"]["max"] == number


@pytest.mark.parametrize(("number", "error"), [(3, ExcelError.DIV0), (4, ExcelError.NA)])
def test_an_error_picked_or_no_value_left_is_an_error(number: int, error: ExcelError) -> None:
    model = compile_model(load_workbook(model_workbook(**CELLS)))
    out = run_simulation(model, SimulationSpec({}, model.outputs, 1000, seed=3,
                                               simulation_number=number)).outputs
    assert out["Model!B1"]["error_count"] == 1000
    assert out["Model!B1"]["errors"] == {str(error): 1000}


def test_one_compiled_model_serves_every_simulation_number() -> None:
    model = compile_model(load_workbook(model_workbook(**CELLS)))
    runs = [run_simulation(model, SimulationSpec({}, ["Model!B2"], 100, seed=1,
                                                 simulation_number=k)).outputs["Model!B2"]
            for k in (2, 1, 2)]
    assert [r["mean"] for r in runs] == [2.0, 1.0, 2.0]


def test_a_table_of_texts_or_of_distribution_cells_picks_by_number() -> None:
    """@RISK's own example (Palisade KB 55): a range of cells holding distributions, one per
    simulation; and texts, picked as any value is."""
    cells = {"D1": "=RiskNormal(10, 1)", "D2": "=RiskNormal(100, 1)",
             "A1": "=RiskSimtable(D1:D2)", "A2": '=RiskSimtable({"Low","High"})',
             "B1": "=RiskOutput()+A1", "B2": '=RiskOutput()+IF(A2="High", 1, 0)'}
    model = compile_model(load_workbook(model_workbook(**cells)))
    for number, (mean, high) in ((1, (10, 0)), (2, (100, 1))):
        out = run_simulation(model, SimulationSpec({}, model.outputs, 2000, seed=2,
                                                   simulation_number=number)).outputs
        assert out["Model!B1"]["mean"] == pytest.approx(mean, abs=0.1)
        assert out["Model!B1"]["std"] == pytest.approx(1, rel=0.1)  # drawn in every trial
        assert out["Model!B2"]["mean"] == high
