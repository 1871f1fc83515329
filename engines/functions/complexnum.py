"""Excel's complex numbers as text ("3+4i", "-2.5j"): reading arguments and writing results.

Excel's engineering functions pass complex numbers as text. An argument is read per trial into
a complex value, the suffix it was written with, and an error code; a result is written back
with up to 15 significant digits, as Excel does.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from engines.errors import ExcelError
from engines.functions.collect import flat
from engines.values import BOOL, EMPTY, TEXT, Value, host, kinds, texts

NO_SUFFIX, I_SUFFIX, J_SUFFIX = 0, 1, 2
_SUFFIXES = {"i": I_SUFFIX, "j": J_SUFFIX}
_UNSIGNED = r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_FORMS = (
    re.compile(rf"^(?P<real>[+-]?{_UNSIGNED})$"),
    re.compile(rf"^(?P<imag>[+-]?(?:{_UNSIGNED})?)(?P<suffix>[ij])$"),
    re.compile(rf"^(?P<real>[+-]?{_UNSIGNED})(?P<imag>[+-](?:{_UNSIGNED})?)(?P<suffix>[ij])$"),
)

Parsed = tuple[complex, int] | None


@dataclass(frozen=True, slots=True)
class Operands:
    """Complex arguments by trial: ``values`` (t, k) complex, ``suffix`` (t, k) suffix codes,
    ``err`` (t,) the first error code among them (0 for none)."""

    values: np.ndarray[Any, Any]
    suffix: np.ndarray[Any, Any]
    err: np.ndarray[Any, Any]


def parse_complex(text: str) -> Parsed:
    """``(value, suffix code)`` of Excel's complex text, or None where Excel says #NUM!."""
    for form in _FORMS:
        match = form.match(text)
        if match is None:
            continue
        parts = match.groupdict()
        real = float(parts.get("real") or 0.0)
        imag = parts.get("imag")
        if imag is None:
            return complex(real, 0.0), NO_SUFFIX
        coefficient = float(imag + "1") if imag in ("", "+", "-") else float(imag)
        return complex(real, coefficient), _SUFFIXES[parts["suffix"]]
    return None


_parse_all = np.vectorize(parse_complex, otypes=[object])


def operands(xp: ModuleType, value: Value) -> Operands:
    """Every entry of ``value`` read as a complex number: empty is 0, numbers are real, text is
    parsed (#NUM! when it is not a complex number), booleans are #VALUE!."""
    block = flat(xp, value)
    shape = block.shape
    trials, count = shape[0], shape[2]
    num = host(xp, xp.broadcast_to(block.num, shape)).reshape(trials, count)
    kind = host(xp, xp.broadcast_to(kinds(xp, block), shape)).reshape(trials, count)
    err = np.zeros((trials, count), dtype=np.int8)
    if block.err is not None:
        err = host(xp, xp.broadcast_to(block.err, shape)).reshape(trials, count).copy()
    values = np.where(kind == EMPTY, 0.0, num).astype(np.complex128)
    suffix = np.zeros((trials, count), dtype=np.int8)
    err = np.where((err == 0) & (kind == BOOL), np.int8(ExcelError.VALUE), err)
    is_text = (kind == TEXT) & (err == 0)
    if is_text.any():
        text = np.broadcast_to(texts(block), shape).reshape(trials, count)
        parsed = _parse_all(text[is_text])
        good = np.array([p is not None for p in parsed], dtype=bool)
        values[is_text] = [p[0] if p is not None else 0.0 for p in parsed]
        suffix[is_text] = [p[1] if p is not None else 0 for p in parsed]
        bad = np.zeros_like(is_text)
        bad[is_text] = ~good
        err = np.where(bad, np.int8(ExcelError.NUM), err)
    return Operands(values, suffix, _first(err))


def _first(err: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Per row, the first non-zero code of a (t, k) array."""
    if err.shape[1] == 0:
        return np.zeros(err.shape[0], dtype=np.int8)
    position = np.argmax(err != 0, axis=1)
    first: np.ndarray[Any, Any] = err[np.arange(err.shape[0]), position].astype(np.int8)
    return first


def joined(parts: list[Operands], mixed: ExcelError) -> Operands:
    """Several arguments as one (t, k) operand set; writing some with "i" and others with "j"
    is ``mixed`` (after any argument's own error)."""
    trials = max(p.values.shape[0] for p in parts)
    values = np.concatenate(
        [np.broadcast_to(p.values, (trials, p.values.shape[1])) for p in parts], 1
    )
    suffix = np.concatenate(
        [np.broadcast_to(p.suffix, (trials, p.suffix.shape[1])) for p in parts], 1
    )
    err = _first(np.stack([np.broadcast_to(p.err, (trials,)) for p in parts], axis=1))
    both = (suffix == I_SUFFIX).any(axis=1) & (suffix == J_SUFFIX).any(axis=1)
    err = np.where((err == 0) & both, np.int8(mixed), err)
    return Operands(values, suffix, err)


def result_suffix(suffix: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Per trial, the suffix a result is written with: "j" if an argument used it, else "i"."""
    return np.where((suffix == J_SUFFIX).any(axis=1), "j", "i")


def real_text(value: float) -> str:
    """A real number as Excel writes it inside complex text: 15 significant digits, plain
    notation from 1e-5 up to 1e15 and scientific notation (``1.5E-06``) outside."""
    if value == 0.0:
        return "0"
    mantissa, exponent_text = f"{value:.14e}".split("e")
    exponent = int(exponent_text)
    if -5 <= exponent < 15:
        text = f"{value:.{14 - exponent}f}" if exponent < 14 else f"{value:.0f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}E{'-' if exponent < 0 else '+'}{abs(exponent):02d}"


def complex_text(value: complex, suffix: str) -> str:
    """``value`` as Excel's complex text ("3+4i", "-j", "2.5")."""
    real = real_text(value.real) if value.real != 0.0 else ""
    if value.imag == 0.0 or math.isnan(value.imag):
        return real or "0"
    coefficient = real_text(abs(value.imag))
    sign = "-" if value.imag < 0 else ("+" if real else "")
    return f"{real}{sign}{'' if coefficient == '1' else coefficient}{suffix}"


_format_all = np.vectorize(complex_text, otypes=[object])


def texts_of(values: np.ndarray[Any, Any], suffix: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Complex text for each entry of ``values`` (written with the matching ``suffix``)."""
    finite = np.isfinite(values)
    return np.where(finite, _format_all(np.where(finite, values, 0.0), suffix), "")
