"""ROUND and its kin, INT, TRUNC, MROUND, CEILING/FLOOR (all variants), EVEN, ODD.

Excel rounds the decimal it displays, not the binary double: 2.675 rounds to 2.68. Scaled
values are first cleaned to 15 significant digits so that such halves round away from zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType

from engines.errors import ExcelError
from engines.functions.registry import Call, Table, numeric, register
from engines.values import Value, with_error
from engines.xp import Array

FUNCTIONS: Table = {}


def clean15(xp: ModuleType, value: Array) -> Array:
    """``value`` rounded to 15 significant digits (Excel's precision)."""
    magnitude = xp.abs(value)
    safe = xp.where(magnitude > 0, magnitude, 1.0)
    exponent = 14 - xp.floor(xp.log10(safe))
    scale = xp.power(10.0, xp.clip(exponent, -300, 300))
    return xp.where(magnitude > 0, xp.round(value * scale) / scale, value)


def _digits(mode: str) -> Callable[[Call, Sequence[Value]], Value]:
    def impl(call: Call, args: Sequence[Value]) -> Value:
        xp = call.xp

        def compute(x: Array, digits: Array | float = 0.0) -> Array:
            factor = xp.power(10.0, xp.trunc(digits))
            scaled = clean15(xp, xp.abs(x) * factor)
            if mode == "round":
                rounded = xp.floor(scaled + 0.5)
            elif mode == "up":
                rounded = xp.ceil(scaled)
            else:
                rounded = xp.floor(scaled)
            return xp.sign(x) * rounded / factor

        return numeric(xp, args, compute)

    return impl


register(FUNCTIONS, "ROUND", 2)(_digits("round"))
register(FUNCTIONS, "ROUNDUP", 2)(_digits("up"))
register(FUNCTIONS, "ROUNDDOWN", 2)(_digits("down"))
register(FUNCTIONS, "TRUNC", 1, 2)(_digits("down"))


@register(FUNCTIONS, "INT", 1)
def int_(call: Call, args: Sequence[Value]) -> Value:
    return numeric(call.xp, args, call.xp.floor)


@register(FUNCTIONS, "MROUND", 2)
def mround(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp

    def compute(x: Array, multiple: Array) -> Array:
        safe = xp.where(multiple == 0, 1.0, multiple)
        ratio = clean15(xp, x / safe)
        out = xp.sign(ratio) * xp.floor(xp.abs(ratio) + 0.5) * safe
        out = xp.where(multiple == 0, 0.0, out)
        return xp.where((x * multiple) < 0, xp.nan, out)

    return numeric(xp, args, compute, strict=True)


def _step(
    name: str, rule: Callable[[ModuleType, Array, Array, Array], Array], defaults: tuple[float, ...]
) -> None:
    def impl(call: Call, args: Sequence[Value]) -> Value:
        xp = call.xp

        def compute(*nums: Array) -> Array:
            values = list(nums) + list(defaults[len(nums) - 1 :])
            x, significance = values[0], values[1]
            mode = values[2] if len(values) > 2 else 0.0
            return rule(xp, x, xp.asarray(significance, dtype=xp.float64), mode)

        return numeric(xp, args, compute)

    register(FUNCTIONS, name, 1 if defaults else 2, 1 + max(len(defaults), 1))(impl)


def _ratio(xp: ModuleType, x: Array, significance: Array) -> Array:
    return clean15(xp, x / xp.where(significance == 0, 1.0, significance))


def _ceiling(xp: ModuleType, x: Array, sig: Array, mode: Array) -> Array:
    out = xp.where(sig == 0, 0.0, xp.ceil(_ratio(xp, x, sig)) * sig)
    return xp.where((x > 0) & (sig < 0), xp.nan, out)


def _floor(xp: ModuleType, x: Array, sig: Array, mode: Array) -> Array:
    out = xp.where(sig == 0, 0.0, xp.floor(_ratio(xp, x, sig)) * sig)
    return xp.where((x > 0) & (sig < 0), xp.nan, out)


def _ceiling_math(xp: ModuleType, x: Array, sig: Array, mode: Array) -> Array:
    sig = xp.abs(sig)
    up = xp.ceil(_ratio(xp, x, sig)) * sig
    away = -xp.ceil(_ratio(xp, -x, sig)) * sig
    return xp.where(sig == 0, 0.0, xp.where((x < 0) & (mode != 0), away, up))


def _floor_math(xp: ModuleType, x: Array, sig: Array, mode: Array) -> Array:
    sig = xp.abs(sig)
    down = xp.floor(_ratio(xp, x, sig)) * sig
    toward = -xp.floor(_ratio(xp, -x, sig)) * sig
    return xp.where(sig == 0, 0.0, xp.where((x < 0) & (mode != 0), toward, down))


_step("CEILING", _ceiling, ())
_step("FLOOR", _floor, ())
_floor_checked = FUNCTIONS["FLOOR"].impl


@register(FUNCTIONS, "FLOOR", 2)
def floor(call: Call, args: Sequence[Value]) -> Value:
    """FLOOR by a zero significance divides by zero (CEILING just gives 0)."""
    xp = call.xp
    value = _floor_checked(call, args)
    zero = numeric(xp, args, lambda x, sig: (sig == 0) & (x != 0)).num != 0
    return Value(value.num, with_error(xp, value.err, zero, ExcelError.DIV0), value.kind, None)


_step("CEILING.MATH", _ceiling_math, (1.0, 0.0))
_step("FLOOR.MATH", _floor_math, (1.0, 0.0))
_step("CEILING.PRECISE", _ceiling_math, (1.0,))
_step("ISO.CEILING", _ceiling_math, (1.0,))
_step("FLOOR.PRECISE", _floor_math, (1.0,))


def _parity(odd: bool) -> Callable[[Call, Sequence[Value]], Value]:
    def impl(call: Call, args: Sequence[Value]) -> Value:
        xp = call.xp

        def compute(x: Array) -> Array:
            magnitude = xp.ceil(clean15(xp, xp.abs(x)))
            if odd:
                rounded = xp.where(magnitude % 2 == 0, magnitude + 1, magnitude)
            else:
                rounded = xp.where(magnitude % 2 == 1, magnitude + 1, magnitude)
            return xp.where(x < 0, -rounded, rounded)

        return numeric(xp, args, compute, ExcelError.NUM)

    return impl


register(FUNCTIONS, "EVEN", 1)(_parity(False))
register(FUNCTIONS, "ODD", 1)(_parity(True))
