"""Financial kernels against Excel: cached values from Excel-saved workbooks, and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engines.kernels.financial import KERNELS
from engines.kernels.support import evaluate_constant
from tests.unit.engines.kernel_checks import ArgValue, CellValue, assert_kernel


def assert_excel(name: str, args: tuple[ArgValue, ...], expected: CellValue) -> None:
    assert_kernel(KERNELS, name, args, expected)


EXCEL_CASES: list[tuple[str, tuple[ArgValue, ...], CellValue]] = [
    # formulas-test.xlsx FINANCIAL!V13: =CUMIPMT(G13,5.5,125000,3,5,1)
    ("CUMIPMT", (9.0, 5.5, 125000.0, 3.0, 5.0, 1.0), -333552.16055641056),
    # formulas-test.xlsx FINANCIAL!R13: =CUMIPMT(C13,5.5,125000,3,5,1)
    ("CUMIPMT", (3.2, 5.5, 125000.0, 3.0, 5.0, 1.0), -271489.3412240473),
    # formulas-test.xlsx FINANCIAL!U13: =CUMIPMT(F13,5.5,125000,3,5,1)
    ("CUMIPMT", (4.0, 5.5, 125000.0, 3.0, 5.0, 1.0), -288950.45405447436),
    # formulas-test.xlsx FINANCIAL!W13: =CUMIPMT(H13,5.5,125000,3,5,1)
    ("CUMIPMT", (0.0, 5.5, 125000.0, 3.0, 5.0, 1.0), "#NUM!"),
    # xlcalc-VDB.xlsx Sheet1!G10: =DB($B$2,$B$3,$B$4,B10)
    ("DB", (575000.0, 5000.0, 10.0, 4.0, 12.0), 52303.5056628),
    # xlcalc-VDB.xlsx Sheet1!G13: =DB($B$2,$B$3,$B$4,B13)
    ("DB", (575000.0, 5000.0, 10.0, 7.0, 12.0), 12586.412259574658),
    # xlcalc-VDB.xlsx Sheet1!G12: =DB($B$2,$B$3,$B$4,B12)
    ("DB", (575000.0, 5000.0, 10.0, 6.0, 12.0), 20235.389484846717),
    # formulas-test.xlsx FINANCIAL!T22: =FV(E22, -F22, G22)
    ("FV", (7.0, -4.0, 9.0, 0.0, 0.0), 1.285400390625),
    # formulas-test.xlsx FINANCIAL!R22: =FV(C22, -D22, E22)
    ("FV", (3.2, -6.0, 7.0, 0.0, 0.0), 2.1871014779833633),
    # formulas-test.xlsx FINANCIAL!S22: =FV(D22, -E22, F22)
    ("FV", (6.0, -7.0, 4.0, 0.0, 0.0), 0.6666658571562141),
    # formulas-test.xlsx FINANCIAL!Y25: =IPMT(J25/12, 1, 3*12, 8000)
    ("IPMT", (0.08333333333333333, 1.0, 36.0, 8000.0, 0.0, 0.0), -666.6666666666665),
    # formulas-test.xlsx FINANCIAL!T25: =IPMT(E25/12, 1, 3*12, 8000)
    ("IPMT", (0.5833333333333334, 1.0, 36.0, 8000.0, 0.0, 0.0), -4666.666666666667),
    # formulas-test.xlsx FINANCIAL!W25: =IPMT(H25/12, 1, 3*12, 8000)
    ("IPMT", (0.0, 1.0, 36.0, 8000.0, 0.0, 0.0), 0.0),
    # formulas-test.xlsx FINANCIAL!T27: =IRR({-7,2,1,4,-3;-7,2,-1,4,4},E27)
    ("IRR", ([-7.0, 2.0, 1.0, 4.0, -3.0, -7.0, 2.0, -1.0, 4.0, 4.0], 0.0), -0.0211260115505828),
    # formulas-test.xlsx FINANCIAL!V26: =IRR(C27:E27,G26)
    ("IRR", ([-0.1, 2.0, 0.0], 9.0), 18.999999999999982),
    # formulas-test.xlsx FINANCIAL!Y27: =IRR(C27:J27)
    ("IRR", ([-0.1, 2.0, 0.0, 4.0, 5.0, None, None, None], 0.1), 19.105109618587242),
    # formulas-test.xlsx FINANCIAL!Y26: =IRR(F27:H27,J26)
    ("IRR", ([4.0, 5.0, None], 1.0), "#NUM!"),
    # formulas-test.xlsx FINANCIAL!S27: =IRR({7,2,-1,4,-3;7,2,-1,4,4},D27)
    ("IRR", ([7.0, 2.0, -1.0, 4.0, -3.0, 7.0, 2.0, -1.0, 4.0, 4.0], 2.0), "#NUM!"),
    # formulas-test.xlsx FINANCIAL!T32: =NPER(E32/12,F32*1000,G32)
    ("NPER", (0.0, 4000.0, 5.0, 0.0, 0.0), -0.00125),
    # formulas-test.xlsx FINANCIAL!R32: =NPER(C32/12,D32,E32,10000,1)
    ("NPER", (-0.008333333333333333, 2.0, 0.0, 10000.0, 1.0), -449.5074885969371),
    # formulas-test.xlsx FINANCIAL!U32: =NPER(F32/12,H32,C32,10000,1)
    ("NPER", (0.3333333333333333, 0.0, -0.1, 10000.0, 1.0), 40.01961389825548),
    # formulas-test.xlsx FINANCIAL!S32: =NPER(D32/12,E32,F32,10000,1)
    ("NPER", (0.16666666666666666, 0.0, 4.0, 10000.0, 1.0), "#NUM!"),
    # pycel-npv.xlsx NPV!A10: =NPV(G10,H10,I10,J10,K10,L10,M10)
    ("NPV", (0.08, [8000.0, 9200.0, 10000.0, 12000.0, 14500.0, -9000.0]), 36250.534912984425),
    # formulas-test.xlsx FINANCIAL!T33: =NPV(E33,E33:I33)
    ("NPV", (0.0, [0.0, 4.0, 5.0, None, None]), 9.0),
    # pycel-npv.xlsx NPV!B9: =NPV(G9,H9:L9)
    ("NPV", (0.07, [8000.0, None, 10000.0, None, 14500.0]), 28047.342011668155),
    # formulas-test.xlsx FINANCIAL!R39: =PMT(C39/12,D39,E39,10000,1)
    ("PMT", (-0.008333333333333333, 2.0, 0.0, 10000.0, 1.0), -5063.113111353327),
    # xlcalc-PMT.xlsx Sheet1!C1: =PMT(A12/12,A13*12, 0,A14)
    ("PMT", (0.005, 216.0, 0.0, 50000.0, 0.0), -129.08116086799092),
    # formulas-test.xlsx FINANCIAL!T39: =PMT(E39/12,F39,G39,10000,1)
    ("PMT", (0.0, 4.0, 5.0, 10000.0, 1.0), -2501.25),
    # formulas-test.xlsx FINANCIAL!S39: =PMT(D39/12,E39,F39,10000,1)
    ("PMT", (0.16666666666666666, 0.0, 4.0, 10000.0, 1.0), "#NUM!"),
    # formulas-test.xlsx FINANCIAL!T40: =PPMT(E40,"3","33","10000","1")
    ("PPMT", (1.0, 3.0, 33.0, 10000.0, 1.0, 0.0), -4.657078534906851e-06),
    # formulas-test.xlsx FINANCIAL!U40: =PPMT(F40,"3","33","10000","1")
    ("PPMT", (4.0, 3.0, 33.0, 10000.0, 1.0, 0.0), -8.590793585459249e-18),
    # formulas-test.xlsx FINANCIAL!R40: =PPMT(C40,"3","33","10000","1")
    ("PPMT", (-0.1, 3.0, 33.0, 10000.0, 1.0, 0.0), -835.9133596022948),
    # pycel-pv.xlsx PV!A3: =PV(B3,C3,D3,E3,F3)
    ("PV", (-0.05, 0.0, 500.0, 1000.0, 1.0), -1000.0),
    # pycel-pv.xlsx PV!A7: =PV(B7,C7,D7,E7,F7)
    ("PV", (0.0, 0.0, 500.0, 1000.0, 1.0), -1000.0),
    # pycel-pv.xlsx PV!A20: =PV(B20,C20,D20,E20,F20)
    ("PV", (0.05, 0.0, 500.0, 1000.0, 1.0), -1000.0),
    # formulas-test.xlsx FINANCIAL!Y45: =RATE(J45,-388, 22000)
    ("RATE", (1.0, -388.0, 22000.0, 0.0, 0.0, 0.1), -0.9823636363636363),
    # formulas-test.xlsx FINANCIAL!U45: =RATE(F45,-388, 22000)
    ("RATE", (4.0, -388.0, 22000.0, 0.0, 0.0, 0.1), -0.5866802847891364),
    # formulas-test.xlsx FINANCIAL!V45: =RATE(G45,-388, 22000)
    ("RATE", (5.0, -388.0, 22000.0, 0.0, 0.0, 0.1), -0.4891154831148691),
    # formulas-test.xlsx FINANCIAL!R45: =RATE(C45,-388, 22000)
    ("RATE", (-0.1, -388.0, 22000.0, 0.0, 0.0, 0.1), "#NUM!"),
    # formulas-test.xlsx FINANCIAL!T45: =RATE(E45,-388, 22000)
    ("RATE", (0.0, -388.0, 22000.0, 0.0, 0.0, 0.1), "#NUM!"),
    # xlcalc-VDB.xlsx Sheet1!E30: =SLN($A$19,0,14)
    ("SLN", (1.0, 0.0, 14.0), 0.07142857142857142),
    # xlcalc-VDB.xlsx Sheet1!H16: =SLN($B$2,$B$3,$B$4)
    ("SLN", (575000.0, 5000.0, 10.0), 57000.0),
    # xlcalc-VDB.xlsx Sheet1!F8: =VDB($B$2,$B$3,$B$4,B8-1,B8,1.5)
    ("VDB", (575000.0, 5000.0, 10.0, 1.0, 2.0, 1.5, 0.0), 73312.5),
    # xlcalc-VDB.xlsx Sheet1!D30: =VDB($A$19,0,$A$20,B30,C30,$A$21,FALSE)
    ("VDB", (1.0, 0.0, 14.0, 6.5, 7.5, 1.25, 0.0), 0.06872629045468406),
    # xlcalc-VDB.xlsx Sheet1!J7: =VDB($B$2,$B$3,$B$4,$B7-1,$B7,1.5,FALSE)
    ("VDB", (575000.0, 5000.0, 10.0, 0.0, 1.0, 1.5, 0.0), 86250.0),
    # formulas-test.xlsx FINANCIAL!U55: =XIRR($C$55:$G$55,$C$54:$G$54,E56)
    ("XIRR", ([-10.0, 1.0, 5.0, 0.0001, 4.5], [1.0, 99.0, 55.0, 4.0, 9.0], 0.0), 0.599319755859375),
    # formulas-test.xlsx FINANCIAL!T54: =XIRR(D55:H55,D54:H54)
    ("XIRR", ([1.0, 5.0, 0.0001, 4.5, None], [99.0, 55.0, 4.0, 9.0, None], 0.1), "#NUM!"),
    # formulas-test.xlsx FINANCIAL!R55: =XIRR(C54:G54,C55:G55,D55)
    ("XIRR", ([1.0, 99.0, 55.0, 4.0, 9.0], [-10.0, 1.0, 5.0, 0.0001, 4.5], 1.0), "#NUM!"),
    # xlcalc-XNPV.xlsx Sheet1!A1: = XNPV(0.09, A2:A6,B2:B6)
    (
        "XNPV",
        (
            0.09,
            [-10000.0, 2750.0, 4250.0, 3250.0, 2750.0],
            [39448.0, 39450.0, 39751.0, 39859.0, 39817.0],
        ),
        2175.27828067982,
    ),
    # formulas-test.xlsx FINANCIAL!V56: =XNPV(F56,$C$55:$G$55,$C$54:$G$54)
    (
        "XNPV",
        (4.0, [-10.0, 1.0, 5.0, 0.0001, 4.5], [1.0, 99.0, 55.0, 4.0, 9.0]),
        -1.0661583524424625,
    ),
    # formulas-test.xlsx FINANCIAL!T56: =XNPV(D56,$C$55:$G$55,$C$54:$G$54)
    (
        "XNPV",
        (2.0, [-10.0, 1.0, 5.0, 0.0001, 4.5], [1.0, 99.0, 55.0, 4.0, 9.0]),
        -0.6124748432976563,
    ),
    # formulas-test.xlsx FINANCIAL!U56: =XNPV(E56,$C$55:$G$55,$C$54:$G$54)
    ("XNPV", (0.0, [-10.0, 1.0, 5.0, 0.0001, 4.5], [1.0, 99.0, 55.0, 4.0, 9.0]), "#NUM!"),
    # formulas-test.xlsx FINANCIAL!S55: =XIRR($C$55:$G$55,$C$54:$G$54,-0.1)
    ("XIRR", ([-10.0, 1.0, 5.0, 0.0001, 4.5], [1.0, 99.0, 55.0, 4.0, 9.0], -0.1), "#NUM!"),
]


@pytest.mark.parametrize(("name", "args", "expected"), EXCEL_CASES)
def test_matches_excel_workbooks(
    name: str, args: tuple[ArgValue, ...], expected: CellValue
) -> None:
    assert_excel(name, args, expected)


# Closed forms: each expected value follows from the function's definition.
CLOSED_FORM_CASES: list[tuple[str, tuple[ArgValue, ...], CellValue]] = [
    ("PMT", (0.0, 10.0, 1000.0), -100.0),
    ("PMT", (0.1, 2.0, 0.0, 0.0), 0.0),
    ("PMT", (0.05, 0.0, 1000.0), "#NUM!"),
    ("FV", (0.1, 2.0, 0.0, -100.0), 121.0),
    ("PV", (0.1, 2.0, 0.0, 121.0), -100.0),
    ("NPER", (0.0, -100.0, 1000.0), 10.0),
    ("EFFECT", (0.0525, 4.0), (1.0 + 0.0525 / 4.0) ** 4 - 1.0),
    ("EFFECT", (0.0525, 4.9), (1.0 + 0.0525 / 4.0) ** 4 - 1.0),
    ("EFFECT", (0.0, 4.0), "#NUM!"),
    ("NOMINAL", ((1.0 + 0.0525 / 4.0) ** 4 - 1.0, 4.0), 0.0525),
    ("NOMINAL", (0.05, 0.5), "#NUM!"),
    ("FVSCHEDULE", (1.0, [0.09, 0.11, None, 0.1]), 1.09 * 1.11 * 1.1),
    ("ISPMT", (0.1 / 12, 1.0, 36.0, 8e6), 8e6 * 0.1 / 12 * (1.0 / 36.0 - 1.0)),
    ("ISPMT", (0.1, 1.0, 0.0, 100.0), "#DIV/0!"),
    ("PDURATION", (0.025, 2000.0, 2200.0), math.log(1.1) / math.log(1.025)),
    ("PDURATION", (0.0, 2000.0, 2200.0), "#NUM!"),
    ("RRI", (96.0, 10000.0, 11000.0), 1.1 ** (1.0 / 96.0) - 1.0),
    ("RRI", (0.0, 10000.0, 11000.0), "#NUM!"),
    ("SYD", (30000.0, 7500.0, 10.0, 1.0), 22500.0 * 10.0 * 2.0 / 110.0),
    ("SYD", (30000.0, 7500.0, 10.0, 11.0), "#NUM!"),
    ("SLN", (30000.0, 7500.0, 0.0), "#DIV/0!"),
    # Double declining balance: cost * rate * (1 - rate)**(period - 1), floored at salvage.
    ("DDB", (2400.0, 300.0, 10.0, 1.0), 480.0),
    ("DDB", (2400.0, 300.0, 10.0, 2.0, 1.5), 2400.0 * 0.15 * 0.85),
    (
        "DDB",
        (2400.0, 300.0, 10.0, 10.0),
        2400.0 * 0.8**9 - 300.0 if 2400.0 * 0.8**10 < 300.0 else 2400.0 * 0.8**9 * 0.2,
    ),
    ("DDB", (2400.0, 300.0, 10.0, 11.0), "#NUM!"),
    # Every payment's principal adds up to the loan.
    ("CUMPRINC", (0.09 / 12, 360.0, 125000.0, 1.0, 360.0, 0.0), -125000.0),
    (
        "CUMPRINC",
        (0.09 / 12, 360.0, 125000.0, 1.0, 1.0, 0.0),
        -125000.0 * (0.0075 / (1.0 - 1.0075**-360) - 0.0075),
    ),
    ("CUMIPMT", (0.09 / 12, 360.0, 125000.0, 1.0, 1.0, 0.0), -937.5),
    ("CUMIPMT", (0.09 / 12, 360.0, 125000.0, 1.0, 1.0, 1.0), 0.0),
    ("CUMIPMT", (0.09 / 12, 360.0, 125000.0, 0.0, 1.0, 0.0), "#NUM!"),
    ("CUMIPMT", (0.09 / 12, 360.0, 125000.0, 5.0, 4.0, 0.0), "#NUM!"),
    ("NPV", (-1.0, [100.0]), "#DIV/0!"),
    ("NPV", (0.1, [None, 110.0, None, 121.0]), 200.0),
    # MIRR: inflows grown at the reinvestment rate, outflows discounted at the finance rate.
    ("MIRR", ([-100.0, 0.0, 121.0], 0.05, 0.1), 0.1),
    ("MIRR", ([-100.0, 50.0, 60.0], 0.1, 0.2), ((50.0 * 1.2 + 60.0) / 100.0) ** 0.5 - 1.0),
    ("MIRR", ([100.0, 50.0], 0.1, 0.2), "#DIV/0!"),
    ("IRR", ([-100.0, 110.0],), 0.1),
    # Skipped cells take no period, as Excel skips empty cells in the range.
    ("IRR", ([-100.0, None, 121.0],), 0.21),
    ("IRR", ([100.0, 110.0],), "#NUM!"),
    ("IRR", ([-100.0, 0.0, 121.0], 20.0), 0.1),
    ("RATE", (2.0, 0.0, -100.0, 121.0), 0.1),
    ("RATE", (3.0, -100.0, 0.0, 331.0), 0.1),
    ("XNPV", (0.1, [-100.0, 110.0], [36526.0, 36891.0]), 0.0),
    ("XNPV", (0.0, [-100.0, 110.0], [36526.0, 36891.0]), "#NUM!"),
    ("XNPV", (0.1, [-100.0, 110.0], [36526.0, 36525.0]), "#NUM!"),
    ("XIRR", ([-100.0, 110.0], [36526.0, 36891.0]), 0.1),
    ("XIRR", ([-100.0, None, 121.0], [36526.0, 36600.0, 37256.0]), 0.1),
    ("XIRR", ([100.0, 110.0], [36526.0, 36891.0]), "#NUM!"),
    ("XIRR", ([-100.0, 110.0], [36526.0, 36891.0, 37256.0]), "#NUM!"),
    ("XNPV", (0.1, [-100.0, 110.0], [36526.0]), "#NUM!"),
    ("DB", (1000.0, 100.0, 0.0, 1.0), "#NUM!"),
    ("VDB", (2400.0, 300.0, 10.0, 0.0, 1.0), 480.0),
    ("VDB", (2400.0, 300.0, 10.0, 0.0, 11.0), "#NUM!"),
]


@pytest.mark.parametrize(("name", "args", "expected"), CLOSED_FORM_CASES)
def test_closed_forms(name: str, args: tuple[ArgValue, ...], expected: CellValue) -> None:
    assert_excel(name, args, expected)


def test_xnpv_matches_excel_with_dates() -> None:
    # xlcalc-XNPV.xlsx Sheet1!A1: =XNPV(0.09, A2:A6, B2:B6), dates 2008-01-01 .. 2009-01-04
    dates = [39448.0, 39450.0, 39751.0, 39859.0, 39817.0]
    flows = [-10000.0, 2750.0, 4250.0, 3250.0, 2750.0]
    assert_excel("XNPV", (0.09, flows, dates), 2175.27828067982)


def test_irr_solves_every_trial_at_once() -> None:
    flows = np.array([[-100.0, -100.0, 100.0], [110.0, 121.0, 110.0], [0.0, 0.0, 0.0]])
    rates = KERNELS["IRR"].fn(np, flows, np.array(0.1))
    assert rates[:2] == pytest.approx([0.1, 0.21], rel=1e-12)
    assert math.isnan(rates[2])


def test_payment_type_counts_any_nonzero_as_in_advance() -> None:
    in_advance = evaluate_constant(KERNELS["PMT"], 0.1, 10.0, 1000.0, 0.0, 1.0)
    assert evaluate_constant(KERNELS["PMT"], 0.1, 10.0, 1000.0, 0.0, 2.0) == in_advance


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        # formulas-test.xlsx FINANCIAL!S40, U40, V40: =PPMT(D40,"3","33","10000","1") and kin
        (2.0, -3.238280962129199e-11),
        (4.0, -8.590793585459249e-18),
        (5.0, -3.7698552037230904e-20),
    ],
)
def test_tiny_principal_parts_keep_their_relative_precision(rate: float, expected: float) -> None:
    shown = evaluate_constant(KERNELS["PPMT"], rate, 3.0, 33.0, 10000.0, 1.0)
    assert shown == pytest.approx(expected, rel=1e-9, abs=0.0)
