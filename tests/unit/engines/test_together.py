"""Runs of one model computed together share its passes, and each outcome is the one the run
gives alone, to the last bit; runs whose passes cannot be shared are computed alone."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import engines.passes as passes
from engines.analysis.convergence import ConvergenceSpec
from engines.compiler import compile_model
from engines.service import (
    WorkbookEngine,
    compiled,
    simulate,
    simulate_together,
    simulation_spec,
)
from engines.simulation import SimulationSpec, run_simulation
from engines.together import run_together
from engines.workbook import load_workbook
from tests.unit.engines.excel_sheet import model_workbook

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "project-npv.xlsx"
OUTPUTS = ["Model!B17", "Model!B18"]


def _request(seed: int, **extra: Any) -> dict[str, Any]:
    return {"inputs": {"Model!B2": {"distribution": "normal", "params": [10000 + seed, 1500]},
                       "Model!B4": {"distribution": "pert", "params": [26, 30 + seed % 3, 38]}},
            "outputs": OUTPUTS, "iterations": 10_000, "seed": seed, **extra}


REQUESTS = [
    _request(1),
    _request(2, iterations=2_999, percentiles=[2.5, 97.5]),
    _request(3, sampling="mc", targets=[0, 100_000],
             correlation={"cells": ["Model!B2", "Model!B4"], "matrix": [[1, 0.4], [0.4, 1]]}),
    _request(4, iterations=25_500, chunk_size=1_000),  # many chunks, a short last one
    _request(5, iterations=1),
]


def _plain(outcome: dict[str, Any]) -> str:
    outcome = dict(outcome)
    assert outcome.pop("compute_seconds") > 0
    return json.dumps(outcome, sort_keys=True, default=str)


def _budget(data: bytes) -> int:
    """The most trials of the example model's pass: PASS_TRIALS, or fewer where a slice of
    its trials must be smaller."""
    model, _ = compiled(data, simulation_spec(_request(1)))
    return min(passes.PASS_TRIALS, max(model.trials_per_slice, 10_000))


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The trials of each pass of the model from now on."""
    sizes: list[int] = []
    evaluate = passes.evaluate_pass

    def counted(xp: Any, model: Any, items: Any, drawn: Any, laws: Any = None) -> Any:
        sizes.append(sum(n for n, _, _ in drawn))
        return evaluate(xp, model, items, drawn, laws)

    monkeypatch.setattr(passes, "evaluate_pass", counted)
    return sizes


def test_runs_together_have_their_outcomes_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    data = EXAMPLE.read_bytes()
    specs = [simulation_spec(request) for request in REQUESTS]
    alone = [_plain(simulate(data, spec)) for spec in specs]
    sizes = _counting(monkeypatch)
    together = [_plain(outcome) for outcome in simulate_together(data, specs)]
    assert together == alone
    # 48,500 trials of five runs, 30 chunks, in as few passes as the pass's budget allows
    budget = _budget(data)
    assert budget >= 30_000 and sum(sizes) == 48_500
    assert max(sizes) <= budget and len(sizes) == -(-48_500 // budget)


def test_more_trials_than_a_pass_take_several_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    data = EXAMPLE.read_bytes()
    specs = [simulation_spec(_request(seed)) for seed in range(8)]
    alone = [_plain(simulate(data, spec)) for spec in specs]
    sizes = _counting(monkeypatch)
    assert [_plain(outcome) for outcome in simulate_together(data, specs)] == alone
    runs_a_pass = _budget(data) // 10_000
    assert sizes == [min(runs_a_pass, 8 - i) * 10_000 for i in range(0, 8, runs_a_pass)]


def test_runs_of_different_models_are_each_their_models(
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = EXAMPLE.read_bytes()
    specs = [simulation_spec(_request(1)), simulation_spec({**_request(2), "outputs": OUTPUTS[:1]}),
             simulation_spec(_request(3))]
    alone = [_plain(simulate(data, spec)) for spec in specs]
    sizes = _counting(monkeypatch)
    assert [_plain(outcome) for outcome in simulate_together(data, specs)] == alone
    assert sorted(sizes) == [10_000, 20_000]


def test_risk_functions_in_cells_share_passes_and_keep_their_draws(
        monkeypatch: pytest.MonkeyPatch) -> None:
    fixed = model_workbook(A1='=RiskNormal(10, 2, RiskName("Sales"))', A2="=RiskTriang(1, 2, 6)",
                           B1=5, C1='=RiskOutput("Total") + A1 * A2 + B1')
    model = compile_model(load_workbook(fixed), inputs=["Model!B1"], outputs=["Model!C1"])
    specs = [SimulationSpec({"Model!B1": f"uniform(0, {10 + seed})"}, ["Model!C1"], 3_000,
                            seed=seed, chunk_size=1_000) for seed in range(3)]
    alone = [run_simulation(model, spec).to_dict() for spec in specs]
    sizes = _counting(monkeypatch)
    together = [outcome.to_dict() for outcome in run_together(model, specs)]
    for outcome in (*alone, *together):
        outcome.pop("compute_seconds")
    assert together == alone and sizes == [9_000]


@pytest.mark.parametrize("formula", ["=A1 * RAND()", "=A1 + TODAY()", "=RiskNormal(A1, 1)"])
def test_a_model_that_draws_or_reads_the_clock_is_computed_a_run_at_a_time(
        monkeypatch: pytest.MonkeyPatch, formula: str) -> None:
    model = compile_model(load_workbook(model_workbook(A1=1, C1=formula)), inputs=["Model!A1"],
                          outputs=["Model!C1"])
    specs = [SimulationSpec({"Model!A1": "uniform(1, 2)"}, ["Model!C1"], 2_000, seed=seed,
                            chunk_size=1_000) for seed in (1, 2)]
    alone = [run_simulation(model, spec).to_dict() for spec in specs]
    sizes = _counting(monkeypatch)
    together = [outcome.to_dict() for outcome in run_together(model, specs)]
    for outcome in (*alone, *together):
        outcome.pop("compute_seconds")
    assert together == alone
    assert sizes == [1_000] * 4  # chunk by chunk, as alone


def test_a_run_that_stops_on_convergence_is_computed_alone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    model = compile_model(load_workbook(model_workbook(A1=1, C1="=A1*2")), inputs=["Model!A1"],
                          outputs=["Model!C1"])
    plain = SimulationSpec({"Model!A1": "uniform(0, 1)"}, ["Model!C1"], 5_000, seed=1,
                           chunk_size=1_000)
    converging = replace(plain, seed=2, convergence=ConvergenceSpec())
    alone = [run_simulation(model, spec).to_dict() for spec in (plain, converging)]
    together = [outcome.to_dict() for outcome in run_together(model, [plain, converging])]
    for outcome in (*alone, *together):
        outcome.pop("compute_seconds")
    assert together == alone
    assert together[1]["converged"] is not None


def test_a_spec_the_workbook_cannot_serve_raises_for_the_caller_to_compute_each_alone() -> None:
    data = EXAMPLE.read_bytes()
    specs = [simulation_spec(_request(1)), simulation_spec({**_request(2), "outputs": ["Nope!A1"]})]
    with pytest.raises(ValueError, match="no sheet 'Nope'"):
        WorkbookEngine().simulate_together(data, specs)
