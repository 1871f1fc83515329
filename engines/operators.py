"""Excel's operators over value blocks: arithmetic, ``&``, and comparisons."""

from __future__ import annotations

from types import ModuleType

import numpy as np

from engines.coerce import text_value, to_number, to_text
from engines.errors import ExcelError
from engines.limits import too_large
from engines.references import unclipped
from engines.values import (
    BOOL,
    EMPTY,
    NUMBER,
    TEXT,
    Value,
    boolean,
    error,
    flag_errors,
    kinds,
    merge_errors,
    number,
)
from engines.values import texts as text_of
from engines.xp import Array


def negate(xp: ModuleType, value: Value) -> Value:
    num, err = to_number(xp, value)
    return number(xp, -num, err)


def percent(xp: ModuleType, value: Value) -> Value:
    num, err = to_number(xp, value)
    return number(xp, num / 100.0, err)


def arithmetic(xp: ModuleType, op: str, left: Value, right: Value) -> Value:
    """``+ - * / ^`` with Excel's errors: #DIV/0! for a zero divisor, #NUM! for bad powers."""
    a, err_a = to_number(xp, left)
    b, err_b = to_number(xp, right)
    err = merge_errors(xp, err_a, err_b)
    if op == "+":
        return number(xp, a + b, err)
    if op == "-":
        return number(xp, a - b, err)
    if op == "*":
        return number(xp, a * b, err)
    if op == "/":
        zero = b == 0
        with np.errstate(divide="ignore", invalid="ignore"):
            out = a / xp.where(zero, 1.0, b)
        return number(xp, out, flag_errors(xp, err, zero, ExcelError.DIV0))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = xp.power(a, b)
    both_zero = (a == 0) & (b == 0)
    err = flag_errors(xp, err, both_zero, ExcelError.NUM)
    err = flag_errors(xp, err, (a == 0) & (b < 0), ExcelError.DIV0)
    return number(xp, out, flag_errors(xp, err, ~xp.isfinite(out), ExcelError.NUM))


def concat(xp: ModuleType, left: Value, right: Value) -> Value:
    err = merge_errors(xp, left.err, right.err)
    joined = np.char.add(to_text(xp, left).astype(str), to_text(xp, right).astype(str))
    return text_value(xp, joined.astype(object), err)


def _rank(xp: ModuleType, kind: Array) -> Array:
    # Excel orders number < text < boolean
    return xp.where(kind == TEXT, 1, xp.where(kind == BOOL, 2, 0))


def compare(xp: ModuleType, op: str, left: Value, right: Value) -> Value:
    """``= <> < <= > >=``: text case-insensitively, and number < text < boolean across types."""
    err = merge_errors(xp, left.err, right.err)
    numeric = {NUMBER, EMPTY}
    if (
        isinstance(left.kind, int)
        and isinstance(right.kind, int)
        and {left.kind, right.kind} <= numeric
    ):
        return boolean(xp, numbers_ordered(xp, op, left.num, right.num), err)
    kind_a, kind_b = kinds(xp, left), kinds(xp, right)
    # an empty cell takes the type of the other side: 0, "" or FALSE
    kind_a, kind_b = (
        xp.where(kind_a == EMPTY, kind_b, kind_a),
        xp.where(kind_b == EMPTY, kind_a, kind_b),
    )
    kind_a = xp.where(kind_a == EMPTY, NUMBER, kind_a)
    kind_b = xp.where(kind_b == EMPTY, NUMBER, kind_b)
    rank_a, rank_b = _rank(xp, kind_a), _rank(xp, kind_b)
    by_number = numbers_ordered(xp, op, left.num, right.num)
    if left.text is not None or right.text is not None:
        folded_a = np.vectorize(str.lower, otypes=[object])(text_of(left))
        folded_b = np.vectorize(str.lower, otypes=[object])(text_of(right))
        by_text = xp.asarray(ordered(np, op, folded_a, folded_b).astype(bool))
        same = xp.where(rank_a == 1, by_text, by_number)
    else:
        same = by_number
    return boolean(xp, xp.where(rank_a == rank_b, same, ordered(xp, op, rank_a, rank_b)), err)


def ordered(xp: ModuleType, op: str, a: Array, b: Array) -> Array:
    """The comparison ``op`` of two arrays of the same type, entry by entry (a bool array)."""
    if op == "=":
        return a == b
    if op == "<>":
        return a != b
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


SIGNIFICANT = 15
"""Digits to which Excel's comparison operators tell two numbers apart: =0.1+0.2=0.3 and
=SUM(0.7,0.1,0.1,0.1)=1 are TRUE, as a balance check expects, while =1.2-1.1=0.1 is FALSE
(0.0999999999999999 to 15 digits)."""
_NEAR = 1e-13
"""Relative gap below which two different doubles may agree to SIGNIFICANT digits."""


def numbers_ordered(xp: ModuleType, op: str, a: Array, b: Array) -> Array:
    """``ordered`` for numbers as Excel compares them: equal when they agree to SIGNIFICANT
    significant digits, whatever their last bits, and ordered only when not equal."""
    exact = ordered(xp, op, a, b)
    with np.errstate(invalid="ignore", over="ignore"):
        near = (a != b) & (xp.abs(a - b) <= _NEAR * xp.maximum(xp.abs(a), xp.abs(b)))
    if not bool(xp.any(near)):  # different to many more digits (or equal): as they are
        return exact
    a_near, b_near = xp.broadcast_arrays(a, b)
    same = xp.zeros(near.shape, dtype=bool)
    same[near] = _rounded(xp, a_near[near]) == _rounded(xp, b_near[near])
    if op in ("=", "<>"):
        return (exact | same) if op == "=" else (exact & ~same)
    if op in ("<=", ">="):
        return exact | same
    return exact & ~same


def _rounded(xp: ModuleType, values: Array) -> Array:
    """``values`` rounded to SIGNIFICANT significant digits, as decimal text rounds them."""
    host = np.asarray(values.get() if hasattr(values, "get") else values, dtype=float)
    return xp.asarray([float(f"{v:.{SIGNIFICANT}g}") for v in host.tolist()])


def _unclipped(xp: ModuleType, left: Value, right: Value) -> tuple[Value, Value]:
    """Both sides with their clipped-off empty cells, or both as they are where either's would
    be too large: the two sides of ``(A:A="x")*B:B`` must stay alike."""
    full_left, full_right = unclipped(xp, left), unclipped(xp, right)
    if _short(full_left) or _short(full_right):
        return left, right
    return full_left, full_right


def _short(value: Value) -> bool:
    return value.area is not None and value.area.extent is not None


def binary(xp: ModuleType, op: str, left: Value, right: Value) -> Value:
    """Apply the infix operator ``op`` (not the reference operators ``:`` and space); #VALUE!
    where the two arrays would make one too large to hold (A1:A50000*TRANSPOSE(A1:A50000)).
    A reference clipped to the workbook's content counts its empty cells past it, each an
    entry (``A2:A1000=""`` has 999), when both sides can hold theirs."""
    left, right = _unclipped(xp, left, right)
    (rows1, cols1), (rows2, cols2) = left.grid, right.grid
    if too_large(max(left.num.shape[0], right.num.shape[0]), max(rows1, rows2),
                 max(cols1, cols2)):
        return error(xp, ExcelError.VALUE)
    if op == "&":
        return concat(xp, left, right)
    if op in ("=", "<>", "<", "<=", ">", ">="):
        return compare(xp, op, left, right)
    return arithmetic(xp, op, left, right)
