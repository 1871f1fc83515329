"""RiskCompound(frequency, severity, deductible, limit) against the compound law's closed
forms: E[S] = E[N]·E[X'] and Var[S] = E[N]·Var[X'] + Var[N]·E[X']², X' each occurrence after
the deductible and the limit; the sheet's value; the same draws for the same seed; and the
calls it cannot be, named."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engines.compiler import compile_model
from engines.errors import ExcelError
from engines.recalc import recalc_workbook
from engines.sampling import compound
from engines.sampling.errors import DistributionError
from engines.simulation import SimulationSpec, run_simulation
from engines.workbook import load_workbook
from tests.unit.engines.excel_sheet import model_workbook

TRIALS = 100_000
# Lognorm(mean 10000, sd 10000) occurrences, Poisson(5) of them (@RISK's own example)
LOGNORM = (5 * 10_000, math.sqrt(5 * (10_000**2 + 10_000**2)))
# one occurrence with probability 0.4 of Normal(100, 10)
BERNOULLI = (40.0, math.sqrt(0.4 * (100**2 + 10**2) - 40.0**2))
# three Uniform(0, 100) occurrences, less 20, at most 50: X' is 0 (20 %), U-20 (50 %), 50 (30 %)
EX = 0.5 * 25 + 0.3 * 50
EX2 = 0.5 * (50**2 / 3) + 0.3 * 50**2
UNIFORM = (3 * EX, math.sqrt(3 * (EX2 - EX**2)))
# Poisson(4) of Expon(10) occurrences at most 15: E[min(X,15)] = 10(1-e^-1.5)
EL = 10 * (1 - math.exp(-1.5))
EL2 = 2 * 100 * (1 - math.exp(-1.5) * (1 + 1.5))  # E[min(X,c)^2] = 2β²(1-e^-c/β(1+c/β))
EXPON = (4 * EL, math.sqrt(4 * EL2))
CELLS = {
    "A1": "=RiskCompound(RiskPoisson(5), RiskLognorm(10000, 10000))",
    "A2": "=RiskCompound(RiskBinomial(1, 0.4), RiskNormal(100, 10))",
    "A3": "=RiskCompound(3, RiskUniform(0, 100), 20, 50)",
    "A4": "=RiskCompound(RiskPoisson(4), RiskExpon(10), , 15)",
    "C1": 7, "A5": "=RiskCompound(RiskPoisson(2), C1)",  # a value: the same each occurrence
    "B1": "=RiskOutput()+A1", "B2": "=RiskOutput()+A2", "B3": "=RiskOutput()+A3",
    "B4": "=RiskOutput()+A4", "B5": "=RiskOutput()+A5",
}
LAWS = {"Model!B1": LOGNORM, "Model!B2": BERNOULLI, "Model!B3": UNIFORM, "Model!B4": EXPON,
        "Model!B5": (14.0, 7 * math.sqrt(2))}


def _outputs(seed: int = 3, **cells: object) -> dict[str, dict[str, float]]:
    model = compile_model(load_workbook(model_workbook(**(cells or CELLS))))
    assert model.unsupported == {}
    return run_simulation(model, SimulationSpec({}, model.outputs, TRIALS, seed=seed)).outputs


def test_moments_are_the_compound_laws() -> None:
    out = _outputs()
    for cell, (mean, sd) in LAWS.items():
        # 5 standard errors of the mean; the sd within 3 %
        assert out[cell]["mean"] == pytest.approx(mean, abs=5 * sd / math.sqrt(TRIALS)), cell
        assert out[cell]["std"] == pytest.approx(sd, rel=0.03), cell


def test_the_sheet_shows_the_expected_sum() -> None:
    values = recalc_workbook(model_workbook(**CELLS))
    for cell, (mean, _) in LAWS.items():
        assert values[cell] == pytest.approx(mean, rel=1e-4), cell


def test_a_seed_draws_the_same_occurrences_and_another_seed_others() -> None:
    assert _outputs(seed=11) == _outputs(seed=11)
    assert _outputs(seed=11)["Model!B1"]["mean"] != _outputs(seed=12)["Model!B1"]["mean"]


def test_a_negative_frequency_is_an_error_in_its_trials() -> None:
    # truncated toward zero as @RISK does: below -1 (half the trials) it is negative
    out = _outputs(A1="=RiskCompound(RiskUniform(-3, 1), RiskNormal(10, 1))",
                   B1="=RiskOutput()+A1")
    share = out["Model!B1"]["error_count"] / TRIALS
    assert share == pytest.approx(0.5, abs=0.01)


@pytest.mark.parametrize(("cells", "listed"), [
    ({"C1": "=RiskNormal(100, 10)", "A1": "=RiskCompound(RiskPoisson(2), C1)"},
     "RiskCompound (severity in another cell)"),
    ({"A1": "=RiskCompound(RiskPoisson(2))"}, "RiskCompound (arguments)"),
])
def test_calls_it_cannot_be_are_listed(cells: dict[str, str], listed: str) -> None:
    model = compile_model(load_workbook(model_workbook(**cells, B1="=RiskOutput()+A1")))
    assert model.unsupported == {listed: ["Model!A1"]}


def test_the_compound_itself_cannot_be_correlated() -> None:
    model = compile_model(load_workbook(model_workbook(
        A1='=RiskCompound(RiskPoisson(2), RiskNormal(10, 1), RiskIndepC("k"))',
        B1="=RiskOutput()+A1")))
    with pytest.raises(DistributionError, match="RiskCompound itself cannot be correlated"):
        run_simulation(model, SimulationSpec({}, model.outputs, 100, seed=1))


def test_occurrences_drawn_in_batches_are_the_same_draws(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    layout = compound.Compound("RiskNormal", 2, deductible=True)
    u = np.random.default_rng(5).random(500)
    args = [np.floor(u * 7), np.asarray([100.0]), np.asarray([10.0]), np.asarray([95.0])]
    whole = compound.sums(np, layout, u, args)
    monkeypatch.setattr(compound, "BATCH", 7)
    assert np.array_equal(compound.sums(np, layout, u, args), whole)


def test_a_frequency_past_the_bound_is_refused_by_name() -> None:
    model = compile_model(load_workbook(model_workbook(
        A1="=RiskCompound(1E9, RiskNormal(10, 1))", B1="=RiskOutput()+A1")))
    with pytest.raises(DistributionError, match=r"Model!A1: RiskCompound: the frequency"
                                                 r" averages 1,000,000,000 occurrences a trial"):
        run_simulation(model, SimulationSpec({}, model.outputs, 1000, seed=1))


def test_the_sheet_truncates_a_written_frequency_as_a_trial_does_and_refuses_negative_bounds(
) -> None:
    values = recalc_workbook(model_workbook(
        A1="=RiskCompound(2.7, RiskExpon(1))",
        A3="=RiskCompound(-1, RiskExpon(1))",
        A4="=RiskCompound(RiskPoisson(2), RiskExpon(1), 5, -1)",
        A5="=RiskCompound(RiskPoisson(2), RiskExpon(1), -5)"))
    assert values["Model!A1"] == pytest.approx(2.0, rel=1e-4)  # two occurrences of mean 1
    assert [values[f"Model!A{row}"] for row in (3, 4, 5)] == [ExcelError.NUM] * 3
    out = _outputs(A1="=RiskCompound(2.7, RiskExpon(1))", B1="=RiskOutput()+A1",
                   A2="=RiskCompound(RiskPoisson(2), RiskExpon(1), 5, -1)", B2="=RiskOutput()+A2")
    assert out["Model!B1"]["mean"] == pytest.approx(2.0, abs=0.02)
    assert out["Model!B2"]["error_count"] == TRIALS
