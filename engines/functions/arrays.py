"""Dynamic-array functions: SEQUENCE, TRANSPOSE, VSTACK/HSTACK, TOCOL/TOROW, TAKE/DROP,
CHOOSEROWS/CHOOSECOLS, SORT, UNIQUE, FILTER.

Reshaping works on every trial at once. SORT, UNIQUE and FILTER change the result's shape
with the data, so their data must be the same in every trial (else #VALUE!).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import numpy as np

from engines.coerce import to_bool, to_number
from engines.errors import ExcelError
from engines.functions.registry import Call, Impl, Table, register
from engines.limits import too_large
from engines.values import EMPTY, TEXT, Value, broadcast_to, error, host, kinds, number, texts

FUNCTIONS: Table = {}
_ALL = None


def _full(xp: ModuleType, value: Value) -> Value:
    """``value`` with every field materialised to the block's shape."""
    shape = value.shape
    full = broadcast_to(xp, value, shape)
    err = full.err if full.err is not None else xp.zeros(shape, dtype=xp.int8)
    kind = xp.broadcast_to(kinds(xp, full), shape)
    text = np.broadcast_to(texts(full), shape)
    return Value(full.num, err, kind, text)


def _reshaped(xp: ModuleType, value: Value, change: Callable[[Any, ModuleType], Any]) -> Value:
    """Apply one structural change (transpose, slice, take…) to every field of a block."""
    full = _full(xp, value)
    return Value(
        change(full.num, xp),
        change(full.err, xp),
        change(full.kind, xp),
        change(full.text, np),
    )


def _ints(
    call: Call, args: Sequence[Value], defaults: Sequence[int] = ()
) -> list[int] | ExcelError:
    """Constant integer arguments, truncated toward zero (an empty one is 0, or its default
    when left out: ``SORT(x,,-1)`` sorts by the first column); otherwise the first argument's
    error, or #VALUE! for a value that changes by trial."""
    out = []
    for at, arg in enumerate(args):
        if at < len(defaults) and _omitted(arg):
            out.append(defaults[at])
            continue
        num, err = to_number(call.xp, arg)
        if err is not None and bool((err != 0).any()):
            return ExcelError(int(host(call.xp, err)[host(call.xp, err) != 0].reshape(-1)[0]))
        if num.size != 1:
            return ExcelError.VALUE
        out.append(int(float(host(call.xp, num).reshape(-1)[0])))
    return out


def _is_empty(value: Value) -> bool:
    return isinstance(value.kind, int) and value.kind == EMPTY


@register(FUNCTIONS, "SEQUENCE", 1, 4)
def sequence(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    values = _ints(call, args[:2])
    if isinstance(values, ExcelError):
        return error(xp, values)
    rows, cols = values[0], values[1] if len(values) > 1 and values[1] else 1
    start = float(to_number(xp, args[2])[0].reshape(-1)[0]) if len(args) > 2 else 1.0
    step = float(to_number(xp, args[3])[0].reshape(-1)[0]) if len(args) > 3 else 1.0
    if rows < 1 or cols < 1:
        return error(xp, ExcelError.CALC)
    if too_large(1, rows, cols):
        return error(xp, ExcelError.VALUE)
    grid = start + step * xp.arange(rows * cols, dtype=xp.float64)
    return number(xp, grid.reshape(1, rows, cols))


@register(FUNCTIONS, "TRANSPOSE", 1, 1, _ALL)
def transpose(call: Call, args: Sequence[Value]) -> Value:
    return _reshaped(call.xp, args[0], lambda a, m: m.swapaxes(a, 1, 2))


def _padded(xp: ModuleType, value: Value, rows: int, cols: int) -> Value:
    """``value`` grown to rows x cols with #N/A, as VSTACK/HSTACK fill ragged pieces."""
    full = _full(xp, value)
    r, c = full.grid
    if (r, c) == (rows, cols):
        return full
    t = full.num.shape[0]

    def grow(array: Any, module: ModuleType, fill: object) -> Any:
        out = module.full((t, rows, cols), fill, dtype=array.dtype)
        out[:, :r, :c] = array
        return out

    err = grow(full.err, xp, 0)
    pad = xp.ones((t, rows, cols), dtype=bool)
    pad[:, :r, :c] = False
    err = xp.where(pad, xp.int8(int(ExcelError.NA)), err).astype(xp.int8)
    return Value(grow(full.num, xp, 0.0), err, grow(full.kind, xp, 0), grow(full.text, np, ""))


def _stack(axis: int) -> Impl:
    def impl(call: Call, args: Sequence[Value]) -> Value:
        xp = call.xp
        rows = max(a.grid[0] for a in args) if axis == 2 else None
        cols = max(a.grid[1] for a in args) if axis == 1 else None
        trials = max(a.shape[0] for a in args)
        parts = []
        for arg in args:
            grown = _padded(xp, arg, rows or arg.grid[0], cols or arg.grid[1])
            parts.append(broadcast_to(xp, grown, (trials, *grown.grid)))
        return Value(
            xp.concatenate([p.num for p in parts], axis=axis),
            xp.concatenate([p.err for p in parts], axis=axis),
            xp.concatenate([p.kind for p in parts], axis=axis),
            np.concatenate([p.text for p in parts], axis=axis),
        )

    return impl


register(FUNCTIONS, "VSTACK", 1, -1, _ALL)(_stack(1))
register(FUNCTIONS, "HSTACK", 1, -1, _ALL)(_stack(2))


def _flatten(as_column: bool) -> Impl:
    def impl(call: Call, args: Sequence[Value]) -> Value:
        xp = call.xp
        options = _ints(call, args[1:3])
        if isinstance(options, ExcelError):
            return error(xp, options)
        ignore, by_column = (options + [0, 0])[:2]
        if ignore not in (0, 1, 2, 3):
            return error(xp, ExcelError.VALUE)
        source = _full(xp, args[0])
        if by_column:
            source = _reshaped(xp, source, lambda a, m: m.swapaxes(a, 1, 2))
        t = source.num.shape[0]
        shape = (t, -1, 1) if as_column else (t, 1, -1)
        flat = _reshaped(xp, source, lambda a, m: a.reshape(shape))
        if ignore:
            keep = np.ones(flat.grid[0] * flat.grid[1], dtype=bool)
            if t != 1:
                return error(xp, ExcelError.VALUE)
            if ignore in (1, 3):
                keep &= host(xp, flat.kind).reshape(-1) != EMPTY
            if ignore in (2, 3):
                keep &= host(xp, flat.err).reshape(-1) == 0
            flat = _select(xp, flat, keep, axis=1 if as_column else 2)
        return flat

    return impl


register(FUNCTIONS, "TOCOL", 1, 3, frozenset({0}))(_flatten(True))
register(FUNCTIONS, "TOROW", 1, 3, frozenset({0}))(_flatten(False))


def _select(xp: ModuleType, value: Value, keep: Any, axis: int) -> Value:
    index = np.flatnonzero(keep)
    if index.size == 0:
        return error(xp, ExcelError.CALC)
    return _reshaped(xp, value, lambda a, m: m.take(a, m.asarray(index), axis=axis))


def _positions(count: int, picks: list[int]) -> list[int] | None:
    out = []
    for pick in picks:
        if pick == 0 or abs(pick) > count:
            return None
        out.append(pick - 1 if pick > 0 else count + pick)
    return out


def _picks(call: Call, args: Sequence[Value]) -> list[int] | ExcelError:
    """CHOOSEROWS/CHOOSECOLS indexes: each argument one index or a one-row/one-column array
    of them, read in order and truncated toward zero (a 2-D array is #VALUE!)."""
    xp = call.xp
    out: list[int] = []
    for arg in args:
        if min(arg.grid) > 1:
            return ExcelError.VALUE
        num, err = to_number(xp, arg)
        if err is not None and bool((err != 0).any()):
            return ExcelError(int(host(xp, err)[host(xp, err) != 0].reshape(-1)[0]))
        if num.shape[0] != 1:
            return ExcelError.VALUE
        out += [int(float(v)) for v in host(xp, num).reshape(-1)]
    return out


def _choose(axis: int) -> Impl:
    def impl(call: Call, args: Sequence[Value]) -> Value:
        xp = call.xp
        picks = _picks(call, args[1:])
        if isinstance(picks, ExcelError):
            return error(xp, picks)
        chosen = _positions(args[0].grid[axis - 1], picks)
        if chosen is None:
            return error(xp, ExcelError.VALUE)
        return _reshaped(xp, args[0], lambda a, m: m.take(a, m.asarray(chosen), axis=axis))

    return impl


register(FUNCTIONS, "CHOOSEROWS", 2, -1, _ALL)(_choose(1))
register(FUNCTIONS, "CHOOSECOLS", 2, -1, _ALL)(_choose(2))


def _edge(take: bool) -> Impl:
    def impl(call: Call, args: Sequence[Value]) -> Value:
        xp = call.xp
        counts = _ints(call, [a for a in args[1:] if not _omitted(a)])
        if isinstance(counts, ExcelError):
            return error(xp, counts)
        counts = [0 if _omitted(a) else counts.pop(0) for a in args[1:]]
        rows, cols = args[0].grid
        r0, r1 = _span(rows, counts[0], take) if not _omitted(args[1]) else (0, rows)
        c0, c1 = (0, cols)
        if len(args) > 2 and not _omitted(args[2]):
            c0, c1 = _span(cols, counts[1], take)
        if r1 <= r0 or c1 <= c0:
            return error(xp, ExcelError.CALC)
        return _reshaped(xp, args[0], lambda a, m: a[:, r0:r1, c0:c1])

    return impl


def _omitted(value: Value) -> bool:
    return _is_empty(value) and value.area is None


def _span(size: int, count: int, take: bool) -> tuple[int, int]:
    if take:
        return (0, min(count, size)) if count >= 0 else (max(size + count, 0), size)
    return (min(count, size), size) if count >= 0 else (0, max(size + count, 0))


register(FUNCTIONS, "TAKE", 2, 3, frozenset({0}))(_edge(True))
register(FUNCTIONS, "DROP", 2, 3, frozenset({0}))(_edge(False))


def _order_keys(xp: ModuleType, value: Value) -> list[tuple[int, object]]:
    """Excel's sort order for entries of a constant block: numbers, text, booleans, errors,
    blanks."""
    full = _full(xp, value)
    kind = host(xp, full.kind).reshape(-1)
    num = host(xp, full.num).reshape(-1)
    text = full.text.reshape(-1)  # type: ignore[union-attr]
    errors = host(xp, full.err).reshape(-1)
    keys: list[tuple[int, object]] = []
    for k, n, s, e in zip(kind, num, text, errors, strict=True):
        if e:
            keys.append((3, int(e)))
        elif k == TEXT:
            keys.append((1, str(s).lower()))
        elif k == EMPTY:
            keys.append((4, 0))
        elif k == 1:
            keys.append((2, n))
        else:
            keys.append((0, n))
    return keys


@register(FUNCTIONS, "SORT", 1, 4, frozenset({0}))
def sort(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    source = args[0]
    options = _ints(call, args[1:4], defaults=(1, 1, 0))
    if isinstance(options, ExcelError):
        return error(xp, options)
    if source.shape[0] != 1:
        return error(xp, ExcelError.VALUE)
    index, order, by_column = (options + [1, 1, 0][len(options) :])[:3]
    block = _reshaped(xp, source, lambda a, m: m.swapaxes(a, 1, 2)) if by_column else source
    rows, cols = block.grid
    if not 1 <= index <= cols or order not in (1, -1):
        return error(xp, ExcelError.VALUE)
    column = _reshaped(xp, block, lambda a, m: a[:, :, index - 1 : index])
    keys = _order_keys(xp, column)
    ranked = sorted(range(rows), key=lambda i: keys[i], reverse=order == -1)
    result = _reshaped(xp, block, lambda a, m: m.take(a, m.asarray(ranked), axis=1))
    return _reshaped(xp, result, lambda a, m: m.swapaxes(a, 1, 2)) if by_column else result


@register(FUNCTIONS, "UNIQUE", 1, 3, frozenset({0}))
def unique(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    source = args[0]
    options = _ints(call, args[1:3])
    if isinstance(options, ExcelError):
        return error(xp, options)
    if source.shape[0] != 1:
        return error(xp, ExcelError.VALUE)
    by_column, once = (options + [0, 0])[:2]
    block = _reshaped(xp, source, lambda a, m: m.swapaxes(a, 1, 2)) if by_column else source
    rows, cols = block.grid
    keys = _order_keys(xp, block)
    lines = [tuple(keys[r * cols : (r + 1) * cols]) for r in range(rows)]
    counts: dict[tuple[Any, ...], int] = {}
    for line in lines:
        counts[line] = counts.get(line, 0) + 1
    seen: set[tuple[Any, ...]] = set()
    keep = np.zeros(rows, dtype=bool)
    for r, line in enumerate(lines):
        if line not in seen and (not once or counts[line] == 1):
            keep[r] = True
        seen.add(line)
    result = _select(xp, block, keep, axis=1)
    if by_column:
        return _reshaped(xp, result, lambda a, m: m.swapaxes(a, 1, 2))
    return result


@register(FUNCTIONS, "FILTER", 2, 3, frozenset({0, 1}))
def filter_(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    source, include = args[0], args[1]
    if source.shape[0] != 1 or include.shape[0] != 1:
        return error(xp, ExcelError.VALUE)
    flags, err = to_bool(xp, include)
    if err is not None and bool((err != 0).any()):
        return error(xp, ExcelError(int(host(xp, err)[err != 0].reshape(-1)[0])))
    rows, cols = source.grid
    mask = host(xp, xp.broadcast_to(flags, include.shape)).reshape(-1)
    if include.grid == (rows, 1):
        kept = _select(xp, source, mask, axis=1) if mask.any() else None
    elif include.grid == (1, cols):
        kept = _select(xp, source, mask, axis=2) if mask.any() else None
    else:
        return error(xp, ExcelError.VALUE)
    if kept is None:
        return args[2].plain() if len(args) > 2 else error(xp, ExcelError.CALC)
    return kept
