"""Information functions: IS*, NA, ERROR.TYPE, N, T, TYPE, ISFORMULA."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from types import ModuleType

import numpy as np

from engines.blocks import element, index, stack
from engines.coerce import text_value, to_number
from engines.errors import ExcelError
from engines.functions.registry import Call, Impl, Table, register
from engines.references import unclipped
from engines.values import (
    BOOL,
    EMPTY,
    NUMBER,
    TEXT,
    Value,
    boolean,
    error,
    kinds,
    number,
    texts,
    with_error,
)
from engines.xp import Array

FUNCTIONS: Table = {}
_ANY = frozenset({0})


def _errors(xp: ModuleType, value: Value) -> Array:
    return value.err if value.err is not None else xp.zeros((1, 1, 1), dtype=xp.int8)


def _test(check: Callable[[ModuleType, Value, Array], Array]) -> Impl:
    def impl(call: Call, args: Sequence[Value]) -> Value:
        xp = call.xp
        value = _over_array_range(call, unclipped(call.xp, args[0]))  # each cell it names
        return boolean(xp, xp.broadcast_to(check(xp, value, _errors(xp, value)), value.shape))

    return impl


def _over_array_range(call: Call, value: Value) -> Value:
    """A reference as an IS function reads it in an array formula: over the formula's whole
    range, #N/A past the reference's cells ({=ISNA(A1:A2)} in three cells ends with TRUE)."""
    cell = call.env.model.workbook.cells.get(call.cell)
    if value.area is None or cell is None or cell.array is None:
        return value
    row1, col1, row2, col2 = cell.array
    rows, cols = max(row2 - row1 + 1, value.grid[0]), max(col2 - col1 + 1, value.grid[1])
    if (rows, cols) == value.grid:
        return value
    grid = [[element(call.xp, value, r, c) for c in range(cols)] for r in range(rows)]
    return replace(stack(call.xp, grid), area=value.area)


_TESTS: dict[str, Callable[[ModuleType, Value, Array], Array]] = {
    "ISNUMBER": lambda xp, v, e: (kinds(xp, v) == NUMBER) & (e == 0),
    "ISTEXT": lambda xp, v, e: (kinds(xp, v) == TEXT) & (e == 0),
    "ISNONTEXT": lambda xp, v, e: (kinds(xp, v) != TEXT) | (e != 0),
    "ISLOGICAL": lambda xp, v, e: (kinds(xp, v) == BOOL) & (e == 0),
    "ISBLANK": lambda xp, v, e: (kinds(xp, v) == EMPTY) & (e == 0) & (v.area is not None),
    "ISERROR": lambda xp, v, e: e != 0,
    "ISERR": lambda xp, v, e: (e != 0) & (e != int(ExcelError.NA)),
    "ISNA": lambda xp, v, e: e == int(ExcelError.NA),
    "ISREF": lambda xp, v, e: xp.full((1, 1, 1), v.area is not None),
}
for _name, _check in _TESTS.items():
    measured = _ANY if _name == "ISREF" else frozenset()
    register(FUNCTIONS, _name, 1, 1, _ANY, measures=measured)(_test(_check))


def _parity(odd: bool) -> Impl:
    def impl(call: Call, args: Sequence[Value]) -> Value:
        xp = call.xp
        num, err = to_number(xp, args[0])
        flags = xp.floor(xp.abs(num)) % 2 == (1 if odd else 0)
        return boolean(xp, flags, with_error(xp, err, kinds(xp, args[0]) == BOOL, ExcelError.VALUE))

    return impl


register(FUNCTIONS, "ISEVEN", 1)(_parity(False))
register(FUNCTIONS, "ISODD", 1)(_parity(True))


@register(FUNCTIONS, "NA", 0)
def na(call: Call, args: Sequence[Value]) -> Value:
    return error(call.xp, ExcelError.NA)


@register(FUNCTIONS, "ERROR.TYPE", 1)
def error_type(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    codes = _errors(xp, args[0])
    missing = xp.where(codes == 0, xp.int8(int(ExcelError.NA)), xp.int8(0)).astype(xp.int8)
    return number(xp, codes.astype(xp.float64), missing)


@register(FUNCTIONS, "N", 1, 1, _ANY)
def n(call: Call, args: Sequence[Value]) -> Value:
    """N of a reference is N of its first cell; over an array it maps, entry by entry."""
    xp = call.xp
    value = _first_cell(args[0])
    kind = kinds(xp, value)
    return number(xp, xp.where((kind == NUMBER) | (kind == BOOL), value.num, 0.0), value.err)


@register(FUNCTIONS, "T", 1, 1, _ANY)
def t(call: Call, args: Sequence[Value]) -> Value:
    """T of a reference is T of its first cell; over an array it maps, entry by entry."""
    xp = call.xp
    value = _first_cell(args[0])
    is_text = np.asarray(kinds(xp, value) == TEXT) if xp is np else kinds(xp, value).get() == TEXT
    shown = np.broadcast_to(np.where(is_text, texts(value), ""), value.shape)
    return text_value(xp, shown, value.err)


def _first_cell(value: Value) -> Value:
    """What N and T read: a reference's first cell (Excel reduces a reference, not an array:
    ``SUMPRODUCT(N(MONTH(C1:C5)=10))`` counts, ``N(C1:C5)`` is C1's number)."""
    return index(value, 0, 0) if value.area is not None else value


@register(FUNCTIONS, "TYPE", 1, 1, _ANY)
def type_(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    value = args[0]
    if value.grid != (1, 1):
        return number(xp, xp.full((1, 1, 1), 64.0))
    kind = kinds(xp, value)
    codes = xp.where(kind == TEXT, 2.0, xp.where(kind == BOOL, 4.0, 1.0))
    codes = xp.where(_errors(xp, value) != 0, 16.0, codes)
    return number(xp, codes)


@register(FUNCTIONS, "ISFORMULA", 1, 1, _ANY)
def isformula(call: Call, args: Sequence[Value]) -> Value:
    area = args[0].area
    if area is None:
        return error(call.xp, ExcelError.VALUE)
    cells, addresses = call.env.model.workbook.cells, area.keys()
    has = [
        (cell := cells.get(key)) is not None
        and (cell.formula is not None or cell.spill_anchor is not None)
        for key in addresses
    ]
    return boolean(call.xp, call.xp.asarray(np.array(has).reshape((1, *area.shape))))
