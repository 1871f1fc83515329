"""TEXTSPLIT: text cut into rows and columns at any of several delimiters.

The result's shape follows the text, so the text must be the same in every trial.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from engines.blocks import element
from engines.coerce import to_bool, to_number, to_text
from engines.errors import ExcelError
from engines.functions.arrays import _full
from engines.functions.registry import Call, Table, register
from engines.values import BOOL, EMPTY, TEXT, Value, error, from_scalars, host, kinds

FUNCTIONS: Table = {}


def _first_error(call: Call, value: Value) -> ExcelError | None:
    if value.err is None:
        return None
    codes = host(call.xp, value.err).reshape(-1)
    codes = codes[codes != 0]
    return ExcelError(int(codes[0])) if codes.size else None


def _omitted(value: Value) -> bool:
    return (
        value.area is None
        and isinstance(value.kind, int)
        and value.kind == EMPTY
        and value.grid == (1, 1)
    )


def _delimiters(call: Call, value: Value) -> list[str] | ExcelError:
    """The delimiters in ``value``; an empty one is #VALUE!."""
    failed = _first_error(call, value)
    if failed is not None:
        return failed
    if value.shape[0] != 1:
        return ExcelError.VALUE
    empty = host(call.xp, kinds(call.xp, _full(call.xp, value)))[0] == EMPTY
    found = [str(t) for t in to_text(call.xp, value)[0].reshape(-1)]
    if empty.any() or not all(found):
        return ExcelError.VALUE
    return found


def _pattern(delimiters: list[str], fold: bool) -> re.Pattern[str] | None:
    if not delimiters:
        return None
    ordered = sorted(set(delimiters), key=len, reverse=True)
    return re.compile("|".join(re.escape(d) for d in ordered), re.IGNORECASE if fold else 0)


def _flag(call: Call, value: Value, default: int) -> int | ExcelError:
    if _omitted(value):
        return default
    failed = _first_error(call, value)
    if failed is not None:
        return failed
    num, _ = to_number(call.xp, value)
    return int(float(host(call.xp, num).reshape(-1)[0]))


@register(FUNCTIONS, "TEXTSPLIT", 2, 6, frozenset({1, 2}))
def textsplit(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    source = args[0]
    failed = _first_error(call, source)
    if failed is not None:
        return error(xp, failed)
    if source.shape[0] != 1 or _omitted(source) or source.kind == EMPTY:
        return error(xp, ExcelError.VALUE)
    text = str(to_text(xp, source).reshape(-1)[0])
    given = [args[i] if i < len(args) else None for i in range(6)]
    splits: list[list[str]] = []
    for spec in given[1:3]:
        if spec is None or _omitted(spec):
            splits.append([])
            continue
        found = _delimiters(call, spec)
        if isinstance(found, ExcelError):
            return error(xp, found)
        splits.append(found)
    ignore = 0
    if given[3] is not None and not _omitted(given[3]):
        flag, err = to_bool(xp, given[3])
        if err is not None and bool((err != 0).any()):
            return error(xp, ExcelError(int(host(xp, err).reshape(-1)[0])))
        ignore = int(bool(host(xp, flag).reshape(-1)[0]))
    mode = _flag(call, given[4], 0) if given[4] is not None else 0
    if isinstance(mode, ExcelError):
        return error(xp, mode)
    if mode not in (0, 1) or not (splits[0] or splits[1]):
        return error(xp, ExcelError.VALUE)
    columns, rows = (_pattern(s, mode == 1) for s in splits)
    lines = rows.split(text) if rows is not None else [text]
    if ignore:
        lines = [line for line in lines if line]
    grid = [columns.split(line) if columns is not None else [line] for line in lines]
    if ignore:
        grid = [[part for part in row if part] for row in grid]
        grid = [row for row in grid if row] or [[""]]
    width = max(len(row) for row in grid)
    pad = given[5] if given[5] is not None and not _omitted(given[5]) else None
    filler: object = ExcelError.NA
    if pad is not None:
        filler = _scalar(call, element(xp, pad, 0, 0))
    cells = [[*row, *[filler] * (width - len(row))] for row in grid]
    return from_scalars(xp, cells)


def _scalar(call: Call, value: Value) -> object:
    """One constant value as a Python scalar, for padding."""
    failed = _first_error(call, value)
    if failed is not None:
        return failed
    kind = int(np.asarray(host(call.xp, kinds(call.xp, value))).reshape(-1)[0])
    if kind == EMPTY:
        return None
    if value.text is not None and kind == TEXT:
        return str(value.text.reshape(-1)[0])
    number = float(host(call.xp, value.num).reshape(-1)[0])
    return bool(number) if kind == BOOL else number
