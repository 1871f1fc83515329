"""Arithmetic, powers and logs, trigonometry, factorials and combinations, GCD/LCM and power
series (random numbers are engines.functions.randoms)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from types import ModuleType

import numpy as np

from engines.coerce import to_number, to_number_arg
from engines.errors import ExcelError
from engines.functions.collect import first_error, flat, is_range, numbers
from engines.functions.registry import Call, Impl, Table, numeric, register
from engines.values import (
    BOOL,
    EMPTY,
    TEXT,
    Value,
    kinds,
    merge_errors,
    number,
    scalar,
    with_error,
)
from engines.xp import Array

FUNCTIONS: Table = {}
_FACTORIALS = np.array([float(math.factorial(k)) for k in range(171)])
_DOUBLE_FACTORIALS = np.array([float(math.prod(range(k, 0, -2))) for k in range(301)])


def _mapped(compute: Callable[[ModuleType, Array], Array], strict: bool) -> Impl:
    return lambda call, args: numeric(call.xp, args, lambda x: compute(call.xp, x), strict=strict)


def _nan_where(xp: ModuleType, mask: Array, value: Array) -> Array:
    return xp.where(mask, xp.nan, value)


_UNARY: dict[str, Callable[[ModuleType, Array], Array]] = {
    "ABS": lambda xp, x: xp.abs(x),
    "SIGN": lambda xp, x: xp.sign(x),
    "EXP": lambda xp, x: xp.exp(x),
    "SQRT": lambda xp, x: _nan_where(xp, x < 0, xp.sqrt(xp.abs(x))),
    "SQRTPI": lambda xp, x: _nan_where(xp, x < 0, xp.sqrt(xp.abs(x) * xp.pi)),
    "LN": lambda xp, x: _nan_where(xp, x <= 0, xp.log(xp.abs(x))),
    "LOG10": lambda xp, x: _nan_where(xp, x <= 0, xp.log10(xp.abs(x))),
    "DEGREES": lambda xp, x: x * (180.0 / xp.pi),
    "RADIANS": lambda xp, x: x * (xp.pi / 180.0),
    "SIN": lambda xp, x: xp.sin(x),
    "COS": lambda xp, x: xp.cos(x),
    "TAN": lambda xp, x: xp.tan(x),
    "ASIN": lambda xp, x: xp.arcsin(x),
    "ACOS": lambda xp, x: xp.arccos(x),
    "ATAN": lambda xp, x: xp.arctan(x),
    "SINH": lambda xp, x: xp.sinh(x),
    "COSH": lambda xp, x: xp.cosh(x),
    "TANH": lambda xp, x: xp.tanh(x),
    "ASINH": lambda xp, x: xp.arcsinh(x),
    "ACOSH": lambda xp, x: xp.arccosh(x),
    "ATANH": lambda xp, x: _nan_where(xp, xp.abs(x) >= 1, xp.arctanh(x)),
    "ACOT": lambda xp, x: xp.pi / 2 - xp.arctan(x),
    "ACOTH": lambda xp, x: _nan_where(xp, xp.abs(x) <= 1, 0.5 * xp.log((x + 1) / (x - 1))),
    "FACT": lambda xp, x: _table(xp, _FACTORIALS, x),
    # down to -1 the double factorial is the empty product, 1; below, #NUM!
    "FACTDOUBLE": lambda xp, x: xp.where(
        (x >= -1.0) & (x < 0.0), 1.0, _table(xp, _DOUBLE_FACTORIALS, x)
    ),
}
_RECIPROCAL: dict[str, Callable[[ModuleType, Array], Array]] = {
    "COT": lambda xp, x: xp.tan(x),
    "CSC": lambda xp, x: xp.sin(x),
    "SEC": lambda xp, x: xp.cos(x),
    "COTH": lambda xp, x: xp.tanh(x),
    "CSCH": lambda xp, x: xp.sinh(x),
    "SECH": lambda xp, x: xp.cosh(x),
}


def _table(xp: ModuleType, table: Array, x: Array) -> Array:
    index = xp.floor(x)
    ok = (index >= 0) & (index < len(table))
    picked = xp.asarray(table)[xp.where(ok, index, 0).astype(xp.int64)]
    return xp.where(ok, picked, xp.nan)


def _reciprocal(base: Callable[[ModuleType, Array], Array]) -> Impl:
    def impl(call: Call, args: Sequence[Value]) -> Value:
        xp = call.xp
        inner = numeric(xp, args, lambda x: base(xp, x))
        zero = inner.num == 0
        out = xp.where(zero, xp.nan, 1.0 / xp.where(zero, 1.0, inner.num))
        return number(xp, out, with_error(xp, inner.err, zero, ExcelError.DIV0))

    return impl


_TOOLPAK = frozenset({"SQRTPI", "FACTDOUBLE"})
for _name, _compute in _UNARY.items():
    register(FUNCTIONS, _name, 1)(_mapped(_compute, strict=_name in _TOOLPAK))
for _name, _base in _RECIPROCAL.items():
    register(FUNCTIONS, _name, 1)(_reciprocal(_base))


@register(FUNCTIONS, "PI", 0)
def pi(call: Call, args: Sequence[Value]) -> Value:
    return scalar(call.xp, math.pi)


@register(FUNCTIONS, "POWER", 2)
def power(call: Call, args: Sequence[Value]) -> Value:
    from engines.operators import arithmetic

    return arithmetic(call.xp, "^", args[0], args[1])


def _divide_checked(
    call: Call, args: Sequence[Value], compute: Callable[..., Array], zero_arg: int
) -> Value:
    xp = call.xp
    value = numeric(xp, args, compute)
    divisor = numeric(xp, [args[zero_arg]], lambda x: x).num
    return number(xp, value.num, with_error(xp, value.err, divisor == 0, ExcelError.DIV0))


@register(FUNCTIONS, "MOD", 2)
def mod(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp

    def compute(a: Array, b: Array) -> Array:
        safe = xp.where(b == 0, 1.0, b)
        return a - safe * xp.floor(a / safe)

    return _divide_checked(call, args, compute, 1)


@register(FUNCTIONS, "QUOTIENT", 2)
def quotient(call: Call, args: Sequence[Value]) -> Value:
    """The integer part of a division, toward zero: QUOTIENT(-7, 2) is -3."""
    xp = call.xp

    def compute(a: Array, b: Array) -> Array:
        return xp.trunc(a / xp.where(b == 0, 1.0, b))

    return _divide_checked(call, args, compute, 1)


@register(FUNCTIONS, "LOG", 1, 2)
def log(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp

    def compute(x: Array, base: Array | float = 10.0) -> Array:
        bad = (x <= 0) | (xp.asarray(base) <= 0)
        out = xp.log(xp.abs(x)) / xp.log(xp.abs(base))
        return xp.where(bad, xp.nan, out)

    value = numeric(xp, args, compute)
    if len(args) < 2:
        return value
    base = numeric(xp, [args[1]], lambda b: b).num
    return number(xp, value.num, with_error(xp, value.err, base == 1, ExcelError.DIV0))


@register(FUNCTIONS, "ATAN2", 2)
def atan2(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    value = numeric(xp, args, lambda x, y: xp.arctan2(y, x))
    zero = numeric(xp, args, lambda x, y: (x == 0) & (y == 0)).num != 0
    return number(xp, value.num, with_error(xp, value.err, zero, ExcelError.DIV0))


def _binomial(xp: ModuleType, n: Array, k: Array) -> Array:
    """n choose k for whole n and k, NaN where k < 0 or k > n (Excel's #NUM!)."""
    bad = (n < 0) | (k < 0) | (k > n)
    safe_n, safe_k = xp.where(bad, 1.0, n), xp.where(bad, 0.0, k)
    out = xp.round(
        xp.exp(_lgamma(xp, safe_n + 1) - _lgamma(xp, safe_k + 1) - _lgamma(xp, safe_n - safe_k + 1))
    )
    return xp.where(bad, xp.nan, out)


@register(FUNCTIONS, "COMBIN", 2)
def combin(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    return numeric(xp, args, lambda n, k: _binomial(xp, xp.floor(n), xp.floor(k)))


@register(FUNCTIONS, "COMBINA", 2)
def combina(call: Call, args: Sequence[Value]) -> Value:
    """Combinations with repetitions, COMBIN(n+k-1, k) of the truncated arguments: #NUM! for a
    negative one; COMBINA(0,0) is 1 and COMBINA(0,k) for k > 0 is COMBIN(k-1,k), #NUM!."""
    xp = call.xp

    def compute(n: Array, k: Array) -> Array:
        n, k = xp.trunc(n), xp.trunc(k)
        with_repeats = _binomial(xp, n + k - 1, k)
        out = xp.where((n == 0) & (k == 0), 1.0, with_repeats)
        return xp.where((n < 0) | (k < 0), xp.nan, out)

    return numeric(xp, args, compute)


def _lgamma(xp: ModuleType, x: Array) -> Array:
    from scipy.special import gammaln

    return xp.asarray(gammaln(np.asarray(x)))


def _text_or_logical(xp: ModuleType, args: Sequence[Value], ranges_only: bool) -> Array:
    """Per trial, whether an argument (a range argument, when ``ranges_only``) holds text or a
    logical value: the Analysis ToolPak's integer functions take numbers only."""
    invalid = xp.zeros(1, dtype=bool)
    for arg in args:
        if ranges_only and not is_range(arg):
            continue
        block = flat(xp, arg)
        kind = xp.broadcast_to(kinds(xp, block), block.shape)
        invalid = invalid | xp.any((kind == TEXT) | (kind == BOOL), axis=(1, 2))
    return invalid


def _integers(call: Call, args: Sequence[Value], combine: str) -> Value:
    """GCD/LCM of every number given: text, booleans or no number at all are #VALUE!, a negative
    number #NUM!."""
    xp = call.xp
    found = numbers(xp, args)
    invalid = _text_or_logical(xp, args, ranges_only=False) | ~xp.any(found.counted, axis=1)
    whole = xp.floor(xp.where(found.counted, found.values, 0.0))
    negative = xp.any(whole < 0, axis=1)
    neutral = 0 if combine == "gcd" else 1
    items = xp.where(found.counted & xp.isfinite(whole), xp.abs(whole), neutral).astype(xp.int64)
    out = getattr(xp, combine).reduce(items, axis=1).astype(xp.float64)
    return _checked_integers(xp, out, found.err, invalid, negative)


def _checked_integers(
    xp: ModuleType, out: Array, err: Array | None, invalid: Array, negative: Array
) -> Value:
    """``out`` by trial with the arguments' first error, then #VALUE! where ``invalid``, then
    #NUM! where ``negative`` or the result is no finite number."""
    shape = (-1, 1, 1)
    err = None if err is None else err.reshape(shape)
    err = with_error(xp, err, invalid.reshape(shape), ExcelError.VALUE)
    err = with_error(xp, err, negative.reshape(shape), ExcelError.NUM)
    out = xp.asarray(out, dtype=xp.float64).reshape(shape)
    return number(xp, out, with_error(xp, err, ~xp.isfinite(out), ExcelError.NUM))


@register(FUNCTIONS, "GCD", 1, -1, None)
def gcd(call: Call, args: Sequence[Value]) -> Value:
    return _integers(call, args, "gcd")


@register(FUNCTIONS, "LCM", 1, -1, None)
def lcm(call: Call, args: Sequence[Value]) -> Value:
    return _integers(call, args, "lcm")


@register(FUNCTIONS, "MULTINOMIAL", 1, -1, None)
def multinomial(call: Call, args: Sequence[Value]) -> Value:
    """(a1+a2+…)! / (a1!·a2!·…) of the numbers given, truncated. Text or a logical value in a
    range is #VALUE! (typed as an argument, numeric text counts), as is no number at all; a
    negative number is #NUM!, and so is a result past the largest double."""
    xp = call.xp
    found = numbers(xp, args)
    invalid = _text_or_logical(xp, args, ranges_only=True) | ~xp.any(found.counted, axis=1)
    whole = xp.trunc(xp.where(found.counted, found.values, 0.0))
    negative = xp.any(whole < 0, axis=1)
    safe = xp.where(whole < 0, 0.0, whole)
    with np.errstate(all="ignore"):
        log_ratio = _lgamma(xp, xp.sum(safe, axis=1) + 1) - xp.sum(_lgamma(xp, safe + 1), axis=1)
        out = xp.round(xp.exp(log_ratio))
    return _checked_integers(xp, out, found.err, invalid, negative)


@register(FUNCTIONS, "SERIESSUM", 4, 4, frozenset({3}))
def seriessum(call: Call, args: Sequence[Value]) -> Value:
    """The power series Σ c_i·x^(n+i·m) over the coefficients in order, an empty cell counting
    as 0 and text or a logical value among them #VALUE!. At x = 0 the sum is 0, except that
    0^0 (n = 0) is #NUM!, as are results that are no finite number."""
    xp = call.xp
    scalars = [to_number_arg(xp, arg) for arg in args[:3]]
    (x, x_err), (n, n_err), (m, m_err) = scalars
    block = flat(xp, args[3])
    kind = xp.broadcast_to(kinds(xp, block), block.shape)
    if is_range(args[3]):
        coefficients, coefficient_err = xp.where(kind == EMPTY, 0.0, block.num), block.err
        invalid = xp.any((kind == TEXT) | (kind == BOOL), axis=(1, 2)).reshape(-1, 1, 1)
    else:
        coefficients, coefficient_err = to_number(xp, block)
        invalid = xp.zeros((1, 1, 1), dtype=bool)
    if coefficient_err is not None:
        trials = coefficient_err.shape[0]
        coefficient_err = first_error(xp, coefficient_err.reshape(trials, -1)).reshape(-1, 1, 1)
    powers = n + m * xp.arange(block.shape[-1], dtype=xp.float64).reshape(1, 1, -1)
    with np.errstate(all="ignore"):
        total = xp.sum(coefficients * x**powers, axis=2, keepdims=True)
    total = xp.where(x == 0, xp.where(n == 0, xp.nan, 0.0), total)
    err = merge_errors(xp, x_err, n_err, m_err, coefficient_err)
    err = with_error(xp, err, invalid, ExcelError.VALUE)
    return number(xp, total, with_error(xp, err, ~xp.isfinite(total), ExcelError.NUM))
