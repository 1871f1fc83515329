"""Bessel functions against the values Excel cached in formulas-test.xlsx (sheet
ENGINEERING, rows 3-6; the cell is named beside each case)."""

from __future__ import annotations

import numpy as np
import pytest

from engines.errors import ExcelError
from engines.kernels.bessel import bessel_i, bessel_j
from tests.unit.engines.excel_sheet import sheet_model

E = ExcelError
CASES = [
    ("=BESSELI(0,10000000)", 0.0),  # R3
    ("=BESSELI(10000000,2.3)", E.NUM),  # S3
    ("=BESSELI(2.3,2)", 1.0054316669125958),  # T3
    ("=BESSELI(2,-1)", E.NUM),  # U3
    ("=BESSELI(-1,0)", 1.2660658480342601),  # V3
    ('=BESSELI("3.2",2)', 2.7882984611029293),  # X3
    ("=BESSELI(A1,1)", E.VALUE),  # Y3 (TRUE from a cell)
    ("=BESSELJ(10000000,2.3)", 8.683739567294922e-05),  # S4
    ("=BESSELJ(2.3,2)", 0.41391458970875217),  # T4
    ("=BESSELJ(-1,0)", 0.7651976837548592),  # V4
    ("=BESSELK(0,10000000)", E.NUM),  # R5
    ("=BESSELK(10000000,2.3)", 0.0),  # S5
    ("=BESSELK(2.3,2)", 0.1617333633782021),  # T5
    ("=BESSELK(-1,0)", E.NUM),  # V5
    ("=BESSELY(10000000,2.3)", -0.00023689922733673244),  # S6
    ("=BESSELY(2.3,2)", -0.4726168566767928),  # T6
    ("=BESSELY(0,3.5)", E.NUM),  # W6
]


@pytest.fixture(scope="module")
def results() -> dict[str, object]:
    cells: dict[str, object] = {"A1": True}
    cells |= {f"B{i}": formula for i, (formula, _) in enumerate(CASES, start=1)}
    return sheet_model(cells).recalc()


@pytest.mark.parametrize(
    ("index", "case"), list(enumerate(CASES, start=1)), ids=[c[0] for c in CASES]
)
def test_matches_excel(results: dict[str, object], index: int, case: tuple[str, object]) -> None:
    expected, actual = case[1], results[f"S!B{index}"]
    if isinstance(expected, float):
        assert actual == pytest.approx(expected, rel=1e-12, abs=1e-300)
    else:
        assert actual is expected


def test_orders_vary_by_trial() -> None:
    """Each trial recurs to its own order (values of ENGINEERING!T3, X3, T4 and V4)."""
    x, n = np.array([2.3, 3.2]), np.array([2.0, 2.0])
    assert bessel_i(np, x, n) == pytest.approx([1.0054316669125958, 2.7882984611029293])
    j = bessel_j(np, np.array([2.3, -1.0]), np.array([2.0, 0.0]))
    assert j == pytest.approx([0.41391458970875217, 0.7651976837548592], rel=1e-12)


def test_downward_recurrence_is_exact_below_the_order() -> None:
    """For x <= n, J comes from Miller's recurrence normalised by J0 + 2(J2 + J4 + ...) = 1,
    which is exact to rounding (scipy's jv as the reference)."""
    from scipy.special import jv

    x, n = np.array([0.5, 3.0, 5.0]), np.array([5.0, 7.0, 30.0])
    assert bessel_j(np, x, n) == pytest.approx(jv(n, x), rel=1e-12)
