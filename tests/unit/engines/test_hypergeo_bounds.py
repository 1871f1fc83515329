"""RiskHypergeo is a table of its possible values: one that would take more than the bound is
refused at once, naming it, instead of taking gigabytes (n = D = 10^8) or failing with a
memory error (10^15) while a request is checked."""

from __future__ import annotations

import time

import numpy
import pytest

from engines.sampling.discrete_counts import HYPERGEO_SPAN
from engines.sampling.distributions import Distribution
from engines.sampling.errors import DistributionError


@pytest.mark.parametrize("params", [(1e8, 5e7, 2e8), (1e15, 5e14, 1e16),
                                    (HYPERGEO_SPAN, HYPERGEO_SPAN, 4 * HYPERGEO_SPAN)])
def test_a_law_of_too_many_values_is_refused_at_once(params: tuple[float, ...]) -> None:
    began = time.perf_counter()
    with pytest.raises(DistributionError, match="at most 1,048,576 values"):
        Distribution("RiskHypergeo", params)
    assert time.perf_counter() - began < 1.0


def test_one_at_the_bound_is_sampled() -> None:
    n = HYPERGEO_SPAN - 1  # values 0..n: exactly the bound
    law = Distribution("RiskHypergeo", (float(n), float(n), float(4 * n)))
    draws = law.sample(numpy, numpy.array([0.25, 0.5, 0.75]))
    assert numpy.all(numpy.diff(draws) > 0) and abs(draws[1] - n / 4) < 1_000
