"""Array helpers shared by the kernel modules: Excel's integer truncation, error selection,
and the one seam to special functions on either array backend."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy
import scipy.special

from engines.errors import ExcelError
from engines.kernels.spec import Arg, Check, Kernel
from engines.xp import Array, to_numpy

SpecialFn = Callable[..., Array]


def trunc(xp: Any, x: Array) -> Array:
    """Excel's truncation of integer arguments (towards zero)."""
    return xp.trunc(xp.asarray(x, dtype=xp.float64))


def fail_where(xp: Any, bad: Array, value: Array) -> Array:
    """``value`` with NaN wherever ``bad`` holds, so those trials take the kernel's nan_error."""
    return xp.where(xp.asarray(bad), xp.nan, value)


def with_errors(xp: Any, value: Array, *rules: tuple[Array, ExcelError]) -> tuple[Array, Array]:
    """``(values, codes)`` where the first rule whose mask holds sets a trial's error."""
    value = xp.asarray(value, dtype=xp.float64)
    codes = xp.zeros(value.shape, dtype=xp.int8)
    for mask, error in reversed(rules):
        codes = xp.where(xp.broadcast_to(xp.asarray(mask), value.shape), xp.int8(error), codes)
    return value, codes


def special(xp: Any, name: str) -> SpecialFn:
    """``scipy.special.<name>`` for ``xp``'s arrays.

    cupy arrays use cupyx's implementation where one exists and otherwise take a round trip
    through the host, so every kernel runs on both backends.
    """
    if xp is numpy:
        return getattr(scipy.special, name)  # type: ignore[no-any-return]
    try:
        import cupyx.scipy.special as device_special

        return getattr(device_special, name)  # type: ignore[no-any-return]
    except (ImportError, AttributeError):
        host_fn = getattr(scipy.special, name)

    def via_host(*args: Array) -> Array:
        return xp.asarray(host_fn(*(to_numpy(a) if hasattr(a, "shape") else a for a in args)))

    return via_host


def on_host(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``fn`` with numpy on host copies of its array arguments, for the few kernels that
    need numpy-only operations (stable argsort, ufunc accumulation); results return to ``xp``.
    """

    @functools.wraps(fn)
    def hosted(xp: Any, *args: Any) -> Any:
        if xp is numpy:
            return fn(numpy, *args)
        result = fn(numpy, *(to_numpy(a) if hasattr(a, "shape") else a for a in args))
        if isinstance(result, tuple):
            return tuple(xp.asarray(part) for part in result)
        return xp.asarray(result)

    return hosted


def cells(xp: Any, values: Array) -> Array:
    """A ``(k, n)`` VALUES argument as float64 with at least one row (an empty range reads as
    one skipped cell), so per-trial reductions and lookups always have a row to work on."""
    values = xp.asarray(values, dtype=xp.float64)
    if values.ndim == 2 and values.shape[0] == 0:
        return xp.full((1, values.shape[1]), xp.nan)
    return values


def skip_missing(xp: Any, values: Array) -> tuple[Array, Array]:
    """``(values with NaN as 0, mask of present cells)`` for a ``(k, n)`` VALUES argument."""
    values = cells(xp, values)
    present = ~xp.isnan(values)
    return xp.where(present, values, 0.0), present


def kernel(
    fn: Callable[..., Any],
    args: tuple[Arg, ...],
    defaults: tuple[float | str, ...] = (),
    *,
    min_args: int | None = None,
    variadic: bool = False,
    nan_error: ExcelError = ExcelError.NUM,
    checks: tuple[Check, ...] = (),
    paired: bool = False,
    range_error: ExcelError | None = None,
) -> Kernel:
    """A :class:`Kernel` whose required arguments are, unless ``min_args`` says otherwise,
    those without a default.

    Floating-point warnings are silenced: overflow and invalid operations are how kernels mark
    failing trials, and the compiler turns those into the kernel's error.
    """

    @functools.wraps(fn)
    def quiet(xp: Any, *call_args: Any) -> Any:
        with numpy.errstate(all="ignore"):
            return fn(xp, *call_args)

    required = len(args) - len(defaults) if min_args is None else min_args
    return Kernel(quiet, args, required, defaults, variadic, nan_error, checks, paired, range_error)


def evaluate_constant(
    kernel: Kernel, *args: float | str | Sequence[float | None]
) -> float | ExcelError:
    """One call with constant arguments, as the cell would show it: a number or an error.

    Lets constant calls be folded once rather than per trial. A VALUES argument is the
    sequence of its cells, None (or NaN) for a cell Excel skips.
    """
    kinds = list(kernel.args) + [kernel.args[-1]] * max(len(args) - len(kernel.args), 0)
    passed: list[Any] = []
    for kind, value in zip(kinds, args, strict=False):
        if isinstance(value, str):
            passed.append(value)
        elif kind == Arg.VALUES:
            cells = [numpy.nan if cell is None else cell for cell in value]  # type: ignore[union-attr]
            passed.append(numpy.array(cells, dtype=numpy.float64).reshape(-1, 1))
        else:
            passed.append(numpy.array(value, dtype=numpy.float64))
    defaults = kernel.defaults[max(len(args) - kernel.min_args, 0) :]
    result = kernel.fn(numpy, *passed, *defaults)
    code = 0
    if isinstance(result, tuple):
        result, codes = result
        code = int(numpy.ravel(codes)[0])
    value = float(numpy.ravel(result)[0])
    if code:
        return ExcelError(code)
    return value if numpy.isfinite(value) else kernel.nan_error
