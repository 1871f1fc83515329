"""Bonds with an odd first or last period (ODDFPRICE, ODDFYIELD, ODDLPRICE, ODDLYIELD) against
Excel: Microsoft's page examples, values Excel 2010 computed as recorded by the
ExcelFinancialFunctions project, and agreement with PRICE where the odd period is regular."""

from __future__ import annotations

import numpy as np
import pytest

from engines.errors import ExcelError
from engines.kernels.financial import KERNELS
from engines.kernels.support import evaluate_constant
from tests.unit.engines.kernel_checks import ArgValue, CellValue, assert_kernel, day


def shown(name: str, *args: ArgValue) -> float | ExcelError:
    return evaluate_constant(KERNELS[name], *args)


# The pages' bonds: ODDFPRICE's and ODDFYIELD's settle 11/11/2008, mature 3/1/2021, issued
# 10/15/2008 with a first coupon on 3/1/2009; ODDLPRICE's settles 2/7/2008, matures 6/15/2008,
# last interest 10/15/2007; ODDLYIELD's settles 4/20/2008, matures 6/15/2008, last interest
# 12/24/2007.
ODD_FIRST = (day(2008, 11, 11), day(2021, 3, 1), day(2008, 10, 15), day(2009, 3, 1))
ODD_LAST = (day(2008, 4, 20), day(2008, 6, 15), day(2007, 12, 24))

# (function, arguments, the result as the page prints it, decimals printed)
PAGE_EXAMPLES: list[tuple[str, tuple[ArgValue, ...], float, int]] = [
    # ODDFPRICE page: 7.85% coupon, 6.25% yield, 100, semiannual, actual/actual: $113.60,
    # 113.597717474079 unrounded.
    ("ODDFPRICE", (*ODD_FIRST, 0.0785, 0.0625, 100.0, 2.0, 1.0), 113.597717474079, 12),
    # ODDFYIELD page: 5.75% coupon, price 84.50, 100, semiannual, 30/360: 7.72%.
    ("ODDFYIELD", (*ODD_FIRST, 0.0575, 84.5, 100.0, 2.0, 0.0), 0.0772, 4),
    # ODDLPRICE page: 3.75% coupon, 4.05% yield, 100, semiannual, 30/360: $99.88, 99.8782860.
    (
        "ODDLPRICE",
        (day(2008, 2, 7), day(2008, 6, 15), day(2007, 10, 15), 0.0375, 0.0405, 100.0, 2.0, 0.0),
        99.8782860,
        7,
    ),
    # ODDLYIELD page: 3.75% coupon, price $99.875, 100, semiannual, 30/360: 4.52%, 0.0451922.
    (
        "ODDLYIELD",
        (*ODD_LAST, 0.0375, 99.875, 100.0, 2.0, 0.0),
        0.0451922,
        7,
    ),
]


@pytest.mark.parametrize(("name", "args", "printed", "decimals"), PAGE_EXAMPLES)
def test_microsoft_page_examples(
    name: str, args: tuple[ArgValue, ...], printed: float, decimals: int
) -> None:
    assert shown(name, *args) == pytest.approx(printed, abs=0.5 * 10.0**-decimals)


# oddfprice.test and oddlprice.test: settled 2/28/1999, maturing 6/30/2010 (a month end); a long
# odd first period issued 2/28/1998 with the first coupon on 6/30/2009, or a long odd last period
# from last interest on 2/28/1997. Values per frequency (annual, semiannual, quarterly), each on
# actual/360, actual/365, actual/actual, European and US 30/360.
LONG_FIRST = (day(1999, 2, 28), day(2010, 6, 30), day(1998, 2, 28), day(2009, 6, 30))
LONG_LAST = (day(1999, 2, 28), day(2010, 6, 30), day(1997, 2, 28))
FIRST_GRID = {
    (0.07, 0.03, 100.0): [
        127.9031273745, 127.9949332833, 127.9949332833, 128.0003495968, 128.0105899192,
        127.6193871525, 127.711344726, 127.7049586143, 127.7166093747, 127.7269143198,
        127.4582533515, 127.5543521757, 127.5554755738, 127.5728561289, 127.5831938096,
    ],
    (0.07, 0.1, 130.0): [
        69.02307965024, 69.14185364085, 69.14185364085, 69.12030187246, 69.14467395237,
        67.21217814411, 67.33121558139, 67.31347096325, 67.30940036633, 67.33410920015,
        66.2862478735, 66.38914130223, 66.38347009572, 66.37734584031, 66.40222808412,
    ],
}
LAST_GRID = {
    (0.07, 0.03, 100.0): [
        130.2804277156, 130.2804277156, 130.2804277156, 130.2896820462, 130.3321647075,
        130.2859498681, 130.2859498681, 130.2859498681, 130.2896820462, 130.4666536533,
        130.2912467812, 130.2912467812, 130.2912467812, 130.2896820462, 130.468295567,
    ],
    (0.1, 0.03, 100.0): [
        154.1326082067, 154.1326082067, 154.1326082067, 154.1491522613, 154.1939918884,
        154.1424802111, 154.1424802111, 154.1424802111, 154.1491522613, 154.3691730882,
        154.1519495529, 154.1519495529, 154.1519495529, 154.1491522613, 154.3731598537,
    ],
}
GRID_TERMS = [(f, b) for f in (1.0, 2.0, 4.0) for b in (2.0, 3.0, 1.0, 4.0, 0.0)]


@pytest.mark.parametrize(
    ("name", "dates", "grid"),
    [("ODDFPRICE", LONG_FIRST, FIRST_GRID), ("ODDLPRICE", LONG_LAST, LAST_GRID)],
)
def test_long_odd_periods_match_excel(
    name: str, dates: tuple[float, ...], grid: dict[tuple[float, float, float], list[float]]
) -> None:
    for (rate, yld, redemption), recorded in grid.items():
        for (frequency, basis), expected in zip(GRID_TERMS, recorded, strict=True):
            args = (*dates, rate, yld, redemption, frequency, basis)
            assert_kernel(KERNELS, name, args, expected)


# (function, arguments, Excel's result as reported, decimals reported): Excel beside LibreOffice
# in the ExcelFinancialFunctions documentation
REPORTED_CASES: list[tuple[str, tuple[ArgValue, ...], float, int]] = [
    (
        "ODDFYIELD",
        (day(2008, 12, 11), day(2021, 4, 1), day(2008, 10, 15), day(2009, 4, 1), 0.06, 100.0,
         100.0, 4.0, 1.0),
        0.059976999,
        9,
    ),
    (
        "ODDLPRICE",
        (day(1999, 2, 28), day(2000, 2, 28), day(1998, 2, 28), 0.07, 0.03, 130.0, 2.0, 2.0),
        132.8058252,
        7,
    ),
    (
        "ODDLYIELD",
        (day(1990, 6, 1), day(1995, 12, 31), day(1990, 1, 1), 0.002, 103.0, 100.0, 4.0, 1.0),
        -0.00327563,
        8,
    ),
    (
        "ODDLYIELD",
        (day(1990, 6, 1), day(1995, 12, 31), day(1990, 1, 1), 0.002, 103.0, 100.0, 1.0, 1.0),
        -0.00327205,
        8,
    ),
]  # fmt: skip


@pytest.mark.parametrize(("name", "args", "reported", "decimals"), REPORTED_CASES)
def test_matches_reported_excel_results(
    name: str, args: tuple[ArgValue, ...], reported: float, decimals: int
) -> None:
    assert shown(name, *args) == pytest.approx(reported, abs=0.5 * 10.0**-decimals)


@pytest.mark.parametrize("basis", (0.0, 1.0, 4.0))
@pytest.mark.parametrize("frequency", (1.0, 2.0, 4.0))
def test_a_regular_odd_period_prices_as_price_does(frequency: float, basis: float) -> None:
    """Issued on the previous coupon date, the first period is a regular one; with the last
    interest on the previous coupon date and one coupon left, so is the last. On the actual/360
    and actual/365 bases Excel counts the odd period's days differently from PRICE."""
    settled, matures = day(2009, 3, 10), day(2019, 9, 15)
    terms = (frequency, basis)
    previous = shown("COUPPCD", settled, matures, *terms)
    following = shown("COUPNCD", settled, matures, *terms)
    price = shown("PRICE", settled, matures, 0.05, 0.06, 100.0, *terms)
    odd = shown("ODDFPRICE", settled, matures, previous, following, 0.05, 0.06, 100.0, *terms)
    assert odd == pytest.approx(price, rel=1e-14)
    last_period = (day(2019, 7, 2), matures)
    previous = shown("COUPPCD", *last_period, *terms)
    price = shown("PRICE", *last_period, 0.05, 0.06, 100.0, *terms)
    odd = shown("ODDLPRICE", *last_period, previous, 0.05, 0.06, 100.0, *terms)
    assert odd == pytest.approx(price, rel=1e-14)


@pytest.mark.parametrize("basis", (0.0, 1.0, 2.0, 3.0, 4.0))
def test_the_yields_undo_the_prices(basis: float) -> None:
    for dates in (ODD_FIRST, LONG_FIRST):
        for yld in (0.0, 0.0625, 0.15):
            price = shown("ODDFPRICE", *dates, 0.0785, yld, 100.0, 2.0, basis)
            assert isinstance(price, float)
            got = shown("ODDFYIELD", *dates, 0.0785, price, 100.0, 2.0, basis)
            assert got == pytest.approx(yld, abs=1e-12)
    for yld in (0.0, 0.0405, 0.2):
        price = shown("ODDLPRICE", *LONG_LAST, 0.0375, yld, 100.0, 4.0, basis)
        assert isinstance(price, float)
        assert shown("ODDLYIELD", *LONG_LAST, 0.0375, price, 100.0, 4.0, basis) == pytest.approx(
            yld, abs=1e-13
        )


ERROR_CASES: list[tuple[str, tuple[ArgValue, ...], CellValue]] = [
    # maturity > first_coupon > settlement > issue, or #NUM!
    ("ODDFPRICE", (day(2009, 3, 2), *ODD_FIRST[1:], 0.07, 0.06, 100.0, 2.0), "#NUM!"),
    ("ODDFPRICE", (ODD_FIRST[2], *ODD_FIRST[1:], 0.07, 0.06, 100.0, 2.0), "#NUM!"),
    ("ODDFPRICE", (*ODD_FIRST[:3], day(2021, 3, 1), 0.07, 0.06, 100.0, 2.0), "#NUM!"),
    # a first coupon off maturity's schedule
    ("ODDFPRICE", (*ODD_FIRST[:3], day(2009, 2, 1), 0.07, 0.06, 100.0, 2.0), "#NUM!"),
    ("ODDFPRICE", (*ODD_FIRST, -0.01, 0.06, 100.0, 2.0), "#NUM!"),
    ("ODDFPRICE", (*ODD_FIRST, 0.07, -0.01, 100.0, 2.0), "#NUM!"),
    ("ODDFPRICE", (*ODD_FIRST, 0.07, 0.06, 0.0, 2.0), "#NUM!"),
    ("ODDFPRICE", (*ODD_FIRST, 0.07, 0.06, 100.0, 3.0), "#NUM!"),
    ("ODDFPRICE", (*ODD_FIRST, 0.07, 0.06, 100.0, 2.0, 5.0), "#NUM!"),
    ("ODDFYIELD", (*ODD_FIRST, 0.07, 0.0, 100.0, 2.0), "#NUM!"),
    # maturity > settlement > last_interest, or #NUM!
    ("ODDLPRICE", (day(2008, 6, 15), *ODD_LAST[1:], 0.04, 0.04, 100.0, 2.0), "#NUM!"),
    ("ODDLPRICE", (ODD_LAST[2], *ODD_LAST[1:], 0.04, 0.04, 100.0, 2.0), "#NUM!"),
    ("ODDLYIELD", (*ODD_LAST, 0.04, 0.0, 100.0, 2.0), "#NUM!"),
    ("ODDLYIELD", (*ODD_LAST, -0.1, 99.0, 100.0, 2.0), "#NUM!"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "args", "expected"), ERROR_CASES)
def test_errors(name: str, args: tuple[ArgValue, ...], expected: CellValue) -> None:
    assert_kernel(KERNELS, name, args, expected)


def test_dates_and_yields_may_vary_by_trial() -> None:
    """Trials with different dates each get their own odd-period shares."""
    later = ODD_FIRST[1:]
    settled = np.array([ODD_FIRST[0], day(2008, 12, 1), ODD_FIRST[0], day(2009, 3, 2)])
    yields = np.array([0.0625, 0.05, 0.08, 0.0625])
    got = KERNELS["ODDFPRICE"].fn(np, settled, *later, 0.0785, yields, 100.0, 2.0, 1.0)
    for trial in range(3):
        one = shown("ODDFPRICE", settled[trial], *later, 0.0785, yields[trial], 100.0, 2.0, 1.0)
        assert got[trial] == one
    assert np.isnan(got[3])
    lasts = np.array([day(2007, 10, 15), day(2007, 12, 24)])
    got = KERNELS["ODDLPRICE"].fn(np, *ODD_LAST[:2], lasts, 0.0375, 0.0405, 100.0, 2.0, 0.0)
    assert got.tolist() == [
        shown("ODDLPRICE", *ODD_LAST[:2], last, 0.0375, 0.0405, 100.0, 2.0, 0.0) for last in lasts
    ]
