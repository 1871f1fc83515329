"""The contract between numeric kernels and the formula compiler.

A kernel is a pure function over arrays of the ``xp`` module, called as ``fn(xp, *args)``. The compiler coerces Excel
arguments before calling it (text to number where Excel would, booleans to 0/1, argument
errors propagated without calling the kernel), so a kernel only sees float64 arrays:

* ``NUM`` arguments are arrays broadcastable to ``(n,)`` (one value per trial, or shape ``()``
  when constant).
* ``VALUES`` arguments are arrays of shape ``(k, n)`` or ``(k, 1)``: the k cells of a range (or
  of all variadic value arguments, concatenated in order) by trial. Cells Excel ignores in that
  position (text, empty, booleans in references) arrive as NaN and the kernel skips them.
* ``TEXT`` arguments are Python ``str`` constants (e.g. DATEDIF's unit).

A kernel returns a float64 array; entries that are NaN or infinite become the kernel's
``nan_error`` in that trial. A kernel that must choose between errors returns
``(values, errors)`` with ``errors`` an int8 array of :class:`engines.errors.ExcelError` codes
(0 for none).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from engines.errors import ExcelError


class Arg(Enum):
    """How the compiler hands one argument to a kernel."""

    NUM = "num"
    VALUES = "values"
    TEXT = "text"


@dataclass(frozen=True)
class Kernel:
    """One Excel function implemented as a vectorised kernel.

    ``args`` lists the positional argument kinds; the last one repeats when ``variadic``.
    ``defaults`` gives values for optional trailing NUM arguments (index from the end of the
    required ones), so ``min_args <= len(call args) <= len(args)`` unless variadic.
    """

    fn: Callable[..., Any]
    args: tuple[Arg, ...]
    min_args: int
    defaults: tuple[float | str, ...] = ()
    variadic: bool = False
    nan_error: ExcelError = ExcelError.NUM
