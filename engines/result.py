"""Turning a computed value block back into plain Python values."""

from __future__ import annotations

from types import ModuleType

from engines.errors import ExcelError
from engines.values import BOOL, EMPTY, TEXT, Value, host, kinds, texts

PyValue = float | str | bool | ExcelError | None


def to_python(xp: ModuleType, value: Value) -> PyValue:
    """Entry (trial 0, row 0, col 0) of ``value`` as float, str, bool, None or ExcelError."""
    if value.err is not None:
        code = int(host(xp, value.err).reshape(-1)[0])
        if code:
            return ExcelError(code)
    kind = int(host(xp, kinds(xp, value)).reshape(-1)[0])
    if kind == TEXT:
        return str(texts(value).reshape(-1)[0])
    if kind == EMPTY:
        return None
    number = float(host(xp, value.num).reshape(-1)[0])
    if kind == BOOL:
        return number != 0
    if number != number or number in (float("inf"), float("-inf")):
        return ExcelError.NUM
    return number
