"""The contract between numeric kernels and the formula compiler.

A kernel is a pure function over arrays of the ``xp`` module, called as ``fn(xp, *args)``.
The compiler coerces Excel arguments before calling it (text to number where Excel would,
booleans to 0/1, argument errors propagated without calling the kernel), so a kernel only
sees float64 arrays:

* ``NUM`` arguments are arrays broadcastable to ``(n,)`` (one value per trial, or shape ``()``
  when constant).
* ``VALUES`` arguments are arrays of shape ``(k, n)`` or ``(k, 1)``: the k cells of a range (or
  of all variadic value arguments, concatenated in order) by trial. Cells Excel ignores in that
  position (text, empty, booleans in references) arrive as NaN and the kernel skips them.
* ``TEXT`` arguments are Python ``str`` constants (e.g. DATEDIF's unit).
* ``LOGICAL`` arguments (a distribution's ``cumulative``) arrive as NUM ones holding 1.0 or
  0.0; there "TRUE"/"FALSE" text is read and numeric text is #VALUE!, the reverse of NUM.

A kernel returns a float64 array; entries that are NaN or infinite become the kernel's
``nan_error`` in that trial. A kernel that must choose between errors returns
``(values, errors)`` with ``errors`` an int8 array of :class:`engines.errors.ExcelError` codes
(0 for none).

Where Excel validates some arguments before reading the others (YEARFRAC's basis), the kernel
lists them as :class:`Check` entries; where it reads two ranges pair by pair (CORREL), it sets
``paired``. The compiler orders the errors accordingly.
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
    LOGICAL = "logical"


@dataclass(frozen=True)
class Check:
    """An argument Excel validates before the others: its own error, then ``code`` where
    ``invalid(xp, numbers)`` holds, take precedence over any other argument's error."""

    position: int
    invalid: Callable[[Any, Any], Any]
    code: ExcelError = ExcelError.NUM


@dataclass(frozen=True)
class Kernel:
    """One Excel function implemented as a vectorised kernel.

    ``args`` lists the positional argument kinds; the last one repeats when ``variadic``.
    ``defaults`` gives values for optional trailing NUM arguments (index from the end of the
    required ones), so ``min_args <= len(call args) <= len(args)`` unless variadic.
    ``checks`` are the arguments validated first; ``paired`` kernels take two VALUES ranges
    read pair by pair: different sizes are #N/A before any error inside them, and otherwise
    the first pair holding an error reports it (the first range's entry before the second's).
    ``range_error`` is what Excel reports for any error inside a VALUES range, where it does
    not pass the error itself on (IRR: #VALUE!).
    """

    fn: Callable[..., Any]
    args: tuple[Arg, ...]
    min_args: int
    defaults: tuple[float | str, ...] = ()
    variadic: bool = False
    nan_error: ExcelError = ExcelError.NUM
    checks: tuple[Check, ...] = ()
    paired: bool = False
    range_error: ExcelError | None = None
