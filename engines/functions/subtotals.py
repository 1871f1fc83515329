"""SUBTOTAL and AGGREGATE: reductions over references that skip what a total must not count
twice: other SUBTOTAL and AGGREGATE cells, hidden rows and, for AGGREGATE, error values.

Skipped entries read as empty cells and the named reduction (SUM, STDEV.S, LARGE…) runs on
what is left. The function number and AGGREGATE's option must be the same in every trial.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engines.blocks import where
from engines.errors import ExcelError
from engines.functions.reference import constant_int, missing
from engines.functions.registry import Call, Impl, Table, register
from engines.values import EMPTY, Value, error, host

FUNCTIONS: Table = {}

_SUBTOTAL = {
    1: "AVERAGE", 2: "COUNT", 3: "COUNTA", 4: "MAX", 5: "MIN", 6: "PRODUCT", 7: "STDEV",
    8: "STDEVP", 9: "SUM", 10: "VAR", 11: "VARP",
}  # fmt: skip
_AGGREGATE = {
    **_SUBTOTAL, 7: "STDEV.S", 8: "STDEV.P", 10: "VAR.S", 11: "VAR.P", 12: "MEDIAN",
    13: "MODE.SNGL", 14: "LARGE", 15: "SMALL", 16: "PERCENTILE.INC", 17: "QUARTILE.INC",
    18: "PERCENTILE.EXC", 19: "QUARTILE.EXC",
}  # fmt: skip
_ARRAY_FORM = 14
"""AGGREGATE's functions from 14 on take an array (a computed one too) and a k."""


@dataclass(frozen=True, slots=True)
class Skips:
    """What a total leaves out of its references."""

    nested: bool
    hidden: bool
    errors: bool
    filtered: bool


_OPTIONS = {
    option: Skips(nested=option < 4, hidden=option % 4 in (1, 3), errors=option % 4 >= 2,
                  filtered=option % 4 in (1, 3))
    for option in range(8)
}
"""AGGREGATE's options 0-7: 0-3 skip nested totals, 1/3/5/7 hidden rows, 2/3/6/7 errors."""


def _reduction(name: str) -> Impl:
    from engines.functions import FUNCTIONS as ALL  # the merged table imports this module

    return ALL[name].impl


def _kept(call: Call, value: Value, skips: Skips) -> Value:
    """``value`` with the entries ``skips`` names read as empty cells."""
    xp = call.xp
    drop = None
    area = value.area
    if area is not None and (skips.nested or skips.hidden or skips.filtered):
        workbook = call.env.model.workbook
        rows, cols = value.grid
        mask = np.zeros((1, rows, cols), dtype=bool)
        hidden = (workbook.hidden_rows if skips.hidden else workbook.filtered_rows).get(
            area.sheet, frozenset()
        )
        for row in hidden:
            if area.row1 <= row < area.row1 + rows:
                mask[0, row - area.row1, :] = True
        for sheet, row, col in workbook.total_cells if skips.nested else ():
            if (sheet == area.sheet and area.row1 <= row < area.row1 + rows
                    and area.col1 <= col < area.col1 + cols):
                mask[0, row - area.row1, col - area.col1] = True
        drop = xp.asarray(mask) if mask.any() else None
    if skips.errors and value.err is not None:
        bad = value.err != 0
        drop = bad if drop is None else drop | bad
    if drop is None:
        return value
    empty = Value(xp.zeros((1, 1, 1)), None, EMPTY, None)
    picked = where(xp, drop, empty, value)
    return picked.at(area) if area is not None else picked


def _number(call: Call, value: Value, choices: Sequence[int]) -> int | Value:
    """A function number or option among ``choices``, or the error to return."""
    one = value.shape[0] == 1 and value.grid == (1, 1)
    if one and value.err is not None and int(host(call.xp, value.err).reshape(-1)[0]):
        return value.plain()
    number = constant_int(call, value)
    return number if number is not None and number in choices else error(
        call.xp, ExcelError.VALUE
    )


@register(FUNCTIONS, "SUBTOTAL", 2, -1, None)
def subtotal(call: Call, args: Sequence[Value]) -> Value:
    """Functions 1-11 skip filtered rows, 101-111 every hidden row; nested totals always."""
    number = _number(call, args[0], [*_SUBTOTAL, *(100 + n for n in _SUBTOTAL)])
    if isinstance(number, Value):
        return number
    if any(arg.area is None for arg in args[1:]):
        return error(call.xp, ExcelError.VALUE)  # SUBTOTAL takes references only
    skips = Skips(nested=True, hidden=number > 100, errors=False, filtered=True)
    refs = [_kept(call, arg, skips) for arg in args[1:]]
    return _reduction(_SUBTOTAL[number % 100])(call, refs)


@register(FUNCTIONS, "AGGREGATE", 3, -1, None, arrays=frozenset({2}))
def aggregate(call: Call, args: Sequence[Value]) -> Value:
    """Reference form (functions 1-13 over references) and array form (14-19 with a k)."""
    function = _number(call, args[0], list(_AGGREGATE))
    if isinstance(function, Value):
        return function
    option = 0 if missing(args[1]) else _number(call, args[1], list(_OPTIONS))
    if isinstance(option, Value):
        return option
    skips = _OPTIONS[option]
    impl = _reduction(_AGGREGATE[function])
    if function >= _ARRAY_FORM:
        if len(args) != 4:
            return error(call.xp, ExcelError.VALUE)
        return impl(call, [_kept(call, args[2], skips), args[3]])
    if any(arg.area is None for arg in args[2:]):
        return error(call.xp, ExcelError.VALUE)  # the reference form takes references only
    return impl(call, [_kept(call, arg, skips) for arg in args[2:]])
