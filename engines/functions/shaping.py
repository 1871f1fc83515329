"""Reshaping dynamic arrays: SORTBY, WRAPROWS, WRAPCOLS, EXPAND and TRIMRANGE.

Like SORT, SORTBY and TRIMRANGE decide the result's shape from the data, which must then be
the same in every trial (#VALUE! otherwise); the others reshape every trial at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType

import numpy as np

from engines.coerce import to_number
from engines.errors import ExcelError
from engines.functions.arrays import _full, _ints, _order_keys, _padded, _reshaped
from engines.functions.registry import Call, Impl, Table, register
from engines.limits import too_large
from engines.values import EMPTY, Value, error, host, kinds, texts

FUNCTIONS: Table = {}


def _omitted(value: Value) -> bool:
    """An argument left out (an empty cell given instead is not omitted)."""
    return (
        value.area is None
        and isinstance(value.kind, int)
        and value.kind == EMPTY
        and value.grid == (1, 1)
    )


def _fill(xp: ModuleType, value: Value, rows: int, cols: int, pad: Value | None) -> Value:
    """``value`` grown to rows x cols, the new entries #N/A or ``pad``."""
    grown = _padded(xp, value, rows, cols)
    if pad is None or (rows, cols) == value.grid:
        return grown
    r, c = value.grid
    mask = np.ones((1, rows, cols), dtype=bool)
    mask[:, :r, :c] = False
    inside = xp.asarray(mask)
    fill = _full(xp, pad)
    return Value(
        xp.where(inside, fill.num, grown.num),
        xp.where(inside, fill.err, grown.err),
        xp.where(inside, fill.kind, grown.kind).astype(xp.int8),
        np.where(mask, texts(fill), texts(grown)),
    )


def _wrap(by_rows: bool) -> Impl:
    def impl(call: Call, args: Sequence[Value]) -> Value:
        xp = call.xp
        vector = args[0]
        rows, cols = vector.grid
        if rows != 1 and cols != 1:
            return error(xp, ExcelError.VALUE)
        counts = _ints(call, args[1:2])
        if isinstance(counts, ExcelError):
            return error(xp, counts)
        count = counts[0]
        if count < 1:
            return error(xp, ExcelError.NUM)
        size = rows * cols
        lines = -(-size // count)
        flat = _reshaped(xp, vector, lambda a, m: a.reshape(a.shape[0], 1, size))
        pad = args[2] if len(args) > 2 and not _omitted(args[2]) else None
        filled = _fill(xp, flat, 1, lines * count, pad)
        if by_rows:
            return _reshaped(xp, filled, lambda a, m: a.reshape(a.shape[0], lines, count))
        return _reshaped(
            xp, filled, lambda a, m: m.swapaxes(a.reshape(a.shape[0], lines, count), 1, 2)
        )

    return impl


register(FUNCTIONS, "WRAPROWS", 2, 3, frozenset({0}))(_wrap(True))
register(FUNCTIONS, "WRAPCOLS", 2, 3, frozenset({0}))(_wrap(False))


@register(FUNCTIONS, "EXPAND", 2, 4, frozenset({0}))
def expand(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    source = args[0]
    size = list(source.grid)
    for i, arg in enumerate(args[1:3]):
        if _omitted(arg):
            continue
        given = _ints(call, [arg])
        if isinstance(given, ExcelError):
            return error(xp, given)
        if given[0] < size[i]:
            return error(xp, ExcelError.VALUE)
        size[i] = given[0]
    pad = args[3] if len(args) > 3 and not _omitted(args[3]) else None
    if too_large(source.num.shape[0], size[0], size[1]):
        return error(xp, ExcelError.VALUE)
    return _fill(xp, source, size[0], size[1], pad)


@register(FUNCTIONS, "SORTBY", 2, -1, None)
def sortby(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    source = args[0]
    rows, cols = source.grid
    keys: list[tuple[list[tuple[int, object]], bool]] = []
    axis = 0
    for at in range(1, len(args), 2):
        by = args[at]
        order = _ints(call, [args[at + 1]], defaults=(1,)) if at + 1 < len(args) else [1]
        if isinstance(order, ExcelError):
            return error(xp, order)
        if order[0] not in (1, -1) or by.shape[0] != 1:
            return error(xp, ExcelError.VALUE)
        height, width = by.grid
        if width != 1 and height != 1:
            return error(xp, ExcelError.VALUE)
        along = 1 if width == 1 and height == rows else 2 if height == 1 and width == cols else 0
        if along == 0 or axis not in (0, along):
            return error(xp, ExcelError.VALUE)
        axis = along
        keys.append((_order_keys(xp, by), order[0] == -1))
    if source.shape[0] != 1 and any(a.shape[0] != 1 for a in args[1::2]):
        return error(xp, ExcelError.VALUE)
    ranked = list(range(rows if axis == 1 else cols))
    for values, descending in reversed(keys):
        ranked.sort(key=lambda i, v=values: v[i], reverse=descending)  # type: ignore[misc]
    order_index = np.asarray(ranked)
    return _reshaped(xp, source, lambda a, m: m.take(a, m.asarray(order_index), axis=axis))


@register(FUNCTIONS, "TRIMRANGE", 1, 3, frozenset({0}), lifts=False)
def trimrange(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    source = args[0]
    modes = []
    for arg in args[1:3]:
        if _omitted(arg):
            modes.append(3)
            continue
        if arg.grid != (1, 1):
            return error(xp, ExcelError.VALUE)
        number = _exact(call, arg)
        if isinstance(number, ExcelError):
            return error(xp, number)
        modes.append(number)
    modes += [3] * (2 - len(modes))
    if any(m not in (0, 1, 2, 3) for m in modes) or source.shape[0] != 1:
        return error(xp, ExcelError.VALUE)
    empty = host(xp, xp.broadcast_to(kinds(xp, source), source.shape))[0] == EMPTY
    if source.err is not None:
        empty &= host(xp, xp.broadcast_to(source.err, source.shape))[0] == 0
    spans = []
    for axis, mode in ((1, modes[0]), (0, modes[1])):
        used = np.flatnonzero(~empty.all(axis=axis))
        size = empty.shape[1 - axis]
        if used.size == 0:
            return error(xp, ExcelError.REF)
        first = int(used[0]) if mode in (1, 3) else 0
        last = int(used[-1]) + 1 if mode in (2, 3) else size
        spans.append(slice(first, last))
    return _reshaped(xp, source, lambda a, m: a[:, spans[0], spans[1]])


def _exact(call: Call, arg: Value) -> int | ExcelError:
    """An argument that must be a whole number (text such as "3" is read)."""
    num, err = to_number(call.xp, arg)
    if err is not None and bool((err != 0).any()):
        return ExcelError(int(host(call.xp, err).reshape(-1)[0]))
    value = float(host(call.xp, num).reshape(-1)[0])
    return int(value) if value.is_integer() else ExcelError.VALUE
