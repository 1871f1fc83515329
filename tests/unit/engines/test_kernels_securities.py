"""Securities without periodic coupons (DISC, PRICEDISC, YIELDDISC, INTRATE, RECEIVED, the
T-bill functions, PRICEMAT, YIELDMAT, ACCRINTM) against Excel: Microsoft's page examples, values
Excel 2010 computed as recorded by the ExcelFinancialFunctions project, and the inverses."""

from __future__ import annotations

import numpy as np
import pytest

from engines.errors import ExcelError
from engines.kernels.dates import KERNELS as DATE_KERNELS
from engines.kernels.financial import KERNELS
from engines.kernels.support import evaluate_constant
from tests.unit.engines.kernel_checks import ArgValue, CellValue, assert_kernel, day


def shown(name: str, *args: ArgValue) -> float | ExcelError:
    return evaluate_constant(KERNELS[name], *args)


# (function, arguments, the result as the page prints it, decimals printed)
PAGE_EXAMPLES: list[tuple[str, tuple[ArgValue, ...], float, int]] = [
    # ACCRINTM page: issued 39539 (4/1/2008), matures 39614 (6/15/2008), 10%, $1,000,
    # actual/365: 20.54794521.
    ("ACCRINTM", (day(2008, 4, 1), day(2008, 6, 15), 0.1, 1000.0, 3.0), 20.54794521, 8),
    # DISC page: 07/01/2018, 97.975, 100, actual/actual prints 0.001038, the result for a
    # maturity of 01/01/2038 (its table says 2048, which gives 0.000686).
    ("DISC", (day(2018, 7, 1), day(2038, 1, 1), 97.975, 100.0, 1.0), 0.001038, 6),
    # INTRATE page: 2/15/2008, 5/15/2008, 1,000,000 invested, 1,014,420 back, actual/360: 5.77%.
    ("INTRATE", (day(2008, 2, 15), day(2008, 5, 15), 1e6, 1014420.0, 2.0), 0.0577, 4),
    # RECEIVED page: 15-Feb-08, 15-May-08, 1,000,000 at a 5.75% discount, actual/360:
    # 1014584.654.
    ("RECEIVED", (day(2008, 2, 15), day(2008, 5, 15), 1e6, 0.0575, 2.0), 1014584.654, 3),
    # PRICEDISC page: 2/16/2008, 3/1/2008, 5.25% discount, 100, actual/360: 99.79583.
    ("PRICEDISC", (day(2008, 2, 16), day(2008, 3, 1), 0.0525, 100.0, 2.0), 99.79583, 5),
    # YIELDDISC page: 16-Feb-08, 1-Mar-08, price 99.795, 100, actual/360: 0.052823.
    ("YIELDDISC", (day(2008, 2, 16), day(2008, 3, 1), 99.795, 100.0, 2.0), 0.052823, 6),
    # PRICEMAT page: 2/15/2008, 4/13/2008, issued 11/11/2007, 6.1%, 6.1% yield, 30/360:
    # 99.98449888.
    (
        "PRICEMAT",
        (day(2008, 2, 15), day(2008, 4, 13), day(2007, 11, 11), 0.061, 0.061, 0.0),
        99.98449888,
        8,
    ),
    # YIELDMAT page: 15-Mar-08, 3-Nov-08, issued 8-Nov-07, 6.25%, price 100.0123, 30/360:
    # 6.09%, 0.060954 to six places.
    (
        "YIELDMAT",
        (day(2008, 3, 15), day(2008, 11, 3), day(2007, 11, 8), 0.0625, 100.0123, 0.0),
        0.060954,
        6,
    ),
    # TBILLEQ page: 3/31/2008, 6/1/2008, 9.14% discount: 0.094151 (9.42%).
    ("TBILLEQ", (day(2008, 3, 31), day(2008, 6, 1), 0.0914), 0.094151, 6),
    # TBILLPRICE page: 3/31/2008, 6/1/2008, 9% discount: $98.45.
    ("TBILLPRICE", (day(2008, 3, 31), day(2008, 6, 1), 0.09), 98.45, 2),
    # TBILLYIELD page: 3/31/2008, 6/1/2008, price $98.45: 9.14%, 0.091417 to six places.
    ("TBILLYIELD", (day(2008, 3, 31), day(2008, 6, 1), 98.45), 0.091417, 6),
]


@pytest.mark.parametrize(("name", "args", "printed", "decimals"), PAGE_EXAMPLES)
def test_microsoft_page_examples(
    name: str, args: tuple[ArgValue, ...], printed: float, decimals: int
) -> None:
    assert shown(name, *args) == pytest.approx(printed, abs=0.5 * 10.0**-decimals)


# pricemat.test: settled 12/31/1993, issued 3/4/1990 or 2/28/1993
SETTLED, EARLY, LATE = day(1993, 12, 31), day(1990, 3, 4), day(1993, 2, 28)
EXCEL_CASES: list[tuple[str, tuple[ArgValue, ...], CellValue]] = [
    ("PRICEMAT", (SETTLED, day(2000, 2, 28), EARLY, 0.07, 0.03, 2.0), 116.7605263158),
    ("PRICEMAT", (SETTLED, day(2000, 2, 28), EARLY, 0.07, 0.03, 3.0), 116.6248792462),
    ("PRICEMAT", (SETTLED, day(2000, 2, 28), EARLY, 0.07, 0.03, 1.0), 116.6181374311),
    ("PRICEMAT", (SETTLED, day(2000, 2, 28), EARLY, 0.07, 0.03, 4.0), 116.6260733655),
    ("PRICEMAT", (SETTLED, day(2000, 2, 28), EARLY, 0.07, 0.03, 0.0), 116.616714145),
    ("PRICEMAT", (SETTLED, day(2000, 2, 28), LATE, 0.07, 0.1, 1.0), 86.32133735779),
    ("PRICEMAT", (SETTLED, day(2000, 2, 28), LATE, 0.07, 0.1, 0.0), 86.33563549367),
    ("PRICEMAT", (SETTLED, day(1995, 11, 30), EARLY, 0.1, 0.1, 4.0), 93.85236985237),
    ("PRICEMAT", (SETTLED, day(1995, 11, 30), LATE, 0.1, 0.03, 0.0), 112.2157664994),
    ("PRICEMAT", (SETTLED, day(2010, 6, 30), EARLY, 0.1, 0.1, 1.0), 76.17072561356),
    ("PRICEMAT", (SETTLED, day(2008, 2, 29), EARLY, 0.1, 0.03, 1.0), 158.1643971449),
    ("PRICEMAT", (SETTLED, day(2008, 2, 29), LATE, 0.1, 0.03, 0.0), 167.0877455472),
    ("PRICEMAT", (SETTLED, day(2008, 2, 29), LATE, 0.07, 0.1, 4.0), 78.97316230473),
    # tbilleq.test: short bills, bills past half a year (the quadratic), and a 366-day year
    ("TBILLEQ", (day(1980, 2, 15), day(1980, 3, 15), 0.01), 0.01014706291179),
    ("TBILLEQ", (day(1980, 2, 15), day(1980, 4, 29), 0.25), 0.2672035139092),
    ("TBILLEQ", (day(1980, 2, 15), day(1980, 8, 23), 0.75), 1.22881817441),
    ("TBILLEQ", (day(1980, 2, 15), day(1980, 9, 21), 0.25), 0.2918378544924),
    ("TBILLEQ", (day(1980, 3, 15), day(1980, 8, 23), 0.75), 1.144200626959),
    ("TBILLEQ", (day(1993, 2, 28), day(1993, 12, 31), 0.75), 1.588499572437),
    ("TBILLEQ", (day(1993, 2, 28), day(1994, 2, 14), 0.01), 0.01021367679499),
    ("TBILLEQ", (day(1993, 2, 28), day(1994, 2, 14), 0.75), 1.932789175562),
    ("TBILLEQ", (day(2008, 2, 13), day(2009, 1, 11), 0.25), 0.3082483889053),
]  # fmt: skip


@pytest.mark.parametrize(("name", "args", "expected"), EXCEL_CASES)
def test_matches_excel(name: str, args: tuple[ArgValue, ...], expected: CellValue) -> None:
    assert_kernel(KERNELS, name, args, expected)


# (function, arguments, Excel's result as reported, decimals reported): Excel beside
# LibreOffice in the ExcelFinancialFunctions documentation, on bases where the two differ
REPORTED_CASES: list[tuple[str, tuple[ArgValue, ...], float, int]] = [
    ("ACCRINTM", (day(1990, 3, 4), day(2010, 6, 5), 0.1, 12030.34, 1.0), 24367.7909, 4),
    ("DISC", (day(2003, 2, 14), day(2004, 3, 31), 23.0, 100.0, 1.0), 0.684757, 6),
    ("PRICEDISC", (day(1980, 2, 15), day(2000, 2, 28), 0.01, 100.0, 1.0), 79.966367, 6),
    ("INTRATE", (day(1980, 2, 15), day(1980, 5, 4), 23.0, 130.0, 0.0), 21.199780, 6),
    ("TBILLPRICE", (day(1980, 2, 15), day(1980, 3, 15), 2.0), 83.888889, 6),
    ("RECEIVED", (day(1980, 2, 15), day(2000, 2, 28), 200.0, 0.01, 1.0), 250.105148, 6),
]  # fmt: skip


@pytest.mark.parametrize(("name", "args", "reported", "decimals"), REPORTED_CASES)
def test_matches_reported_excel_results(
    name: str, args: tuple[ArgValue, ...], reported: float, decimals: int
) -> None:
    assert shown(name, *args) == pytest.approx(reported, abs=0.5 * 10.0**-decimals)


SPANS = [
    (day(2008, 2, 16), day(2008, 3, 1)),
    (day(2012, 2, 29), day(2019, 8, 31)),
    (day(1999, 12, 31), day(2000, 2, 29)),
]


@pytest.mark.parametrize("basis", (0.0, 1.0, 2.0, 3.0, 4.0))
def test_discount_functions_undo_each_other(basis: float) -> None:
    for settled, matures in SPANS:
        price = shown("PRICEDISC", settled, matures, 0.0525, 100.0, basis)
        assert isinstance(price, float)
        span = (settled, matures)
        assert shown("DISC", *span, price, 100.0, basis) == pytest.approx(0.0525, rel=1e-13)
        earned = shown("YIELDDISC", *span, price, 100.0, basis)
        assert shown("INTRATE", *span, price, 100.0, basis) == pytest.approx(earned, rel=1e-14)
        assert shown("RECEIVED", *span, price, 0.0525, basis) == pytest.approx(100.0, rel=1e-13)
        at_maturity = shown("PRICEMAT", *span, settled - 30.0, 0.04, 0.06, basis)
        assert isinstance(at_maturity, float)
        back = shown("YIELDMAT", *span, settled - 30.0, 0.04, at_maturity, basis)
        assert back == pytest.approx(0.06, rel=1e-12)


@pytest.mark.parametrize("basis", (0.0, 1.0, 2.0, 3.0, 4.0))
def test_accrintm_is_par_times_rate_times_the_year_fraction(basis: float) -> None:
    for issued, settled in SPANS:
        fraction = evaluate_constant(DATE_KERNELS["YEARFRAC"], issued, settled, basis)
        assert shown("ACCRINTM", issued, settled, 0.07, 2500.0, basis) == pytest.approx(
            2500.0 * 0.07 * fraction, rel=1e-14
        )
    assert shown("ACCRINTM", day(2008, 4, 1), day(2008, 6, 15), 0.1) == shown(
        "ACCRINTM", day(2008, 4, 1), day(2008, 6, 15), 0.1, 1000.0, 0.0
    )


def test_tbill_price_and_yield_undo_each_other() -> None:
    spans = [(day(2008, 3, 31), day(2008, 6, 1)), (day(2008, 2, 29), day(2009, 2, 28))]
    for settled, matures in spans:
        for discount in (0.01, 0.09, 0.3):
            price = shown("TBILLPRICE", settled, matures, discount)
            assert isinstance(price, float)
            earned = shown("TBILLYIELD", settled, matures, price)
            days = matures - settled
            assert earned == pytest.approx(discount / (1 - discount * days / 360), rel=1e-13)
            if days <= 182:
                equivalent = shown("TBILLEQ", settled, matures, discount)
                assert equivalent == pytest.approx(earned * 365 / 360, rel=1e-13)


ERROR_CASES: list[tuple[str, tuple[ArgValue, ...], CellValue]] = [
    ("DISC", (day(2008, 3, 1), day(2008, 3, 1), 99.0, 100.0), "#NUM!"),
    ("DISC", (day(2008, 2, 16), day(2008, 3, 1), 0.0, 100.0), "#NUM!"),
    ("DISC", (day(2008, 2, 16), day(2008, 3, 1), 99.0, 0.0), "#NUM!"),
    ("DISC", (day(2008, 2, 16), day(2008, 3, 1), 99.0, 100.0, 5.0), "#NUM!"),
    ("PRICEDISC", (day(2008, 2, 16), day(2008, 3, 1), 0.0, 100.0), "#NUM!"),
    ("YIELDDISC", (day(2008, 3, 1), day(2008, 2, 16), 99.0, 100.0), "#NUM!"),
    ("INTRATE", (day(2008, 2, 16), day(2008, 3, 1), -1.0, 100.0), "#NUM!"),
    ("RECEIVED", (day(2008, 2, 16), day(2008, 3, 1), 1e6, 0.0), "#NUM!"),
    # a discount taking the whole redemption
    ("RECEIVED", (day(2008, 2, 16), day(2028, 3, 1), 1e6, 0.06), "#NUM!"),
    ("TBILLPRICE", (day(2008, 3, 31), day(2009, 4, 1), 0.09), "#NUM!"),  # more than a year
    ("TBILLPRICE", (day(2008, 2, 29), day(2009, 2, 28), 0.09), 90.875),  # a year to the day
    ("TBILLPRICE", (day(2008, 3, 31), day(2008, 6, 1), 0.0), "#NUM!"),
    ("TBILLYIELD", (day(2008, 6, 1), day(2008, 6, 1), 98.0), "#NUM!"),
    ("TBILLYIELD", (day(2008, 3, 31), day(2008, 6, 1), 0.0), "#NUM!"),
    ("TBILLEQ", (day(2008, 3, 31), day(2008, 6, 1), -0.01), "#NUM!"),
    ("PRICEMAT", (day(2008, 2, 15), day(2008, 4, 13), day(2007, 11, 11), -0.01, 0.061), "#NUM!"),
    ("PRICEMAT", (day(2008, 4, 13), day(2008, 4, 13), day(2007, 11, 11), 0.061, 0.061), "#NUM!"),
    ("YIELDMAT", (day(2008, 3, 15), day(2008, 11, 3), day(2007, 11, 8), 0.0625, 0.0), "#NUM!"),
    ("ACCRINTM", (day(2008, 6, 15), day(2008, 6, 15), 0.1, 1000.0), "#NUM!"),
    ("ACCRINTM", (day(2008, 4, 1), day(2008, 6, 15), 0.0, 1000.0), "#NUM!"),
    ("ACCRINTM", (day(2008, 4, 1), day(2008, 6, 15), 0.1, -1.0), "#NUM!"),
    ("ACCRINTM", (day(2008, 4, 1), day(2008, 6, 15), 0.1, 1000.0, -1.0), "#NUM!"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "args", "expected"), ERROR_CASES)
def test_errors(name: str, args: tuple[ArgValue, ...], expected: CellValue) -> None:
    assert_kernel(KERNELS, name, args, expected)


def test_rates_and_dates_may_vary_by_trial() -> None:
    discounts = np.array([0.01, 0.0525, 0.09])
    span = (day(2008, 2, 16), day(2008, 3, 1))
    got = KERNELS["PRICEDISC"].fn(np, *span, discounts, 100.0, 2.0)
    assert got.tolist() == [shown("PRICEDISC", *span, d, 100.0, 2.0) for d in discounts]
    maturities = np.array([day(2008, 6, 1), day(2008, 12, 1), day(2009, 4, 1)])
    got = KERNELS["TBILLEQ"].fn(np, day(2008, 3, 31), maturities, 0.0914)
    expected = [shown("TBILLEQ", day(2008, 3, 31), m, 0.0914) for m in maturities[:2]]
    assert got[:2].tolist() == expected
    assert np.isnan(got[2])
