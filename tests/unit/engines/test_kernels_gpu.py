"""Kernels give the same numbers on cupy as on numpy (runs only where a CUDA device answers)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from engines.kernels.dates import KERNELS as DATE_KERNELS
from engines.kernels.financial import KERNELS as FINANCIAL_KERNELS
from engines.kernels.statistical import KERNELS as STATISTICAL_KERNELS
from engines.xp import cupy_unavailable_reason, get_xp, to_numpy

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(cupy_unavailable_reason() is not None, reason="needs cupy and CUDA"),
]

KERNELS = {**FINANCIAL_KERNELS, **DATE_KERNELS, **STATISTICAL_KERNELS}
TRIALS = 1000
_random = np.random.default_rng(7)
_P = _random.uniform(0.01, 0.99, TRIALS)
_VALUES = _random.normal(size=(12, TRIALS))
_VALUES[3, ::7] = np.nan
_FLOWS = np.vstack([-np.full(TRIALS, 100.0), _random.uniform(5.0, 30.0, (8, TRIALS))])
_DATES = (40000.0 + np.arange(9) * 90.0)[:, None]
_SERIALS = 40000.0 + np.floor(_random.uniform(0, 3000, TRIALS))
_HOLIDAYS = np.array([[40100.0], [40200.0], [40200.0]])

CALLS: list[tuple[str, tuple[Any, ...]]] = [
    ("PMT", (_P / 12, 360.0, 1e5, 0.0, 0.0)),
    ("PPMT", (_P, 3.0, 33.0, 1e4, 1.0, 0.0)),
    ("RATE", (360.0, -_P * 1000, 1e5, 0.0, 0.0, 0.1)),
    ("IRR", (_FLOWS, 0.1)),
    ("XIRR", (_FLOWS, _DATES, 0.1)),
    ("VDB", (2400.0, 300.0, 10.0, _P * 4, 4.0 + _P * 6, 2.0, 0.0)),
    ("DATE", (2000.0 + _P * 50, _P * 30 - 10, _P * 90)),
    ("YEARFRAC", (_SERIALS, 45000.0, 1.0)),
    ("WEEKNUM", (_SERIALS, 21.0)),
    ("NETWORKDAYS.INTL", (_SERIALS, 45000.0, "0010001", _HOLIDAYS)),
    ("WORKDAY.INTL", (_SERIALS, np.floor(_P * 300 - 150), "11", _HOLIDAYS)),
    ("NORM.INV", (_P, 0.0, 1.0)),
    ("BETA.INV", (_P, 2.0, 3.0, 0.0, 1.0)),
    ("T.DIST", (_P * 4 - 2, 5.0, 1.0)),
    ("CHISQ.INV.RT", (_P, 4.0)),
    ("BINOM.INV", (100.0, 0.3, _P)),
    ("HYPGEOM.DIST", (np.floor(_P * 20), 50.0, 100.0, 1000.0, 1.0)),
    ("MEDIAN", (_VALUES,)),
    ("MODE.SNGL", (np.round(_VALUES),)),
    ("PERCENTRANK.INC", (_VALUES, 0.1, 3.0)),
    ("KURT", (_VALUES,)),
    ("CORREL", (_VALUES, _VALUES**2)),
]


def _shown(result: Any) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    values, codes = result if isinstance(result, tuple) else (result, np.zeros(1, np.int8))
    return to_numpy(values), to_numpy(codes)


@pytest.mark.parametrize(("name", "args"), CALLS, ids=[name for name, _ in CALLS])
def test_cupy_matches_numpy(name: str, args: tuple[Any, ...]) -> None:
    cupy = get_xp("cupy")
    on_device = tuple(cupy.asarray(a) if isinstance(a, np.ndarray) else a for a in args)
    expected_values, expected_codes = _shown(KERNELS[name].fn(np, *args))
    values, codes = _shown(KERNELS[name].fn(cupy, *on_device))
    np.testing.assert_allclose(values, expected_values, rtol=1e-10, atol=1e-300)
    np.testing.assert_array_equal(codes, expected_codes)
