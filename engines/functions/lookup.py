"""MATCH, XMATCH, VLOOKUP, HLOOKUP, LOOKUP, XLOOKUP and INDEX."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from types import ModuleType

from engines.blocks import index as entry
from engines.blocks import pick, stack, sub, where
from engines.coerce import to_bool, to_number
from engines.errors import ExcelError
from engines.functions import matching
from engines.functions.reference import missing as omitted
from engines.functions.reference import referred
from engines.functions.registry import Call, Table, register
from engines.values import EMPTY, Area, Value, error, merge_errors, number
from engines.xp import Array

FUNCTIONS: Table = {}


def _scalar_number(call: Call, value: Value, default: float) -> tuple[Array, Array | None]:
    num, err = to_number(call.xp, value)
    return num[:, 0, 0], None if err is None else err[:, 0, 0]


def _with(call: Call, value: Value, *errors: Array | None) -> Value:
    extra = [None if e is None else e.reshape(-1, 1, 1) for e in errors]
    return Value(value.num, merge_errors(call.xp, *extra, value.err), value.kind, value.text)


def _match_position(call: Call, needle: Value, hay: Value, mode: Array) -> Array:
    """MATCH's search: mode 0 exact (wildcards), 1 ascending, -1 descending."""
    xp = call.xp
    found_exact = matching.exact(xp, needle, hay, wildcards=True)
    found_up = matching.approximate(xp, needle, hay)
    found_down = matching.approximate(xp, needle, hay, descending=True)
    return xp.where(mode == 0, found_exact, xp.where(mode > 0, found_up, found_down))


@register(FUNCTIONS, "MATCH", 2, 3, frozenset({1}))
def match(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    hay = matching.vector(xp, args[1])
    if hay is None:
        return error(xp, ExcelError.NA)
    mode, mode_err = _scalar_number(call, args[2], 1.0) if len(args) > 2 else (xp.ones(1), None)
    position = _match_position(call, args[0], hay, xp.sign(xp.trunc(mode)))
    out = number(xp, (position + 1.0).reshape(-1, 1, 1))
    out = Value(out.num, xp.where(position < 0, xp.int8(7), xp.int8(0)).reshape(-1, 1, 1), 0, None)
    return _with(call, out, args[0].err, mode_err)


def _mode(call: Call, value: Value, default: float) -> float:
    """A constant mode argument (empty means ``default``); NaN when unreadable."""
    if isinstance(value.kind, int) and value.kind == EMPTY:
        return default
    num, err = to_number(call.xp, value)
    if err is not None and bool((err != 0).any()):
        return float("nan")
    return float(num.reshape(-1)[0]) // 1


def _xmatch_position(call: Call, needle: Value, hay: Value, args: Sequence[Value]) -> Array:
    """Position per trial (-1 not found, -2 invalid modes: #VALUE!); modes must be constant."""
    xp = call.xp
    mode = _mode(call, args[0], 0.0) if args else 0.0
    search = _mode(call, args[1], 1.0) if len(args) > 1 else 1.0
    if mode not in (-1.0, 0.0, 1.0, 2.0) or search not in (-2.0, -1.0, 1.0, 2.0):
        return xp.full(1, -2)
    reverse = search in (-1, -2)
    if search in (2, -2):
        if mode == 2:
            return xp.full(1, -2)
        return matching.bisect(xp, needle, hay, int(mode), descending=search == -2)
    if mode == 0 or mode == 2:
        if isinstance(needle.kind, int) and needle.kind == EMPTY:
            return xp.full(1, -1)  # an empty lookup value equals nothing
        return matching.exact(xp, needle, hay, wildcards=mode == 2, reverse=reverse)
    return matching.nearest(xp, needle, hay, larger=mode == 1, reverse=reverse)


@register(FUNCTIONS, "XMATCH", 2, 4, frozenset({1}))
def xmatch(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    hay = matching.vector(xp, args[1])
    if hay is None:
        return error(xp, ExcelError.VALUE)
    position = _xmatch_position(call, args[0], hay, args[2:])
    err = xp.where(position < 0, xp.int8(7), xp.int8(0))
    err = xp.where(position == -2, xp.int8(int(ExcelError.VALUE)), err).reshape(-1, 1, 1)
    return _with(call, number(xp, (position + 1.0).reshape(-1, 1, 1), err), args[0].err)


def _table_lookup(call: Call, args: Sequence[Value], vertical: bool) -> Value:
    xp = call.xp
    table = args[1]
    rows, cols = table.grid
    index, index_err = _scalar_number(call, args[2], 1.0)
    approx, approx_err = (
        to_bool(xp, args[3]) if len(args) > 3 else (xp.ones((1, 1, 1), dtype=bool), None)
    )
    keys = (
        sub(table, slice(None), slice(0, 1)) if vertical else sub(table, slice(0, 1), slice(None))
    )
    hay = matching.vector(xp, keys)
    assert hay is not None
    mode = xp.where(approx.reshape(-1), 1.0, 0.0)
    position = _match_position(call, args[0], hay, mode)
    line = xp.floor(xp.nan_to_num(index, nan=0.0)).astype(xp.int64) - 1
    width = cols if vertical else rows
    bad = (line < 0) | (line >= width)
    safe_line = xp.clip(line, 0, width - 1)
    flat_position = position * cols + safe_line if vertical else safe_line * cols + position
    flat_position = xp.where(position < 0, -1, flat_position)
    out = pick(xp, table, flat_position, ExcelError.NA)
    bad_err = xp.where(bad, xp.int8(int(ExcelError.REF)), xp.int8(0))
    bad_err = xp.where(line < 0, xp.int8(int(ExcelError.VALUE)), bad_err)
    return _with(call, out, args[0].err, index_err, approx_err, bad_err)


@register(FUNCTIONS, "VLOOKUP", 3, 4, frozenset({1}))
def vlookup(call: Call, args: Sequence[Value]) -> Value:
    return _table_lookup(call, args, vertical=True)


@register(FUNCTIONS, "HLOOKUP", 3, 4, frozenset({1}))
def hlookup(call: Call, args: Sequence[Value]) -> Value:
    return _table_lookup(call, args, vertical=False)


@register(FUNCTIONS, "LOOKUP", 2, 3, frozenset({1, 2}), arrays=frozenset({1, 2}))
def lookup(call: Call, args: Sequence[Value]) -> Value:
    """LOOKUP searches the first row of an area wider than tall, else its first column (a 2-D
    lookup vector too); the array form returns from the last row or column."""
    xp = call.xp
    source = args[1]
    keys = _edge(source, last=False)
    results = args[2] if len(args) > 2 else _edge(source, last=True)
    hay = matching.vector(xp, keys)
    targets = matching.vector(xp, results)
    if hay is None or targets is None:
        return error(xp, ExcelError.NA)
    position = matching.approximate(xp, args[0], hay)
    return _with(call, pick(xp, targets, position, ExcelError.NA), args[0].err)


def _edge(source: Value, last: bool) -> Value:
    """The first (or last) row of a block wider than tall, else its first (last) column."""
    rows, cols = source.grid
    if cols > rows:
        return sub(source, slice(rows - 1, rows) if last else slice(0, 1), slice(None))
    return sub(source, slice(None), slice(cols - 1, cols) if last else slice(0, 1))


@register(FUNCTIONS, "XLOOKUP", 3, 6, frozenset({1, 2}))
def xlookup(call: Call, args: Sequence[Value]) -> Value:
    """The return array's row where a column is searched, its column where a row is: a
    reference when the return array is one and the lookup value the same in every trial, as
    Excel's ``SUM(XLOOKUP(..):XLOOKUP(..))`` needs."""
    xp = call.xp
    hay = matching.vector(xp, args[1])
    by_row = _by_row(args[1], args[2])
    if hay is None or by_row is None:
        return error(xp, ExcelError.VALUE)
    # an error in the lookup value comes before one in the modes, or modes out of range
    mode_error = next((a for a in args[4:] if a.err is not None and bool((a.err != 0).any())), None)
    if mode_error is not None:
        return _with(call, mode_error.plain(), args[0].err)
    position = _xmatch_position(call, args[0], hay, args[4:])
    if int(position.reshape(-1)[0]) == -2:
        return _with(call, error(xp, ExcelError.VALUE), args[0].err)
    found = _line(call, args[2], position, by_row)
    missing = (position < 0).reshape(-1, 1, 1)
    # XLOOKUP(x, r, v, , 1) is #N/A, as when left out
    if len(args) > 3 and not omitted(args[3]) and bool(missing.any()):
        fallback = args[3].plain()
        if position.shape[0] > 1:  # one block holds every trial's line
            fallback = _fitted(xp, fallback, found.grid)
        found = where(xp, missing, fallback, found)
    if args[0].err is not None and bool((args[0].err != 0).any()):
        return _with(call, found, args[0].err)
    return found


def _size(value: Value) -> tuple[int, int]:
    """The rows and columns an argument names (a reference's clipped-off cells included)."""
    return value.grid if value.area is None else value.area.named_shape


def _by_row(lookup: Value, result: Value) -> bool | None:
    """Whether XLOOKUP returns a row of ``result`` (the lookup array is a column as tall) or a
    column (a row as wide); None when the sizes do not fit, #VALUE! in Excel."""
    (rows, cols), (height, width) = _size(lookup), _size(result)
    if cols == 1 and rows == height:
        return True
    if rows == 1 and cols == width:
        return False
    return None


def _fitted(xp: ModuleType, value: Value, shape: tuple[int, int]) -> Value:
    """``value`` as a block of ``shape``: its own entries, empty cells past them, so that a
    trial's if_not_found among other trials' rows is summed or counted once, not repeated."""
    if value.grid == shape:
        return value
    rows, cols = value.grid
    blank = Value(xp.zeros((1, 1, 1)), None, EMPTY, None)
    return stack(xp, [[entry(value, r, c) if r < rows and c < cols else blank
                       for c in range(shape[1])] for r in range(shape[0])])


def _line(call: Call, result: Value, position: Array, by_row: bool) -> Value:
    """Row (``by_row``) or column ``position`` of ``result`` per trial, #N/A where it is -1;
    a reference when ``result`` is one and the position the same in every trial."""
    xp = call.xp
    if position.shape[0] == 1:
        at = int(position[0])
        if at < 0:
            return error(xp, ExcelError.NA)
        if result.area is None:
            line = slice(at, at + 1)
            return sub(result, line, slice(None)) if by_row else sub(result, slice(None), line)
        full = result.area.full()
        if by_row:
            return referred(call.env, replace(full, row1=full.row1 + at, row2=full.row1 + at))
        return referred(call.env, replace(full, col1=full.col1 + at, col2=full.col1 + at))
    rows, cols = result.grid
    lines = [slice(i, i + 1) for i in range(cols if by_row else rows)]
    parts = [pick(xp, sub(result, slice(None), i) if by_row else sub(result, i, slice(None)),
                  position, ExcelError.NA) for i in lines]
    return stack(xp, [parts] if by_row else [[part] for part in parts])


@register(FUNCTIONS, "INDEX", 2, 4, frozenset({0}), arrays=frozenset({0}),
          picks=frozenset({0}))
def index(call: Call, args: Sequence[Value]) -> Value:
    """INDEX(array, row, [col]): a reference when its arguments are constant, else values.
    A reference given as the array is read only where INDEX picks, as the formula runs."""
    xp = call.xp
    source = args[0]
    # a reference is indexed over the size it names, cells clipped off past the content too
    rows, cols = source.grid if source.area is None else source.area.named_shape
    row, row_err = _scalar_number(call, args[1], 0.0)
    col, col_err = _scalar_number(call, args[2], 0.0) if len(args) > 2 else (xp.zeros(1), None)
    if len(args) > 3 and args[3].err is not None:
        return args[3].plain()
    if len(args) == 2 and rows == 1:
        row, col = xp.zeros(1), row
    elif len(args) == 2 and cols > 1:
        if source.area is not None:
            return error(xp, ExcelError.REF)
        col = xp.zeros(1)
    row, col = xp.trunc(row), xp.trunc(col)
    if row.shape[0] == 1 and col.shape[0] == 1 and row_err is None and col_err is None:
        r, c = int(row[0]), int(col[0])
        if r < 0 or c < 0:
            return error(xp, ExcelError.VALUE)
        if r > rows or c > cols:
            return error(xp, ExcelError.REF)
        rs = slice(0, rows) if r == 0 else slice(r - 1, r)
        cs = slice(0, cols) if c == 0 else slice(c - 1, c)
        area = source.area
        if area is not None:
            picked = Area(
                area.sheet,
                area.row1 + rs.start,
                area.col1 + cs.start,
                area.row1 + rs.stop - 1,
                area.col1 + cs.stop - 1,
            )
            return referred(call.env, picked)
        return sub(source, rs, cs)
    if source.area is not None:  # indexes that vary by trial: the whole reference is read
        source = referred(call.env, source.area)
    rows, cols = source.grid
    # a zero index on a one-wide axis means its only row/column
    row = xp.where((row == 0) & (rows == 1), 1.0, row)
    col = xp.where((col == 0) & (cols == 1), 1.0, col)
    bad = (row < 1) | (row > rows) | (col < 1) | (col > cols)
    flat_position = xp.where(bad, -1, xp.nan_to_num((row - 1) * cols + (col - 1))).astype(xp.int64)
    return _with(call, pick(xp, source, flat_position, ExcelError.REF), row_err, col_err)
