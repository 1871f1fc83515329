"""A run's first trials, computed again for its sample: only the trials asked for are
evaluated where each trial follows from its chunk's draws alone, and they are the ones the
whole chunk gives; a model that draws while it computes evaluates its chunks whole."""

from __future__ import annotations

import io
from typing import Any

import numpy
import openpyxl

from app.api.routes.trials import first_trials
from engines.limits import WorkbookLimits
from streams.events.simulations import SimulationRequestBody
from tests.conftest import EXAMPLE


def _request(**more: Any) -> SimulationRequestBody:
    return SimulationRequestBody.model_validate({
        "simulation_id": "s", "workbook_id": "w", "workbook_sha256": "0" * 64,
        "inputs": {"Model!B2": {"distribution": "RiskNormal", "params": [10_000, 1_500]},
                   "Model!B4": {"distribution": "RiskPert", "params": [26, 30, 38]}},
        "outputs": ["Model!B18"], "iterations": 200_000, "seed": 5, "sampling": "lhs",
        "backend": "numpy", "chunk_size": 10_000,
        "correlation": {"cells": ["Model!B2", "Model!B4"], "matrix": [[1, 0.5], [0.5, 1]]},
        **more})


def test_the_first_trials_alone_are_those_of_the_whole_chunk() -> None:
    few = first_trials(EXAMPLE.read_bytes(), _request(), 5, 37, WorkbookLimits())
    many = first_trials(EXAMPLE.read_bytes(), _request(), 5, 10_500, WorkbookLimits())
    assert few[0] == many[0]
    assert numpy.array_equal(few[1], many[1][:, :37])
    assert numpy.array_equal(few[2]["Model!B18"], many[2]["Model!B18"][:37])
    assert many[1].shape == (3, 10_500)  # into the second chunk


def test_a_model_that_draws_while_it_computes_gives_its_chunks_trials() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Model"
    sheet["B2"], sheet["B3"] = 1.0, "=B2*RAND()"
    saved = io.BytesIO()
    book.save(saved)
    request = _request(inputs={"Model!B2": {"distribution": "RiskUniform", "params": [1, 2]}},
                       outputs=["Model!B3"], correlation=None)
    few = first_trials(saved.getvalue(), request, 5, 10, WorkbookLimits())
    many = first_trials(saved.getvalue(), request, 5, 2_000, WorkbookLimits())
    assert numpy.array_equal(few[2]["Model!B3"], many[2]["Model!B3"][:10])
