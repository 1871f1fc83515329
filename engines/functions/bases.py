"""Number bases: BIN2DEC … HEX2OCT, DEC2BIN/OCT/HEX, BASE and DECIMAL.

Binary, octal and hexadecimal text has at most 10 digits; a 10-digit value with its top bit
set is negative (two's complement), and negative results come back as 10 digits.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engines.errors import ExcelError
from engines.functions.registry import Call, Impl, Table, register
from engines.functions.text import apply_entries
from engines.values import BOOL, EMPTY, TEXT, Value, kinds, scalar, with_error

FUNCTIONS: Table = {}
RADIX = {"BIN": 2, "OCT": 8, "DEC": 10, "HEX": 16}
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _limit(radix: int) -> int:
    """Half the 10-digit range: values in [-limit, limit) are representable."""
    return radix**10 // 2


def parse_digits(text: str, radix: int) -> float | ExcelError:
    """Excel's reading of base-``radix`` text (10 digits at most, two's complement)."""
    text = text.strip().upper()
    if not text:
        return 0.0
    if len(text) > 10 or any(ch not in _DIGITS[:radix] for ch in text):
        return ExcelError.NUM
    value = int(text, radix)
    if len(text) == 10 and value >= _limit(radix):
        value -= radix**10
    return float(value)


def format_digits(value: float, radix: int, places: float | None) -> str | ExcelError:
    """``value`` in base ``radix``, zero-padded to ``places``; negatives as 10 digits."""
    number = int(value)
    limit = _limit(radix)
    if not -limit <= number < limit or (places is not None and not 1 <= places <= 10):
        return ExcelError.NUM
    if number < 0:
        return _digits(number + radix**10, radix)
    text = _digits(number, radix)
    if places is None:
        return text
    if len(text) > int(places):
        return ExcelError.NUM
    return text.rjust(int(places), "0")


def _digits(number: int, radix: int) -> str:
    out = ""
    while True:
        number, rem = divmod(number, radix)
        out = _DIGITS[rem] + out
        if not number:
            return out


def _converter(source: str, target: str) -> Impl:
    def convert(text_or_number: object, places: float | None = None) -> object:
        if places is not None and not 1 <= places <= 10:
            return ExcelError.NUM  # Excel checks the places before reading the number
        if isinstance(text_or_number, str) and source == "DEC":
            return ExcelError.VALUE  # text that does not read as a number
        if source == "DEC":
            value: float | ExcelError = float(text_or_number)  # type: ignore[arg-type]
        else:
            value = parse_digits(str(text_or_number), RADIX[source])
        if isinstance(value, ExcelError) or target == "DEC":
            return value
        return format_digits(value, RADIX[target], places)

    spec = ("v" if source == "DEC" else "T") + "N"
    return lambda call, args: apply_entries(call, args, spec, convert)


for _source in RADIX:
    for _target in RADIX:
        if _source != _target:
            top = 1 if _target == "DEC" else 2
            register(FUNCTIONS, f"{_source}2{_target}", 1, top)(_converter(_source, _target))


def _base(number: float, radix: float, length: float = 0.0) -> str | ExcelError:
    if not 2 <= radix <= 36 or number < 0 or number >= 2**53 or length < 0:
        return ExcelError.NUM
    return _digits(int(number), int(radix)).rjust(int(length), "0")


def _decimal(text: str, radix: float) -> float | ExcelError:
    if not 2 <= radix <= 36:
        return ExcelError.NUM
    digits = _DIGITS[: int(radix)]
    cleaned = text.strip().upper()
    if any(ch not in digits for ch in cleaned):
        return ExcelError.NUM
    return float(int(cleaned, int(radix))) if cleaned else 0.0


@register(FUNCTIONS, "BASE", 2, 3)
def base(call: Call, args: Sequence[Value]) -> Value:
    return apply_entries(call, args, "nnn", _base)


@register(FUNCTIONS, "DECIMAL", 2)
def decimal(call: Call, args: Sequence[Value]) -> Value:
    return apply_entries(call, args, "tn", _decimal)


_ROMAN_CHARS = "MDCLXVI"
_ROMAN_VALUES = (1000, 500, 100, 50, 10, 5, 1)


def _roman(number: float, form: float = 0.0) -> str | ExcelError:
    """Roman numerals; forms 1-4 allow ever more concise subtractive pairs (``IM`` for 999)."""
    value, mode = int(number), int(form)
    if not 0 <= value <= 3999 or not 0 <= mode <= 4:
        return ExcelError.VALUE
    out = ""
    top = len(_ROMAN_VALUES) - 1
    for step in range(top // 2 + 1):
        index = 2 * step
        digit = value // _ROMAN_VALUES[index]
        if digit % 5 == 4:
            pair = index - 1 if digit == 4 else index - 2
            tries = 0
            while tries < mode and index < top:
                tries += 1
                if _ROMAN_VALUES[pair] - _ROMAN_VALUES[index + 1] <= value:
                    index += 1
                else:
                    tries = mode
            out += _ROMAN_CHARS[index] + _ROMAN_CHARS[pair]
            value += _ROMAN_VALUES[index] - _ROMAN_VALUES[pair]
        else:
            if digit > 4:
                out += _ROMAN_CHARS[index - 1]
            out += _ROMAN_CHARS[index] * (digit % 5)
            value %= _ROMAN_VALUES[index]
    return out


def _arabic(text: str) -> float | ExcelError:
    """Roman numerals read right to left: a smaller numeral before a larger one subtracts."""
    letters = text.strip().upper()
    sign = -1.0 if letters.startswith("-") else 1.0
    letters = letters.lstrip("-")
    if len(letters) > 255 or any(ch not in _ROMAN_CHARS for ch in letters):
        return ExcelError.VALUE
    total, largest = 0, 0
    for ch in reversed(letters):
        amount = _ROMAN_VALUES[_ROMAN_CHARS.index(ch)]
        total += -amount if amount < largest else amount
        largest = max(largest, amount)
    return sign * total


@register(FUNCTIONS, "ROMAN", 1, 2)
def roman(call: Call, args: Sequence[Value]) -> Value:
    if len(args) > 1 and isinstance(args[1].kind, int) and args[1].kind == BOOL:
        # TRUE is the classic form, FALSE the most concise
        flag = float(np.asarray(args[1].num).reshape(-1)[0])
        args = [args[0], scalar(call.xp, 0.0 if flag else 4.0)]
    return apply_entries(call, args, "nn", _roman)


@register(FUNCTIONS, "ARABIC", 1)
def arabic(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    result = apply_entries(call, args, "t", _arabic)
    kind = kinds(xp, args[0])
    numeral = (kind == TEXT) | (kind == EMPTY)
    return Value(result.num, with_error(xp, result.err, ~numeral, ExcelError.VALUE), 0, None)
