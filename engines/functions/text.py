"""Text functions. Text lives on the host, so these work entry by entry on object arrays."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import numpy as np

from engines.coerce import parse_number, text_value, to_bool, to_number, to_text
from engines.errors import ExcelError
from engines.functions.registry import Call, Impl, Table, register
from engines.functions.textformat import format_text, format_value
from engines.values import (
    BOOL,
    TEXT,
    Value,
    boolean,
    error,
    host,
    kinds,
    merge_errors,
    number,
    with_error,
)

FUNCTIONS: Table = {}
_ALL = None


def apply_entries(call: Call, args: Sequence[Value], spec: str, fn: Callable[..., Any]) -> Value:
    """Map ``fn`` over the entries of ``args``; ``spec`` says per argument 't'ext, 'n'umber or
    'v'alue (a number where it reads as one, else text); upper case rejects booleans (#VALUE!).

    ``fn`` returns str, float, bool or an ExcelError; results become one block.
    """
    xp = call.xp
    columns: list[np.ndarray[Any, Any]] = []
    errors = []
    for arg, letter in zip(args, spec, strict=False):
        kind = letter.lower()
        if kind == "t":
            columns.append(to_text(xp, arg))
            errors.append(arg.err)
        elif kind == "v":
            columns.append(_number_or_text(xp, arg))
            errors.append(arg.err)
        else:
            num, err = to_number(xp, arg)
            columns.append(host(xp, num))
            errors.append(err)
        if letter.isupper():
            errors[-1] = with_error(xp, errors[-1], kinds(xp, arg) == BOOL, ExcelError.VALUE)
    shape = np.broadcast_shapes(*(c.shape for c in columns))
    items = [np.broadcast_to(c, shape) for c in columns]
    out = np.empty(shape, dtype=object)
    for index in np.ndindex(shape):
        try:
            out[index] = fn(*(c[index] for c in items))
        except (ValueError, IndexError, OverflowError):
            out[index] = ExcelError.VALUE
    return _block(call, out, merge_errors(xp, *errors))


def _number_or_text(xp: ModuleType, value: Value) -> np.ndarray[Any, Any]:
    """Entries as float where they read as numbers (numeric text included), else as str."""
    text = to_text(xp, value)
    nums = host(xp, to_number(xp, value)[0])
    kind = host(xp, kinds(xp, value))
    shape = np.broadcast_shapes(text.shape, nums.shape, kind.shape)
    out = np.empty(shape, dtype=object)
    for index in np.ndindex(shape):
        number = float(np.broadcast_to(nums, shape)[index])
        tag = np.broadcast_to(kind, shape)[index]
        readable = tag != BOOL and not (tag == TEXT and number != number)
        out[index] = number if readable else np.broadcast_to(text, shape)[index]
    return out


def _block(call: Call, out: np.ndarray[Any, Any], err: Any) -> Value:
    xp = call.xp
    codes = np.vectorize(lambda v: int(v) if isinstance(v, ExcelError) else 0, otypes=[np.int8])(
        out
    )
    is_text = np.vectorize(lambda v: isinstance(v, str), otypes=[bool])(out)
    if is_text.all():
        return text_value(
            xp, out, merge_errors(xp, err, xp.asarray(codes) if codes.any() else None)
        )
    if not is_text.any():
        nums = np.vectorize(
            lambda v: np.nan if isinstance(v, ExcelError) else float(v), otypes=[float]
        )(out)
        is_bool = np.vectorize(lambda v: isinstance(v, bool), otypes=[bool])(out)
        value = number(
            xp, xp.asarray(nums), merge_errors(xp, err, xp.asarray(codes) if codes.any() else None)
        )
        if is_bool.all():
            return Value(value.num, value.err, 1, None)
        return value
    texts = np.where(is_text, out, "")
    nums = np.vectorize(
        lambda v: 0.0 if isinstance(v, str | ExcelError) else float(v), otypes=[float]
    )(out)
    kind = np.where(is_text, 2, 0).astype(np.int8)
    return Value(
        xp.asarray(nums),
        merge_errors(xp, err, xp.asarray(codes) if codes.any() else None),
        xp.asarray(kind),
        texts,
    )


def _simple(spec: str, fn: Callable[..., Any]) -> Impl:
    def impl(call: Call, args: Sequence[Value]) -> Value:
        return apply_entries(call, args, spec, fn)

    return impl


def _count(value: float, allow_zero: bool = True) -> int:
    if value < 0 or (not allow_zero and value < 1):
        raise ValueError(value)
    return int(value)


def _mid(text: str, start: float, length: float) -> str:
    if start < 1 or length < 0:
        raise ValueError
    begin = int(start) - 1
    return text[begin : begin + int(length)]


def _find(needle: str, hay: str, start: float = 1.0, fold: bool = False) -> float | ExcelError:
    begin = int(start) - 1
    if begin < 0 or begin > len(hay):
        return ExcelError.VALUE
    if fold:
        import fnmatch
        import re

        pattern = fnmatch.translate(needle.lower().replace("~*", "\x00").replace("~?", "\x01"))
        pattern = pattern.replace("\x00", r"\*").replace("\x01", r"\?")[4:-3]
        found = re.search(pattern, hay.lower()[begin:], flags=re.S)
        return ExcelError.VALUE if found is None else float(found.start() + begin + 1)
    position = hay.find(needle, begin)
    return ExcelError.VALUE if position < 0 else float(position + 1)


def _substitute(text: str, old: str, new: str, instance: float | None = None) -> str:
    if not old:
        return text
    if instance is None:
        return text.replace(old, new)
    nth = int(instance)
    if nth < 1:
        raise ValueError
    position = -1
    for _ in range(nth):
        position = text.find(old, position + 1)
        if position < 0:
            return text
    return text[:position] + new + text[position + len(old) :]


def _replace(text: str, start: float, length: float, new: str) -> str:
    if start < 1 or length < 0:
        raise ValueError
    begin = int(start) - 1
    return text[:begin] + new + text[begin + int(length) :]


def _proper(text: str) -> str:
    out, previous_letter = [], False
    for char in text:
        out.append(char.lower() if previous_letter else char.upper())
        previous_letter = char.isalpha()
    return "".join(out)


CODEPAGE = "mac_roman"
"""How CHAR and CODE map 128-255: the reference workbooks come from Excel for Mac (Mac Roman);
Excel for Windows uses cp1252 (see KNOWN_GAPS.md)."""


def _char(code: float) -> str:
    if not 1 <= code < 256:
        raise ValueError
    return bytes([int(code)]).decode(CODEPAGE, errors="replace")


def _code(text: str) -> float:
    if not text:
        raise ValueError
    return float(text[0].encode(CODEPAGE, errors="replace")[0])


def _unichar(code: float) -> str:
    if not 1 <= code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise ValueError
    return chr(int(code))


def _checked_length(text: str) -> str:
    if len(text) > 32767:
        raise ValueError("Excel text is at most 32767 characters")
    return text


def _value(text: str | float) -> float | ExcelError:
    """VALUE: numbers (an empty cell reads as 0) pass through; text must read as a number."""
    if isinstance(text, float):
        return text
    parsed = parse_number(text)
    return ExcelError.VALUE if parsed is None else parsed


_SIMPLE: dict[str, tuple[str, Callable[..., Any], int, int]] = {
    "LEN": ("t", lambda s: float(len(s)), 1, 1),
    "LENB": ("t", lambda s: float(len(s)), 1, 1),
    "UPPER": ("t", str.upper, 1, 1),
    "LOWER": ("t", str.lower, 1, 1),
    "PROPER": ("t", _proper, 1, 1),
    "TRIM": ("t", lambda s: " ".join(part for part in s.split(" ") if part), 1, 1),
    "CLEAN": ("t", lambda s: "".join(ch for ch in s if ord(ch) >= 32), 1, 1),
    "LEFT": ("tn", lambda s, k=1.0: s[: _count(k)], 1, 2),
    "LEFTB": ("tn", lambda s, k=1.0: s[: _count(k)], 1, 2),
    "RIGHT": ("tn", lambda s, k=1.0: s[len(s) - min(_count(k), len(s)) :], 1, 2),
    "RIGHTB": ("tn", lambda s, k=1.0: s[len(s) - min(_count(k), len(s)) :], 1, 2),
    "MID": ("tnn", _mid, 3, 3),
    "MIDB": ("tnn", _mid, 3, 3),
    "FIND": ("ttn", _find, 2, 3),
    "FINDB": ("ttn", _find, 2, 3),
    "SEARCH": ("ttn", lambda a, b, s=1.0: _find(a, b, s, fold=True), 2, 3),
    "SEARCHB": ("ttn", lambda a, b, s=1.0: _find(a, b, s, fold=True), 2, 3),
    "SUBSTITUTE": ("tttN", _substitute, 3, 4),  # a boolean instance is #VALUE!
    "REPLACE": ("tnnt", _replace, 4, 4),
    "REPLACEB": ("tnnt", _replace, 4, 4),
    "REPT": ("tn", lambda s, k: _checked_length(s * _count(k)), 2, 2),
    "EXACT": ("tt", lambda a, b: a == b, 2, 2),
    "VALUE": ("v", _value, 1, 1),
    "CHAR": ("n", _char, 1, 1),
    "CODE": ("t", _code, 1, 1),
    "UNICHAR": ("n", _unichar, 1, 1),
    "UNICODE": ("t", lambda s: float(ord(s[0])), 1, 1),
}
for _name, (_spec, _fn, _low, _high) in _SIMPLE.items():
    register(FUNCTIONS, _name, _low, _high)(_simple(_spec, _fn))


def _joined(
    call: Call, args: Sequence[Value], delimiter: str = "", skip_empty: bool = False
) -> Value:
    xp = call.xp
    pieces: list[str] = []
    errors = []
    for arg in args:
        texts = to_text(xp, arg)
        if arg.err is not None and bool((arg.err != 0).any()):
            errors.append(arg.err.reshape(-1)[(host(xp, arg.err).reshape(-1) != 0).argmax()])
        pieces.extend(t for t in texts[0].reshape(-1) if not (skip_empty and t == ""))
    if errors:
        return number(xp, xp.full((1, 1, 1), xp.nan), xp.full((1, 1, 1), errors[0], dtype=xp.int8))
    joined = delimiter.join(pieces)
    if len(joined) > 32767:
        return number(xp, xp.full((1, 1, 1), xp.nan), xp.full((1, 1, 1), 3, dtype=xp.int8))
    return text_value(xp, np.full((1, 1, 1), joined, dtype=object), None)


def _text(value: float | str, fmt: str) -> str | ExcelError:
    shown = format_text(value, fmt) if isinstance(value, str) else format_value(value, fmt)
    return ExcelError.VALUE if shown is None else shown


def _fixed(value: float, decimals: float = 2.0, no_commas: float = 0.0) -> str | ExcelError:
    places = int(decimals)
    if places < 0:
        value = round(value / 10**-places) * 10**-places
    digits = "0" * max(places, 0)
    if abs(value) < 0.5 * 10.0 ** -max(places, 0):  # FIXED rounds first: no "-0.00"
        value = 0.0
    pattern = ("0" if no_commas else "#,##0") + ("." + digits if digits else "")
    shown = format_value(value, pattern)
    return ExcelError.VALUE if shown is None else shown


@register(FUNCTIONS, "TEXT", 2)
def text(call: Call, args: Sequence[Value]) -> Value:
    """TEXT(value, format): numbers (and numeric text) shown with an Excel number format."""
    return apply_entries(call, args, "vt", _text)


@register(FUNCTIONS, "FIXED", 1, 3)
def fixed(call: Call, args: Sequence[Value]) -> Value:
    """FIXED(number, [decimals], [no_commas]); no_commas is a logical, never text."""
    if len(args) > 2 and args[2].text is not None:
        flags, err = to_bool(call.xp, args[2])
        if err is not None and bool((err != 0).any()):
            return error(call.xp, ExcelError.VALUE)
        args = [*args[:2], boolean(call.xp, flags)]
    return apply_entries(call, args, "nnn", _fixed)


@register(FUNCTIONS, "DOLLAR", 1, 2)
def dollar(call: Call, args: Sequence[Value]) -> Value:
    def shown(value: float, decimals: float = 2.0) -> str | ExcelError:
        amount = _fixed(abs(value), decimals)
        if isinstance(amount, ExcelError):
            return amount
        # the sign of what is shown: an amount that rounds to zero has none (-0.004 is $0.00)
        negative = value < 0 and any(digit in "123456789" for digit in amount)
        return ("-$" if negative else "$") + amount

    return apply_entries(call, args, "nn", shown)


@register(FUNCTIONS, "CONCAT", 1, -1, _ALL)
def concat(call: Call, args: Sequence[Value]) -> Value:
    return _joined(call, args)


@register(FUNCTIONS, "CONCATENATE", 1, -1)
def concatenate(call: Call, args: Sequence[Value]) -> Value:
    out = args[0]
    from engines.operators import concat as join

    for arg in args[1:]:
        out = join(call.xp, out, arg)
    return (
        out
        if len(args) > 1
        else join(call.xp, out, text_value(call.xp, np.full((1, 1, 1), "", dtype=object), None))
    )


@register(FUNCTIONS, "TEXTJOIN", 3, -1, frozenset(range(2, 255)))
def textjoin(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    delimiter = str(to_text(xp, args[0]).reshape(-1)[0])
    skip = bool(host(xp, to_number(xp, args[1])[0]).reshape(-1)[0])
    return _joined(call, args[2:], delimiter, skip)
