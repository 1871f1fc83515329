"""A pooled run's CPU budget is checked within a chunk too: between the slices of trials a
model is evaluated in and between the batches of draws a RiskCompound makes, so one heavy chunk
does not run far past it; outside a budget nothing is checked."""

from __future__ import annotations

import time

import pytest

from engines.budget import OverBudget, checkpoint, cpu_budget
from engines.service import WorkbookEngine, simulation_spec
from tests.unit.engines.excel_sheet import model_workbook


def test_a_chunk_of_heavy_draws_stops_within_its_budget() -> None:
    data = model_workbook(A1="=RiskCompound(RiskPoisson(3000), RiskNormal(0, 1))",
                          B1="=RiskOutput()+A1")
    spec = simulation_spec({"inputs": {}, "outputs": [], "iterations": 10_000, "seed": 1})
    assert spec.chunks == 1  # one chunk: the chunk boundary alone would not stop it
    began = time.process_time()
    with pytest.raises(OverBudget), cpu_budget(0.2):
        WorkbookEngine().simulate(data, spec, lambda done, total: True)
    assert time.process_time() - began < 1.5  # 30M draws take several seconds


def test_outside_a_budget_nothing_is_checked() -> None:
    checkpoint()
    with cpu_budget(3600.0):
        checkpoint()
