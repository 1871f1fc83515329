"""The check the kernel tests share: a kernel called with constant arguments shows Excel's value."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence

import pytest

from engines.errors import ExcelError
from engines.kernels.spec import Kernel
from engines.kernels.support import evaluate_constant

ArgValue = float | str | Sequence[float | None]
CellValue = float | str


def assert_kernel(kernels: Mapping[str, Kernel], name: str, args: tuple[ArgValue, ...],
                  expected: CellValue) -> None:
    """Excel's error (given as its code), or its number to 1e-9 relative (1e-12 absolute)."""
    shown = evaluate_constant(kernels[name], *args)
    if isinstance(expected, str):
        assert shown is ExcelError.from_code(expected)
    else:
        assert not isinstance(shown, ExcelError), shown
        assert shown == pytest.approx(expected, rel=1e-9, abs=1e-12)


def day(year: int, month: int, dom: int) -> float:
    """Excel's serial number for a date after February 1900."""
    return float((datetime.date(year, month, dom) - datetime.date(1899, 12, 30)).days)
