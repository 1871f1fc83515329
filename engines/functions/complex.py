"""Excel's complex-number functions: COMPLEX and the IM… family.

They belong to Excel's Analysis ToolPak: a range where one value is expected is #VALUE!, even
in array formulas, and a boolean argument is #VALUE!. Complex values travel as text (see
:mod:`engines.functions.complexnum`); the arithmetic runs on every trial at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import numpy as np

from engines.coerce import to_number_arg, to_text
from engines.errors import ExcelError
from engines.functions.complexnum import joined, operands, result_suffix, texts_of
from engines.functions.registry import Call, Impl, Table, register
from engines.values import TEXT, Value, host, merge_errors, number, with_error
from engines.xp import Array

FUNCTIONS: Table = {}
_RANGES = frozenset(range(255))

ComplexFn = Callable[[np.ndarray[Any, Any]], np.ndarray[Any, Any]]


def _block(xp: ModuleType, values: np.ndarray[Any, Any]) -> Array:
    return xp.asarray(values).reshape(-1, 1, 1)


def _complex_result(
    xp: ModuleType, values: np.ndarray[Any, Any], suffix: np.ndarray[Any, Any], err: Any
) -> Value:
    """Complex text per trial; a non-finite result is #NUM! (after the arguments' errors)."""
    values = np.asarray(values).reshape(-1)
    suffix = np.broadcast_to(suffix, values.shape)
    err = np.broadcast_to(np.asarray(err, dtype=np.int8), values.shape)
    bad = ~np.isfinite(values)
    codes = np.where((err == 0) & bad, np.int8(ExcelError.NUM), err)
    text = texts_of(values, suffix).reshape(-1, 1, 1)
    return Value(xp.zeros(text.shape), _block(xp, codes), TEXT, text)


def _real_result(xp: ModuleType, values: np.ndarray[Any, Any], err: Any) -> Value:
    out = _block(xp, np.asarray(values, dtype=np.float64).reshape(-1))
    codes = _block(xp, np.broadcast_to(np.asarray(err, dtype=np.int8), (out.shape[0],)))
    return number(xp, out, with_error(xp, codes, ~xp.isfinite(out), ExcelError.NUM))


def _quiet(fn: Callable[..., Any], *args: Any) -> Any:
    with np.errstate(all="ignore"):
        return fn(*args)


def _where_zero(z: np.ndarray[Any, Any], value: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """``value`` with NaN where ``z`` is 0 (the functions that are #NUM! there)."""
    return np.where(z == 0, complex(np.nan, np.nan), value)


def _log(z: np.ndarray[Any, Any], base: float) -> np.ndarray[Any, Any]:
    """Logarithm to ``base`` from the modulus and argument, rounding as Excel does."""
    scale = np.log(base)
    logarithm: np.ndarray[Any, Any] = np.log(np.abs(z)) / scale + 1j * (np.angle(z) / scale)
    return logarithm


_UNARY: dict[str, ComplexFn] = {
    "IMCONJUGATE": np.conj,
    "IMCOS": np.cos,
    "IMCOSH": np.cosh,
    "IMSIN": np.sin,
    "IMSINH": np.sinh,
    "IMTAN": np.tan,
    "IMCOT": lambda z: _where_zero(z, 1.0 / np.tan(z)),
    "IMCSC": lambda z: _where_zero(z, 1.0 / np.sin(z)),
    "IMCSCH": lambda z: _where_zero(z, 1.0 / np.sinh(z)),
    "IMSEC": lambda z: 1.0 / np.cos(z),
    "IMSECH": lambda z: 1.0 / np.cosh(z),
    "IMEXP": np.exp,
    "IMLN": lambda z: _where_zero(z, np.log(z)),
    "IMLOG10": lambda z: _where_zero(z, _log(z, 10.0)),
    "IMLOG2": lambda z: _where_zero(z, _log(z, 2.0)),
    "IMSQRT": np.sqrt,
}
_REAL: dict[str, Callable[[np.ndarray[Any, Any]], np.ndarray[Any, Any]]] = {
    "IMABS": np.abs,
    "IMREAL": np.real,
    "IMAGINARY": np.imag,
}


def _unary(fn: ComplexFn) -> Impl:
    def impl(call: Call, args: Sequence[Value]) -> Value:
        z = operands(call.xp, args[0])
        values = _quiet(fn, z.values[:, 0])
        return _complex_result(call.xp, values, result_suffix(z.suffix), z.err)

    return impl


def _real(fn: Callable[[np.ndarray[Any, Any]], np.ndarray[Any, Any]]) -> Impl:
    def impl(call: Call, args: Sequence[Value]) -> Value:
        z = operands(call.xp, args[0])
        return _real_result(call.xp, fn(z.values[:, 0]), z.err)

    return impl


for _name, _fn in _UNARY.items():
    register(FUNCTIONS, _name, 1, lifts=False)(_unary(_fn))
for _name, _part in _REAL.items():
    register(FUNCTIONS, _name, 1, lifts=False)(_real(_part))


@register(FUNCTIONS, "IMARGUMENT", 1, lifts=False)
def imargument(call: Call, args: Sequence[Value]) -> Value:
    z = operands(call.xp, args[0])
    angle = np.angle(z.values[:, 0])
    err = np.where((z.err == 0) & (z.values[:, 0] == 0), np.int8(ExcelError.DIV0), z.err)
    return _real_result(call.xp, angle, err)


def _pair(combine: Callable[[Any, Any], Any]) -> Impl:
    """IMSUB and IMDIV: two arguments written with the same suffix (else #NUM!)."""

    def impl(call: Call, args: Sequence[Value]) -> Value:
        z = joined([operands(call.xp, a) for a in args], ExcelError.NUM)
        values = _quiet(combine, z.values[:, 0], z.values[:, 1])
        return _complex_result(call.xp, values, result_suffix(z.suffix), z.err)

    return impl


def _divide(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return np.where(b == 0, complex(np.nan, np.nan), a / np.where(b == 0, 1.0, b))


register(FUNCTIONS, "IMSUB", 2, lifts=False)(_pair(np.subtract))
register(FUNCTIONS, "IMDIV", 2, lifts=False)(_pair(_divide))


def _fold(combine: Callable[[Any, Any], Any]) -> Impl:
    """IMSUM and IMPRODUCT: any number of values and ranges; mixed suffixes are #VALUE!."""

    def impl(call: Call, args: Sequence[Value]) -> Value:
        z = joined([operands(call.xp, a) for a in args], ExcelError.VALUE)
        values = z.values[:, 0]
        for column in range(1, z.values.shape[1]):
            values = _quiet(combine, values, z.values[:, column])
        return _complex_result(call.xp, values, result_suffix(z.suffix), z.err)

    return impl


register(FUNCTIONS, "IMSUM", 1, -1, _RANGES, lifts=False)(_fold(np.add))
register(FUNCTIONS, "IMPRODUCT", 1, -1, _RANGES, lifts=False)(_fold(np.multiply))


def _number(xp: ModuleType, value: Value) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """A ToolPak numeric argument per trial, on the host: (values, error codes)."""
    num, err = to_number_arg(xp, value)
    values = host(xp, num).reshape(-1)
    codes = np.zeros(values.shape, dtype=np.int8) if err is None else host(xp, err).reshape(-1)
    return values, codes


@register(FUNCTIONS, "IMPOWER", 2, lifts=False)
def impower(call: Call, args: Sequence[Value]) -> Value:
    """``z`` to a real power, through the polar form as Excel computes it."""
    z = operands(call.xp, args[0])
    power, power_err = _number(call.xp, args[1])
    base = z.values[:, 0]
    modulus, angle = np.abs(base), np.angle(base)
    with np.errstate(all="ignore"):
        scale = modulus**power
        values = scale * np.cos(power * angle) + 1j * scale * np.sin(power * angle)
    values = np.where((modulus == 0) & (power <= 0), complex(np.nan, np.nan), values)
    err = merge_errors(np, z.err, power_err)
    return _complex_result(call.xp, values, result_suffix(z.suffix), err)


@register(FUNCTIONS, "COMPLEX", 2, 3, lifts=False)
def complex_(call: Call, args: Sequence[Value]) -> Value:
    """COMPLEX(real, imaginary, [suffix]): the suffix must be "i" or "j" (or empty)."""
    xp = call.xp
    real, real_err = _number(xp, args[0])
    imag, imag_err = _number(xp, args[1])
    err = merge_errors(np, real_err, imag_err)
    suffix = np.array(["i"])
    if len(args) > 2:
        text = np.asarray(to_text(xp, args[2])).reshape(-1)
        suffix_err = np.zeros(text.shape, dtype=np.int8)
        if args[2].err is not None:
            suffix_err = host(xp, args[2].err).reshape(-1)
        bad = ~np.isin(text, ["i", "j", ""])
        suffix_err = np.where((suffix_err == 0) & bad, np.int8(ExcelError.VALUE), suffix_err)
        err = merge_errors(np, err, suffix_err)
        suffix = np.where(text == "j", "j", "i")
    values = np.asarray(real + 1j * imag, dtype=np.complex128)
    return _complex_result(xp, values, suffix, err)
