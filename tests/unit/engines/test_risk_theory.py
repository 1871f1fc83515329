"""RiskTheo functions: the statistics of a distribution's law, checked against scipy.stats with
@RISK's parameterisation written out, truncation and shift included; a statistic the law does
not have is #NUM!, a target that is no distribution #VALUE!."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from engines.compiler import compile_model
from engines.errors import ExcelError
from engines.recalc import recalc_workbook
from engines.simulation import SimulationSpec, run_simulation
from engines.workbook import load_workbook
from tests.unit.engines.excel_sheet import model_workbook

GAMMA = stats.gamma(a=2, scale=3)  # RiskGamma(alpha 2, beta 3)
TRUNCATED = stats.truncnorm(a=0, b=math.inf)  # RiskNormal(0, 1, RiskTruncate(0,))
CASES = {
    "B1": ("=RiskTheoMean(A1)", 100.0),
    "B2": ("=RiskTheoStdDev(A1)", 10.0),
    "B3": ("=RiskTheoVariance(A1)", 100.0),
    "B4": ("=RiskTheoPtoX(A1, 0.95)", stats.norm(100, 10).ppf(0.95)),
    "B5": ("=RiskTheoPercentile(A1, 0.05)", stats.norm(100, 10).ppf(0.05)),
    "B6": ("=RiskTheoXtoP(A1, 110)", stats.norm(100, 10).cdf(110)),
    "B7": ("=RiskTheoTargetD(A1, 110)", stats.norm(100, 10).sf(110)),
    "B8": ("=RiskTheoSkewness(RiskGamma(2, 3))", float(GAMMA.stats(moments="s"))),
    "B9": ("=RiskTheoKurtosis(RiskGamma(2, 3))", float(GAMMA.stats(moments="k")) + 3),
    "B10": ("=RiskTheoMean(RiskNormal(0, 1, RiskTruncate(0,)))", TRUNCATED.mean()),
    "B11": ("=RiskTheoStdDev(RiskNormal(0, 1, RiskTruncate(0,), RiskShift(5)))",
            TRUNCATED.std()),
    "B12": ("=RiskTheoMean(RiskNormal(0, 1, RiskTruncate(0,), RiskShift(5)))",
            TRUNCATED.mean() + 5),
    "B13": ("=RiskTheoPercentileD(RiskUniform(0, 10), 0.2)", 8.0),
    "B14": ("=RiskTheoRange(RiskTriang(1, 2, 6))", 5.0),
    "B15": ("=RiskTheoMin(RiskTriang(1, 2, 6))", 1.0),
    "B16": ("=RiskTheoXtoP(RiskExpon(2), 2)", stats.expon(scale=2).cdf(2)),
    "B17": ("=RiskTheoVariance(RiskPoisson(4))", 4.0),
    "B18": ("=RiskTheoTarget(RiskNormal(0, 1, RiskTruncate(-1, 1)), 0.5)",
            (stats.norm.cdf(0.5) - stats.norm.cdf(-1)) / (stats.norm.cdf(1) - stats.norm.cdf(-1))),
}


def test_statistics_are_the_laws() -> None:
    values = recalc_workbook(model_workbook(A1="=RiskNormal(100, 10)",
                                            **{cell: f for cell, (f, _) in CASES.items()}))
    for cell, (formula, truth) in CASES.items():
        rel = 1e-3 if "Poisson" in formula else 1e-8  # a discrete law: midpoint quantiles
        assert values[f"Model!{cell}"] == pytest.approx(truth, rel=rel, abs=1e-12), formula


def test_statistics_a_law_lacks_are_num_and_a_non_distribution_value() -> None:
    values = recalc_workbook(model_workbook(
        A1="=RiskNormal(0, 1)", C1=5, B1="=RiskTheoMin(A1)",
        B2="=RiskTheoVariance(RiskCauchy(0, 1))", B3="=RiskTheoMean(C1)",
        B4="=RiskTheoMean(A1, 2)", B5="=RiskTheoPtoX(A1, 1.5)"))
    assert values["Model!B1"] == ExcelError.NUM  # a normal law has no least value
    assert values["Model!B2"] == ExcelError.NUM  # nor has a Cauchy one a variance
    assert values["Model!B3"] == ExcelError.VALUE  # 5 is no distribution
    assert values["Model!B4"] == ExcelError.VALUE  # too many arguments
    assert values["Model!B5"] == ExcelError.NUM  # no 150th percentile


def test_in_a_simulation_a_law_whose_arguments_vary_is_value() -> None:
    model = compile_model(load_workbook(model_workbook(
        A1="=RiskNormal(100, 10)", A2="=RiskUniform(1, 2)", A3="=RiskNormal(A2, 1)",
        B1="=RiskOutput()+RiskTheoMean(A1)+A1", B2="=RiskOutput()+RiskTheoMean(A3)")))
    out = run_simulation(model, SimulationSpec({}, model.outputs, 2000, seed=1)).outputs
    assert out["Model!B1"]["mean"] == pytest.approx(200, rel=1e-2)
    assert out["Model!B2"]["errors"] == {str(ExcelError.VALUE): 2000}
