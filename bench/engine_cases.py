"""The workbooks the engine benchmark runs, compiled the way the service compiles a request.

* ``project-npv``: examples/project-npv.xlsx with the demo request: Model!B2 normal(10000,
  1500), Model!B4 pert(26, 30, 38), plus the RiskTriang(40, 50, 65) written in B3; outputs
  Model!B17 (NPV) and Model!B18 (total profit).
* ``FINANCIAL``: the FINANCIAL sheet of formulas-test.xlsx (see :data:`FINANCIAL_INPUTS`).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy

from engines.compiler import CompiledModel, compile_model
from engines.formula.refs import format_key
from engines.sampling.distributions import Distribution
from engines.workbook import Cell, Workbook, load_workbook

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "project-npv.xlsx"
EXAMPLE_INPUTS = {"Model!B2": "normal(10000, 1500)", "Model!B4": "pert(26, 30, 38)"}
EXAMPLE_OUTPUTS = ["Model!B17", "Model!B18"]
WORKBOOKS = Path(os.environ.get("RISKSTREAM_EXCEL_WORKBOOKS", "/work/shared/workbooks/excel"))

FINANCIAL_INPUTS = (
    "FINANCIAL!D13",  # CUMIPMT rate
    "FINANCIAL!D22",  # FV rate
    "FINANCIAL!F22",  # FV present value
    "FINANCIAL!D25",  # IPMT rate
    "FINANCIAL!D39",  # PMT nper
    "FINANCIAL!F44",  # PV rate
    "FINANCIAL!F45",  # RATE nper (an iterative solve per trial)
    "FINANCIAL!E55",  # an XIRR/XNPV cash flow (iterative)
)
"""Constant cells the sheet's formulas read, each drawn uniform within ±10% of its value.

Every formula cell of the sheet that depends on them is an output (errors included: a cell
that is #VALUE! in every trial still costs its evaluation). Row 33 (NPV) is left out: its
array formula AH33, which reads the text 'ciao' in I33, is timed on its own (see
``slow_spot`` in the results).
"""
SLOW_SPOT = ("FINANCIAL!F33", "FINANCIAL!AH33")


@dataclass
class Case:
    """A compiled workbook and the request that drives it."""

    name: str
    model: CompiledModel
    inputs: dict[str, Distribution | str]
    compile_seconds: float

    @property
    def varying_cells(self) -> int:
        """Formula cells evaluated in every trial: those the outputs need that vary."""
        return len(self.model._varying_order)

    @property
    def constant_cells(self) -> int:
        """Formula cells the outputs need that were folded to constants at compile time."""
        return len(self.model._order) - self.varying_cells


def example_case() -> Case:
    """The demo model as the service compiles it."""
    started = time.perf_counter()
    model = compile_model(load_workbook(EXAMPLE.read_bytes()), inputs=list(EXAMPLE_INPUTS),
                          outputs=EXAMPLE_OUTPUTS)
    return Case("project-npv", model, dict(EXAMPLE_INPUTS), time.perf_counter() - started)


def formulas_test() -> Workbook | None:
    """formulas-test.xlsx from the shared workbook folder, None when it is not there."""
    path = WORKBOOKS / "formulas-test.xlsx"
    return load_workbook(path.read_bytes()) if path.is_file() else None


def _cell(workbook: Workbook, address: str) -> Cell:
    return next(cell for key, cell in workbook.cells.items() if format_key(key) == address)


def _within_ten_percent(workbook: Workbook, address: str) -> Distribution:
    value = _cell(workbook, address).value
    assert isinstance(value, float) and value != 0, f"{address} is not a nonzero number"
    low, high = sorted((0.9 * value, 1.1 * value))
    return Distribution("uniform", (low, high), label=address)


def financial_case(workbook: Workbook) -> Case:
    """The FINANCIAL sheet with :data:`FINANCIAL_INPUTS` perturbed; outputs every formula
    cell of the sheet that depends on them."""
    sheet = [format_key(k) for k in workbook.formula_cells() if k[0] == "FINANCIAL"]
    # CompiledModel.affected starts only from formula cells, so the cells that read the
    # inputs are found from a model compiled over the whole sheet instead.
    whole = compile_model(workbook, inputs=FINANCIAL_INPUTS, outputs=sheet)
    outputs = [format_key(k) for k in whole._varying_order if k[0] == "FINANCIAL"]
    started = time.perf_counter()
    model = compile_model(workbook, inputs=FINANCIAL_INPUTS, outputs=outputs)
    inputs: dict[str, Distribution | str] = {
        address: _within_ten_percent(workbook, address) for address in FINANCIAL_INPUTS}
    return Case("FINANCIAL", model, inputs, time.perf_counter() - started)


def slow_spot(workbook: Workbook, trials: int) -> dict[str, Any]:
    """Seconds per trial of FINANCIAL!AH33 alone, with F33 varying (see FINANCIAL_INPUTS)."""
    source, cell = SLOW_SPOT
    model = compile_model(workbook, inputs=[source], outputs=[cell])
    values = _within_ten_percent(workbook, source)
    samples = values.sample(numpy, numpy.random.default_rng(3).random(trials))
    started = time.perf_counter()
    model.evaluate(trials, {source: samples})
    seconds = time.perf_counter() - started
    return {"cell": cell, "formula": _cell(workbook, cell).formula,
            "varying_input": source, "trials": trials, "ms_per_trial": 1e3 * seconds / trials}
