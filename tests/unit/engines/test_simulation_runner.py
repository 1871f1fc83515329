"""The runner against plain test models with closed-form answers."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest
from scipy import stats

from engines.analysis.convergence import ConvergenceSpec
from engines.errors import ExcelError
from engines.simulation import (
    CorrelationSpec,
    RunState,
    SimulationSpec,
    run_chunks,
    run_simulation,
    with_seed,
)


class FormulaModel:
    """out = f(inputs) for a Python function f; remembers the last inputs it saw."""

    def __init__(self, **outputs: Any) -> None:
        self.outputs = outputs
        self.seen: Mapping[str, Any] = {}

    def evaluate(self, n: int, inputs: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
        self.seen = dict(inputs)
        return {
            name: (np.asarray(fn(inputs), float), np.zeros(n, np.int8))
            for name, fn in self.outputs.items()
        }


SUM = FormulaModel(out=lambda v: v["A1"] + v["B1"])


def _spec(**changes: Any) -> SimulationSpec:
    base: dict[str, Any] = {
        "inputs": {"A1": "normal(10, 3)", "B1": "normal(5, 4)"},
        "outputs": ["out"],
        "iterations": 40_000,
        "seed": 1234,
        "chunk_size": 10_000,
    }
    return SimulationSpec(**(base | changes))


@pytest.mark.parametrize("sampling", ["lhs", "mc"])
def test_sum_of_normals(sampling: str) -> None:
    r = run_simulation(SUM, _spec(sampling=sampling)).outputs["out"]
    n, sd = r["count"], 5.0
    assert abs(r["mean"] - 15) < 3 * sd / math.sqrt(n)
    assert abs(r["std"] - sd) < 3 * sd / math.sqrt(2 * n)
    assert r["kurtosis"] == pytest.approx(3, abs=0.1)


def test_product_of_lognormals_is_lognormal() -> None:
    model = FormulaModel(out=lambda v: v["A1"] * v["B1"])
    spec = _spec(inputs={"A1": "lognorm2(0.5, 0.3)", "B1": "lognorm2(1, 0.4)"}, sampling="mc")
    r = run_simulation(model, spec).outputs["out"]
    # ln(A·B) ~ N(1.5, 0.3² + 0.4²) = N(1.5, 0.5²)
    product = stats.lognorm(s=0.5, scale=math.exp(1.5))
    assert abs(r["mean"] - product.mean()) < 3 * product.std() / math.sqrt(r["count"])
    assert r["median"] == pytest.approx(product.median(), rel=0.02)


def test_correlated_pair_variance_and_spearman() -> None:
    rho_s = 0.6
    spec = _spec(
        iterations=50_000,
        chunk_size=50_000,
        correlation=CorrelationSpec(("A1", "B1"), [[1, rho_s], [rho_s, 1]]),
    )
    model = FormulaModel(out=lambda v: v["A1"] + v["B1"])
    r = run_simulation(model, spec).outputs["out"]
    achieved = stats.spearmanr(model.seen["A1"], model.seen["B1"]).statistic
    assert achieved == pytest.approx(rho_s, abs=0.01)
    # Two normals with Spearman ρs have Pearson ρ = 2 sin(π ρs / 6).
    rho = 2 * math.sin(math.pi * rho_s / 6)
    assert r["variance"] == pytest.approx(9 + 16 + 2 * rho * 3 * 4, rel=0.02)


def test_lhs_reduces_the_standard_error_of_the_mean() -> None:
    model = FormulaModel(out=lambda v: np.exp(v["A1"] / 5) + v["B1"] ** 2)
    means = {
        method: [
            run_simulation(
                model, _spec(iterations=1000, chunk_size=1000, seed=s, sampling=method)
            ).outputs["out"]["mean"]
            for s in range(25)
        ]
        for method in ("lhs", "mc")
    }
    assert np.std(means["lhs"]) < np.std(means["mc"]) / 3


def test_same_seed_same_results_different_seed_different() -> None:
    spec = _spec(correlation=CorrelationSpec(("A1", "B1"), [[1, 0.3], [0.3, 1]]))
    a, b = run_simulation(SUM, spec), run_simulation(SUM, spec)
    a.compute_seconds = b.compute_seconds = 0.0
    assert a.to_dict() == b.to_dict()
    other = run_simulation(SUM, _spec(seed=99))
    assert other.outputs["out"]["mean"] != a.outputs["out"]["mean"]


def test_a_run_split_across_workers_equals_one_run() -> None:
    spec = with_seed(_spec(seed=None, exact_cap=25_000, reservoir=5_000))
    whole = run_chunks(SUM, spec, range(spec.chunks)).outcome()
    first = run_chunks(SUM, spec, [0, 1])
    first.merge(run_chunks(SUM, spec, [2, 3]))
    split = first.outcome()
    assert split.iterations == whole.iterations == 40_000
    a, b = split.outputs["out"], whole.outputs["out"]
    for key in ("mean", "variance", "skewness", "kurtosis", "min", "max"):
        assert a[key] == pytest.approx(b[key], rel=1e-12)
    assert a["percentiles"] == b["percentiles"]
    for mine, theirs in zip(
        split.sensitivity["out"]["inputs"], whole.sensitivity["out"]["inputs"], strict=True
    ):
        assert mine["input"] == theirs["input"]
        assert mine["spearman"] == theirs["spearman"]
        assert mine["src"] == pytest.approx(theirs["src"], rel=1e-10)


def test_progress_returning_false_cancels_between_chunks() -> None:
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        calls.append((done, total))
        return done < 20_000

    outcome = run_simulation(SUM, _spec(), progress)
    assert calls == [(10_000, 40_000), (20_000, 40_000)]
    assert outcome.cancelled and outcome.iterations == 20_000
    assert outcome.outputs["out"]["count"] == 20_000


def test_convergence_stops_early() -> None:
    spec = _spec(
        iterations=1_000_000,
        chunk_size=5_000,
        convergence=ConvergenceSpec(tolerance=0.01, percentiles=(50,)),
    )
    outcome = run_simulation(SUM, spec)
    assert outcome.converged is True
    assert outcome.iterations < 100_000


def test_errors_from_the_model_are_counted_and_outputs_beyond_the_cap_are_sketched() -> None:
    def ratio(v: Mapping[str, Any]) -> Any:
        return np.where(v["B1"] > 0, v["A1"] / np.where(v["B1"] > 0, v["B1"], 1), np.nan)

    class Guarded(FormulaModel):
        def evaluate(self, n: int, inputs: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
            values, _ = super().evaluate(n, inputs)["out"]
            errors = np.where(np.isnan(values), ExcelError.DIV0, 0).astype(np.int8)
            return {"out": (values, errors)}

    r = run_simulation(Guarded(out=ratio), _spec(exact_cap=10_000)).outputs["out"]
    p_negative = stats.norm(5, 4).cdf(0)
    assert r["errors"]["#DIV/0!"] == pytest.approx(40_000 * p_negative, rel=0.05)
    assert r["count"] + r["error_count"] == 40_000
    assert r["percentile_method"] == "sketch"


def test_outcome_is_json_ready_and_reports_repairs() -> None:
    bad = [[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]]
    spec = _spec(
        inputs={"A1": "normal(0,1)", "B1": "triang(0,1,3)", "C1": "pert(0,1,3)"},
        correlation=CorrelationSpec(("A1", "B1", "C1"), bad),
        targets=[0.0],
    )
    model = FormulaModel(out=lambda v: v["A1"] + v["B1"] - v["C1"])
    outcome = run_simulation(model, spec)
    assert any("not positive semi-definite" in w for w in outcome.warnings)
    assert json.loads(json.dumps(outcome.to_dict()))["outputs"]["out"]["count"] == 40_000


def test_bad_specs_are_rejected() -> None:
    with pytest.raises(ValueError, match="iterations"):
        _spec(iterations=0)
    with pytest.raises(ValueError, match="RiskNormal: sd must be > 0"):
        _spec(inputs={"A1": "normal(0, -2)"})
    with pytest.raises(ValueError, match="'Z9' is not a random input"):
        run_simulation(SUM, _spec(correlation=CorrelationSpec(("A1", "Z9"), [[1, 0], [0, 1]])))


def test_an_empty_state_reports_no_trials() -> None:
    spec = with_seed(_spec())
    state = RunState.empty(spec, ["A1", "B1"])
    assert state.outcome().outputs["out"]["count"] == 0


def test_inputs_accept_tuples_with_truncate_and_shift() -> None:
    # As in @RISK, RiskTruncate limits apply before the shift.
    spec = _spec(
        inputs={
            "A1": ("normal", [0, 1], {"truncate": (-0.5, None), "shift": 10}),
            "B1": ("RiskUniform", [0, 1]),
        }
    )
    r = run_simulation(SUM, spec).outputs["out"]
    assert r["min"] >= 9.5
    with pytest.raises(ValueError, match="unknown options"):
        _spec(inputs={"A1": ("normal", [0, 1], {"trunc": (0, 1)})})
