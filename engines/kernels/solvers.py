"""Whole-array root finding for the kernels Excel solves iteratively (IRR, XIRR, RATE)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engines.xp import Array

NEWTON_ITERATIONS = 100


def newton(
    xp: Any,
    value_and_slope: Callable[[Array], tuple[Array, Array]],
    guess: Array,
    rel_tol: float = 1e-13,
) -> Array:
    """Newton's method on every trial at once; trials that do not converge come back NaN.

    Trials stop moving once converged, so an early exit when all have converged loses nothing.
    """
    x = xp.array(guess, dtype=xp.float64, copy=True)
    converged = xp.zeros(x.shape, dtype=bool)
    for _ in range(NEWTON_ITERATIONS):
        value, slope = value_and_slope(x)
        step = xp.where(converged, 0.0, value / slope)
        x = x - step
        converged = converged | (xp.abs(step) <= rel_tol * xp.maximum(1.0, xp.abs(x)))
        converged = converged | (value == 0.0)
        if bool(xp.all(converged | ~xp.isfinite(x))):
            break
    return xp.where(converged & xp.isfinite(x), x, xp.nan)
