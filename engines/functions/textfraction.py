"""Fraction number formats (``# ?/?``, ``?/8``) for TEXT.

A section is a fraction when a ``/`` follows digit placeholders and precedes placeholders (the
denominator's most digits: the closest fraction wins) or digits (a fixed denominator). Digit
placeholders before the numerator, apart from it, take the whole part; without them the
fraction is improper. ``?`` pads with spaces (the numerator on the left, the denominator on
the right, so that slashes align), ``0`` with leading zeros, ``#`` not at all; a whole number shows
blanks where the fraction would be (Microsoft: TEXT(4.34,"# ?/?") is "4 1/3").
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

Token = tuple[str, str]
Grouping = Callable[[list[str], list[int]], None]
_DIGITS = "0#?"


def fraction_text(value: float, tokens: list[Token], group: Grouping) -> str | None:
    """``value`` in the fraction format ``tokens``; None when they are no fraction format.
    ``group`` puts thousands separators into the whole part's placeholders."""
    kinds = [kind for kind, _ in tokens]
    slash = next((i for i, t in enumerate(tokens) if t == ("lit", "/")), None)
    if slash is None or slash == 0 or kinds[slash - 1] not in _DIGITS:
        return None
    start = slash
    while start > 0 and kinds[start - 1] in _DIGITS:
        start -= 1
    end = slash + 1
    fixed = ""
    while end < len(tokens) and kinds[end] == "lit" and tokens[end][1].isdigit():
        fixed += tokens[end][1]
        end += 1
    if not fixed:
        while end < len(tokens) and kinds[end] in _DIGITS:
            end += 1
    if end == slash + 1 or any(k in ".%" or k == "exp" for k in kinds):
        return None
    whole_part = [i for i in range(start) if kinds[i] in _DIGITS]
    numerator = kinds[start:slash]
    denominator = kinds[slash + 1 : end]
    magnitude = abs(value)
    whole = math.floor(magnitude) if whole_part else 0
    rest = magnitude - whole
    if fixed:
        bottom = int(fixed)
        if bottom == 0:
            return None
        top = math.floor(rest * bottom + 0.5)
    else:
        closest = Fraction(rest).limit_denominator(10 ** len(denominator) - 1)
        top, bottom = closest.numerator, closest.denominator
    if whole_part and top == bottom:
        whole, top = whole + 1, 0
    out = [text if kind == "lit" else "" for kind, text in tokens[:start]]
    if whole_part:
        out = _whole(out, tokens[:start], whole_part, whole or (None if top else 0))
        if "," in kinds[whole_part[0] : whole_part[-1]]:
            group(out, whole_part)
    body = _padded(str(top), numerator, left=True) + "/"
    body += fixed or _padded(str(bottom), denominator, left=False)
    if whole_part and top == 0:
        body = " " * len(body)
    tail = "".join(text for kind, text in tokens[end:] if kind == "lit")
    negative = value < 0 and (whole or top)
    return ("-" if negative else "") + "".join(out) + body + tail


def _whole(out: list[str], tokens: list[Token], slots: list[int], whole: int | None) -> list[str]:
    """The whole part in its placeholders (rightmost first, the leftmost taking any excess);
    ``None`` is a zero shown as nothing where only a fraction follows."""
    digits = "" if not whole else str(whole)
    if whole == 0:
        digits = "0"
    for position in reversed(slots):
        kind = tokens[position][0]
        if digits:
            out[position], digits = digits[-1], digits[:-1]
        else:
            out[position] = "0" if kind == "0" else " " if kind == "?" else ""
    out[slots[0]] = digits + out[slots[0]]
    return out


def _padded(digits: str, kinds: list[str], left: bool) -> str:
    """``digits`` in placeholders ``kinds``: unused ``0`` places show zeros before the digits;
    unused ``?`` places show spaces, before a numerator and after a denominator."""
    spare = kinds[: max(len(kinds) - len(digits), 0)] if left else kinds[len(digits) :]
    zeros = "0" * spare.count("0")
    spaces = " " * spare.count("?")
    return spaces + zeros + digits if left else zeros + digits + spaces
