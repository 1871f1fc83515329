"""RAND(), RANDBETWEEN and RANDARRAY in a simulation draw from the run's seed, chunk by chunk:
the same seed gives the same run to the last bit, chunks run apart merge into that same run,
and another seed draws others."""

from __future__ import annotations

import pytest

from engines.compiler import compile_model
from engines.simulation import SimulationSpec, run_chunks, run_simulation, with_seed
from engines.workbook import load_workbook
from tests.unit.engines.excel_sheet import model_workbook

CELLS = {"A1": "=RAND()", "A2": "=RANDBETWEEN(1, 6)", "A3": "=SUM(RANDARRAY(2, 2))",
         "A4": "=RiskNormal(0, 1)", "B1": "=RiskOutput()+A1+A2+A3+A4"}


def _spec(seed: int) -> SimulationSpec:
    return SimulationSpec({}, ["Model!B1"], 4000, seed=seed, chunk_size=1000)


def test_a_seed_reproduces_excels_random_functions() -> None:
    model = compile_model(load_workbook(model_workbook(**CELLS)))
    first = run_simulation(model, _spec(1)).outputs
    assert run_simulation(model, _spec(1)).outputs == first
    assert run_simulation(model, _spec(2)).outputs["Model!B1"]["mean"] != \
        first["Model!B1"]["mean"]
    # E[RAND] + E[die] + 4 E[RAND], within 4 standard errors of 4,000 trials
    assert abs(first["Model!B1"]["mean"] - 6.0) < 4 * first["Model!B1"]["std"] / 4000**0.5


def test_chunks_run_apart_are_the_runs_own() -> None:
    model = compile_model(load_workbook(model_workbook(**CELLS)))
    seeded = with_seed(_spec(7))
    whole = run_chunks(model, seeded, range(4))
    parts = run_chunks(model, seeded, [0, 1])
    parts.merge(run_chunks(model, seeded, [2, 3]))
    merged, alone = parts.outcome().outputs["Model!B1"], whole.outcome().outputs["Model!B1"]
    assert (merged["min"], merged["max"], merged["count"]) == (alone["min"], alone["max"],
                                                                alone["count"])
    assert merged["mean"] == pytest.approx(alone["mean"], rel=1e-13)  # summed in another order
