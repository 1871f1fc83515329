"""@RISK's alternate parameters (…Alt, …AltD): percentiles and named parameters solved into
the base family's, checked against Palisade's own worked example, closed forms (RiskUniformAlt)
and RiskTrigen, which Palisade defines as a RiskTriangAlt."""

from __future__ import annotations

import pytest
from scipy import stats

from engines.compiler import compile_model
from engines.recalc import recalc_workbook
from engines.sampling.alt import Alt
from engines.sampling.errors import DistributionError
from engines.simulation import SimulationSpec, run_simulation
from engines.workbook import load_workbook
from tests.unit.engines.excel_sheet import model_workbook


def test_palisades_beta_general_example() -> None:
    # Palisade KB 1644: RiskBetaGeneralAlt(5%,-3,25%,2,75%,12,95%,16) is
    # alpha1=1.295682, alpha2=1.121222, Min=-4.990886, Max=17.204968
    solved = Alt.of("RiskBetaGeneralAlt", [0.05, 0.25, 0.75, 0.95]).solve([-3, 2, 12, 16])
    assert solved == pytest.approx((1.295682, 1.121222, -4.990886, 17.204968), abs=1e-6)


def test_closed_forms_and_named_parameters() -> None:
    # Palisade KB 1644: min = (x1 C2 - x2 C1)/(C2 - C1), max = min + (x2 - x1)/(C2 - C1)
    assert Alt.of("RiskUniformAlt", [0.1, 0.9]).solve([2, 10]) == pytest.approx((1.0, 11.0))
    mean, sd = Alt.of("RiskNormalAlt", ["5%", "95%"]).solve([1, 10])
    assert (mean, sd) == pytest.approx((5.5, 4.5 / stats.norm.ppf(0.95)))
    assert Alt.of("RiskNormalAlt", ["mu", 0.95]).solve([5, 10]) == pytest.approx(
        (5, 5 / stats.norm.ppf(0.95)))
    # AltD: descending percentiles, P(X >= x)
    assert Alt.of("RiskNormalAltD", [0.95, 0.05]).solve([1, 10]) == pytest.approx((mean, sd))


def test_triang_alt_is_trigen_and_percentiles_hold_in_a_run() -> None:
    cells = {"A1": '=RiskTriangAlt(10%, 5, "m. likely", 8, 90%, 15)',
             "A2": "=RiskTrigen(5, 8, 15, 10, 90)", "C1": 100,
             "A3": '=RiskNormalAlt("mu", C1, 0.95, C1*1.2)',
             "B1": "=RiskOutput()+A1", "B2": "=RiskOutput()+A2", "B3": "=RiskOutput()+A3"}
    values = recalc_workbook(model_workbook(**cells))
    assert values["Model!A1"] == pytest.approx(values["Model!A2"], rel=1e-9)
    assert values["Model!A3"] == 100
    model = compile_model(load_workbook(model_workbook(**cells)))
    out = run_simulation(model, SimulationSpec({}, model.outputs, 100_000, seed=4)).outputs
    at = {row["p"]: row["value"] for row in out["Model!B1"]["percentiles"]}
    assert (at[10.0], at[90.0]) == pytest.approx((5, 15), abs=0.05)
    at = {row["p"]: row["value"] for row in out["Model!B3"]["percentiles"]}
    assert at[95.0] == pytest.approx(120, abs=0.2)


def test_what_cannot_be_solved_is_named() -> None:
    model = compile_model(load_workbook(model_workbook(
        A1='=RiskNormalAlt("spread", 1, 0.9, 2)', B1="=RiskOutput()+A1")))
    assert model.unsupported == {"RiskNormalAlt (types)": ["Model!A1"]}
    with pytest.raises(DistributionError, match="percentile must be between 0 and 1"):
        Alt.of("RiskNormalAlt", [1.5, 0.9])
    varying = compile_model(load_workbook(model_workbook(
        C1="=RiskUniform(1, 2)", A1="=RiskNormalAlt(0.05, C1, 0.95, 10)",
        B1="=RiskOutput()+A1")))
    with pytest.raises(DistributionError, match="Model!A1: .*same in every trial"):
        run_simulation(varying, SimulationSpec({}, varying.outputs, 100, seed=1))
