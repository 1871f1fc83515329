"""The runner feeding a compiled workbook: request inputs and distribution calls in cells."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engines.compiler import compile_model
from engines.sampling.errors import DistributionError
from engines.simulation import CorrelationSpec, SimulationSpec, run_simulation
from engines.workbook import load_workbook
from tests.unit.engines.excel_sheet import model_workbook


def test_cells_with_fixed_and_cell_dependent_distributions() -> None:
    data = model_workbook(
        A1='=RiskNormal(10, 2, RiskName("Sales"))',
        A2="=RiskNormal(A1, 1, RiskTruncate(-100, 1000))",
        A3="=RiskDiscrete({1,2},{0.5,0.5})",
        B1=5,
        C1='=RiskOutput("Total") + A1 + A2 + A3 + B1',
    )
    model = compile_model(load_workbook(data), inputs=["Model!B1"], outputs=["Model!C1"])
    spec = SimulationSpec(
        {"Model!B1": "uniform(0, 10)"},
        ["Model!C1"],
        50_000,
        seed=3,
        chunk_size=25_000,
        sampling="mc",
        correlation=CorrelationSpec(("Sales", "Model!B1"), [[1, 0], [0, 1]]),
    )
    outcome = run_simulation(model, spec)
    r = outcome.outputs["Model!C1"]
    # C1 = 2·A1 + e + A3 + B1: mean 26.5, variance 4·4 + 1 + 0.25 + 100/12.
    sd = math.sqrt(16 + 1 + 0.25 + 100 / 12)
    assert abs(r["mean"] - 26.5) < 3 * sd / math.sqrt(r["count"])
    assert r["std"] == pytest.approx(sd, rel=0.02)
    labels = {row["input"] for row in outcome.sensitivity["Model!C1"]["inputs"]}
    assert labels == {"Model!B1", "Sales", "Model!A2", "Model!A3"}


def test_trials_with_invalid_arguments_become_errors() -> None:
    data = model_workbook(A1="=RiskUniform(-1, 1)", A2="=RiskNormal(0, A1)", C1="=A2")
    model = compile_model(load_workbook(data), outputs=["Model!C1"])
    r = run_simulation(model, SimulationSpec({}, ["Model!C1"], 2000, seed=1)).outputs["Model!C1"]
    assert r["count"] == r["error_count"] == 1000


def test_arguments_invalid_in_every_trial_name_the_cell() -> None:
    data = model_workbook(A1="=RiskUniform(-2, -1)", A2="=RiskNormal(0, A1)", C1="=A2")
    model = compile_model(load_workbook(data), outputs=["Model!C1"])
    with pytest.raises(DistributionError, match=r"Model!A2: RiskNormal: sd must be > 0"):
        run_simulation(model, SimulationSpec({}, ["Model!C1"], 1000, seed=1))


def test_static_value_feeds_the_compiler_recalc() -> None:
    data = model_workbook(A1="=RiskTriang(1, 2, 6)", C1="=A1*2")
    values = compile_model(load_workbook(data), outputs=["Model!C1"]).recalc()
    assert np.isclose(float(values["Model!C1"]), 6.0)  # type: ignore[arg-type]


def test_static_values_are_the_means_after_shift_and_truncation() -> None:
    """What the sheet shows of a distribution is its mean as drawn: RiskShift added, and a
    RiskTruncate'd law's own mean (closed forms: the half-normal's sqrt(2/pi); Gamma(2, 1)
    below 1: (2 - 5/e) / (1 - 2/e)); limits that cut nothing leave the mean exact."""
    data = model_workbook(
        A1="=RiskLognorm(10, 2, RiskShift(5))", A2="=RiskExpon(2, RiskShift(-1), RiskTruncate(0,))",
        A3="=RiskGamma(2, 1, RiskTruncate(, 1))", A4="=RiskNormal(0, 1, RiskTruncate(0,))",
        A5="=RiskUniform(0, 10, RiskTruncate2(2, 4), RiskShift(1))",
        A6="=RiskNormal(0, 1, RiskStatic(3), RiskShift(2))")
    values = compile_model(load_workbook(data), outputs=[f"Model!A{i}" for i in range(1, 7)]
                           ).recalc()
    got = [float(values[f"Model!A{i}"]) for i in range(1, 7)]  # type: ignore[arg-type]
    assert got[0] == 15.0 and got[1] == 1.0 and got[4] == 3.0 and got[5] == 3.0
    assert got[2] == pytest.approx((2 - 5 / math.e) / (1 - 2 / math.e), rel=1e-6)
    assert got[3] == pytest.approx(math.sqrt(2 / math.pi), rel=1e-5)


def test_a_distribution_may_take_distributions_as_arguments() -> None:
    """@RISK draws the inner calls first in each trial: X ~ N(M, S), M ~ N(10, 1), S ~ U(1, 2)
    has mean 10 and variance Var(M) + E[S²] = 1 + 7/3."""
    data = model_workbook(A1="=RiskNormal(RiskNormal(10, 1), RiskUniform(1, 2))", C1="=A1*2")
    model = compile_model(load_workbook(data), outputs=["Model!C1"])
    assert [(r.id.index, r.distribution) for r in model.risk_inputs] == [
        (1, "RiskNormal"), (2, "RiskUniform"), (0, "RiskNormal")]
    r = run_simulation(model, SimulationSpec({}, ["Model!C1"], 100_000, seed=5)).outputs[
        "Model!C1"]
    sd = 2 * math.sqrt(1 + 7 / 3)
    assert r["error_count"] == 0
    assert abs(r["mean"] - 20) < 4 * sd / math.sqrt(r["count"])
    assert r["std"] == pytest.approx(sd, rel=0.02)


def test_risk_statistics_and_unknown_risk_functions_are_no_inputs() -> None:
    """RiskMean(A2) in a summary cell is a statistic of the results, not a distribution: it
    was listed as a risk input (and RiskBurr12, an @RISK distribution RiskStream does not know,
    failed the run when it was drawn). Both are listed unsupported; the run goes on without them."""
    data = model_workbook(A1="=RiskNormal(10, 1)", A2="=RiskOutput()+A1*2", A3="=RiskMean(A2)",
                          A4="=RiskBurr12(0, 1, 2, 3)")
    model = compile_model(load_workbook(data))
    assert [(r.id.cell, r.distribution) for r in model.risk_calls] == [("Model!A1", "RiskNormal")]
    assert model.unsupported == {"RiskBurr12": ["Model!A4"], "RiskMean": ["Model!A3"]}
    r = run_simulation(model, SimulationSpec({}, ["Model!A2"], 20_000, seed=2)).outputs[
        "Model!A2"]
    assert r["error_count"] == 0 and abs(r["mean"] - 20) < 4 * 2 / math.sqrt(20_000)
