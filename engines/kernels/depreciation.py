"""Excel's depreciation functions: SLN, SYD, DB, DDB and VDB, and the French AMORLINC and
AMORDEGRC (engines.kernels.amortization)."""

from __future__ import annotations

from typing import Any

from engines.errors import ExcelError
from engines.kernels.amortization import KERNELS as AMORTIZATION_KERNELS
from engines.kernels.spec import Arg, Kernel
from engines.kernels.support import fail_where, kernel, trunc
from engines.xp import Array

N = Arg.NUM


def sln(xp: Any, cost: Array, salvage: Array, life: Array) -> Array:
    """Straight-line depreciation for one period."""
    return (cost - salvage) / life


def syd(xp: Any, cost: Array, salvage: Array, life: Array, per: Array) -> Array:
    """Sum-of-years'-digits depreciation for period ``per``."""
    value = (cost - salvage) * (life - per + 1.0) * 2.0 / (life * (life + 1.0))
    return fail_where(xp, (life <= 0.0) | (per <= 0.0) | (per > life), value)


def db(
    xp: Any, cost: Array, salvage: Array, life: Array, period: Array, month: Array = 12.0
) -> Array:
    """Fixed-declining-balance depreciation, Excel's rate rounded to three decimals."""
    period, month = trunc(xp, period), trunc(xp, month)
    exact_rate = 1.0 - (salvage / cost) ** (1.0 / life)
    rate = xp.floor(exact_rate * 1000.0 + 0.5) / 1000.0
    first = cost * rate * month / 12.0
    later = (cost - first) * (1.0 - rate) ** (period - 2.0) * rate
    later = xp.where(period == life + 1.0, later * (12.0 - month) / 12.0, later)
    bad = (
        (cost <= 0.0)
        | (salvage < 0.0)
        | (salvage > cost)
        | (life <= 0.0)
        | (period <= 0.0)
        | (period > life + 1.0)
        | (month < 1.0)
        | (month > 12.0)
    )
    return fail_where(xp, bad, xp.where(period == 1.0, first, later))


def _declining(
    xp: Any, cost: Array, salvage: Array, life: Array, period: Array, factor: Array
) -> Array:
    """Double-declining depreciation of one period, never taking book value below salvage."""
    rate = xp.minimum(factor / life, 1.0)
    opening = xp.where(
        rate >= 1.0, xp.where(period == 1.0, cost, 0.0), cost * (1.0 - rate) ** (period - 1.0)
    )
    closing = cost * (1.0 - rate) ** period
    amount = xp.where(closing < salvage, opening - salvage, opening - closing)
    return xp.maximum(amount, 0.0)


def ddb(
    xp: Any, cost: Array, salvage: Array, life: Array, period: Array, factor: Array = 2.0
) -> Array:
    """Declining-balance depreciation at ``factor`` times the straight-line rate."""
    bad = (
        (cost < 0.0)
        | (salvage < 0.0)
        | (salvage > cost)
        | (factor <= 0.0)
        | (period < 1.0)
        | (period > life)
    )
    return fail_where(xp, bad, _declining(xp, cost, salvage, life, period, factor))


def vdb(
    xp: Any,
    cost: Array,
    salvage: Array,
    life: Array,
    start: Array,
    end: Array,
    factor: Array = 2.0,
    no_switch: Array = 0.0,
) -> Array:
    """Depreciation between two (possibly fractional) periods, Excel's VDB.

    Excel lays its periods on a grid through ``start``: a first stub of ``start``'s fraction,
    then whole periods, the last cut at ``end``. Each charges its length times the declining
    balance on the book value at its start, or, unless ``no_switch``, the straight line over
    the remaining life when that is larger.
    """
    cost, salvage, life, start, end, factor, no_switch = xp.broadcast_arrays(
        *(
            xp.asarray(a, dtype=xp.float64)
            for a in (cost, salvage, life, start, end, factor, no_switch)
        )
    )
    rate = xp.minimum(factor / life, 1.0)
    stub = start - xp.floor(start)
    book = cost.copy()
    total = xp.zeros(cost.shape)
    # Trials that are errors anyway (an end past the life) must not lengthen the loop.
    reachable_end = xp.where(xp.isfinite(end) & (end <= life), end, 0.0)
    periods = int(xp.max(xp.ceil(reachable_end))) + 1 if cost.size else 0
    for j in range(periods + 1):
        opens = xp.maximum(stub + j - 1.0, 0.0)
        length = xp.maximum(xp.minimum(stub + j, end) - opens, 0.0)
        declining = xp.maximum(xp.minimum(book * rate, book - salvage), 0.0)
        straight = (book - salvage) / (life - opens)
        full = xp.where((no_switch == 0.0) & (straight > declining), straight, declining)
        # a period opening where the life ends (past an end inside the last year) charges
        # nothing; its straight line, the book over no remaining life, is infinite (0 * inf)
        charge = xp.where(length > 0.0, length * full, 0.0)
        book = book - charge
        # period j opens at start when j - 1 is start's whole part: comparing opens with start
        # instead drops it where stub + j - 1 rounds below start (start = 47/12)
        total = total + xp.where(j - 1.0 >= xp.floor(start), charge, 0.0)
    bad = (
        (start < 0.0)
        | (end < start)
        | (end > life)
        | (cost < 0.0)
        | (salvage > cost)
        | (factor <= 0.0)
    )
    return fail_where(xp, bad, total)


KERNELS: dict[str, Kernel] = {
    "SLN": kernel(sln, (N, N, N), nan_error=ExcelError.DIV0),
    "SYD": kernel(syd, (N, N, N, N)),
    "DB": kernel(db, (N,) * 5, (12.0,)),
    "DDB": kernel(ddb, (N,) * 5, (2.0,)),
    "VDB": kernel(vdb, (N,) * 7, (2.0, 0.0)),
    **AMORTIZATION_KERNELS,
}
