"""What the compiled engine is measured against on the example model (examples/project-npv.xlsx).

* :func:`hand_model`: the example's formulas written directly as numpy array code, the floor
  a vectorised engine can hope to reach; :func:`demo_samples` draws the demo inputs with
  numpy so both sides can be fed the same trials.
* :func:`pycel_trials_per_second`: pycel recalculating a copy of the workbook trial by trial,
  the way a cell-by-cell Python recalculation engine would run a simulation.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy
import openpyxl

from engines.workbook import Workbook

Array = numpy.ndarray[Any, Any]
YEARS = 5


def demo_samples(n: int, seed: int) -> dict[str, Array]:
    """The demo inputs drawn with numpy: B2 normal(10000, 1500), B3 triang(40, 50, 65) (the
    RiskTriang in the cell) and B4 pert(26, 30, 38) through its beta form."""
    rng = numpy.random.default_rng(seed)
    low, mode, high = 26.0, 30.0, 38.0
    alpha = 1 + 4 * (mode - low) / (high - low)
    beta = 1 + 4 * (high - mode) / (high - low)
    return {
        "Model!B2": rng.normal(10_000.0, 1_500.0, n),
        "Model!B3": rng.triangular(40.0, 50.0, 65.0, n),
        "Model!B4": low + (high - low) * rng.beta(alpha, beta, n),
    }


class HandModel:
    """Rows 11-15, B17 (NPV) and B18 (total profit) of the example as numpy code.

    The constants (fixed costs, growth, discount rate, investment) are read from the workbook so
    the two sides cannot drift apart.
    """

    def __init__(self, workbook: Workbook) -> None:
        def constant(row: int) -> float:
            value = workbook.cells[("Model", row, 2)].value
            assert isinstance(value, float)
            return value

        self.fixed = constant(5)
        self.investment = constant(8)
        years = numpy.arange(YEARS, dtype=numpy.float64)
        self.growth = (1 + constant(6)) ** years
        self.discount = (1 + constant(7)) ** -(years + 1)

    def evaluate(self, units: Array, price: Array, unit_cost: Array) -> dict[str, Array]:
        """NPV and total profit of every trial."""
        volume = units[:, None] * self.growth
        profit = volume * price[:, None] - (volume * unit_cost[:, None] + self.fixed)
        return {"Model!B17": profit @ self.discount - self.investment,
                "Model!B18": profit.sum(axis=1)}


def hand_simulation(hand: HandModel, n: int, seed: int, percentiles: tuple[float, ...]) -> None:
    """Sample, evaluate and summarise n trials by hand (mean, sd and percentiles per output)."""
    samples = demo_samples(n, seed)
    outputs = hand.evaluate(samples["Model!B2"], samples["Model!B3"], samples["Model!B4"])
    for values in outputs.values():
        values.mean(), values.std(ddof=1), numpy.percentile(values, percentiles)


def check_agreement(compiled: dict[str, Array], hand: dict[str, Array]) -> float:
    """Largest difference between the two, relative to each output's largest magnitude.

    Raises AssertionError beyond 1e-9: then the two sides do not compute the same model and
    their timings cannot be compared.
    """
    worst = 0.0
    for cell, expected in hand.items():
        scale = float(numpy.max(numpy.abs(expected)))
        worst = max(worst, float(numpy.max(numpy.abs(compiled[cell] - expected))) / scale)
    if worst > 1e-9:
        raise AssertionError(f"compiled and hand-written models disagree: {worst:.3e} relative")
    return worst


def _pycel_copy(example: Path, folder: Path) -> Path:
    """The example without @RISK calls, which pycel does not know: B3 holds the triangle's
    mode, and B17 drops RiskOutput (which evaluates to 0 in RiskStream)."""
    book = openpyxl.load_workbook(example)
    sheet = book["Model"]
    sheet["B3"] = 50
    sheet["B17"] = "=NPV(B7,E11:E15)-B8"
    path = folder / "project-npv-pycel.xlsx"
    book.save(path)
    return path


def pycel_timed(path: Path, samples: dict[str, Array], outputs: list[str], trials: int
                ) -> tuple[float, dict[str, Array]]:
    """The seconds pycel takes to set ``samples`` and evaluate ``outputs`` trial by trial on
    the workbook at ``path`` (its graph built before the clock starts), and the values."""
    from pycel import ExcelCompiler

    got = {cell: numpy.empty(trials) for cell in outputs}
    excel = ExcelCompiler(filename=str(path))
    for cell in got:
        excel.evaluate(cell)  # builds pycel's graph outside the timed loop
    started = time.perf_counter()
    for i in range(trials):
        for cell, values in samples.items():
            excel.set_value(cell, float(values[i]))
        for cell, out in got.items():
            out[i] = excel.evaluate(cell)
    return time.perf_counter() - started, got


def pycel_trials_per_second(example: Path, hand: HandModel, trials: int) -> dict[str, Any]:
    """pycel setting B2, B3, B4 and evaluating B17 and B18 trial by trial; the error text when
    pycel cannot run here. Its results are checked against the hand model."""
    samples = demo_samples(trials, seed=7)
    try:
        with tempfile.TemporaryDirectory() as folder:
            seconds, got = pycel_timed(_pycel_copy(example, Path(folder)), samples,
                                       ["Model!B17", "Model!B18"], trials)
    except Exception as exc:  # noqa: BLE001 - a failing baseline is reported, not fatal
        return {"error": f"{type(exc).__name__}: {exc}"}
    expected = hand.evaluate(samples["Model!B2"], samples["Model!B3"], samples["Model!B4"])
    return {
        "trials": trials,
        "seconds": seconds,
        "trials_per_second": trials / seconds,
        "max_relative_difference": check_agreement(got, expected),
    }
