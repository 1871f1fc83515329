"""Excel's statistics over one range of values: spread, moments, order statistics, ranks.

VALUES arrive as ``(k, n)`` with NaN for cells Excel skips. Order statistics sort each trial's
column once, which puts the skipped cells last, so the ``count`` present values lead.
The A-suffixed names (STDEVA ...) share these kernels: counting text and booleans as values
is the compiler's coercion, not the kernel's.
"""

from __future__ import annotations

from typing import Any

from engines.errors import ExcelError
from engines.kernels.spec import Arg, Kernel
from engines.kernels.support import (
    cells,
    fail_where,
    kernel,
    on_host,
    skip_missing,
    trunc,
    with_errors,
)
from engines.xp import Array

N, V = Arg.NUM, Arg.VALUES


def _moments(xp: Any, values: Array) -> tuple[Array, Array, Array, Array]:
    """``(deviations from the mean (0 where absent), present, count, mean)``."""
    filled, present = skip_missing(xp, values)
    count = xp.sum(present, axis=0).astype(xp.float64)
    mean = xp.sum(filled, axis=0) / count
    return xp.where(present, filled - mean, 0.0), present, count, mean


def devsq(xp: Any, values: Array) -> Array:
    """Sum of squared deviations from the mean."""
    deviations, _, count, _ = _moments(xp, values)
    return fail_where(xp, count == 0.0, xp.sum(deviations**2, axis=0))


def _variance(population: bool, root: bool) -> Any:
    def spread(xp: Any, values: Array) -> Array:
        deviations, _, count, _ = _moments(xp, values)
        freedom = count - (0.0 if population else 1.0)
        variance = fail_where(xp, freedom <= 0.0, xp.sum(deviations**2, axis=0) / freedom)
        return xp.sqrt(variance) if root else variance

    return spread


def avedev(xp: Any, values: Array) -> Array:
    """Mean absolute deviation from the mean."""
    deviations, _, count, _ = _moments(xp, values)
    return xp.sum(xp.abs(deviations), axis=0) / count


def _standardized_sum(xp: Any, values: Array, power: float) -> tuple[Array, Array, Array]:
    deviations, _, count, _ = _moments(xp, values)
    sd = xp.sqrt(xp.sum(deviations**2, axis=0) / (count - 1.0))
    return xp.sum((deviations / sd) ** power, axis=0), count, sd


def skew(xp: Any, values: Array) -> Array:
    """Sample skewness."""
    total, count, sd = _standardized_sum(xp, values, 3.0)
    value = count / ((count - 1.0) * (count - 2.0)) * total
    return fail_where(xp, (count < 3.0) | (sd == 0.0), value)


def skew_p(xp: Any, values: Array) -> Array:
    """Population skewness."""
    deviations, _, count, _ = _moments(xp, values)
    sd = xp.sqrt(xp.sum(deviations**2, axis=0) / count)
    return fail_where(xp, sd == 0.0, xp.sum((deviations / sd) ** 3, axis=0) / count)


def kurt(xp: Any, values: Array) -> Array:
    """Sample excess kurtosis."""
    total, n, sd = _standardized_sum(xp, values, 4.0)
    value = n * (n + 1.0) / ((n - 1.0) * (n - 2.0) * (n - 3.0)) * total - 3.0 * (n - 1.0) ** 2 / (
        (n - 2.0) * (n - 3.0)
    )
    return fail_where(xp, (n < 4.0) | (sd == 0.0), value)


def geomean(xp: Any, values: Array) -> Array:
    """Geometric mean of positive values."""
    filled, present = skip_missing(xp, values)
    logs = xp.where(present, xp.log(xp.where(present, filled, 1.0)), 0.0)
    count = xp.sum(present, axis=0)
    bad = xp.any(present & (filled <= 0.0), axis=0) | (count == 0)
    return fail_where(xp, bad, xp.exp(xp.sum(logs, axis=0) / count))


def harmean(xp: Any, values: Array) -> Array:
    """Harmonic mean of positive values."""
    filled, present = skip_missing(xp, values)
    inverses = xp.where(present, 1.0 / xp.where(present, filled, 1.0), 0.0)
    count = xp.sum(present, axis=0)
    bad = xp.any(present & (filled <= 0.0), axis=0) | (count == 0)
    return fail_where(xp, bad, count / xp.sum(inverses, axis=0))


def _sorted(xp: Any, values: Array) -> tuple[Array, Array]:
    """``(ascending values with NaN last, count present)``."""
    values = cells(xp, values)
    return xp.sort(values, axis=0), xp.sum(~xp.isnan(values), axis=0).astype(xp.float64)


def _order_statistic(xp: Any, ordered: Array, position: Array) -> Array:
    """The value at 0-based ``position`` of each trial's sorted column (NaN if none)."""
    ordered, position = xp.broadcast_arrays(ordered, xp.asarray(position)[None, ...])
    position = position[0]
    index = xp.clip(xp.where(xp.isfinite(position), position, 0.0), 0, ordered.shape[0] - 1)
    found = xp.take_along_axis(ordered, index.astype(xp.int64)[None, ...], axis=0)[0]
    return xp.where(xp.isfinite(position), found, xp.nan)


def _interpolated(xp: Any, ordered: Array, rank: Array) -> Array:
    """Linear interpolation between order statistics at fractional 0-based ``rank``."""
    low = xp.floor(rank)
    below = _order_statistic(xp, ordered, low)
    above = _order_statistic(xp, ordered, low + 1.0)
    fraction = rank - low
    return xp.where(fraction == 0.0, below, below + fraction * (above - below))


def median(xp: Any, values: Array) -> Array:
    """The middle value (mean of the middle two for an even count)."""
    ordered, count = _sorted(xp, values)
    return fail_where(xp, count == 0.0, _interpolated(xp, ordered, (count - 1.0) / 2.0))


def percentile_inc(xp: Any, values: Array, k: Array) -> Array:
    """The k-th percentile, interpolating over ranks 0 .. count-1."""
    ordered, count = _sorted(xp, values)
    value = _interpolated(xp, ordered, k * (count - 1.0))
    return fail_where(xp, (k < 0.0) | (k > 1.0) | (count == 0.0), value)


def percentile_exc(xp: Any, values: Array, k: Array) -> Array:
    """The k-th percentile, interpolating over ranks 1 .. count excluding the ends."""
    ordered, count = _sorted(xp, values)
    rank = k * (count + 1.0)
    value = _interpolated(xp, ordered, rank - 1.0)
    return fail_where(xp, (rank < 1.0) | (rank > count) | (count == 0.0), value)


def quartile_inc(xp: Any, values: Array, quart: Array) -> Array:
    """Quartile 0..4 by PERCENTILE.INC."""
    # Excel rejects a negative quart before truncating it, so -0.1 is #NUM! rather than 0.
    bad = (quart < 0.0) | (trunc(xp, quart) > 4.0)
    quart = trunc(xp, quart)
    return fail_where(xp, bad, percentile_inc(xp, values, quart / 4.0))


def quartile_exc(xp: Any, values: Array, quart: Array) -> Array:
    """Quartile 1..3 by PERCENTILE.EXC."""
    quart = trunc(xp, quart)
    return fail_where(xp, (quart <= 0.0) | (quart >= 4.0), percentile_exc(xp, values, quart / 4.0))


def small(xp: Any, values: Array, k: Array) -> Array:
    """The k-th smallest value (k truncates to a whole rank: SMALL(x, 2.2) is the 2nd)."""
    ordered, count = _sorted(xp, values)
    k = trunc(xp, k)
    return fail_where(xp, (k < 1.0) | (k > count), _order_statistic(xp, ordered, k - 1.0))


def large(xp: Any, values: Array, k: Array) -> Array:
    """The k-th largest value: Excel counts ``count - k`` places up from the smallest and
    truncates that, so a fractional k rounds up (LARGE(x, 2.2) is the 3rd), once 1 <= k."""
    ordered, count = _sorted(xp, values)
    position = trunc(xp, count - k)
    return fail_where(xp, (k < 1.0) | (k > count), _order_statistic(xp, ordered, position))


def trimmean(xp: Any, values: Array, percent: Array) -> Array:
    """Mean after dropping ``percent`` of the values, half from each end, rounded down to an
    even count."""
    ordered, count = _sorted(xp, values)
    cut = xp.floor(count * percent / 2.0)
    position = xp.arange(ordered.shape[0], dtype=xp.float64)[:, None]
    kept = (position >= cut) & (position < count - cut)
    total = xp.sum(xp.where(kept, ordered, 0.0), axis=0)
    return fail_where(xp, (percent < 0.0) | (percent >= 1.0), total / (count - 2.0 * cut))


@on_host
def mode_sngl(xp: Any, values: Array) -> tuple[Array, Array]:
    """The most frequent value; ties go to the one that occurs first. None repeated: #N/A."""
    values = cells(xp, values)
    order = xp.argsort(values, axis=0, kind="stable")
    ordered = xp.take_along_axis(values, order, axis=0)
    rows = ordered.shape[0]
    position = xp.broadcast_to(xp.arange(rows, dtype=xp.float64)[:, None], ordered.shape)
    starts = xp.ones(ordered.shape, dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    ends = xp.ones(ordered.shape, dtype=bool)
    ends[:-1] = starts[1:]
    run_start = xp.maximum.accumulate(xp.where(starts, position, 0.0), axis=0)
    run_end = xp.flip(
        xp.minimum.accumulate(xp.flip(xp.where(ends, position, rows), axis=0), axis=0), axis=0
    )
    length = run_end - run_start + 1.0
    # A stable sort puts each run's earliest cell first, so that cell breaks ties.
    first_cell = xp.take_along_axis(order, run_start.astype(xp.int64), axis=0)
    score = xp.where(xp.isnan(ordered), -1.0, length * (rows + 1.0) - first_cell)
    best = xp.argmax(score, axis=0)[None, ...]
    value = xp.take_along_axis(ordered, best, axis=0)[0]
    repeated = xp.take_along_axis(length, best, axis=0)[0] >= 2.0
    return with_errors(xp, value, (~repeated | xp.isnan(value), ExcelError.NA))


def _rank_counts(xp: Any, value: Array, ref: Array) -> tuple[Array, Array, Array]:
    """``(values above, values equal, values below)`` ``value`` in ``ref``."""
    ref = xp.asarray(ref, dtype=xp.float64)
    return (
        xp.sum(ref > value, axis=0).astype(xp.float64),
        xp.sum(ref == value, axis=0).astype(xp.float64),
        xp.sum(ref < value, axis=0).astype(xp.float64),
    )


def rank_eq(xp: Any, value: Array, ref: Array, order: Array = 0.0) -> tuple[Array, Array]:
    """Rank of ``value`` in ``ref`` (1 = largest unless ``order`` is non-zero)."""
    above, equal, below = _rank_counts(xp, value, ref)
    rank = xp.where(xp.asarray(order) != 0.0, below, above) + 1.0
    return with_errors(xp, rank, (equal == 0.0, ExcelError.NA))


def rank_avg(xp: Any, value: Array, ref: Array, order: Array = 0.0) -> tuple[Array, Array]:
    """Like RANK.EQ, but tied values share the average of their ranks."""
    above, equal, below = _rank_counts(xp, value, ref)
    rank = xp.where(xp.asarray(order) != 0.0, below, above) + (equal + 1.0) / 2.0
    return with_errors(xp, rank, (equal == 0.0, ExcelError.NA))


def _percentrank(exclusive: bool) -> Any:
    def percentrank(
        xp: Any, values: Array, x: Array, significance: Array = 3.0
    ) -> tuple[Array, Array]:
        ordered, count = _sorted(xp, values)
        below = xp.sum(ordered < x, axis=0).astype(xp.float64)
        lower = _order_statistic(xp, ordered, below - 1.0)
        upper = _order_statistic(xp, ordered, below)
        # Between two data points the rank is interpolated from the lower one's.
        step = xp.where(upper == x, 0.0, (x - lower) / (upper - lower))
        position = xp.where(upper == x, below, below - 1.0 + step)
        rank = (position + 1.0) / (count + 1.0) if exclusive else position / (count - 1.0)
        if not exclusive:
            rank = xp.where(count == 1.0, 1.0, rank)
        digits = trunc(xp, significance)
        scale = 10.0**digits
        # Excel cuts the rank to ``significance`` digits, guarding against binary noise.
        rank = xp.floor(rank * scale * (1.0 + 1e-15)) / scale
        outside = (
            (count == 0.0) | (x < ordered[0]) | (x > _order_statistic(xp, ordered, count - 1.0))
        )
        return with_errors(xp, rank, (digits < 1.0, ExcelError.NUM), (outside, ExcelError.NA))

    return percentrank


_STDEV = kernel(
    _variance(population=False, root=True), (V,), variadic=True, nan_error=ExcelError.DIV0
)
_STDEVP = kernel(
    _variance(population=True, root=True), (V,), variadic=True, nan_error=ExcelError.DIV0
)
_VAR = kernel(
    _variance(population=False, root=False), (V,), variadic=True, nan_error=ExcelError.DIV0
)
_VARP = kernel(
    _variance(population=True, root=False), (V,), variadic=True, nan_error=ExcelError.DIV0
)
_MODE = kernel(mode_sngl, (V,), variadic=True, nan_error=ExcelError.NA)
_PERCENTILE = kernel(percentile_inc, (V, N))
_QUARTILE = kernel(quartile_inc, (V, N))
_RANK = kernel(rank_eq, (N, V, N), (0.0,))
_PERCENTRANK = kernel(_percentrank(exclusive=False), (V, N, N), (3.0,))

KERNELS: dict[str, Kernel] = {
    **{name: _STDEV for name in ("STDEV", "STDEV.S", "STDEVA")},
    **{name: _STDEVP for name in ("STDEVP", "STDEV.P", "STDEVPA")},
    **{name: _VAR for name in ("VAR", "VAR.S", "VARA")},
    **{name: _VARP for name in ("VARP", "VAR.P", "VARPA")},
    "DEVSQ": kernel(devsq, (V,), variadic=True),
    "AVEDEV": kernel(avedev, (V,), variadic=True),
    "SKEW": kernel(skew, (V,), variadic=True, nan_error=ExcelError.DIV0),
    "SKEW.P": kernel(skew_p, (V,), variadic=True, nan_error=ExcelError.DIV0),
    "KURT": kernel(kurt, (V,), variadic=True, nan_error=ExcelError.DIV0),
    "GEOMEAN": kernel(geomean, (V,), variadic=True),
    "HARMEAN": kernel(harmean, (V,), variadic=True),
    "MEDIAN": kernel(median, (V,), variadic=True),
    "MODE": _MODE,
    "MODE.SNGL": _MODE,
    "PERCENTILE": _PERCENTILE,
    "PERCENTILE.INC": _PERCENTILE,
    "PERCENTILE.EXC": kernel(percentile_exc, (V, N)),
    "QUARTILE": _QUARTILE,
    "QUARTILE.INC": _QUARTILE,
    "QUARTILE.EXC": kernel(quartile_exc, (V, N)),
    "PERCENTRANK": _PERCENTRANK,
    "PERCENTRANK.INC": _PERCENTRANK,
    "PERCENTRANK.EXC": kernel(_percentrank(exclusive=True), (V, N, N), (3.0,)),
    "SMALL": kernel(small, (V, N)),
    "LARGE": kernel(large, (V, N)),
    "TRIMMEAN": kernel(trimmean, (V, N)),
    "RANK": _RANK,
    "RANK.EQ": _RANK,
    "RANK.AVG": kernel(rank_avg, (N, V, N), (0.0,)),
}
