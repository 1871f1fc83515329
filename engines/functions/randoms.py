"""Excel's random numbers, RAND, RANDBETWEEN and RANDARRAY: a new draw in every trial.

They are ``random`` (their cells vary by trial like a distribution's) and ``volatile`` (a
file's cached values for them are not compared). RANDARRAY spills an array whose size must be
the same in every trial; its bounds may vary by trial.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType

from engines.clock import cell_draws
from engines.coerce import to_bool, to_number
from engines.errors import ExcelError
from engines.functions.reference import missing
from engines.functions.registry import Call, Table, numeric, register
from engines.limits import too_large
from engines.values import Value, error, host, merge_errors, number, with_error
from engines.xp import Array

FUNCTIONS: Table = {}


def _whole_between(xp: ModuleType, draws: Array, low: Array, high: Array) -> Array:
    """Uniform whole numbers from ``low`` rounded up to ``high`` rounded down, one per draw in
    [0, 1); NaN where no whole number lies between them."""
    low, high = xp.ceil(low), xp.floor(high)
    return xp.where(low > high, xp.nan, low + xp.floor(draws * (high - low + 1)))


@register(FUNCTIONS, "RAND", 0, random=True, volatile=True)
def rand(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    return number(xp, cell_draws(xp, (call.env.n, 1, 1)))


@register(FUNCTIONS, "RANDBETWEEN", 2, random=True, volatile=True)
def randbetween(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    draws = cell_draws(xp, (call.env.n, 1, 1))
    return numeric(xp, args, lambda low, high: _whole_between(xp, draws, low, high))


def _size(call: Call, value: Value | None) -> int | ExcelError:
    """RANDARRAY's rows or columns: 1 when omitted, truncated; its error, or #VALUE! when it
    varies by trial or is negative, #CALC! when 0 (an empty array)."""
    if value is None:
        return 1
    num, err = to_number(call.xp, value)
    codes = None if err is None else host(call.xp, err).reshape(-1)
    if codes is not None and codes.any():
        return ExcelError(int(codes[codes != 0][0]))
    if num.size != 1:
        return ExcelError.VALUE
    size = int(float(host(call.xp, num).reshape(-1)[0]))
    if size < 0:
        return ExcelError.VALUE
    return size if size > 0 else ExcelError.CALC


def _given(args: Sequence[Value], position: int) -> Value | None:
    return args[position] if position < len(args) and not missing(args[position]) else None


@register(FUNCTIONS, "RANDARRAY", 0, 5, random=True, volatile=True)
def randarray(call: Call, args: Sequence[Value]) -> Value:
    """RANDARRAY([rows], [columns], [min], [max], [whole_number]): a rows x columns array of
    uniform draws between min (default 0) and max (default 1), whole numbers from min rounded
    up to max rounded down when whole_number is TRUE. min above max is #VALUE!."""
    xp = call.xp
    sizes = [_size(call, _given(args, position)) for position in (0, 1)]
    for size in sizes:
        if isinstance(size, ExcelError):
            return error(xp, size)
    rows, columns = (int(size) for size in sizes)
    if too_large(call.env.n, rows, columns):
        return error(xp, ExcelError.VALUE)
    low_value, high_value, whole_value = (_given(args, position) for position in (2, 3, 4))
    low, low_err = (0.0, None) if low_value is None else to_number(xp, low_value)
    high, high_err = (1.0, None) if high_value is None else to_number(xp, high_value)
    whole, whole_err = (False, None) if whole_value is None else to_bool(xp, whole_value)
    draws = cell_draws(xp, (call.env.n, rows, columns))
    values = xp.where(whole, _whole_between(xp, draws, low, high), low + draws * (high - low))
    err = merge_errors(xp, low_err, high_err, whole_err)
    err = with_error(xp, err, xp.asarray(low > high) | xp.isnan(values), ExcelError.VALUE)
    return number(xp, values, xp.broadcast_to(err, values.shape))
