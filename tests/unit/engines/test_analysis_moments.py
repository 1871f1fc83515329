"""Moments merge exactly; statistics follow the documented @RISK and Excel conventions."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from engines.analysis.moments import Moments

DATA = np.random.default_rng(0).lognormal(1.0, 0.6, 30_001)


def _close(a: float | None, b: float | None) -> bool:
    assert a is not None and b is not None
    return abs(a - b) <= 1e-12 * abs(b)


def test_merged_moments_equal_one_pass() -> None:
    whole = Moments.of(np, DATA)
    merged = Moments()
    for piece in np.array_split(DATA, [7, 10_000, 10_001, 22_222]):
        merged = merged.merge(Moments.of(np, piece))
    a, b = merged.statistics(), whole.statistics()
    assert merged.count == whole.count
    for key in (
        "mean",
        "variance",
        "std",
        "skewness",
        "kurtosis",
        "excel_skew",
        "excel_kurt",
        "min",
        "max",
    ):
        assert _close(a[key], b[key]), key


def test_statistics_match_scipy_and_excel_conventions() -> None:
    s = Moments.of(np, DATA).statistics()
    assert s["mean"] == pytest.approx(DATA.mean(), rel=1e-13)
    assert s["variance"] == pytest.approx(DATA.var(ddof=1), rel=1e-12)
    assert s["skewness"] == pytest.approx(stats.skew(DATA), rel=1e-10)
    assert s["kurtosis"] == pytest.approx(stats.kurtosis(DATA, fisher=False), rel=1e-10)
    assert s["excel_skew"] == pytest.approx(stats.skew(DATA, bias=False), rel=1e-10)
    assert s["excel_kurt"] == pytest.approx(stats.kurtosis(DATA, bias=False), rel=1e-10)


def test_excel_kurt_on_a_small_sample() -> None:
    # Excel: =KURT(3,4,5,2,3,4,5,6,4,7) is -0.151799637.
    s = Moments.of(np, np.array([3, 4, 5, 2, 3, 4, 5, 6, 4, 7], float)).statistics()
    assert s["excel_kurt"] == pytest.approx(-0.151799637, abs=1e-9)


def test_undefined_statistics_are_none() -> None:
    assert Moments().statistics()["mean"] is None
    one = Moments.of(np, np.array([2.0])).statistics()
    assert one["mean"] == 2.0 and one["std"] is None
    flat = Moments.of(np, np.full(5, 3.0)).statistics()
    assert flat["std"] == 0.0 and flat["skewness"] is None
