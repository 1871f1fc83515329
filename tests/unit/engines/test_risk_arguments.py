"""A distribution's arguments as they are in each trial: a function that carries an error
array (ABS, ROUND…), an error in some or all trials, a random or volatile function written in
the arguments (RAND(), RiskSimtable, TODAY()), and a locked call whose arguments change."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest

from engines.clock import serial
from engines.compiler import compile_model
from engines.simulation import SimulationSpec, run_simulation
from engines.workbook import load_workbook
from tests.unit.engines.excel_sheet import model_workbook

MOMENT = datetime(2024, 2, 29, tzinfo=UTC)


def _run(n: int = 20_000, number: int = 1, **cells: str) -> dict[str, Any]:
    model = compile_model(load_workbook(model_workbook(**cells, B1="=RiskOutput()+A1")))
    spec = SimulationSpec({}, model.outputs, n, seed=1, as_of=MOMENT, simulation_number=number)
    return dict(run_simulation(model, spec).outputs["Model!B1"])


@pytest.mark.parametrize("argument", ["ABS(-2)", "ROUND(2.4,0)", "D1"])
def test_a_function_carrying_an_error_array_is_an_argument_like_any(argument: str) -> None:
    out = _run(A1=f"=RiskNormal({argument}, 1)", D1="=ABS(-2)")
    assert out["mean"] == pytest.approx(2, abs=0.01) and out["error_count"] == 0


def test_trials_whose_arguments_are_invalid_are_errors_and_only_those() -> None:
    out = _run(n=100_000, C1="=RiskUniform(1, 3)", A1="=RiskNormal(SQRT(C1-2), 1)")
    assert out["error_count"] == pytest.approx(50_000, rel=0.02)  # C1 < 2: #NUM!
    assert out["mean"] == pytest.approx(2 / 3, abs=0.02)  # E[sqrt(U(0,1))]


@pytest.mark.parametrize(("argument", "error"), [("1/0", "#DIV/0!"), ("NA()", "#N/A")])
def test_an_argument_that_is_an_error_in_every_trial_is_that_error(argument: str,
                                                                   error: str) -> None:
    out = _run(A1=f"=RiskNormal({argument}, 1)")
    assert out["errors"] == {error: 20_000}


def test_random_and_volatile_functions_in_the_arguments_change_by_trial_and_run() -> None:
    drawn = _run(n=50_000, A1="=RiskNormal(RAND()*100, 1)")
    assert drawn["mean"] == pytest.approx(50, abs=0.5)
    assert drawn["std"] == pytest.approx(math.sqrt(1 + 100**2 / 12), rel=0.02)
    assert _run(number=2, A1="=RiskNormal(RiskSimtable({10,20,30}), 1)")["mean"] == \
        pytest.approx(20, abs=0.05)
    today = serial(datetime(2024, 2, 29))
    assert _run(A1="=RiskNormal(TODAY(), 1)")["mean"] == pytest.approx(today, abs=0.05)


def test_a_locked_call_reads_each_trials_mean_where_its_arguments_change() -> None:
    out = _run(C1="=RiskUniform(0, 10)", A1="=RiskNormal(C1, 2, RiskLock())")
    assert out["mean"] == pytest.approx(5, abs=0.05)
    assert out["std"] == pytest.approx(10 / math.sqrt(12), rel=0.02)  # C1's spread alone
