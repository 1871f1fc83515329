"""Correlation written in cells with RiskCorrmat, and the RiskTruncate2/RiskTruncateP properties."""

from __future__ import annotations

import math

import pytest

from engines.compiler import compile_model
from engines.sampling.errors import CorrelationError
from engines.simulation import SimulationOutcome, SimulationSpec, run_simulation
from engines.workbook import load_workbook
from tests.unit.engines.excel_sheet import model_workbook


def _run(data: bytes, outputs: list[str], iterations: int = 20_000) -> SimulationOutcome:
    model = compile_model(load_workbook(data), outputs=outputs)
    return run_simulation(model, SimulationSpec({}, outputs, iterations, seed=7))


def _spearman(outcome: SimulationOutcome, output: str, label: str) -> float:
    rows = outcome.sensitivity[output]["inputs"]
    return float(next(row["spearman"] for row in rows if row["input"] == label))


def test_calls_sharing_a_matrix_get_its_rank_correlation() -> None:
    # A 3x3 matrix; D1..D3 expose each input as an output, D4 sums the two normals.
    data = model_workbook(
        F1=1,
        G1=0.6,
        H1=-0.3,
        F2=0.6,
        G2=1,
        H2=0.2,
        F3=-0.3,
        G3=0.2,
        H3=1,
        A1="=RiskNormal(100, 10, RiskCorrmat($F$1:$H$3, 1))",
        A2="=RiskNormal(50, 20, RiskCorrmat($F$1:$H$3, 2))",
        A3="=RiskTriang(1, 2, 4, RiskCorrmat($F$1:$H$3, 3))",
        D1="=A1",
        D2="=A2",
        D3="=A3",
        D4="=A1 + A2",
    )
    outcome = _run(data, ["Model!D1", "Model!D2", "Model!D3", "Model!D4"])
    assert _spearman(outcome, "Model!D1", "Model!A2") == pytest.approx(0.6, abs=0.02)
    assert _spearman(outcome, "Model!D1", "Model!A3") == pytest.approx(-0.3, abs=0.02)
    assert _spearman(outcome, "Model!D2", "Model!A3") == pytest.approx(0.2, abs=0.02)
    # Normal scores correlated to Spearman 0.6 have Pearson 2 sin(0.6π/6).
    rho = 2 * math.sin(math.pi * 0.6 / 6)
    sd = math.sqrt(10**2 + 20**2 + 2 * rho * 10 * 20)
    total = outcome.outputs["Model!D4"]
    assert total["mean"] == pytest.approx(150, abs=0.5)
    assert total["std"] == pytest.approx(sd, rel=0.02)
    assert outcome.warnings == []


def test_instances_of_one_matrix_are_separate_groups() -> None:
    data = model_workbook(
        F1=1,
        G1=0.8,
        F2=0.8,
        G2=1,
        A1="=RiskNormal(0, 1, RiskCorrmat(F1:G2, 1, 1))",
        A2="=RiskNormal(0, 1, RiskCorrmat(F1:G2, 2, 1))",
        B1="=RiskNormal(0, 1, RiskCorrmat(F1:G2, 1, 2))",
        B2="=RiskNormal(0, 1, RiskCorrmat(F1:G2, 2, 2))",
        D1="=A1",
        D2="=B1",
        D3="=A2 + B2",
    )
    outcome = _run(data, ["Model!D1", "Model!D2", "Model!D3"])
    assert _spearman(outcome, "Model!D1", "Model!A2") == pytest.approx(0.8, abs=0.02)
    assert _spearman(outcome, "Model!D2", "Model!B2") == pytest.approx(0.8, abs=0.02)
    assert _spearman(outcome, "Model!D1", "Model!B1") == pytest.approx(0.0, abs=0.03)


def test_a_matrix_that_is_not_positive_semidefinite_is_repaired_with_a_warning() -> None:
    data = model_workbook(
        F1=1, G1=0.9, H1=0.9,
        F2=0.9, G2=1, H2=-0.9,
        F3=0.9, G3=-0.9, H3=1,
        A1="=RiskNormal(0, 1, RiskCorrmat(F1:H3, 1))",
        A2="=RiskNormal(0, 1, RiskCorrmat(F1:H3, 2))",
        A3="=RiskNormal(0, 1, RiskCorrmat(F1:H3, 3))",
        D1="=A1 + A2 + A3",
    )  # fmt: skip
    outcome = _run(data, ["Model!D1"], 2000)
    assert len(outcome.warnings) == 1
    assert "RiskCorrmat Model!F1:H3" in outcome.warnings[0]
    assert "not positive semi-definite" in outcome.warnings[0]


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"F1": 1, "G1": 0.5, "F2": 0.4, "G2": 1}, "must be symmetric"),
        ({"F1": 1, "G1": 1.5, "F2": 1.5, "G2": 1}, r"in \[-1, 1\]"),
        ({"F1": 0.9, "G1": 0.5, "F2": 0.5, "G2": 1}, "diagonal must be all 1"),
        ({"F1": 1, "G1": "x", "F2": 0.5, "G2": 1}, r"in \[-1, 1\]"),
        ({"F1": 1, "G1": "=0.5", "F2": 0.5, "G2": 1}, "constant cells"),
    ],
)
def test_a_bad_matrix_fails_naming_its_range(cells: dict[str, object], message: str) -> None:
    data = model_workbook(
        **cells,
        A1="=RiskNormal(0, 1, RiskCorrmat(F1:G2, 1))",
        A2="=RiskNormal(0, 1, RiskCorrmat(F1:G2, 2))",
        D1="=A1 + A2",
    )
    with pytest.raises(CorrelationError, match=rf"RiskCorrmat Model!F1:G2: .*{message}"):
        _run(data, ["Model!D1"], 100)


def test_a_matrix_that_is_not_square_or_a_position_beyond_it_fails() -> None:
    wide = model_workbook(
        F1=1, G1=0.5, H1=0, F2=0.5, G2=1, H2=0,
        A1="=RiskNormal(0, 1, RiskCorrmat(F1:H2, 1))",
        D1="=A1",
    )  # fmt: skip
    with pytest.raises(CorrelationError, match=r"Model!F1:H2: the matrix must be square"):
        _run(wide, ["Model!D1"], 100)
    beyond = model_workbook(
        F1=1, G1=0.5, F2=0.5, G2=1,
        A1="=RiskNormal(0, 1, RiskCorrmat(F1:G2, 3))",
        D1="=A1",
    )  # fmt: skip
    with pytest.raises(CorrelationError, match=r"position 3 is beyond the matrix"):
        _run(beyond, ["Model!D1"], 100)


def test_truncate2_and_truncatep_are_properties_applied_to_the_samples() -> None:
    data = model_workbook(
        A1="=RiskNormal(0, 1, RiskShift(10), RiskTruncate2(9.5, 11))",
        A2="=RiskNormal(0, 1, RiskTruncateP(0.1, 0.9))",
        D1="=A1",
        D2="=A2",
    )
    model = compile_model(load_workbook(data), outputs=["Model!D1", "Model!D2"])
    assert model.unsupported == {}
    assert [sorted(r.properties) for r in model.risk_inputs] == [
        ["RiskShift", "RiskTruncate2"],
        ["RiskTruncatep"],
    ]
    outcome = run_simulation(model, SimulationSpec({}, model.outputs, 5000, seed=3))
    shifted = outcome.outputs["Model!D1"]
    assert shifted["min"] >= 9.5 and shifted["max"] <= 11
    # The 10th and 90th percentiles of the standard normal: ±1.2816.
    tail = outcome.outputs["Model!D2"]
    assert tail["min"] >= -1.2816 - 1e-3 and tail["max"] <= 1.2816 + 1e-3
    assert tail["min"] == pytest.approx(-1.2816, abs=0.01)
