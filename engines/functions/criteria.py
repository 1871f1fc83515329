"""SUMIF(S), COUNTIF(S), AVERAGEIF(S), MAXIFS, MINIFS and Excel's criteria strings.

A criterion is a number or boolean (equality), or text with an optional operator prefix
(``">=5"``, ``"<>x"``, ``"=ab*"``): numbers compare with numeric cells, text compares
case-insensitively with ``*``/``?`` wildcards (``~`` escapes), ``"="`` matches empty cells and
``"<>"`` non-empty ones. The criterion must be the same in every trial; the cells may vary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy as np

from engines.coerce import parse_number, to_text
from engines.errors import ExcelError
from engines.functions.collect import first_error, flat
from engines.functions.matching import _wildcard
from engines.functions.registry import Call, Table, register
from engines.values import (
    BOOL,
    EMPTY,
    NUMBER,
    TEXT,
    Value,
    error,
    host,
    kinds,
    number,
    texts,
    with_error,
)
from engines.xp import Array

FUNCTIONS: Table = {}
_OPERATORS = re.compile(r"^(<=|>=|<>|=|<|>)?(.*)$", re.S)


def criterion_mask(xp: ModuleType, cells: Value, criterion: Value) -> Array:
    """(t, 1, k) mask of the entries of the flat block ``cells`` that meet ``criterion``.

    An error cell meets only a criterion naming its error (the error value, or its text with
    ``=``, as in ``COUNTIF(A:A, "#N/A")``) and any ``<>`` criterion but ``"<>#N/A"`` for its
    own: ``SUMIF(A:A, ">0")`` leaves out the #DIV/0! cells, ``"<>#N/A"`` keeps them."""
    if criterion.err is not None and int(host(xp, criterion.err).reshape(-1)[0]):
        code = int(host(xp, criterion.err).reshape(-1)[0])
        return cells.err == code if cells.err is not None else xp.zeros((1, 1, 1), dtype=bool)
    if cells.err is None:
        return _mask(xp, cells, criterion)
    failed = cells.err != 0
    if criterion.num.shape[0] == 1 and int(host(xp, kinds(xp, criterion)).reshape(-1)[0]) == TEXT:
        match = _OPERATORS.match(str(to_text(xp, criterion).reshape(-1)[0]))
        assert match is not None
        op, operand = match.group(1) or "=", match.group(2)
        named_error = _error_named(operand)
        if named_error is not None:  # "#N/A", "<>#DIV/0!": the error itself
            named = cells.err == int(named_error)
            return named if op == "=" else ~named if op == "<>" else named & False
        if op == "<>":
            return _mask(xp, cells, criterion) | failed
    elif criterion.num.shape[0] > 1:  # per trial: "<>" keeps the errors where it is written
        written = to_text(xp, criterion).reshape(-1)
        unequal = xp.asarray(np.array([str(t).startswith("<>") for t in written]))
        mask = _mask(xp, cells, criterion)
        return xp.where(unequal.reshape(-1, 1, 1), mask | failed, mask & ~failed)
    return _mask(xp, cells, criterion) & ~failed


def _error_named(text: str) -> ExcelError | None:
    try:
        return ExcelError.from_code(text)
    except KeyError:
        return None


def _mask(xp: ModuleType, cells: Value, criterion: Value) -> Array:
    """The entries meeting ``criterion`` by their values, errors aside."""
    kind = kinds(xp, cells)
    crit_kind = int(host(xp, kinds(xp, criterion)).reshape(-1)[0])
    if crit_kind in (NUMBER, BOOL, EMPTY):
        wanted = NUMBER if crit_kind == EMPTY else crit_kind
        return (kind == wanted) & (cells.num == criterion.num)
    if criterion.num.shape[0] > 1:
        return _per_trial(xp, cells, criterion)
    text = str(to_text(xp, criterion).reshape(-1)[0])
    match = _OPERATORS.match(text)
    assert match is not None
    op, operand = match.group(1) or "=", match.group(2)
    number_operand = parse_number(operand) if operand else None
    if operand == "" and op in ("=", "<>"):
        empty = (kind == EMPTY) | ((kind == TEXT) & xp.asarray(texts(cells) == ""))
        return empty if op == "=" else ~empty
    if number_operand is not None:
        hit = (kind == NUMBER) & _compare(xp, op, cells.num, number_operand)
        if op == "=":
            # numeric-looking criteria also match the same text: "1/2" finds the text "1/2"
            same = np.vectorize(lambda s: s.lower() == operand.lower(), otypes=[bool])(texts(cells))
            hit = hit | ((kind == TEXT) & xp.asarray(same))
        return ~((kind == NUMBER) & (cells.num == number_operand)) if op == "<>" else hit
    if operand.upper() in ("TRUE", "FALSE"):
        flag = 1.0 if operand.upper() == "TRUE" else 0.0
        hit = (kind == BOOL) & _compare(xp, op, cells.num, flag)
        return ~((kind == BOOL) & (cells.num == flag)) if op == "<>" else hit
    folded = np.vectorize(str.lower, otypes=[object])(texts(cells))
    is_text = kind == TEXT
    if op in ("=", "<>"):
        pattern = _wildcard(operand)
        same = xp.asarray(np.vectorize(lambda s: bool(pattern.fullmatch(s)), otypes=[bool])(folded))
        return (is_text & same) if op == "=" else ~(is_text & same)
    ordered = np.vectorize(lambda s: bool(_compare(np, op, s, operand.lower())), otypes=[bool])
    return is_text & xp.asarray(ordered(folded))


def _per_trial(xp: ModuleType, cells: Value, criterion: Value) -> Array:
    """Criteria that change by trial, such as ``">"&A1`` with A1 random: operator + number."""
    written = to_text(xp, criterion)
    parsed = [_OPERATORS.match(str(text)) for text in written.reshape(-1)]
    ops = np.array([(m.group(1) or "=") if m else "=" for m in parsed])
    numbers = np.array([parse_number(m.group(2)) if m else None for m in parsed], dtype=object)
    if any(n is None for n in numbers):
        # text criteria that vary by trial: one trial at a time
        masks = [
            criterion_mask(
                xp,
                _trial(cells, i),
                Value(criterion.num[i : i + 1], None, TEXT, written[i : i + 1]),
            )
            for i in range(len(parsed))
        ]
        return xp.concatenate([xp.broadcast_to(m, (1,) + m.shape[1:]) for m in masks], axis=0)
    operand = xp.asarray(numbers.astype(float)).reshape(-1, 1, 1)
    is_number = kinds(xp, cells) == NUMBER
    mask = xp.zeros(np.broadcast_shapes(operand.shape, cells.num.shape), dtype=bool)
    for op in np.unique(ops):
        chosen = xp.asarray(ops == op).reshape(-1, 1, 1)
        hit = is_number & _compare(xp, op, cells.num, operand)
        if op == "<>":
            hit = ~(is_number & (cells.num == operand))
        mask = xp.where(chosen, hit, mask)
    return mask


def _trial(cells: Value, index: int) -> Value:
    def pick(array: Any) -> Any:
        return array if array.shape[0] == 1 else array[index : index + 1]

    kind = cells.kind if isinstance(cells.kind, int) else pick(cells.kind)
    text = None if cells.text is None else pick(cells.text)
    err = None if cells.err is None else pick(cells.err)
    return Value(pick(cells.num), err, kind, text)


def _compare(xp: ModuleType, op: str, a: object, b: object) -> Array:
    if op == "=":
        return a == b
    if op == "<>":
        return a != b
    if op == "<":
        return a < b  # type: ignore[operator]
    if op == "<=":
        return a <= b  # type: ignore[operator]
    if op == ">":
        return a > b  # type: ignore[operator]
    return a >= b  # type: ignore[operator]


def _conditional(
    call: Call, target: Value | None, pairs: Sequence[tuple[Value, Value]], how: str
) -> Value:
    xp = call.xp
    shape = pairs[0][0].grid
    if any(cells.grid != shape for cells, _ in pairs) or (
        target is not None and target.grid != shape
    ):
        return error(xp, ExcelError.VALUE)
    mask: Array | None = None
    for cells, criterion in pairs:
        hit = criterion_mask(xp, flat(xp, cells), criterion)
        mask = hit if mask is None else mask & hit
    assert mask is not None
    if how == "count":
        counted = xp.sum(mask, axis=2, keepdims=True).astype(xp.float64)
        return number(xp, counted + _blank_tail(xp, pairs))
    assert target is not None
    values = flat(xp, target)
    mask = mask & (kinds(xp, values) == NUMBER)
    err = None
    if values.err is not None:
        picked = xp.where(mask, values.err, xp.int8(0))
        err = first_error(xp, picked[:, 0, :]).reshape(-1, 1, 1)
    count = xp.sum(mask, axis=2, keepdims=True)
    if how == "sum":
        return number(xp, xp.sum(xp.where(mask, values.num, 0.0), axis=2, keepdims=True), err)
    if how == "average":
        total = xp.sum(xp.where(mask, values.num, 0.0), axis=2, keepdims=True)
        out = total / xp.maximum(count, 1)
        return number(xp, out, with_error(xp, err, count == 0, ExcelError.DIV0))
    fill = -xp.inf if how == "max" else xp.inf
    reduce = xp.max if how == "max" else xp.min
    out = reduce(xp.where(mask, values.num, fill), axis=2, keepdims=True)
    return number(xp, xp.where(count == 0, 0.0, out), err)


def _blank_tail(xp: ModuleType, pairs: Sequence[tuple[Value, Value]]) -> Array | float:
    """The empty cells the ranges were clipped of (see ``engines.references.clip``) that meet
    every criterion: COUNTIF(A2:A1000, "<>Closed") counts the blank rows past the data too."""
    area = pairs[0][0].area
    if area is None or area.extent is None:
        return 0.0
    (rows, cols), (full_rows, full_cols) = area.shape, area.extent
    blank = Value(xp.zeros((1, 1, 1)), None, EMPTY, None)
    meets: Array | None = None
    for _, criterion in pairs:
        hit = criterion_mask(xp, blank, criterion)
        meets = hit if meets is None else meets & hit
    assert meets is not None
    return meets.astype(xp.float64) * float(full_rows * full_cols - rows * cols)


def _if(how: str):  # type: ignore[no-untyped-def]
    def impl(call: Call, args: Sequence[Value]) -> Value:
        target = args[2] if len(args) > 2 else (args[0] if how != "count" else None)
        if target is not None and len(args) > 2 and target.grid != args[0].grid:
            target = _resized(call, target, args[0].grid)
        return _conditional(call, target, [(args[0], args[1])], how)

    return impl


def _resized(call: Call, target: Value, grid: tuple[int, int]) -> Value:
    """SUMIF's sum_range takes the criteria range's size from its top-left cell."""
    area = target.area
    if area is None:
        return target
    from engines.values import Area

    return call.env.area(
        Area(area.sheet, area.row1, area.col1, area.row1 + grid[0] - 1, area.col1 + grid[1] - 1)
    )


def _ifs(how: str):  # type: ignore[no-untyped-def]
    def impl(call: Call, args: Sequence[Value]) -> Value:
        start = 0 if how == "count" else 1
        rest = args[start:]
        if len(rest) % 2:
            return error(call.xp, ExcelError.VALUE)
        pairs = list(zip(rest[::2], rest[1::2], strict=True))
        return _conditional(call, None if how == "count" else args[0], pairs, how)

    return impl


_TARGET_AND_RANGES = frozenset({0} | set(range(1, 255, 2)))
register(FUNCTIONS, "SUMIF", 2, 3, frozenset({0, 2}))(_if("sum"))
register(FUNCTIONS, "COUNTIF", 2, 2, frozenset({0}))(_if("count"))
register(FUNCTIONS, "AVERAGEIF", 2, 3, frozenset({0, 2}))(_if("average"))
register(FUNCTIONS, "SUMIFS", 3, -1, _TARGET_AND_RANGES)(_ifs("sum"))
register(FUNCTIONS, "COUNTIFS", 2, -1, frozenset(range(0, 255, 2)))(_ifs("count"))
register(FUNCTIONS, "AVERAGEIFS", 3, -1, _TARGET_AND_RANGES)(_ifs("average"))
register(FUNCTIONS, "MAXIFS", 3, -1, _TARGET_AND_RANGES)(_ifs("max"))
register(FUNCTIONS, "MINIFS", 3, -1, _TARGET_AND_RANGES)(_ifs("min"))
