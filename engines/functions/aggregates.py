"""SUM, AVERAGE, MIN, MAX, COUNT and the other reductions over variadic arguments."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType

import numpy as np

from engines.coerce import to_number
from engines.errors import ExcelError
from engines.functions.collect import Numbers, first_error, flat, fold, numbers
from engines.functions.registry import Call, Impl, Table, register
from engines.values import EMPTY, TEXT, Value, kinds, merge_errors, number, texts, with_error
from engines.xp import Array

FUNCTIONS: Table = {}
ALL = None


def _result(
    xp: ModuleType,
    out: Array,
    err: Array | None,
    bad: Array | None = None,
    code: ExcelError = ExcelError.DIV0,
) -> Value:
    shaped = out.reshape(-1, 1, 1)
    errors = None if err is None else err.reshape(-1, 1, 1)
    if bad is not None:
        errors = with_error(xp, errors, bad.reshape(-1, 1, 1), code)
    return number(xp, shaped, errors)


def _reduction(
    reduce: Callable[[ModuleType, Numbers], tuple[Array, Array | None]], **modes: bool
) -> Impl:
    def impl(call: Call, args: Sequence[Value]) -> Value:
        xp = call.xp
        found = numbers(xp, args, **modes)
        out, bad = reduce(xp, found)
        return _result(xp, out, found.err, bad)

    return impl


def _sum(xp: ModuleType, found: Numbers) -> tuple[Array, Array | None]:
    values = found.values if found.whole else xp.where(found.counted, found.values, 0.0)
    return fold(xp, "add", values), None


def _average(xp: ModuleType, found: Numbers) -> tuple[Array, Array | None]:
    count = fold(xp, "add", found.counted.astype(xp.float64))
    total = fold(xp, "add", xp.where(found.counted, found.values, 0.0))
    return total / xp.maximum(count, 1), count == 0


def _extreme(pick: str) -> Callable[[ModuleType, Numbers], tuple[Array, Array | None]]:
    def reduce(xp: ModuleType, found: Numbers) -> tuple[Array, Array | None]:
        fill = xp.inf if pick == "min" else -xp.inf
        if found.values.shape[1] == 0:
            return xp.zeros(found.values.shape[0]), None
        step = "minimum" if pick == "min" else "maximum"
        picked = fold(xp, step, xp.where(found.counted, found.values, fill))
        return xp.where(fold(xp, "logical_or", found.counted), picked, 0.0), None

    return reduce


def _product(xp: ModuleType, found: Numbers) -> tuple[Array, Array | None]:
    any_counted = fold(xp, "logical_or", found.counted)
    out = fold(xp, "multiply", xp.where(found.counted, found.values, 1.0))
    return xp.where(any_counted, out, 0.0), None


def _sumsq(xp: ModuleType, found: Numbers) -> tuple[Array, Array | None]:
    return fold(xp, "add", xp.where(found.counted, found.values**2, 0.0)), None


for _name, _reduce, _modes in (
    ("SUM", _sum, {}),
    ("AVERAGE", _average, {}),
    ("AVERAGEA", _average, {"count_logical": True, "count_text": True}),
    ("MIN", _extreme("min"), {}),
    ("MINA", _extreme("min"), {"count_logical": True, "count_text": True}),
    ("MAX", _extreme("max"), {}),
    ("MAXA", _extreme("max"), {"count_logical": True, "count_text": True}),
    ("PRODUCT", _product, {}),
    ("SUMSQ", _sumsq, {}),
):
    register(FUNCTIONS, _name, 1, -1, ALL)(_reduction(_reduce, **_modes))


@register(FUNCTIONS, "COUNT", 1, -1, ALL)
def count(call: Call, args: Sequence[Value]) -> Value:
    """Numbers in ranges, and typed values that read as numbers; errors are not counted."""
    xp = call.xp
    totals = []
    for arg in args:
        if arg.area is not None or arg.grid != (1, 1):
            block = flat(xp, arg)
            ok = xp.broadcast_to(kinds(xp, block) == 0, block.shape)
            if block.err is not None:
                ok = ok & (block.err == 0)
            totals.append(xp.sum(ok, axis=(1, 2)))
        else:
            num, err = to_number(xp, arg)
            ok = kinds(xp, arg) != EMPTY
            if err is not None:
                ok = ok & (err == 0)
            totals.append(ok.reshape(-1))
    return _sum_counts(xp, totals)


def _sum_counts(xp: ModuleType, totals: list[Array]) -> Value:
    out = totals[0].astype(xp.float64)
    for more in totals[1:]:
        out = out + more
    return number(xp, xp.asarray(out, dtype=xp.float64).reshape(-1, 1, 1))


@register(FUNCTIONS, "COUNTA", 1, -1, ALL)
def counta(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    totals = []
    for arg in args:
        block = flat(xp, arg)
        filled = kinds(xp, block) != EMPTY
        if block.err is not None:
            filled = filled | (block.err != 0)
        totals.append(xp.sum(xp.broadcast_to(filled, block.shape), axis=(1, 2)))
    return _sum_counts(xp, totals)


@register(FUNCTIONS, "COUNTBLANK", 1, 1, ALL)
def countblank(call: Call, args: Sequence[Value]) -> Value:
    """Empty cells and cells holding the empty text ""."""
    xp = call.xp
    block = flat(xp, args[0])
    kind = xp.broadcast_to(kinds(xp, block), block.shape)
    blank = kind == EMPTY
    if block.text is not None:
        empty_text = np.broadcast_to(texts(block) == "", block.shape)
        blank = blank | ((kind == TEXT) & xp.asarray(empty_text))
    if block.err is not None:
        blank = blank & (block.err == 0)
    counted = xp.sum(blank, axis=(1, 2))
    area = args[0].area
    if area is not None:  # the empty cells a reference was clipped of
        (rows, cols), (named_rows, named_cols) = area.shape, area.named_shape
        counted = counted + (named_rows * named_cols - rows * cols)
    return _sum_counts(xp, [counted])


@register(FUNCTIONS, "SUMPRODUCT", 1, -1, ALL, arrays=ALL)
def sumproduct(call: Call, args: Sequence[Value]) -> Value:
    """Entry-wise products summed; non-numbers count as 0, differing sizes give #VALUE!."""
    xp = call.xp
    blocks = [flat(xp, arg) for arg in args]
    errors = [first_error(xp, b.err[:, 0, :]) for b in blocks if b.err is not None]
    err = merge_errors(xp, *errors)
    if len({arg.grid for arg in args}) != 1:
        return _result(xp, xp.zeros(1), err, xp.ones(1, dtype=bool), ExcelError.VALUE)
    product = xp.ones((1, 1, 1))
    for block in blocks:
        product = product * xp.where(kinds(xp, block) == 0, block.num, 0.0)
    return _result(xp, xp.sum(product, axis=(1, 2)), err)
