"""VALUETOTEXT, ARRAYTOTEXT and NUMBERVALUE: values to and from their written form."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

import numpy as np

from engines.coerce import number_text, parse_date, text_value, to_number
from engines.errors import ExcelError
from engines.functions.registry import Call, Table, register
from engines.functions.text import apply_entries
from engines.values import BOOL, EMPTY, TEXT, Value, error, host, kinds, texts, with_error

FUNCTIONS: Table = {}


def _format(call: Call, args: Sequence[Value]) -> int | ExcelError:
    """The format argument: 0 concise (default) or 1 strict; its own error, or #VALUE! when
    it is neither."""
    if len(args) < 2:
        return 0
    num, err = to_number(call.xp, args[1])
    if err is not None and bool((err != 0).any()):
        codes = host(call.xp, err).reshape(-1)
        return ExcelError(int(codes[codes != 0][0]))
    value = int(float(host(call.xp, num).reshape(-1)[0]))
    return value if value in (0, 1) else ExcelError.VALUE


def _entries(call: Call, value: Value) -> list[list[tuple[str, str]]]:
    """Each entry of the block (first trial) as (tag, text): 't'ext, 'n'umber, 'b'oolean,
    'e'rror, 'z' empty."""
    xp = call.xp
    shape = value.shape
    kind = np.broadcast_to(host(xp, kinds(xp, value)), shape)
    err = np.broadcast_to(host(xp, value.err), shape) if value.err is not None else None
    num = np.broadcast_to(host(xp, value.num), shape)
    text = np.broadcast_to(texts(value), shape)
    rows = []
    for r in range(shape[1]):
        line = []
        for c in range(shape[2]):
            if err is not None and err[0, r, c]:
                line.append(("e", ExcelError(int(err[0, r, c])).code))
            elif kind[0, r, c] == TEXT:
                line.append(("t", str(text[0, r, c])))
            elif kind[0, r, c] == BOOL:
                line.append(("b", "TRUE" if num[0, r, c] else "FALSE"))
            elif kind[0, r, c] == EMPTY:
                line.append(("z", ""))
            else:
                line.append(("n", number_text(float(num[0, r, c]))))
        rows.append(line)
    return rows


def _written(entry: tuple[str, str], strict: bool) -> str:
    tag, text = entry
    if strict and tag == "t":
        return '"' + text.replace('"', '""') + '"'
    return str(text)


@register(FUNCTIONS, "VALUETOTEXT", 1, 2)
def valuetotext(call: Call, args: Sequence[Value]) -> Value:
    fmt = _format(call, args)
    if isinstance(fmt, ExcelError):
        return error(call.xp, fmt)
    entry = _entries(call, args[0])[0][0]
    return text_value(call.xp, np.full((1, 1, 1), _written(entry, fmt == 1), dtype=object), None)


@register(FUNCTIONS, "ARRAYTOTEXT", 1, 2, frozenset({0}))
def arraytotext(call: Call, args: Sequence[Value]) -> Value:
    fmt = _format(call, args)
    if isinstance(fmt, ExcelError):
        return error(call.xp, fmt)
    rows = _entries(call, args[0])
    if fmt == 1:
        body = ";".join(",".join(_written(e, True) for e in row) for row in rows)
        shown = "{" + body + "}"
    else:
        shown = ", ".join(_written(e, False) for row in rows for e in row)
    return text_value(call.xp, np.full((1, 1, 1), shown, dtype=object), None)


_NUMBER = re.compile(r"^(\d*)(?:\.(\d*))?(?:E([+-]?\d+))?$", re.IGNORECASE)


def _numbervalue(text: str, decimal: str = ".", group: str | None = None) -> float | ExcelError:
    """Excel's locale-free reading: separators given, () for negative, trailing % per 100,
    one sign at most and none inside the parentheses.

    Separators given alike are #VALUE!; a decimal comma makes the default group a point.
    """
    if group is None:
        group = "." if decimal[:1] == "," else ","
    if not decimal or not group or decimal[0] == group[0]:
        return ExcelError.VALUE
    point, grouping = decimal[0], group[0]
    body = re.sub(r"\s", "", text)
    if not body:
        return 0.0
    percents = len(body) - len(body.rstrip("%"))
    body = body.rstrip("%")
    negative = body.startswith("(") and body.endswith(")")
    if negative:
        body = body[1:-1]
    percents += len(body) - len(body.rstrip("%"))
    body = body.rstrip("%")
    sign = -1.0 if body.startswith("-") else 1.0
    if body[:1] in ("+", "-"):
        if negative:
            return ExcelError.VALUE
        body = body[1:]
    head, _, tail = body.partition(point)
    if point in tail or grouping in tail.split("E")[0].split("e")[0]:
        return ExcelError.VALUE
    cleaned = head.replace(grouping, "") + ("." + tail if tail or body.endswith(point) else "")
    match = _NUMBER.match(cleaned)
    if match is None or not (match.group(1) or match.group(2)):
        return ExcelError.VALUE
    value = float(cleaned) * sign / 100.0**percents
    return -value if negative else value


@register(FUNCTIONS, "NUMBERVALUE", 1, 3)
def numbervalue(call: Call, args: Sequence[Value]) -> Value:
    return apply_entries(call, args, "TTT", _numbervalue)


def _date_text(whole_days: bool) -> Callable[[Call, Sequence[Value]], Value]:
    """DATEVALUE (the day) or TIMEVALUE (the time of day) of a date written as text."""

    def read(text: str) -> float | ExcelError:
        serial = parse_date(text) if re.search(r"[/:-]|[A-Za-z]{3}", text) else None
        if serial is None:
            return ExcelError.VALUE
        return float(math.floor(serial)) if whole_days else serial - math.floor(serial)

    def impl(call: Call, args: Sequence[Value]) -> Value:
        xp = call.xp
        result = apply_entries(call, args, "t", read)
        not_text = kinds(xp, args[0]) != TEXT
        return Value(result.num, with_error(xp, result.err, not_text, ExcelError.VALUE), 0, None)

    return impl


register(FUNCTIONS, "DATEVALUE", 1)(_date_text(whole_days=True))
register(FUNCTIONS, "TIMEVALUE", 1)(_date_text(whole_days=False))
