"""The cupy backend runs the same compiled model as numpy and agrees with it statistically."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from engines.compiler import compile_model
from engines.simulation import SimulationSpec, run_simulation
from engines.workbook import load_workbook
from engines.xp import BackendUnavailable, cupy_unavailable_reason, get_xp

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "project-npv.xlsx"
INPUTS = {"Model!B2": "normal(10000, 1500)", "Model!B4": "pert(26, 30, 38)"}
OUTPUTS = ["Model!B17", "Model!B18"]
TRIALS = 200_000
UNAVAILABLE = cupy_unavailable_reason()


def _statistics(backend: str) -> dict[str, dict[str, Any]]:
    model = compile_model(load_workbook(EXAMPLE.read_bytes()), inputs=list(INPUTS),
                          outputs=OUTPUTS, xp=get_xp(backend))
    spec = SimulationSpec(INPUTS, OUTPUTS, TRIALS, seed=20, backend=backend)
    return run_simulation(model, spec).outputs


@pytest.mark.gpu
@pytest.mark.skipif(UNAVAILABLE is not None, reason=UNAVAILABLE or "")
def test_cupy_simulation_matches_numpy() -> None:
    on_gpu, on_cpu = _statistics("cupy"), _statistics("numpy")
    for cell in OUTPUTS:
        gpu, cpu = on_gpu[cell], on_cpu[cell]
        assert gpu["count"] == cpu["count"] == TRIALS
        assert gpu["error_count"] == cpu["error_count"] == 0
        # The two backends may draw different streams: means agree within standard errors.
        standard_error = math.hypot(gpu["std"], cpu["std"]) / math.sqrt(TRIALS)
        assert abs(gpu["mean"] - cpu["mean"]) < 4 * standard_error
        assert gpu["std"] == pytest.approx(cpu["std"], rel=0.02)


@pytest.mark.skipif(UNAVAILABLE is None, reason="cupy and a CUDA device are available here")
def test_unavailable_cupy_names_the_reason() -> None:
    with pytest.raises(BackendUnavailable) as raised:
        get_xp("cupy")
    assert str(raised.value) == UNAVAILABLE
