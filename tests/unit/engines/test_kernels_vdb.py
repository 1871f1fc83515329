"""VDB with its end inside the last year of the life (a monthly schedule's final year): the
periods past the end charge nothing, where they were #NUM!. Excel's results, checked with
LibreOffice where both lay periods alike (whole-number starts)."""

from __future__ import annotations

import pytest

from engines.kernels.financial import KERNELS
from engines.kernels.support import evaluate_constant
from tests.unit.engines.kernel_checks import ArgValue, CellValue, assert_kernel


@pytest.mark.parametrize(("args", "expected"), [
    ((10000.0, 1000.0, 5.0, 4.0, 4.5), 148.0),
    ((10000.0, 1000.0, 5.0, 0.0, 4.5), 8852.0),
    ((10000.0, 1000.0, 5.0, 4.0, 5.0), 296.0),
    ((1.0, 0.0, 14.0, 13.0, 13.5, 1.25, 0.0), 0.03433394969188974),
    ((1.0, 0.0, 14.0, 0.0, 13.5, 1.25, 0.0), 0.96566605030811),
    # xlcalc-VDB.xlsx Sheet1!F23: =VDB($A$19,0,$A$20,13.5,14,$A$21,FALSE)
    ((1.0, 0.0, 14.0, 13.5, 14.0, 1.25, 0.0), 0.03436314522734203),
])
def test_end_inside_the_last_year(args: tuple[ArgValue, ...], expected: CellValue) -> None:
    assert_kernel(KERNELS, "VDB", args, expected)


@pytest.mark.parametrize("month", range(49, 61))
def test_every_month_of_the_last_year_has_a_value(month: int) -> None:
    """VDB(c,s,life,(m-1)/12,m/12), a monthly schedule, through its final year."""
    value = evaluate_constant(KERNELS["VDB"], 10000.0, 1000.0, 5.0, (month - 1) / 12, month / 12)
    assert isinstance(value, float)


def test_the_period_opening_at_a_fractional_start_counts() -> None:
    """47/12 less its whole part, added back, rounds below 47/12: the month is still charged,
    at the declining balance (1368 * 0.4) for a twelfth of a year, between its neighbours."""
    assert_kernel(KERNELS, "VDB", (10000.0, 1000.0, 5.0, 47 / 12, 4.0), 368.0 / 12)
