"""Excel's functions over two ranges of paired values: correlation, covariance, regression,
and the sums of squares SUMXMY2, SUMX2MY2 and SUMX2PY2.

A pair counts only when both cells are present (NaN in either drops it, as Excel drops pairs
with text, logical values or empty cells). Ranges of different sizes are #N/A, before any
error inside them (the kernels are ``paired``, so the compiler reports errors pair by pair).
"""

from __future__ import annotations

from typing import Any

from engines.errors import ExcelError
from engines.kernels.spec import Arg, Kernel
from engines.kernels.support import kernel, with_errors
from engines.xp import Array

N, V = Arg.NUM, Arg.VALUES


class _Pairs:
    """Centred sums of the present pairs of two ``(k, n)`` ranges."""

    def __init__(self, xp: Any, ys: Array, xs: Array) -> None:
        ys, xs = xp.broadcast_arrays(
            xp.asarray(ys, dtype=xp.float64), xp.asarray(xs, dtype=xp.float64)
        )
        present = ~xp.isnan(ys) & ~xp.isnan(xs)
        self.count = xp.sum(present, axis=0).astype(xp.float64)
        self.mean_y = xp.sum(xp.where(present, ys, 0.0), axis=0) / self.count
        self.mean_x = xp.sum(xp.where(present, xs, 0.0), axis=0) / self.count
        dy = xp.where(present, ys - self.mean_y, 0.0)
        dx = xp.where(present, xs - self.mean_x, 0.0)
        self.sxy = xp.sum(dx * dy, axis=0)
        self.sxx = xp.sum(dx * dx, axis=0)
        self.syy = xp.sum(dy * dy, axis=0)


def _unequal_sizes(xp: Any, first: Array, second: Array) -> tuple[Array, Array] | None:
    """#N/A in every trial when the two ranges hold different numbers of cells, else None."""
    if first.shape[0] == second.shape[0]:
        return None
    shape = xp.broadcast_arrays(first[0], second[0])[0].shape
    return with_errors(xp, xp.full(shape, xp.nan), (True, ExcelError.NA))


def _paired(statistic: Any, minimum: float = 1.0) -> Any:
    """A kernel over two ranges: #N/A when their sizes differ, #DIV/0! on too few pairs or a
    zero denominator (the statistic comes back non-finite)."""

    def paired_kernel(xp: Any, first: Array, second: Array) -> tuple[Array, Array]:
        first, second = xp.asarray(first), xp.asarray(second)
        unequal = _unequal_sizes(xp, first, second)
        if unequal is not None:
            return unequal
        pairs = _Pairs(xp, first, second)
        value = statistic(xp, pairs)
        return with_errors(
            xp, value, ((pairs.count < minimum) | ~xp.isfinite(value), ExcelError.DIV0)
        )

    return paired_kernel


def _correl(xp: Any, p: _Pairs) -> Array:
    return p.sxy / xp.sqrt(p.sxx * p.syy)


def _slope(xp: Any, p: _Pairs) -> Array:
    return p.sxy / p.sxx


def _intercept(xp: Any, p: _Pairs) -> Array:
    return p.mean_y - p.sxy / p.sxx * p.mean_x


def _rsq(xp: Any, p: _Pairs) -> Array:
    return p.sxy**2 / (p.sxx * p.syy)


def _covariance_p(xp: Any, p: _Pairs) -> Array:
    return p.sxy / p.count


def _covariance_s(xp: Any, p: _Pairs) -> Array:
    return p.sxy / (p.count - 1.0)


def _steyx(xp: Any, p: _Pairs) -> Array:
    return xp.sqrt((p.syy - p.sxy**2 / p.sxx) / (p.count - 2.0))


def forecast(xp: Any, x: Array, known_ys: Array, known_xs: Array) -> tuple[Array, Array]:
    """The linear-regression prediction of y at ``x``."""

    def prediction(xp: Any, p: _Pairs) -> Array:
        return p.mean_y + p.sxy / p.sxx * (x - p.mean_x)

    return _paired(prediction)(xp, known_ys, known_xs)  # type: ignore[no-any-return]


def _sum_over_pairs(term: Any) -> Any:
    """A kernel summing ``term(x, y)`` over the present pairs: #N/A when the sizes differ, the
    empty sum 0 when no pair is present."""

    def sum_kernel(xp: Any, first: Array, second: Array) -> tuple[Array, Array]:
        first = xp.asarray(first, dtype=xp.float64)
        second = xp.asarray(second, dtype=xp.float64)
        unequal = _unequal_sizes(xp, first, second)
        if unequal is not None:
            return unequal
        xs, ys = xp.broadcast_arrays(first, second)
        present = ~xp.isnan(xs) & ~xp.isnan(ys)
        terms = term(xp.where(present, xs, 0.0), xp.where(present, ys, 0.0))
        return with_errors(xp, xp.sum(terms, axis=0))

    return sum_kernel


_CORREL = kernel(_paired(_correl), (V, V), paired=True)
_COVARIANCE_P = kernel(_paired(_covariance_p), (V, V), paired=True)
_FORECAST = kernel(forecast, (N, V, V), paired=True)

KERNELS: dict[str, Kernel] = {
    "CORREL": _CORREL,
    "PEARSON": _CORREL,
    "RSQ": kernel(_paired(_rsq), (V, V), paired=True),
    "SLOPE": kernel(_paired(_slope), (V, V), paired=True),
    "INTERCEPT": kernel(_paired(_intercept), (V, V), paired=True),
    "STEYX": kernel(_paired(_steyx, minimum=3.0), (V, V), paired=True),
    "COVARIANCE.P": _COVARIANCE_P,
    "COVAR": _COVARIANCE_P,
    "COVARIANCE.S": kernel(_paired(_covariance_s, minimum=2.0), (V, V), paired=True),
    "FORECAST": _FORECAST,
    "FORECAST.LINEAR": _FORECAST,
    "SUMXMY2": kernel(_sum_over_pairs(lambda x, y: (x - y) ** 2), (V, V), paired=True),
    "SUMX2MY2": kernel(_sum_over_pairs(lambda x, y: x * x - y * y), (V, V), paired=True),
    "SUMX2PY2": kernel(_sum_over_pairs(lambda x, y: x * x + y * y), (V, V), paired=True),
}
