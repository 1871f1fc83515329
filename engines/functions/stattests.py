"""The hypothesis tests over two ranges (T.TEST, F.TEST, CHISQ.TEST and their legacy names)
with Excel's order of errors inside those ranges, and MODE.MULT, which returns a column of
every most frequent value.

The tests' arithmetic is in :mod:`engines.kernels.stattests`. Reading two ranges, Excel reports
the first error it meets, where a #NULL! gives way to any later error; T.TEST's paired test
(type 1) reads its ranges pair by pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy as np

from engines.coerce import to_number
from engines.errors import ExcelError
from engines.functions.collect import first_error, flat, numbers
from engines.functions.kernels import adapt
from engines.functions.registry import Call, Impl, Table, register
from engines.kernels.spec import Arg
from engines.kernels.stattests import KERNELS, chisq_test
from engines.kernels.support import kernel
from engines.values import EMPTY, Value, error, host, number
from engines.xp import Array

FUNCTIONS: Table = {}
_ALL = None


_PAIR = frozenset({0, 1})


def _range_error(xp: ModuleType, first: Value, second: Value, paired: bool) -> Array:
    """Per trial, the error Excel reports from two ranges (0 for none): the first in reading
    order (pair by pair when ``paired``), a #NULL! only when no other error follows."""
    codes = []
    for value in (first, second):
        block = flat(xp, value)
        err = block.err if block.err is not None else xp.zeros(block.num.shape, dtype=xp.int8)
        codes.append(err)
    trials = max(c.shape[0] for c in codes)
    parts = [xp.broadcast_to(c, (trials, 1, c.shape[2]))[:, 0, :] for c in codes]
    if paired:
        # a pair whose first entry is #NULL! is passed over whole
        second = xp.where(parts[0] == int(ExcelError.NULL), xp.int8(0), parts[1])
        order = xp.stack([parts[0], second], axis=-1).reshape(trials, -1)
    else:
        order = xp.concatenate(parts, axis=1)
    null = order == int(ExcelError.NULL)
    other = first_error(xp, xp.where(null, xp.int8(0), order))
    fallback = xp.where(xp.any(null, axis=1), xp.int8(int(ExcelError.NULL)), xp.int8(0))
    return xp.where(other != 0, other, fallback)


def _two_ranges(impl: Impl, paired_type: int | None = None) -> Impl:
    """``impl`` reporting an error inside its two ranges in Excel's order; ``paired_type``
    is the position of T.TEST's type argument (type 1 reads pair by pair)."""

    def ordered(call: Call, args: Sequence[Value]) -> Value:
        result = impl(call, args)
        if result.err is None:
            return result
        xp = call.xp
        scalar_errors = [to_number(xp, a)[1] for a in args[2:]]
        ranges = _range_error(xp, args[0], args[1], paired=False)
        sizes = {a.grid[0] * a.grid[1] for a in args[:2]}
        if paired_type is not None and paired_type < len(args) and len(sizes) == 1:
            kind = xp.trunc(to_number(xp, args[paired_type])[0]).reshape(-1)
            paired = _range_error(xp, args[0], args[1], paired=True)
            ranges = xp.where(kind == 1.0, paired, ranges)
        from_ranges = ranges != 0
        for err in scalar_errors:
            if err is not None:
                from_ranges = from_ranges & (err.reshape(-1) == 0)
        codes = xp.where(from_ranges, ranges, result.err.reshape(-1)).astype(xp.int8)
        return Value(result.num, codes.reshape(-1, 1, 1), result.kind, result.text)

    return ordered


def _chisq(call: Call, args: Sequence[Value]) -> Value:
    rows, cols = args[0].grid
    freedom = (rows - 1) * (cols - 1) if rows > 1 and cols > 1 else max(rows, cols) - 1

    def test(xp: Any, actual: Array, expected: Array) -> tuple[Array, Array]:
        return chisq_test(xp, actual, expected, freedom)

    return adapt(kernel(test, (Arg.VALUES, Arg.VALUES)))(call, args)


for _names, _impl in (
    (("CHISQ.TEST", "CHITEST"), _two_ranges(_chisq)),
    (("F.TEST", "FTEST"), _two_ranges(adapt(KERNELS["F.TEST"]))),
):
    for _name in _names:
        register(FUNCTIONS, _name, 2, 2, _PAIR)(_impl)
for _name in ("T.TEST", "TTEST"):
    register(FUNCTIONS, _name, 4, 4, _PAIR)(_two_ranges(adapt(KERNELS["T.TEST"]), 3))


@register(FUNCTIONS, "MODE.MULT", 1, -1, _ALL)
def mode_mult(call: Call, args: Sequence[Value]) -> Value:
    """The values occurring most often (at least twice), in order of first appearance, as a
    column; trials with fewer modes than others fill the rest with #N/A."""
    xp = call.xp
    if any(isinstance(a.kind, int) and a.kind == EMPTY and a.area is None for a in args):
        return error(xp, ExcelError.VALUE)  # an argument left out, as in MODE.MULT(A1:A9,)
    found = numbers(xp, args)
    values = host(xp, xp.where(found.counted, found.values, xp.nan))
    if values.shape[1] == 0:
        return error(xp, ExcelError.NA)
    picked, missing = _modes(values)
    picked, missing = xp.asarray(picked), xp.asarray(missing)
    codes = xp.where(missing, xp.int8(int(ExcelError.NA)), xp.int8(0))
    if found.err is not None:
        codes = xp.where(found.err[:, None] != 0, found.err[:, None], codes)
    out = picked[:, :, None]
    return number(xp, out, codes[:, :, None].astype(xp.int8))


def _modes(values: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Per row of (t, k) values (NaN skipped): the most frequent ones, repeated at least
    twice, in order of first appearance, as (t, m) values and a (t, m) mask of missing ones.

    Sorting each row once (stably, so a run of equal values starts at its earliest cell)
    finds the runs and their lengths.
    """
    count = values.shape[1]
    order = np.argsort(values, axis=1, kind="stable")
    ordered = np.take_along_axis(values, order, axis=1)
    starts = np.ones(ordered.shape, dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    position = np.broadcast_to(np.arange(count), ordered.shape)
    run_start = np.maximum.accumulate(np.where(starts, position, 0), axis=1)
    ends = np.ones(ordered.shape, dtype=bool)
    ends[:, :-1] = starts[:, 1:]
    run_end = np.minimum.accumulate(np.where(ends, position, count)[:, ::-1], axis=1)[:, ::-1]
    length = np.where(np.isnan(ordered), 0, run_end - run_start + 1)
    longest = length.max(axis=1, keepdims=True)
    is_mode = starts & (length == longest) & (longest >= 2)
    first_cell = np.take_along_axis(order, run_start, axis=1)
    ranked = np.argsort(np.where(is_mode, first_cell, count), axis=1, kind="stable")
    width = max(int(is_mode.sum(axis=1).max()), 1)
    picked = np.take_along_axis(ordered, ranked[:, :width], axis=1)
    missing = ~np.take_along_axis(is_mode, ranked[:, :width], axis=1)
    return np.where(missing, np.nan, picked), missing
