"""Number bases: BIN2DEC … HEX2OCT, DEC2BIN/OCT/HEX, BASE and DECIMAL.

Binary, octal and hexadecimal text has at most 10 digits; a 10-digit value with its top bit
set is negative (two's complement), and negative results come back as 10 digits.
"""

from __future__ import annotations

from collections.abc import Sequence

from engines.errors import ExcelError
from engines.functions.registry import Call, Impl, Table, register
from engines.functions.text import apply_entries
from engines.values import Value

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
        if source == "DEC":
            value: float | ExcelError = float(text_or_number)  # type: ignore[arg-type]
        else:
            value = parse_digits(str(text_or_number), RADIX[source])
        if isinstance(value, ExcelError) or target == "DEC":
            return value
        return format_digits(value, RADIX[target], places)

    spec = ("N" if source == "DEC" else "T") + "N"
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
