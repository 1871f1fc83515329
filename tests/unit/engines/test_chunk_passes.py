"""Consecutive chunks evaluated in one pass of the model give the outcome that chunk-by-chunk
evaluation gives, to the last bit: a chunk stays the unit of the random streams, the
accumulators, progress, cancelling and convergence."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import engines.passes as passes
import engines.simulation as simulation
from engines.compiler import compile_model
from engines.service import WorkbookEngine, simulation_spec
from engines.simulation import SimulationSpec, run_simulation
from engines.workbook import load_workbook
from tests.unit.engines.excel_sheet import model_workbook

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "project-npv.xlsx"
INPUTS = {"Model!B2": {"distribution": "normal", "params": [10000, 1500]},
          "Model!B4": {"distribution": "pert", "params": [26, 30, 38]}}


def _one_by_one(model: Any, spec: Any, chunks: Sequence[int], items: Any) -> list[list[int]]:
    return [[index] for index in chunks]


def _outcome(data: bytes, request: dict[str, Any]) -> str:
    outcome = WorkbookEngine().simulate(data, simulation_spec(request), lambda done, total: True)
    outcome.pop("compute_seconds")
    return json.dumps(outcome, sort_keys=True, default=str)


@pytest.mark.parametrize("request_body", [
    {"iterations": 10_000, "seed": 3, "chunk_size": 1_000},  # ten chunks of 1,000
    {"iterations": 25_500, "seed": 4, "sampling": "mc", "targets": [0, 100_000],
     "correlation": {"cells": ["Model!B2", "Model!B4"], "matrix": [[1, 0.4], [0.4, 1]]}},
    {"iterations": 2_999, "seed": 5, "percentiles": [2.5, 97.5],
     "chunk_size": 1_000},  # a short last chunk
])
def test_batched_chunks_give_the_chunk_by_chunk_outcome(
        monkeypatch: pytest.MonkeyPatch, request_body: dict[str, Any]) -> None:
    request = {"inputs": INPUTS, "outputs": ["Model!B17", "Model!B18"], **request_body}
    data = EXAMPLE.read_bytes()
    batched = _outcome(data, request)
    monkeypatch.setattr(passes, "chunk_passes", _one_by_one)
    assert batched == _outcome(data, request)


def test_risk_functions_in_cells_batch_and_keep_their_draws(
        monkeypatch: pytest.MonkeyPatch) -> None:
    fixed = model_workbook(A1='=RiskNormal(10, 2, RiskName("Sales"))', A2="=RiskTriang(1, 2, 6)",
                      B1=5, C1='=RiskOutput("Total") + A1 * A2 + B1')
    model = compile_model(load_workbook(fixed), inputs=["Model!B1"], outputs=["Model!C1"])
    spec = SimulationSpec({"Model!B1": "uniform(0, 10)"}, ["Model!C1"], 7_000, seed=3,
                          chunk_size=1_000)
    items = simulation.random_inputs(model, spec)
    assert passes.chunk_passes(model, spec, range(7), items) == [list(range(7))]

    def outcome() -> str:
        result = run_simulation(model, spec).to_dict()
        result.pop("compute_seconds")
        return json.dumps(result, default=str)

    batched = outcome()
    monkeypatch.setattr(passes, "chunk_passes", _one_by_one)
    assert batched == outcome()


def test_a_draw_that_depends_on_cells_keeps_the_model_chunk_by_chunk() -> None:
    dependent = model_workbook(A1="=RiskUniform(1, 2)", A2="=RiskNormal(A1, 1)", C1="=A2")
    model = compile_model(load_workbook(dependent), inputs=[], outputs=["Model!C1"])
    spec = SimulationSpec({}, ["Model!C1"], 5_000, seed=1, chunk_size=1_000)
    items = simulation.random_inputs(model, spec)
    assert passes.chunk_passes(model, spec, range(5), items) == [[0], [1], [2], [3], [4]]


def test_passes_are_consecutive_chunks_within_the_budget() -> None:
    data = model_workbook(A1=1, C1="=A1*2")
    model = compile_model(load_workbook(data), inputs=["Model!A1"], outputs=["Model!C1"])
    spec = SimulationSpec({"Model!A1": "uniform(0, 1)"}, ["Model!C1"], 200_000, seed=1,
                          chunk_size=10_000)
    items = simulation.random_inputs(model, spec)
    batches = passes.chunk_passes(model, spec, [0, 1, 2, 5, 6, *range(7, 20)], items)
    assert [b[0] for b in batches][:2] == [0, 5]  # a gap starts a new batch
    assert all(b == list(range(b[0], b[-1] + 1)) for b in batches)
    assert all(sum(spec.chunk_trials(i) for i in b) <= passes.PASS_TRIALS for b in batches)
    assert sum(len(b) for b in batches) == 18


def test_a_cancel_stops_at_its_chunk_inside_a_batch() -> None:
    data = EXAMPLE.read_bytes()
    seen: list[int] = []

    def progress(done: int, total: int) -> bool:
        seen.append(done)
        return done < 3_000

    outcome = WorkbookEngine().simulate(data, simulation_spec(
        {"inputs": INPUTS, "outputs": ["Model!B17"], "iterations": 10_000, "seed": 2,
         "chunk_size": 1_000}), progress)
    assert seen == [1_000, 2_000, 3_000]
    assert outcome["cancelled"] and outcome["iterations_run"] == 3_000
