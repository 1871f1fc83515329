"""The auto-stop test: confidence half-widths within a relative tolerance."""

from __future__ import annotations

import numpy as np
import pytest

from engines.analysis.convergence import ConvergenceSpec, converged
from engines.analysis.output import OutputAccumulator


def _acc(values: np.ndarray) -> OutputAccumulator:
    acc = OutputAccumulator()
    acc.update(np, values, np.zeros(values.size, dtype=np.int8))
    return acc


VALUES = np.random.default_rng(3).normal(100, 10, 20_000)


def test_mean_converges_once_the_interval_is_narrow_enough() -> None:
    # Half-width 1.96 * 10 / sqrt(n) against 1% of 100: needs n > ~384.
    spec = ConvergenceSpec(tolerance=0.01, min_iterations=10)
    assert not converged(spec, [_acc(VALUES[:200])])
    assert converged(spec, [_acc(VALUES[:1000])])


def test_percentiles_must_settle_too() -> None:
    spec = ConvergenceSpec(tolerance=0.005, percentiles=(5, 95), min_iterations=10)
    assert not converged(spec, [_acc(VALUES[:1000])])
    assert converged(spec, [_acc(VALUES)])


def test_minimum_iterations_and_every_output() -> None:
    spec = ConvergenceSpec(tolerance=0.01, min_iterations=5000)
    assert not converged(spec, [_acc(VALUES[:1000])])
    assert not converged(spec, [_acc(VALUES), _acc(VALUES[:100])])


def test_bad_specs_are_rejected() -> None:
    with pytest.raises(ValueError, match="tolerance"):
        ConvergenceSpec(tolerance=0)
    with pytest.raises(ValueError, match="percentiles"):
        ConvergenceSpec(percentiles=(100,))
