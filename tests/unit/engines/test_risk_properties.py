"""@RISK's property functions: those that only label a distribution for @RISK's windows change
no sample; RiskLock() fixes a distribution at its static value; RiskMakeInput(formula) is the
formula's value; RiskIndepC/RiskDepC correlate distributions by id, each dependent one with
the independent one by its coefficient."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from engines.compiler import compile_model
from engines.passes import chunk_draws
from engines.sampling.errors import DistributionError
from engines.sampling.targets import rank_correlation
from engines.simulation import SimulationSpec, random_inputs, run_simulation, with_seed
from engines.workbook import load_workbook
from tests.unit.engines.excel_sheet import model_workbook

LABELS = ('RiskUnits("$")', 'RiskCategory("Costs")', "RiskCollect()", "RiskIsDate(FALSE)",
          "RiskIsDiscrete(FALSE)", "RiskSixSigma(0,10,20,1,6)", "RiskConvergence(0.03,1,95)",
          'RiskFit("Fit1","Data")', 'RiskLibrary(1,"Sales")')


def _run(iterations: int = 20_000, seed: int = 3, **cells: str) -> dict[str, dict[str, float]]:
    model = compile_model(load_workbook(model_workbook(**cells)))
    assert model.unsupported == {}
    return run_simulation(model, SimulationSpec({}, model.outputs, iterations, seed=seed)).outputs


@pytest.mark.parametrize("label", LABELS)
def test_labels_change_no_sample(label: str) -> None:
    plain = _run(A1="=RiskNormal(10, 2)", B1="=RiskOutput()+A1*3")
    labelled = _run(A1=f"=RiskNormal(10, 2, {label})", B1="=RiskOutput()+A1*3")
    assert labelled == plain


def test_a_locked_distribution_reads_its_static_value_in_every_trial() -> None:
    out = _run(A1="=RiskTriang(1, 2, 6, RiskLock())", A2="=RiskNormal(0, 1)",
               A3="=RiskUniform(0, 1, RiskLock(), RiskStatic(0.25))",
               B1="=RiskOutput()+A1", B2="=RiskOutput()+A2+A3")
    assert out["Model!B1"]["min"] == out["Model!B1"]["max"] == pytest.approx(3.0)  # its mean
    assert out["Model!B2"]["mean"] == pytest.approx(0.25, abs=0.02)
    assert out["Model!B2"]["std"] == pytest.approx(1.0, rel=0.02)
    model = compile_model(load_workbook(model_workbook(
        A1="=RiskTriang(1, 2, 6, RiskLock())", A2="=RiskNormal(0, 1)", B1="=RiskOutput()+A1+A2")))
    sensitivity = run_simulation(model, SimulationSpec({}, model.outputs, 2000, seed=1)
                                 ).sensitivity["Model!B1"]["inputs"]
    assert [row["input"] for row in sensitivity] == ["Model!A2"]  # the locked one is no input


def test_make_input_is_its_formulas_value() -> None:
    out = _run(A1="=RiskNormal(10, 2)", A2="=RiskUniform(0, 1)",
               A3='=RiskMakeInput(A1*A2, RiskName("Product"))', B1="=RiskOutput()+A3",
               B2="=RiskOutput()+A1*A2")
    assert out["Model!B1"] == out["Model!B2"]


def test_dependent_distributions_follow_the_independent_one() -> None:
    cells = {"A1": '=RiskNormal(100, 10, RiskIndepC("price"))',
             "A2": '=RiskUniform(0, 1, RiskDepC("price", 0.8))',
             "A3": '=RiskGamma(2, 3, RiskDepC("price", -0.5))'}
    model = compile_model(load_workbook(model_workbook(
        **cells, B1="=RiskOutput()+A1", B2="=RiskOutput()+A2", B3="=RiskOutput()+A3")))
    spec = with_seed(SimulationSpec({}, model.outputs, 20_000, seed=7))
    items = random_inputs(model, spec)
    correlation, warnings = rank_correlation(None, items)
    assert correlation is not None and warnings == []
    _, u, _ = chunk_draws(np, spec, 0, items, correlation)
    rho = stats.spearmanr(np.asarray(u).T).statistic
    assert rho[0, 1] == pytest.approx(0.8, abs=0.02)
    assert rho[0, 2] == pytest.approx(-0.5, abs=0.02)
    assert rho[1, 2] == pytest.approx(-0.4, abs=0.03)  # implied through the independent one


@pytest.mark.parametrize(("cells", "words"), [
    ({"A1": '=RiskNormal(0, 1, RiskDepC("nobody", 0.5))'}, "which no sampled RiskIndepC"),
    ({"A1": '=RiskNormal(0, 1, RiskIndepC("k"))', "A2": '=RiskNormal(0, 1, RiskIndepC("k"))'},
     "more than one distribution"),
    ({"A1": '=RiskNormal(0, 1, RiskIndepC("k"))', "A2": '=RiskNormal(0, 1, RiskDepC("k", 1.5))'},
     "between -1 and 1"),
    ({"A1": '=RiskNormal(0, 1, RiskIndepC("k"), RiskDepC("k", 0.5))'}, "not both"),
])
def test_dependencies_that_cannot_hold_name_what_is_wrong(cells: dict[str, str],
                                                          words: str) -> None:
    total = "+".join(cells)  # every call is one the output needs
    model = compile_model(load_workbook(model_workbook(**cells, B1=f"=RiskOutput()+{total}")))
    with pytest.raises(DistributionError, match=words):
        run_simulation(model, SimulationSpec({}, model.outputs, 100, seed=1))
