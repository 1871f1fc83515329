"""A regression needs more trials than inputs: with fewer it determines no coefficient and is
not attempted (3,000 inputs on 100 trials took 53 s of lstsq); and the statistics' compute
counts in the run's billed seconds."""

from __future__ import annotations

import time

import numpy

from engines.analysis.sensitivity import Sensitivity


def _fed(inputs: int, trials: int) -> Sensitivity:
    rng = numpy.random.default_rng(1)
    x = rng.random((inputs, trials))
    y = x[:3].sum(axis=0)
    found = Sensitivity([f"I{i}" for i in range(inputs)], ["out"])
    found.update(numpy, x, {"out": (y, numpy.zeros(trials, dtype=numpy.int8))},
                 rng.random(trials))
    return found


def test_more_inputs_than_trials_fit_no_regression_and_cost_little() -> None:
    began = time.perf_counter()
    result = _fed(2_000, 100).result()["out"]
    assert time.perf_counter() - began < 2.0
    assert result["r_squared"] == 0.0 and all(row["src"] == 0.0 for row in result["inputs"])
    assert any(row["spearman"] != 0.0 for row in result["inputs"])  # ranks still tell


def test_with_more_trials_than_inputs_the_regression_finds_the_drivers() -> None:
    result = _fed(5, 400).result()["out"]
    assert result["r_squared"] > 0.999
    assert {row["input"] for row in result["inputs"][:3]} == {"I0", "I1", "I2"}
