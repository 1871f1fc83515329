"""SUMXMY2, SUMX2MY2, SUMX2PY2, SERIESSUM, MULTINOMIAL, COMBINA, DOLLARDE, DOLLARFR, AMORLINC
and AMORDEGRC: the results Microsoft's function pages state, results Excel computed
(ExcelFinancialFunctions' test data), closed-form identities, Excel's error rules, and trials
that vary. SHEET, SHEETS, FORMULATEXT, HYPERLINK and RANDARRAY: test_functions_sheets_randarray."""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import pytest
from openpyxl.utils.datetime import to_excel

from engines.errors import ExcelError
from engines.kernels.amortization import KERNELS as AMORTIZATION_KERNELS
from engines.kernels.support import evaluate_constant
from engines.risk import RiskInputId
from tests.unit.engines.excel_sheet import assert_results, recalculated, sheet_model

E = ExcelError


# The data of the SUMXMY2, SUMX2MY2 and SUMX2PY2 pages, "First array" and "Second array", in
# A2:B8 (the SUMX2MY2 page's rows; the SUMXMY2 and SUMX2PY2 pages start a row lower).
FIRST = [2, 3, 9, 1, 8, 7, 5]
SECOND = [6, 5, 11, 7, 5, 4, 4]
PAIRS = {**{f"A{row}": x for row, x in enumerate(FIRST, 2)},
         **{f"B{row}": y for row, y in enumerate(SECOND, 2)}}


def test_sum_of_squares_functions_match_microsofts_examples() -> None:
    got = recalculated(PAIRS, {
        # SUMXMY2: "=SUMXMY2(A3:A9,B3:B9) Sum of squares of differences of the two arrays
        # above (79)"; "=SUMXMY2({2, 3, 9, 1, 8, 7, 5}, {6, 5, 11, 7, 5, 4, 4}) ... (79)"
        "D1": "=SUMXMY2(A2:A8,B2:B8)",
        "D2": "=SUMXMY2({2, 3, 9, 1, 8, 7, 5}, {6, 5, 11, 7, 5, 4, 4})",
        # SUMX2MY2: "=SUMX2MY2(A2:A8,B2:B8) Sum of the difference of squares of the two
        # arrays above (-55)"
        "D3": "=SUMX2MY2(A2:A8,B2:B8)",
        "D4": "=SUMX2MY2({2, 3, 9, 1, 8, 7, 5}, {6, 5, 11, 7, 5, 4, 4})",
        # SUMX2PY2: "Sum of the sum of squares of the two arrays above (521)"
        "D5": "=SUMX2PY2(A2:A8,B2:B8)",
        "D6": "=SUMX2PY2({2,3,9,1,8,7,5}, {6,5,11,7,5,4,4})",
    })
    assert_results(got, {"D1": 79.0, "D2": 79.0, "D3": -55.0, "D4": -55.0, "D5": 521.0,
                          "D6": 521.0})


def test_sums_of_squares_are_their_closed_forms() -> None:
    got = recalculated(PAIRS, {
        "D1": "=SUMX2MY2(A2:A8,B2:B8)-(SUMSQ(A2:A8)-SUMSQ(B2:B8))",
        "D2": "=SUMX2PY2(A2:A8,B2:B8)-(SUMSQ(A2:A8)+SUMSQ(B2:B8))",
        "D3": "=SUMXMY2(A2:A8,B2:B8)-(SUMX2PY2(A2:A8,B2:B8)-2*SUMPRODUCT(A2:A8,B2:B8))",
        # two 7x2 blocks pair by pair: the (A, B) pairs count, the (B, empty C) ones drop out
        "D4": "=SUMXMY2(A2:B8,B2:C8)",
    })
    assert_results(got, {"D1": 0.0, "D2": 0.0, "D3": 0.0, "D4": 79.0})


def test_sums_of_squares_skip_pairs_with_text_logicals_or_empty_cells() -> None:
    """"If an array or reference argument contains text, logical values, or empty cells,
    those values are ignored"; "If array_x and array_y have a different number of values,
    SUMXMY2 returns the #N/A error value"."""
    cells = {"A1": 1, "A2": "x", "A3": True, "A4": 4, "A5": 0, "B1": 2, "B2": 9, "B3": 9,
             "B4": 1, "B5": 3, "B6": 5, "C1": 1, "C2": "#DIV/0!", "D1": 1, "D2": 2}
    # (openpyxl writes "#DIV/0!" as the error value)
    got = recalculated(cells, {
        "F1": "=SUMXMY2(A1:A6,B1:B6)",  # (1,2), (4,1), (0,3): 1 + 9 + 9
        "F2": "=SUMX2MY2(A1:A6,B1:B6)",  # 1-4 + 16-1 + 0-9
        "F3": "=SUMX2PY2(A1:A6,B1:B6)",
        "F4": "=SUMXMY2(A1:A5,B1:B6)",
        "F5": "=SUMXMY2(C1:C3,D1:D3)",  # an error in a pair propagates
        "F6": "=SUMXMY2({1,2},{1,#N/A})",
        "F7": "=SUMXMY2({1,2,3},{1,#N/A})",  # sizes differ: #N/A before the error inside
        "F8": "=SUMX2PY2({1,#DIV/0!},{#NUM!,2})",  # the first pair's first entry
        "F9": '=SUMXMY2({"a","b"},{1,2})',  # no pair left
    })
    assert_results(got, {"F1": 19.0, "F2": 3.0, "F3": 31.0, "F4": E.NA, "F5": E.DIV0,
                          "F6": E.NA, "F7": E.NA, "F8": E.NUM, "F9": 0.0})


def test_seriessum_matches_microsofts_example() -> None:
    """Coefficients 1, -1/FACT(2), 1/FACT(4), -1/FACT(6) and A2 =PI()/4:
    "=SERIESSUM(A2,0,2,A3:A6) Approximation to the cosine of Pi/4 radians, or 45 degrees
    (0.707103)"."""
    cells = {"A2": "=PI()/4", "A3": 1, "A4": "=-1/FACT(2)", "A5": "=1/FACT(4)",
             "A6": "=-1/FACT(6)"}
    got = recalculated(cells, {"C1": "=SERIESSUM(A2,0,2,A3:A6)"})
    x = math.pi / 4
    assert got["C1"] == pytest.approx(1 - x**2 / 2 + x**4 / 24 - x**6 / 720, rel=1e-14)
    assert got["C1"] == pytest.approx(0.70710321482284, abs=1e-14)
    assert round(got["C1"], 6) == 0.707103  # type: ignore[call-overload]


def test_seriessum_rules() -> None:
    """"If any argument is nonnumeric, SERIESSUM returns the #VALUE! error value"; 0^0 is
    #NUM!, as in Excel."""
    cells = {"A1": 1, "A2": None, "A3": 2, "B1": 1, "B2": "x"}
    got = recalculated(cells, {
        "D1": "=SERIESSUM(2,1,3,A1:A3)",  # 1*2^1 + 0*2^4 + 2*2^7
        "D2": "=SERIESSUM(2,1,3,B1:B2)",
        "D3": '=SERIESSUM("a",1,1,A1:A3)',
        "D4": "=SERIESSUM(0,0,1,{1,2})",
        "D5": "=SERIESSUM(0,1,1,{1,2})",
        "D6": "=SERIESSUM(-8,1/3,1,{1})",  # a negative base to a fractional power
        "D7": "=SERIESSUM(3,2,0.5,{1,1})",  # 3^2 + 3^2.5
        "D8": "=SERIESSUM(2,1,1,{1,#N/A})",
    })
    assert_results(got, {"D1": 258.0, "D2": E.VALUE, "D3": E.VALUE, "D4": E.NUM,
                          "D5": 0.0, "D6": E.NUM, "D7": 9.0 + 3.0**2.5, "D8": E.NA})


def test_multinomial_and_combina_match_microsofts_examples() -> None:
    got = recalculated({}, {
        # MULTINOMIAL: "Ratio of the factorial of a sum of 2, 3 and 4 to the product of
        # factorials (1260)"
        "A1": "=MULTINOMIAL(2, 3, 4)",
        # COMBINA: "Returns the number of combinations (with repetitions) for 4 and 3. 20"
        # and "... for 10 and 3. 220"
        "A2": "=COMBINA(4,3)",
        "A3": "=COMBINA(10,3)",
    })
    assert_results(got, {"A1": 1260.0, "A2": 20.0, "A3": 220.0})


def test_combina_is_combin_with_repetitions() -> None:
    """COMBINA(n, k) = COMBIN(n+k-1, k) on the truncated arguments."""
    formulas = {f"A{row}": f"=COMBINA({n},{k})-COMBIN({n}+{k}-1,{k})"
                for row, (n, k) in enumerate(((n, k) for n in range(1, 9) for k in range(7)), 1)}
    assert set(recalculated({}, formulas).values()) == {0.0}
    got = recalculated({}, {
        "B1": "=COMBINA(0,0)", "B2": "=COMBINA(-1,2)", "B3": "=COMBINA(2,-1)",
        "B4": '=COMBINA("a",1)', "B5": "=COMBINA(4.9,3.9)", "B6": "=COMBINA(2,5)",
        "B7": '=COMBINA("4",3)', "B8": "=COMBINA(1,0)",
    })
    assert_results(got, {"B1": 1.0, "B2": E.NUM, "B3": E.NUM, "B4": E.VALUE, "B5": 20.0,
                          "B6": 6.0, "B7": 20.0, "B8": 1.0})


def test_multinomial_rules() -> None:
    """"If any argument is nonnumeric, MULTINOMIAL returns the #VALUE! error value"; "If any
    argument is less than zero, MULTINOMIAL returns the #NUM! error value"; arguments are
    truncated."""
    cells = {"A1": 2, "A2": 3, "A3": None, "B1": 2, "B2": "x", "C1": True}
    got = recalculated(cells, {
        "D1": "=MULTINOMIAL(A1:A3)",  # the empty cell is skipped
        "D2": "=MULTINOMIAL(B1:B2)",
        "D3": "=MULTINOMIAL(C1,1)",
        "D4": "=MULTINOMIAL(3,-2,1)",
        "D5": '=MULTINOMIAL(3,2,"some text")',
        "D6": "=MULTINOMIAL(2.9,3.1)",
        "D7": '=MULTINOMIAL("3","2",1)',
        "D8": "=MULTINOMIAL(7,5)-COMBIN(12,5)",
        "D9": "=MULTINOMIAL(1,#N/A)",
        "D10": "=MULTINOMIAL(0)",
        "D11": "=MULTINOMIAL(1000,1000)",  # past the largest double
    })
    assert_results(got, {"D1": 10.0, "D2": E.VALUE, "D3": E.VALUE, "D4": E.NUM,
                          "D5": E.VALUE, "D6": 10.0, "D7": 60.0, "D8": 0.0, "D9": E.NA,
                          "D10": 1.0, "D11": E.NUM})


def test_dollarde_and_dollarfr_match_microsofts_examples() -> None:
    got = recalculated({}, {
        # DOLLARDE: "Converts 1.02, read as 1 and 2/16, to a decimal number (1.125)" and
        # "Converts 1.1, read as 1 and 10/32, to a decimal number (1.3125)"
        "A1": "=DOLLARDE(1.02,16)",
        "A2": "=DOLLARDE(1.1,32)",
        # DOLLARFR: "Converts the decimal number 1.125 to a number read as 1 and 2/16 (1.02)"
        # and "... to a number read as 1 and 4/32 (1.04)"
        "A3": "=DOLLARFR(1.125,16)",
        "A4": "=DOLLARFR(1.125,32)",
    })
    assert_results(got, {"A1": 1.125, "A2": 1.3125, "A3": 1.02, "A4": 1.04})


@pytest.mark.parametrize(("price", "fraction", "decimal", "fractional"), [
    # Excel's results, from ExcelFinancialFunctions' testdata/dollarde.test and dollarfr.test
    (0.34, 1, 0.34, 0.34), (0.34, 17, 2.0, 0.0578), (1.02, 17, 1.117647058824, 1.0034),
    (2.34, 20, 3.7, 2.068), (-1.5, 17, -3.941176470588, -1.085), (-1.5, 20, -3.5, -1.1),
    (1.125, 16, 1.78125, 1.02),
])
def test_dollar_conversions_match_excels_results(
    price: float, fraction: float, decimal: float, fractional: float
) -> None:
    got = recalculated({}, {"A1": f"=DOLLARDE({price},{fraction})",
                             "A2": f"=DOLLARFR({price},{fraction})"})
    assert got["A1"] == pytest.approx(decimal, rel=1e-11)
    assert got["A2"] == pytest.approx(fractional, rel=1e-11)


def test_dollar_conversion_rules() -> None:
    """"If fraction is not an integer, it is truncated"; "If fraction is less than 0, DOLLARDE
    returns the #NUM! error value"; "If fraction is greater than or equal to 0 and less than
    1, DOLLARDE returns the #DIV/0! error value"."""
    got = recalculated({}, {
        "A1": "=DOLLARDE(1.02,16.9)", "A2": "=DOLLARDE(1.02,-1)", "A3": "=DOLLARDE(1.02,0)",
        "A4": "=DOLLARDE(1.02,0.5)", "A5": "=DOLLARDE(-1.02,16)", "A6": "=DOLLARFR(1.125,-2)",
        "A7": "=DOLLARFR(1.125,0)", "A8": '=DOLLARDE("x",16)',
        "A9": "=DOLLARFR(DOLLARDE(7.03,8),8)", "A10": "=DOLLARDE(1.02,-0.5)",
    })
    assert_results(got, {"A1": 1.125, "A2": E.NUM, "A3": E.DIV0, "A4": E.DIV0, "A5": -1.125,
                          "A6": E.NUM, "A7": E.DIV0, "A8": E.VALUE, "A9": 7.03, "A10": E.NUM})


# The AMORDEGRC and AMORLINC pages' data: cost 2400, purchased 39679 (19 August 2008), first
# period ending 39813 (31 December 2008), salvage 300, period 1, rate 15%, basis 1.
AMOR_DATA = {"A2": 2400, "A3": 39679, "A4": 39813, "A5": 300, "A6": 1, "A7": 0.15, "A8": 1}


def test_french_depreciation_matches_microsofts_examples() -> None:
    got = recalculated(AMOR_DATA, {
        # AMORDEGRC: "=AMORDEGRC(A2,A3,A4,A5,A6,A7,A8) First period depreciation 776"
        "C1": "=AMORDEGRC(A2,A3,A4,A5,A6,A7,A8)",
        # AMORLINC: "=AMORLINC(A2,A3,A4,A5,A6,A7,A7) First period depreciation 360" (the page
        # passes the rate as basis: 0.15 truncates to basis 0)
        "C2": "=AMORLINC(A2,A3,A4,A5,A6,A7,A7)",
        "C3": "=AMORLINC(A2,A3,A4,A5,A6,A7,A8)",
    })
    assert_results(got, {"C1": 776.0, "C2": 360.0, "C3": 360.0})


def _serial(year: int, month: int, day: int) -> float:
    return float(to_excel(datetime(year, month, day)))


_LEAP_SPAN = (100.0, _serial(1998, 2, 28), _serial(2000, 2, 29))
_LONG_SPAN = (100.0, _serial(1977, 5, 4), _serial(2009, 6, 30))
_ALL_BASES = (0.0, 1.0, 3.0, 4.0)


@pytest.mark.parametrize(("name", "asset", "salvage", "period", "rate", "bases", "expected"), [
    # Excel's results, from ExcelFinancialFunctions' testdata/amordegrc.test
    ("AMORDEGRC", _LEAP_SPAN, 10.0, 0.0, 0.15, _ALL_BASES, 75.0),
    ("AMORDEGRC", _LEAP_SPAN, 10.0, 1.0, 0.15, _ALL_BASES, 9.0),
    ("AMORDEGRC", _LEAP_SPAN, 10.0, 1.7, 0.15, _ALL_BASES, 9.0),
    ("AMORDEGRC", _LEAP_SPAN, 10.0, 2.0, 0.15, _ALL_BASES, 6.0),
    ("AMORDEGRC", _LEAP_SPAN, 10.0, 10.0, 0.15, _ALL_BASES, 0.0),
    ("AMORDEGRC", _LEAP_SPAN, 10.0, 10.0, 0.07, _ALL_BASES, 2.0),
    ("AMORDEGRC", _LEAP_SPAN, 10.0, 1.0, 0.3, _ALL_BASES, 5.0),
    ("AMORDEGRC", _LEAP_SPAN, 10.0, 0.3, 0.3, _ALL_BASES, 0.0),
    ("AMORDEGRC", _LEAP_SPAN, 10.0, 2.0, 0.1, _ALL_BASES, 9.0),
    ("AMORDEGRC", _LEAP_SPAN, 50.0, 1.0, 0.3, _ALL_BASES, 23.0),
    ("AMORDEGRC", _LEAP_SPAN, 50.0, 0.0, 0.07, _ALL_BASES, 35.0),
    ("AMORDEGRC", _LEAP_SPAN, 50.0, 0.0, 0.1, _ALL_BASES, 50.0),
    ("AMORDEGRC", _LONG_SPAN, 50.0, 1.0, 0.15, _ALL_BASES, 19.0),
    ("AMORDEGRC", _LONG_SPAN, 50.0, 1.7, 0.07, _ALL_BASES, 9.0),
    ("AMORDEGRC", _LONG_SPAN, 0.0, 0.0, 0.07, _ALL_BASES, 100.0),
    ("AMORDEGRC", (200.0, _serial(1992, 11, 30), _serial(2002, 5, 14)), 10.0, 1.0, 0.1,
     _ALL_BASES, 3.0),
    # Excel's results, from ExcelFinancialFunctions' testdata/amorlinc.test
    ("AMORLINC", _LEAP_SPAN, 10.0, 0.0, 0.07, (0.0, 1.0, 3.0), 14.0),
    ("AMORLINC", _LEAP_SPAN, 10.0, 0.0, 0.07, (4.0,), 14.01944444444),
    ("AMORLINC", _LEAP_SPAN, 10.0, 0.0, 0.1, (4.0,), 20.02777777778),
    ("AMORLINC", _LEAP_SPAN, 10.0, 0.3, 0.07, _ALL_BASES, 7.0),
    ("AMORLINC", _LEAP_SPAN, 10.0, 10.0, 0.07, _ALL_BASES, 7.0),
    ("AMORLINC", _LEAP_SPAN, 10.0, 10.0, 0.1, _ALL_BASES, 0.0),
    ("AMORLINC", _LEAP_SPAN, 10.0, 11.3, 0.07, (0.0, 1.0, 3.0), 6.0),
    ("AMORLINC", _LEAP_SPAN, 10.0, 11.3, 0.07, (4.0,), 5.980555555556),
    ("AMORLINC", _LEAP_SPAN, 0.0, 13.0, 0.07, (4.0,), 1.980555555556),
    ("AMORLINC", _LEAP_SPAN, 50.0, 10.0, 0.07, _ALL_BASES, 0.0),
    ("AMORLINC", (100.0, _serial(1998, 2, 28), _serial(1999, 2, 28)), 10.0, 1.0, 0.1,
     _ALL_BASES, 10.0),
])
def test_french_depreciation_matches_excels_results(
    name: str, asset: tuple[float, float, float], salvage: float, period: float, rate: float,
    bases: tuple[float, ...], expected: float,
) -> None:
    cost, purchased, first_end = asset
    for basis in bases:
        shown = evaluate_constant(
            AMORTIZATION_KERNELS[name], cost, purchased, first_end, salvage, period, rate, basis
        )
        assert shown == pytest.approx(expected, rel=1e-11), (name, basis)


def test_french_depreciation_errors() -> None:
    """#NUM! for: basis 2 or outside 0..4, purchase after the first period's end, salvage above
    cost or negative, a negative period, a rate of 0; for AMORDEGRC also an asset life (1/rate)
    "between 0 (zero) and 1, 1 and 2, 2 and 3, or 4 and 5"."""
    got = recalculated(AMOR_DATA, {
        "C1": "=AMORLINC(A2,A3,A4,A5,A6,A7,2)", "C2": "=AMORDEGRC(A2,A3,A4,A5,A6,A7,5)",
        "C3": "=AMORLINC(A2,A4,A3,A5,A6,A7,1)", "C4": "=AMORDEGRC(A2,A3,A4,3000,A6,A7,1)",
        "C5": "=AMORLINC(A2,A3,A4,-1,A6,A7,1)", "C6": "=AMORLINC(A2,A3,A4,A5,-1,A7,1)",
        "C7": "=AMORLINC(A2,A3,A4,A5,A6,0,1)", "C8": "=AMORDEGRC(A2,A3,A4,A5,A6,0.5,1)",
        "C9": "=AMORDEGRC(A2,A3,A4,A5,A6,0.22,1)",
        # a 4-year life takes the coefficient 1.5: 25% x 1.5 is the example's 15% x 2.5
        "C10": "=AMORDEGRC(A2,A3,A4,A5,A6,0.25,1)",
        "C11": '=AMORLINC(A2,A3,A4,A5,A6,A7,"x")', "C12": "=AMORLINC(A2,A3,A4,A5,A6,A7)",
    })
    assert_results(got, {"C1": E.NUM, "C2": E.NUM, "C3": E.NUM, "C4": E.NUM, "C5": E.NUM,
                          "C6": E.NUM, "C7": E.NUM, "C8": E.NUM, "C9": E.NUM,
                          "C10": 776.0, "C11": E.VALUE, "C12": 360.0})


def test_results_follow_each_trials_inputs() -> None:
    """Arguments that vary by trial give, in each trial, what that trial's values give."""
    cells = {
        "A1": "=RiskUniform(0,10)", "A2": "=RiskUniform(0,10)", "A3": "=RiskUniform(1,40)",
        "B1": 3, "B2": 4,
        "C1": "=SUMXMY2(A1:A2,B1:B2)", "C2": "=SUMX2MY2(A1:A2,B1:B2)",
        "C3": "=SUMX2PY2(A1:A2,B1:B2)", "C4": "=COMBINA(A1+1,3)", "C5": "=MULTINOMIAL(A1,A2)",
        "C6": "=DOLLARDE(A1,A3)", "C7": "=DOLLARFR(A1,A3)", "C8": "=SERIESSUM(A1/10,1,2,B1:B2)",
        "C9": "=AMORLINC(1000,39679,39813,A1*10,A2,0.15,1)",
        "C10": "=AMORDEGRC(1000,39679,39813,A1*10,A2,0.15,1)",
    }
    outputs = [f"S!C{row}" for row in range(1, 11)]
    model = sheet_model(cells, outputs=outputs)
    assert model.unsupported == {}
    n = 60
    draws = np.random.default_rng(11).uniform(0.0, 1.0, (3, n))
    a1, a2, a3 = draws[0] * 10, draws[1] * 10, 1 + draws[2] * 39
    inputs = {RiskInputId("S!A1", 0): a1, RiskInputId("S!A2", 0): a2, RiskInputId("S!A3", 0): a3}
    out = model.evaluate(n, {}, inputs)
    got = {address: out[address][0].reshape(-1) for address in outputs}
    for address in outputs:
        assert not out[address][1].any(), address
    np.testing.assert_allclose(got["S!C1"], (a1 - 3) ** 2 + (a2 - 4) ** 2, rtol=1e-12)
    np.testing.assert_allclose(got["S!C2"], a1**2 - 9 + a2**2 - 16, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got["S!C3"], a1**2 + 9 + a2**2 + 16, rtol=1e-12)
    np.testing.assert_allclose(
        got["S!C4"], [math.comb(int(n + 1) + 2, 3) for n in a1], rtol=1e-12)
    np.testing.assert_allclose(
        got["S!C5"], [math.comb(int(x) + int(y), int(x)) for x, y in zip(a1, a2, strict=True)],
        rtol=1e-12)
    whole, denominator = np.trunc(a1), np.trunc(a3)
    places = 10.0 ** np.ceil(np.log10(denominator))
    np.testing.assert_allclose(got["S!C6"], whole + (a1 - whole) * places / denominator)
    np.testing.assert_allclose(got["S!C7"], whole + (a1 - whole) * denominator / places)
    x = a1 / 10
    np.testing.assert_allclose(got["S!C8"], 3 * x + 4 * x**3, rtol=1e-12)
    for trial in range(n):
        for name, address in (("AMORLINC", "S!C9"), ("AMORDEGRC", "S!C10")):
            one = evaluate_constant(AMORTIZATION_KERNELS[name], 1000.0, 39679.0, 39813.0,
                                    a1[trial] * 10, a2[trial], 0.15, 1.0)
            assert got[address][trial] == pytest.approx(one, rel=1e-12), (name, trial)
