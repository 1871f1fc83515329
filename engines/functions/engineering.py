"""Matrices (MMULT, MDETERM, MINVERSE, MUNIT), bitwise functions, DELTA, GESTEP, ERF, ERFC.

Matrix functions work on every trial at once (numpy's batched linear algebra).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from types import ModuleType

import numpy as np

from engines.coerce import to_number
from engines.errors import ExcelError
from engines.functions.collect import first_error, flat
from engines.functions.registry import Call, Impl, Table, numeric, register
from engines.limits import too_large
from engines.values import EMPTY, NUMBER, Value, error, kinds, number, with_error
from engines.xp import Array

FUNCTIONS: Table = {}
_ALL = None


def _matrix(xp: ModuleType, value: Value) -> tuple[Array, Array | None]:
    """(t, r, c) numbers of a block, with per trial the first error (text counts as #VALUE!)."""
    shape = value.shape
    num, err = to_number(xp, value)
    not_number = xp.broadcast_to(kinds(xp, value) != NUMBER, shape)
    err = with_error(xp, err, not_number, ExcelError.VALUE)
    first = first_error(xp, xp.broadcast_to(err, shape).reshape(shape[0], -1))
    return xp.broadcast_to(num, shape), first


def _result(xp: ModuleType, out: Array, err: Array | None) -> Value:
    codes = None if err is None else err.reshape(-1, 1, 1)
    return number(xp, out, with_error(xp, codes, ~xp.isfinite(out), ExcelError.NUM))


@register(FUNCTIONS, "MMULT", 2, 2, _ALL)
def mmult(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    (a, err_a), (b, err_b) = _matrix(xp, args[0]), _matrix(xp, args[1])
    if a.shape[2] != b.shape[1]:
        return error(xp, ExcelError.VALUE)
    err = xp.where(err_a != 0, err_a, err_b)
    return _result(xp, xp.matmul(a, b), err)


@register(FUNCTIONS, "MDETERM", 1, 1, _ALL)
def mdeterm(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    a, err = _matrix(xp, args[0])
    if a.shape[1] != a.shape[2]:
        return error(xp, ExcelError.VALUE)
    with np.errstate(invalid="ignore"):
        determinant = xp.linalg.det(a)
    return _result(xp, determinant.reshape(-1, 1, 1), err)


@register(FUNCTIONS, "MINVERSE", 1, 1, _ALL)
def minverse(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    a, err = _matrix(xp, args[0])
    if a.shape[1] != a.shape[2]:
        return error(xp, ExcelError.VALUE)
    with np.errstate(invalid="ignore"):
        singular = ~(xp.abs(xp.linalg.det(a)) >= 1e-300)
    safe = xp.where(singular[:, None, None], xp.eye(a.shape[1]), a)
    inverse = xp.where(singular[:, None, None], xp.nan, xp.linalg.inv(safe))
    return _result(xp, inverse, err)


@register(FUNCTIONS, "MUNIT", 1)
def munit(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    if args[0].err is not None and bool((args[0].err != 0).any()):
        return args[0].plain()
    num, err = to_number(xp, args[0])
    if err is not None and bool((err != 0).any()):
        return error(xp, ExcelError.VALUE)  # text that is not a number
    size = int(float(np.asarray(num).reshape(-1)[0]))
    if size < 1 or too_large(1, size, size):
        return error(xp, ExcelError.VALUE)
    return number(xp, xp.eye(size).reshape(1, size, size))


def _bitwise(name: str) -> Impl:
    def impl(call: Call, args: Sequence[Value]) -> Value:
        xp = call.xp

        def compute(a: Array, b: Array) -> Array:
            bad = (a < 0) | (b < 0) | (a != xp.floor(a)) | (b != xp.floor(b))
            bad = bad | (a >= 2.0**48) | (b >= 2.0**48)
            left = xp.where(bad, 0, a).astype(xp.int64)
            if name in ("BITLSHIFT", "BITRSHIFT"):
                shift = xp.trunc(b)
                bad = (a < 0) | (a != xp.floor(a)) | (a >= 2.0**48) | (xp.abs(shift) > 53)
                amount = xp.where(name == "BITLSHIFT", shift, -shift)
                out = xp.floor(xp.where(bad, 0, a) * xp.power(2.0, amount))
                return xp.where(bad | (out >= 2.0**48), xp.nan, out)
            right = xp.where(bad, 0, b).astype(xp.int64)
            op = {"BITAND": xp.bitwise_and, "BITOR": xp.bitwise_or, "BITXOR": xp.bitwise_xor}
            return xp.where(bad, xp.nan, op[name](left, right).astype(xp.float64))

        return numeric(xp, args, compute)

    return impl


for _name in ("BITAND", "BITOR", "BITXOR", "BITLSHIFT", "BITRSHIFT"):
    register(FUNCTIONS, _name, 2)(_bitwise(_name))


@register(FUNCTIONS, "DELTA", 1, 2)
def delta(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    return numeric(xp, args, lambda a, b=0.0: xp.where(a == b, 1.0, 0.0), strict=True)


@register(FUNCTIONS, "GESTEP", 1, 2)
def gestep(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    return numeric(xp, args, lambda a, b=0.0: xp.where(a >= b, 1.0, 0.0), strict=True)


_erf = np.vectorize(math.erf, otypes=[float])


def _erf_between(xp: ModuleType, low: Array, high: Array | None = None) -> Array:
    start = xp.asarray(_erf(np.asarray(low)))
    return start if high is None else xp.asarray(_erf(np.asarray(high))) - start


@register(FUNCTIONS, "ERF", 1, 2)
def erf(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    return numeric(xp, args, lambda a, b=None: _erf_between(xp, a, b), strict=True)


@register(FUNCTIONS, "ERF.PRECISE", 1)
def erf_precise(call: Call, args: Sequence[Value]) -> Value:
    return numeric(call.xp, args, lambda a: _erf_between(call.xp, a), strict=True)


def _erfc(call: Call, args: Sequence[Value]) -> Value:
    return numeric(call.xp, args, lambda a: 1.0 - _erf_between(call.xp, a), strict=True)


register(FUNCTIONS, "ERFC", 1)(_erfc)
register(FUNCTIONS, "ERFC.PRECISE", 1)(_erfc)


@register(FUNCTIONS, "FREQUENCY", 2, 2, _ALL)
def frequency(call: Call, args: Sequence[Value]) -> Value:
    """Counts of data in each bin (<= bin, ascending bins) plus those above the last."""
    xp = call.xp
    data, bins = flat(xp, args[0]), flat(xp, args[1])
    for block in (data, bins):
        if block.err is not None and bool((block.err != 0).any()):
            code = int(np.asarray(block.err)[np.asarray(block.err) != 0].reshape(-1)[0])
            return error(xp, ExcelError(code))
    values = xp.where(kinds(xp, data) == NUMBER, data.num, xp.nan)[:, 0, :]
    bin_kind = kinds(xp, bins)
    edges = xp.where((bin_kind == NUMBER) | (bin_kind == EMPTY), bins.num, xp.nan)[:, 0, :]
    if edges.shape[0] == 1:
        edges = edges[:, ~xp.isnan(edges[0])]  # text bins are not bins
    order = xp.argsort(edges, axis=1)
    sorted_edges = xp.take_along_axis(edges, order, axis=1)
    counts = []
    below = xp.zeros(values.shape[0])
    for i in range(sorted_edges.shape[1]):
        upto = xp.sum(values <= sorted_edges[:, i : i + 1], axis=1)
        counts.append(upto - below)
        below = upto
    total = xp.sum(~xp.isnan(values), axis=1)
    ranked = xp.stack(counts, axis=1) if counts else xp.zeros((values.shape[0], 0))
    back = xp.empty_like(ranked)
    xp.put_along_axis(back, order, ranked, axis=1)
    out = xp.concatenate([back, (total - below)[:, None]], axis=1)
    return number(xp, out[:, :, None].astype(xp.float64))
