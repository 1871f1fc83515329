"""Statistical kernels against Excel: cached values from Excel-saved workbooks, and closed forms
for the legacy names and the cases those workbooks leave out."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engines.errors import ExcelError
from engines.kernels.statistical import KERNELS
from tests.unit.engines.kernel_checks import ArgValue, CellValue, assert_kernel


def assert_excel(name: str, args: tuple[ArgValue, ...], expected: CellValue) -> None:
    assert_kernel(KERNELS, name, args, expected)


EXCEL_CASES: list[tuple[str, tuple[ArgValue, ...], CellValue]] = [
    # formulas-test.xlsx STATISTICAL!W3: =AVEDEV(G3:H3)
    ("AVEDEV", ([-0.1, None],), 0.0),
    # formulas-test.xlsx STATISTICAL!U3: =AVEDEV(F3:G3,G3:H3,H3:I3)
    ("AVEDEV", ([0.3, -0.1, -0.1, None, None, None],), 0.17777777777777778),
    # formulas-test.xlsx STATISTICAL!AG3: =AVEDEV(H3:J3)
    ("AVEDEV", ([None, None, None],), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!AE3: =AVEDEV(P3:Q3)
    ("AVEDEV", ([None, None],), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!T8: =_xlfn.BETA.DIST(E8,"1","3",5, 0.5, 5)
    ("BETA.DIST", (0.7, 1.0, 3.0, 5.0, 0.5, 5.0), 0.12749519890260627),
    # formulas-test.xlsx STATISTICAL!S8: =_xlfn.BETA.DIST(D8,1,2,FALSE)
    ("BETA.DIST", (5.0, 1.0, 2.0, 0.0, 0.0, 1.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!W8: =_xlfn.BETA.DIST(H8,H8,G8,1)
    ("BETA.DIST", (0.0, 0.0, 4.0, 1.0, 0.0, 1.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!T9: =_xlfn.BETA.INV(0.4,2,E9)
    ("BETA.INV", (0.4, 2.0, 0.7, 0.0, 1.0), 0.7332922921466927),
    # formulas-test.xlsx STATISTICAL!S9: =_xlfn.BETA.INV(D9,2,2)
    ("BETA.INV", (0.1, 2.0, 2.0, 0.0, 1.0), 0.19580010565909176),
    # formulas-test.xlsx STATISTICAL!V9: =_xlfn.BETA.INV(G9,D9,E9)
    ("BETA.INV", (4.0, 0.1, 0.7, 0.0, 1.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!R9: =_xlfn.BETA.INV(C9,4,4)
    ("BETA.INV", (0.0, 4.0, 4.0, 0.0, 1.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!V10: =_xlfn.BINOM.DIST(G10, 7,0.4,1)
    ("BINOM.DIST", (4.0, 7.0, 0.4, 1.0), 0.903744),
    # formulas-test.xlsx STATISTICAL!T10: =_xlfn.BINOM.DIST(E10,"1",".3",5)
    ("BINOM.DIST", (0.7, 1.0, 0.3, 5.0), 0.7),
    # formulas-test.xlsx STATISTICAL!U12: =_xlfn.BINOM.INV(F12,0.4,0.3)
    ("BINOM.INV", (100.0, 0.4, 0.3), 37.0),
    # formulas-test.xlsx STATISTICAL!V12: =_xlfn.BINOM.INV(G12,D12,E12)
    ("BINOM.INV", (4.0, 0.1, 0.7), 1.0),
    # formulas-test.xlsx STATISTICAL!Y12: =_xlfn.BINOM.INV(0.3,J12,2)
    ("BINOM.INV", (0.3, 1.0, 2.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!T13: =_xlfn.CHISQ.DIST(E13,"1",5)
    ("CHISQ.DIST", (0.7, 1.0, 5.0), 0.5972163057535242),
    # formulas-test.xlsx STATISTICAL!V13: =_xlfn.CHISQ.DIST(G13, 7,1)
    ("CHISQ.DIST", (4.0, 7.0, 1.0), 0.22022259152428414),
    # formulas-test.xlsx STATISTICAL!W13: =_xlfn.CHISQ.DIST(H13,H13,1)
    ("CHISQ.DIST", (0.0, 0.0, 1.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!R13: =_xlfn.CHISQ.DIST(C13,,)
    ("CHISQ.DIST", (0.0, 0.0, 0.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!T14: =_xlfn.CHISQ.DIST.RT(E14,"1")
    ("CHISQ.DIST.RT", (0.7, 1.0), 0.4027836942464757),
    # formulas-test.xlsx STATISTICAL!S14: =_xlfn.CHISQ.DIST.RT(D14,10)
    ("CHISQ.DIST.RT", (5.0, 10.0), 0.8911780189141513),
    # formulas-test.xlsx STATISTICAL!R14: =_xlfn.CHISQ.DIST.RT(C14,)
    ("CHISQ.DIST.RT", (0.0, 0.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!U14: =_xlfn.CHISQ.DIST.RT(F14,-1)
    ("CHISQ.DIST.RT", (3.0, -1.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!W15: =_xlfn.CHISQ.INV(H15,3)
    ("CHISQ.INV", (0.0, 3.0), 0.0),
    # formulas-test.xlsx STATISTICAL!V15: =_xlfn.CHISQ.INV(D15,G15)
    ("CHISQ.INV", (0.1, 4.0), 1.0636232167792241),
    # formulas-test.xlsx STATISTICAL!R15: =_xlfn.CHISQ.INV(C15,0.4)
    ("CHISQ.INV", (10.0, 0.4), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!T15: =_xlfn.CHISQ.INV(0.4,E15)
    ("CHISQ.INV", (0.4, 0.7), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!U16: =_xlfn.CHISQ.INV.RT(0.01, F16)
    ("CHISQ.INV.RT", (0.01, 100.0), 135.8067231710268),
    # formulas-test.xlsx STATISTICAL!V16: =_xlfn.CHISQ.INV.RT(D16,G16)
    ("CHISQ.INV.RT", (0.1, 4.0), 7.779440339734858),
    # formulas-test.xlsx STATISTICAL!R16: =_xlfn.CHISQ.INV.RT(C16,0.4)
    ("CHISQ.INV.RT", (10.0, 0.4), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!T16: =_xlfn.CHISQ.INV.RT(0.4,E16)
    ("CHISQ.INV.RT", (0.4, 0.7), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!V18: =_xlfn.CONFIDENCE.NORM(G18, 7,1)
    ("CONFIDENCE.NORM", (0.9, 7.0, 1.0), 0.8796294279855191),
    # formulas-test.xlsx STATISTICAL!T18: =_xlfn.CONFIDENCE.NORM(E18,"1",5)
    ("CONFIDENCE.NORM", (0.7, 1.0, 5.0), 0.17232055120184916),
    # formulas-test.xlsx STATISTICAL!S18: =_xlfn.CONFIDENCE.NORM(D18,10,FALSE)
    ("CONFIDENCE.NORM", (0.32, 10.0, 0.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!W18: =_xlfn.CONFIDENCE.NORM(H18,H18,1)
    ("CONFIDENCE.NORM", (0.0, 0.0, 1.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!S19: =_xlfn.CONFIDENCE.T(D19,10,3)
    ("CONFIDENCE.T", (0.32, 10.0, 3.0), 7.572401854185358),
    # formulas-test.xlsx STATISTICAL!T19: =_xlfn.CONFIDENCE.T(E19,"1",5)
    ("CONFIDENCE.T", (0.7, 1.0, 5.0), 0.18521944067022253),
    # formulas-test.xlsx STATISTICAL!V19: =_xlfn.CONFIDENCE.T(G19, 7,1)
    ("CONFIDENCE.T", (0.9, 7.0, 1.0), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!W19: =_xlfn.CONFIDENCE.T(H19,H19,1)
    ("CONFIDENCE.T", (0.0, 0.0, 1.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!S20: =CORREL(D20:F20,F20:H20)
    ("CORREL", ([0.1, 0.2, 0.3], [0.3, -0.1, None]), -1.0),
    # formulas-test.xlsx STATISTICAL!R20: =CORREL(C20:E20,E20:G20)
    ("CORREL", ([0.0, 0.1, 0.2], [0.2, 0.3, -0.1]), -0.720576692122892),
    # formulas-test.xlsx STATISTICAL!T20: =CORREL(E20:G20,G20:I20)
    ("CORREL", ([0.2, 0.3, -0.1], [-0.1, None, None]), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!AB20: =CORREL(M20:O20,O20:Q20)
    ("CORREL", ([None, None, None], [None, None, None]), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!R26: =_xlfn.COVARIANCE.P(C26:E26,E26:G26)
    ("COVARIANCE.P", ([0.0, 0.1, 0.2], [0.2, 0.3, -0.1]), -0.01),
    # formulas-test.xlsx STATISTICAL!T26: =_xlfn.COVARIANCE.P(E26:G26,G26:I26)
    ("COVARIANCE.P", ([0.2, 0.3, -0.1], [-0.1, None, None]), 0.0),
    # formulas-test.xlsx STATISTICAL!U26: =_xlfn.COVARIANCE.P(F26:H26,H26:J26)
    ("COVARIANCE.P", ([0.3, -0.1, None], [None, None, None]), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!AB26: =_xlfn.COVARIANCE.P(M26:O26,O26:Q26)
    ("COVARIANCE.P", ([None, None, None], [None, None, None]), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!R27: =_xlfn.COVARIANCE.S(C27:E27,E27:G27)
    ("COVARIANCE.S", ([0.0, 0.1, 0.2], [0.2, 0.3, -0.1]), -0.015000000000000001),
    # formulas-test.xlsx STATISTICAL!S27: =_xlfn.COVARIANCE.S(D27:F27,F27:H27)
    ("COVARIANCE.S", ([0.1, 0.2, 0.3], [0.3, -0.1, None]), -0.020000000000000004),
    # formulas-test.xlsx STATISTICAL!AB27: =_xlfn.COVARIANCE.S(M27:O27,O27:Q27)
    ("COVARIANCE.S", ([None, None, None], [None, None, None]), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!T27: =_xlfn.COVARIANCE.S(E27:G27,G27:I27)
    ("COVARIANCE.S", ([0.2, 0.3, -0.1], [-0.1, None, None]), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!W28: =DEVSQ(G28:H28)
    ("DEVSQ", ([-0.1, None],), 0.0),
    # formulas-test.xlsx STATISTICAL!R28: =DEVSQ(C28:D28,D28:E28,E28:F28)
    ("DEVSQ", ([0.0, 0.1, 0.1, 0.2, 0.2, 0.3],), 0.05499999999999999),
    # formulas-test.xlsx STATISTICAL!AE28: =DEVSQ(P28:Q28)
    ("DEVSQ", ([None, None],), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!V29: =_xlfn.EXPON.DIST(G29, 7,1)
    ("EXPON.DIST", (4.0, 7.0, 1.0), 0.9999999999993086),
    # formulas-test.xlsx STATISTICAL!T29: =_xlfn.EXPON.DIST(E29,"1",5)
    ("EXPON.DIST", (0.7, 1.0, 5.0), 0.5034146962085905),
    # formulas-test.xlsx STATISTICAL!R29: =_xlfn.EXPON.DIST(C29,,)
    ("EXPON.DIST", (0.0, 0.0, 0.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!W29: =_xlfn.EXPON.DIST(H29,H29,1)
    ("EXPON.DIST", (0.0, 0.0, 1.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!S30: =_xlfn.F.DIST(D30,10,30,FALSE)
    ("F.DIST", (5.0, 10.0, 30.0, 0.0), 0.0004522453662535341),
    # formulas-test.xlsx STATISTICAL!V30: =_xlfn.F.DIST(G30, 7,4,1)
    ("F.DIST", (4.0, 7.0, 4.0, 1.0), 0.9008158912432747),
    # formulas-test.xlsx STATISTICAL!R30: =_xlfn.F.DIST(C30,,,)
    ("F.DIST", (0.0, 0.0, 0.0, 0.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!W30: =_xlfn.F.DIST(H30,H30,4,1)
    ("F.DIST", (0.0, 0.0, 4.0, 1.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!T31: =_xlfn.F.DIST.RT(E31,3,"1")
    ("F.DIST.RT", (0.7, 3.0, 1.0), 0.6821324563279821),
    # formulas-test.xlsx STATISTICAL!S31: =_xlfn.F.DIST.RT(D31,10,65)
    ("F.DIST.RT", (5.0, 10.0, 65.0), 2.3172483433474348e-05),
    # formulas-test.xlsx STATISTICAL!W31: =_xlfn.F.DIST.RT(H31,H31,32)
    ("F.DIST.RT", (0.0, 0.0, 32.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!U31: =_xlfn.F.DIST.RT(F31,-1,32)
    ("F.DIST.RT", (3.0, -1.0, 32.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!W32: =_xlfn.F.INV(H32,3, 2.22)
    ("F.INV", (0.0, 3.0, 2.22), 0.0),
    # formulas-test.xlsx STATISTICAL!Y32: =_xlfn.F.INV(0.3,J32, 332)
    ("F.INV", (0.3, 1.0, 332.0), 0.14872892753424596),
    # formulas-test.xlsx STATISTICAL!R46: =_xlfn.F.INV(C46,0.4,3)
    ("F.INV", (10.0, 0.4, 3.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!Y33: =_xlfn.F.INV.RT(0.3,J33,12)
    ("F.INV.RT", (0.3, 1.0, 12.0), 1.1733469814074031),
    # formulas-test.xlsx STATISTICAL!U33: =_xlfn.F.INV.RT(0.01, F33,2)
    ("F.INV.RT", (0.01, 100.0, 2.0), 99.48916280843338),
    # formulas-test.xlsx STATISTICAL!R33: =_xlfn.F.INV.RT(C33,0.4, 0.3)
    ("F.INV.RT", (10.0, 0.4, 0.3), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!W33: =_xlfn.F.INV.RT(H33,3,33)
    ("F.INV.RT", (0.0, 3.0, 33.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!S35: =FISHER(D35)
    ("FISHER", (0.1,), 0.10033534773107562),
    # formulas-test.xlsx STATISTICAL!T35: =FISHER(E35)
    ("FISHER", (0.2,), 0.2027325540540821),
    # formulas-test.xlsx STATISTICAL!Y35: =FISHER(J35)
    ("FISHER", (1.0,), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!W36: =FISHERINV(H36)
    ("FISHERINV", (0.0,), 0.0),
    # formulas-test.xlsx STATISTICAL!S36: =FISHERINV(D36)
    ("FISHERINV", (0.1,), 0.09966799462495583),
    # pycel-stats.xlsx Stats!D26: =FORECAST(D2,J6:N6,J3:N3)
    ("FORECAST", (2.5, [1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 2.1, 3.1, 4.1, 5.1]), 1.0),
    # pycel-stats.xlsx Stats!D22: =FORECAST(D2,J5:N5,J3:N3)
    ("FORECAST", (2.5, [1.0, 3.0, 6.0, 9.0, 12.0], [1.0, 2.1, 3.1, 4.1, 5.1]), 4.610684089162182),
    # pycel-stats.xlsx Stats!D20: =FORECAST(D2,J7:N7,J6:N6)
    ("FORECAST", (2.5, [0.0, 0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0, 1.0]), "#DIV/0!"),
    # pycel-stats.xlsx Stats!D15: =FORECAST(D2,J3:N3,J7:N7)
    ("FORECAST", (2.5, [1.0, 2.1, 3.1, 4.1, 5.1], [0.0, 0.0, 0.0, 0.0, 0.0]), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!R42: =_xlfn.FORECAST.LINEAR(D42,{1,7,3,0}, {7,2,9,4})
    ("FORECAST.LINEAR", (0.1, [1.0, 7.0, 3.0, 0.0], [7.0, 2.0, 9.0, 4.0]), 5.077586206896552),
    # formulas-test.xlsx STATISTICAL!AF42: =_xlfn.FORECAST.LINEAR(R42,{1,7,3,0}, {7,2,9,4})
    (
        "FORECAST.LINEAR",
        (5.077586206896552, [1.0, 7.0, 3.0, 0.0], [7.0, 2.0, 9.0, 4.0]),
        2.932074910820452,
    ),
    # formulas-test.xlsx STATISTICAL!S44: =_xlfn.GAMMA(D44)
    ("GAMMA", (0.1,), 9.513507698668732),
    # formulas-test.xlsx STATISTICAL!Y44: =_xlfn.GAMMA(J44)
    ("GAMMA", (1.0,), 1.0),
    # formulas-test.xlsx STATISTICAL!R44: =_xlfn.GAMMA(C44)
    ("GAMMA", (0.0,), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!T45: =_xlfn.GAMMA.DIST(E45,"1",5, 3)
    ("GAMMA.DIST", (0.7, 1.0, 5.0, 3.0), 0.13064176460119417),
    # formulas-test.xlsx STATISTICAL!V45: =_xlfn.GAMMA.DIST(G45, 7,4,1)
    ("GAMMA.DIST", (4.0, 7.0, 4.0, 1.0), 8.324114928802324e-05),
    # formulas-test.xlsx STATISTICAL!W45: =_xlfn.GAMMA.DIST(H45,H45,4,1)
    ("GAMMA.DIST", (0.0, 0.0, 4.0, 1.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!R45: =_xlfn.GAMMA.DIST(C45,,,)
    ("GAMMA.DIST", (0.0, 0.0, 0.0, 0.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!V46: =_xlfn.GAMMA.INV(D46,G46,32)
    ("GAMMA.INV", (0.1, 4.0, 32.0), 55.83262601039717),
    # formulas-test.xlsx STATISTICAL!S46: =_xlfn.GAMMA.INV(D46,90,9)
    ("GAMMA.INV", (0.1, 90.0, 9.0), 702.6868178036511),
    # formulas-test.xlsx STATISTICAL!U47: =GAMMALN(F47)
    ("GAMMALN", (0.3,), 1.0957979948180756),
    # formulas-test.xlsx STATISTICAL!Y47: =GAMMALN(J47)
    ("GAMMALN", (1.0,), 0.0),
    # formulas-test.xlsx STATISTICAL!V47: =GAMMALN(G47)
    ("GAMMALN", (-0.1,), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!W47: =GAMMALN(H47)
    ("GAMMALN", (0.0,), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!T48: =_xlfn.GAMMALN.PRECISE(E48)
    ("GAMMALN.PRECISE", (0.2,), 1.5240638224307845),
    # formulas-test.xlsx STATISTICAL!Y48: =_xlfn.GAMMALN.PRECISE(J48)
    ("GAMMALN.PRECISE", (1.0,), 0.0),
    # formulas-test.xlsx STATISTICAL!V48: =_xlfn.GAMMALN.PRECISE(G48)
    ("GAMMALN.PRECISE", (-0.1,), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!W48: =_xlfn.GAMMALN.PRECISE(H48)
    ("GAMMALN.PRECISE", (0.0,), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!S49: =_xlfn.GAUSS(D49)
    ("GAUSS", (0.1,), 0.03982783727702899),
    # formulas-test.xlsx STATISTICAL!U49: =_xlfn.GAUSS(F49)
    ("GAUSS", (0.3,), 0.11791142218895267),
    # formulas-test.xlsx STATISTICAL!U50: =GEOMEAN(F50:G50,G50:H50,H50:I50)
    ("GEOMEAN", ([0.3, 5.0, 5.0, None, None, None],), 1.9574338205844317),
    # formulas-test.xlsx STATISTICAL!W50: =GEOMEAN(G50:H50)
    ("GEOMEAN", ([5.0, None],), 5.0),
    # formulas-test.xlsx STATISTICAL!R50: =GEOMEAN(C50:D50,D50:E50,E50:F50)
    ("GEOMEAN", ([0.0, 0.1, 0.1, 0.2, 0.2, 0.3],), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!AE50: =GEOMEAN(P50:Q50)
    ("GEOMEAN", ([None, None],), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!R53: =HARMEAN(C53:D53,D53:E53,E53:F53)
    ("HARMEAN", ([4.0, 0.1, 0.1, 0.2, 0.2, 0.3],), 0.17866004962779156),
    # formulas-test.xlsx STATISTICAL!W53: =HARMEAN(G53:H53)
    ("HARMEAN", ([5.0, None],), 5.0),
    # formulas-test.xlsx STATISTICAL!AE53: =HARMEAN(P53:Q53)
    ("HARMEAN", ([None, None],), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!V53: =HARMEAN(G53:H53,H53:I53,I53:J53,0)
    ("HARMEAN", ([5.0, None, None, None, None, None, 0.0],), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!R54: =_xlfn.HYPGEOM.DIST(C54,,,,)
    ("HYPGEOM.DIST", (0.0, 0.0, 0.0, 0.0, 0.0), 1.0),
    # formulas-test.xlsx STATISTICAL!W54: =_xlfn.HYPGEOM.DIST(H54,H54,4,4,1)
    ("HYPGEOM.DIST", (0.0, 0.0, 4.0, 4.0, 1.0), 1.0),
    # formulas-test.xlsx STATISTICAL!V54: =_xlfn.HYPGEOM.DIST(G54,3, 7,4,1)
    ("HYPGEOM.DIST", (4.0, 3.0, 7.0, 4.0, 1.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!S54: =_xlfn.HYPGEOM.DIST(D54,10,30,7,FALSE)
    ("HYPGEOM.DIST", (5.0, 10.0, 30.0, 7.0, 0.0), "#NUM!"),
    # pycel-stats.xlsx Stats!C26: =INTERCEPT(J6:N6,J3:N3)
    ("INTERCEPT", ([1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 2.1, 3.1, 4.1, 5.1]), 1.0),
    # pycel-stats.xlsx Stats!C19: =INTERCEPT(J6:N6,J5:N5)
    ("INTERCEPT", ([1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 3.0, 6.0, 9.0, 12.0]), 1.0),
    # pycel-stats.xlsx Stats!C15: =INTERCEPT(J3:N3,J7:N7)
    ("INTERCEPT", ([1.0, 2.1, 3.1, 4.1, 5.1], [0.0, 0.0, 0.0, 0.0, 0.0]), "#DIV/0!"),
    # pycel-stats.xlsx Stats!C13: =INTERCEPT(J4:N4,J7:N7)
    ("INTERCEPT", ([-2.0, -4.0, -7.0, -9.0, -11.0], [0.0, 0.0, 0.0, 0.0, 0.0]), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!R56: =KURT(C56:D56,D56:E56,E56:F56)
    ("KURT", ([4.0, 0.1, 0.1, 0.2, 0.2, 0.3],), 5.951621437925667),
    # formulas-test.xlsx STATISTICAL!AB56: =KURT(M56:N56)
    ("KURT", ([None, None],), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!W56: =KURT(G56:H56)
    ("KURT", ([5.0, None],), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!S57: =LARGE($C57:$J57,2)
    ("LARGE", ([0.1, -10.0, 0.9, 2.2, -0.1, None, None, None], 2.0), 0.9),
    # formulas-test.xlsx STATISTICAL!V57: =LARGE($C57:$J57,4)
    ("LARGE", ([0.1, -10.0, 0.9, 2.2, -0.1, None, None, None], 4.0), -0.1),
    # formulas-test.xlsx STATISTICAL!W57: =LARGE($C57:$J57,H57)
    ("LARGE", ([0.1, -10.0, 0.9, 2.2, -0.1, None, None, None], 0.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!S60: =_xlfn.LOGNORM.DIST(D60,1,2,FALSE)
    ("LOGNORM.DIST", (5.0, 1.0, 2.0, 0.0), 0.038084403129689026),
    # formulas-test.xlsx STATISTICAL!T60: =_xlfn.LOGNORM.DIST(E60,"1","3",5)
    ("LOGNORM.DIST", (0.7, 1.0, 3.0, 5.0), 0.32555345664186924),
    # formulas-test.xlsx STATISTICAL!R60: =_xlfn.LOGNORM.DIST(C60,,,)
    ("LOGNORM.DIST", (0.0, 0.0, 0.0, 0.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!V60: =_xlfn.LOGNORM.DIST(G60, 0,0,1)
    ("LOGNORM.DIST", (4.0, 0.0, 0.0, 1.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!T61: =_xlfn.LOGNORM.INV(0.4,2,E61)
    ("LOGNORM.INV", (0.4, 2.0, 0.7), 6.18827905473437),
    # formulas-test.xlsx STATISTICAL!S61: =_xlfn.LOGNORM.INV(D61,2,2)
    ("LOGNORM.INV", (0.1, 2.0, 2.0), 0.5694392746085291),
    # formulas-test.xlsx STATISTICAL!V61: =_xlfn.LOGNORM.INV(G61,D61,E61)
    ("LOGNORM.INV", (4.0, 0.1, 0.7), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!R61: =_xlfn.LOGNORM.INV(C61,4,4)
    ("LOGNORM.INV", (0.0, 4.0, 4.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!W65: =MEDIAN(G65:H65)
    ("MEDIAN", ([0.1, None],), 0.1),
    # formulas-test.xlsx STATISTICAL!V65: =MEDIAN(G65:H65,H65:I65,I65:J65)
    ("MEDIAN", ([0.1, None, None, None, None, None],), 0.1),
    # formulas-test.xlsx STATISTICAL!AG65: =MEDIAN(H65:J65)
    ("MEDIAN", ([None, None, None],), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!AE65: =MEDIAN(P65:Q65)
    ("MEDIAN", ([None, None],), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!U71: =_xlfn.MODE.SNGL(F71:G71,G71:H71,H71:I71)
    ("MODE.SNGL", ([0.3, -0.1, -0.1, None, None, None],), -0.1),
    # formulas-test.xlsx STATISTICAL!R71: =_xlfn.MODE.SNGL(C71:D71,D71:E71,E71:F71)
    ("MODE.SNGL", ([0.0, 0.1, 0.1, 0.2, 0.2, 0.3],), 0.1),
    # formulas-test.xlsx STATISTICAL!W71: =_xlfn.MODE.SNGL(G71:H71)
    ("MODE.SNGL", ([-0.1, None],), "#N/A"),
    # formulas-test.xlsx STATISTICAL!V71: =_xlfn.MODE.SNGL(G71:H71,H71:I71,I71:J71)
    ("MODE.SNGL", ([-0.1, None, None, None, None, None],), "#N/A"),
    # formulas-test.xlsx STATISTICAL!S72: =_xlfn.NEGBINOM.DIST(D72,10,0.2,FALSE)
    ("NEGBINOM.DIST", (5.0, 10.0, 0.2, 0.0), 6.717597286399994e-05),
    # formulas-test.xlsx STATISTICAL!T72: =_xlfn.NEGBINOM.DIST(E72,"1",".3",5)
    ("NEGBINOM.DIST", (0.7, 1.0, 0.3, 5.0), 0.3),
    # formulas-test.xlsx STATISTICAL!R72: =_xlfn.NEGBINOM.DIST(C72,,,)
    ("NEGBINOM.DIST", (0.0, 0.0, 0.0, 0.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!W72: =_xlfn.NEGBINOM.DIST(H72,H72,G72/7,1)
    ("NEGBINOM.DIST", (0.0, 0.0, 0.5714285714285714, 1.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!W73: =_xlfn.NORM.DIST(H73,H73,G73,1)
    ("NORM.DIST", (0.0, 0.0, 4.0, 1.0), 0.5),
    # formulas-test.xlsx STATISTICAL!T73: =_xlfn.NORM.DIST(E73,"1","3",5)
    ("NORM.DIST", (0.7, 1.0, 3.0, 5.0), 0.460172162722971),
    # formulas-test.xlsx STATISTICAL!V73: =_xlfn.NORM.DIST(G73, 0,0,1)
    ("NORM.DIST", (4.0, 0.0, 0.0, 1.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!R73: =_xlfn.NORM.DIST(C73,,,)
    ("NORM.DIST", (0.0, 0.0, 0.0, 0.0), "#NUM!"),
    # formulas-test.xlsx COMPATIBILITY!T25: =_xlfn.NORM.INV(0.4,2,E25)
    ("NORM.INV", (0.4, 2.0, 0.7), 1.82265702780494),
    # formulas-test.xlsx COMPATIBILITY!U25: =_xlfn.NORM.INV(F25,4,3)
    ("NORM.INV", (0.002, 4.0, 3.0), -4.634485217286448),
    # formulas-test.xlsx COMPATIBILITY!W25: =_xlfn.NORM.INV(H25,3,2)
    ("NORM.INV", (0.0, 3.0, 2.0), "#NUM!"),
    # formulas-test.xlsx COMPATIBILITY!R25: =_xlfn.NORM.INV(C25,4,4)
    ("NORM.INV", (0.0, 4.0, 4.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!Y74: =_xlfn.NORM.S.DIST(J74,1)
    ("NORM.S.DIST", (1.0, 1.0), 0.841344746068543),
    # formulas-test.xlsx STATISTICAL!R74: =_xlfn.NORM.S.DIST(C74,)
    ("NORM.S.DIST", (0.0, 0.0), 0.3989422804014327),
    # formulas-test.xlsx STATISTICAL!U75: =_xlfn.NORM.S.INV(F75)
    ("NORM.S.INV", (0.002,), -2.8781617390954826),
    # formulas-test.xlsx STATISTICAL!T75: =_xlfn.NORM.S.INV(E75)
    ("NORM.S.INV", (0.7,), 0.5244005127080408),
    # formulas-test.xlsx STATISTICAL!V75: =_xlfn.NORM.S.INV(G75)
    ("NORM.S.INV", (4.0,), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!R75: =_xlfn.NORM.S.INV(C75)
    ("NORM.S.INV", (0.0,), "#NUM!"),
    # formulas-test.xlsx COMPATIBILITY!W26: =NORMDIST(H26,H26,G26,1)
    ("NORMDIST", (0.0, 0.0, 4.0, 1.0), 0.5),
    # formulas-test.xlsx COMPATIBILITY!T26: =NORMDIST(E26,"1","3",5)
    ("NORMDIST", (0.7, 1.0, 3.0, 5.0), 0.460172162722971),
    # formulas-test.xlsx COMPATIBILITY!R26: =NORMDIST(C26,,,)
    ("NORMDIST", (0.0, 0.0, 0.0, 0.0), "#NUM!"),
    # formulas-test.xlsx COMPATIBILITY!V26: =NORMDIST(G26, 0,0,1)
    ("NORMDIST", (4.0, 0.0, 0.0, 1.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!Y76: =NORMINV(0.3,J76,2)
    ("NORMINV", (0.3, 1.0, 2.0), -0.04880102541608178),
    # formulas-test.xlsx STATISTICAL!T76: =NORMINV(0.4,2,E76)
    ("NORMINV", (0.4, 2.0, 0.7), 1.82265702780494),
    # formulas-test.xlsx STATISTICAL!R76: =NORMINV(C76,4,4)
    ("NORMINV", (0.0, 4.0, 4.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!W76: =NORMINV(H76,3,2)
    ("NORMINV", (0.0, 3.0, 2.0), "#NUM!"),
    # formulas-test.xlsx COMPATIBILITY!Y27: =NORMSDIST(J27)
    ("NORMSDIST", (1.0,), 0.841344746068543),
    # formulas-test.xlsx COMPATIBILITY!V27: =NORMSDIST(G27)
    ("NORMSDIST", (4.0,), 0.9999683287581669),
    # formulas-test.xlsx COMPATIBILITY!U28: =NORMSINV(F28)
    ("NORMSINV", (0.002,), -2.8781617390954826),
    # formulas-test.xlsx COMPATIBILITY!T28: =NORMSINV(E28)
    ("NORMSINV", (0.7,), 0.5244005127080408),
    # formulas-test.xlsx COMPATIBILITY!Y28: =NORMSINV(J28)
    ("NORMSINV", (1.0,), "#NUM!"),
    # formulas-test.xlsx COMPATIBILITY!R28: =NORMSINV(C28)
    ("NORMSINV", (0.0,), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!U77: =PEARSON(D76:E77,F76:G77)
    ("PEARSON", ([-0.1, 0.7, 3.2, 0.7], [0.002, 4.0, 2.0, 4.0]), 0.09080019082970635),
    # formulas-test.xlsx STATISTICAL!S77: =PEARSON(D77:E77,E77:G77)
    ("PEARSON", ([3.2, 0.7], [0.7, 2.0, 4.0]), "#N/A"),
    # formulas-test.xlsx STATISTICAL!R77: =PEARSON(C76:D77,E74:E77)
    ("PEARSON", ([0.0, -0.1, 10.0, 3.2], [0.7, 0.7, 0.7, 0.7]), "#DIV/0!"),
    # formulas-test.xlsx COMPATIBILITY!S29: =PERCENTILE(C29:H29,E29)
    ("PERCENTILE", ([0.0, -10.0, 0.9, 0.1, -0.1, None], 0.9), 0.5799999999999997),
    # formulas-test.xlsx COMPATIBILITY!X29: =PERCENTILE(E29:I29,J29)
    ("PERCENTILE", ([0.9, 0.1, -0.1, None, None], 1.0), 0.9),
    # formulas-test.xlsx COMPATIBILITY!U29: =PERCENTILE(F29:G29,G29)
    ("PERCENTILE", ([0.1, -0.1], -0.1), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!R78: =_xlfn.PERCENTILE.EXC(C78:F78,".2")
    ("PERCENTILE.EXC", ([0.0, -10.0, 0.9, 0.1], 0.2), -10.0),
    # formulas-test.xlsx STATISTICAL!S78: =_xlfn.PERCENTILE.EXC(C78:H78,E78)
    ("PERCENTILE.EXC", ([0.0, -10.0, 0.9, 0.1, -0.1, None], 0.9), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!U78: =_xlfn.PERCENTILE.EXC(F78:G78,G78)
    ("PERCENTILE.EXC", ([0.1, -0.1], -0.1), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!X79: =_xlfn.PERCENTILE.INC(E79:I79,J79)
    ("PERCENTILE.INC", ([0.9, 0.1, -0.1, None, None], 1.0), 0.9),
    # formulas-test.xlsx STATISTICAL!T79: =_xlfn.PERCENTILE.INC(E79:F79,F79)
    ("PERCENTILE.INC", ([0.9, 0.1], 0.1), 0.18000000000000008),
    # formulas-test.xlsx STATISTICAL!U79: =_xlfn.PERCENTILE.INC(F79:G79,G79)
    ("PERCENTILE.INC", ([0.1, -0.1], -0.1), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!W80: =_xlfn.PERCENTRANK.EXC(C80:I80,3,2)
    ("PERCENTRANK.EXC", ([0.0, 0.1, 0.7, 0.002, 4.0, None, None], 3.0, 2.0), 0.78),
    # formulas-test.xlsx STATISTICAL!U80: =_xlfn.PERCENTRANK.EXC(C80:I80,4,3)
    ("PERCENTRANK.EXC", ([0.0, 0.1, 0.7, 0.002, 4.0, None, None], 4.0, 3.0), 0.833),
    # formulas-test.xlsx STATISTICAL!V80: =_xlfn.PERCENTRANK.EXC(C80:I80,D80,E80)
    ("PERCENTRANK.EXC", ([0.0, 0.1, 0.7, 0.002, 4.0, None, None], 0.1, 0.7), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!T80: =_xlfn.PERCENTRANK.EXC(C80:I80,2,E80)
    ("PERCENTRANK.EXC", ([0.0, 0.1, 0.7, 0.002, 4.0, None, None], 2.0, 0.7), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!R81: =_xlfn.PERCENTRANK.INC(C81:J81,4,4)
    ("PERCENTRANK.INC", ([0.0, 0.1, 0.7, 0.002, 4.0, None, None, None], 4.0, 4.0), 1.0),
    # formulas-test.xlsx STATISTICAL!W81: =_xlfn.PERCENTRANK.INC(C81:I81,3,2)
    ("PERCENTRANK.INC", ([0.0, 0.1, 0.7, 0.002, 4.0, None, None], 3.0, 2.0), 0.92),
    # formulas-test.xlsx STATISTICAL!V81: =_xlfn.PERCENTRANK.INC(C81:I81,D81,E81)
    ("PERCENTRANK.INC", ([0.0, 0.1, 0.7, 0.002, 4.0, None, None], 0.1, 0.7), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!T81: =_xlfn.PERCENTRANK.INC(C81:I81,2,E81)
    ("PERCENTRANK.INC", ([0.0, 0.1, 0.7, 0.002, 4.0, None, None], 2.0, 0.7), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!S84: =_xlfn.PHI(D84)
    ("PHI", (1.0,), 0.24197072451914337),
    # formulas-test.xlsx STATISTICAL!W84: =_xlfn.PHI(H84)
    ("PHI", (0.0,), 0.3989422804014327),
    # formulas-test.xlsx STATISTICAL!S85: =_xlfn.POISSON.DIST(D85,10,FALSE)
    ("POISSON.DIST", (5.0, 10.0, 0.0), 0.037833274802070715),
    # formulas-test.xlsx STATISTICAL!V85: =_xlfn.POISSON.DIST(G85, 7,1)
    ("POISSON.DIST", (4.0, 7.0, 1.0), 0.17299160788207132),
    # formulas-test.xlsx COMPATIBILITY!T32: =QUARTILE(E32:F32,F32)
    ("QUARTILE", ([0.9, 2.2], 2.2), 1.5500000000000003),
    # formulas-test.xlsx COMPATIBILITY!R32: =QUARTILE(C32:D32,"2")
    ("QUARTILE", ([0.0, -10.0], 2.0), -5.0),
    # formulas-test.xlsx STATISTICAL!AG54: =_xlfn.HYPGEOM.DIST(C54:Q54,2,3,3,1), C54 being 0
    ("HYPGEOM.DIST", (0.0, 2.0, 3.0, 3.0, 1.0), 0.0),
    ("HYPGEOM.DIST", (0.0, 2.0, 3.0, 3.0, 0.0), "#NUM!"),
    # formulas-test.xlsx COMPATIBILITY!U32: =QUARTILE(F32:G32,G32)
    ("QUARTILE", ([2.2, -0.1], -0.1), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!T87: =_xlfn.QUARTILE.EXC(E87:F87,F87)
    ("QUARTILE.EXC", ([0.9, 2.2], 2.2), 1.5500000000000003),
    # formulas-test.xlsx STATISTICAL!X87: =_xlfn.QUARTILE.EXC(E87:I87,J87)
    ("QUARTILE.EXC", ([0.9, 2.2, -0.1, None, None], 1.0), -0.1),
    # formulas-test.xlsx STATISTICAL!V87: =_xlfn.QUARTILE.EXC(D87:H87,H87)
    ("QUARTILE.EXC", ([-10.0, 0.9, 2.2, -0.1, None], 0.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!U87: =_xlfn.QUARTILE.EXC(E87:F87,1)
    ("QUARTILE.EXC", ([0.9, 2.2], 1.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!R88: =_xlfn.QUARTILE.INC(C88:D88,"2")
    ("QUARTILE.INC", ([0.0, -10.0], 2.0), -5.0),
    # formulas-test.xlsx STATISTICAL!U88: =_xlfn.QUARTILE.INC(E88:F88,1)
    ("QUARTILE.INC", ([0.9, 2.2], 1.0), 1.225),
    # formulas-test.xlsx STATISTICAL!T89: =_xlfn.RANK.AVG(F89,C89:J89,0)
    ("RANK.AVG", (2.2, [0.0, -10.0, 0.0, 2.2, -0.1, None, None, None], 0.0), 1.0),
    # formulas-test.xlsx STATISTICAL!W89: =_xlfn.RANK.AVG(H89,C89:J89,1)
    ("RANK.AVG", (0.0, [0.0, -10.0, 0.0, 2.2, -0.1, None, None, None], 1.0), 3.5),
    # formulas-test.xlsx STATISTICAL!R89: =_xlfn.RANK.AVG(2,C89:F89,1)
    ("RANK.AVG", (2.0, [0.0, -10.0, 0.0, 2.2], 1.0), "#N/A"),
    # formulas-test.xlsx STATISTICAL!Y89: =_xlfn.RANK.AVG(J89,C89:J89,1)
    ("RANK.AVG", (1.0, [0.0, -10.0, 0.0, 2.2, -0.1, None, None, None], 1.0), "#N/A"),
    # formulas-test.xlsx STATISTICAL!T90: =_xlfn.RANK.EQ(F90,C90:J90,0)
    ("RANK.EQ", (2.2, [0.0, -10.0, 0.0, 2.2, -0.1, None, None, None], 0.0), 1.0),
    # formulas-test.xlsx STATISTICAL!S90: =_xlfn.RANK.EQ(0,C90:J90,1)
    ("RANK.EQ", (0.0, [0.0, -10.0, 0.0, 2.2, -0.1, None, None, None], 1.0), 3.0),
    # formulas-test.xlsx STATISTICAL!Y90: =_xlfn.RANK.EQ(J90,C90:J90,1)
    ("RANK.EQ", (1.0, [0.0, -10.0, 0.0, 2.2, -0.1, None, None, None], 1.0), "#N/A"),
    # formulas-test.xlsx STATISTICAL!R90: =_xlfn.RANK.EQ(2,C90:F90,1)
    ("RANK.EQ", (2.0, [0.0, -10.0, 0.0, 2.2], 1.0), "#N/A"),
    # formulas-test.xlsx STATISTICAL!R91: =RSQ(C90:D91,E88:E91)
    ("RSQ", ([0.0, -10.0, 10.0, 3.2], [0.9, 0.0, 0.0, 0.7]), 0.006723630760610738),
    # formulas-test.xlsx STATISTICAL!U91: =RSQ(D91,F91)
    ("RSQ", ([3.2], [2.0]), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!V91: =RSQ(G91:I91,H91:J91)
    ("RSQ", ([4.0, None, None], [None, None, None]), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!U92: =SKEW(F92:G92,G92:H92,H92:I92)
    ("SKEW", ([0.3, -0.1, -0.1, None, None, None],), 1.7320508075688767),
    # formulas-test.xlsx STATISTICAL!R92: =SKEW(C92:D92,D92:E92,E92:F92)
    ("SKEW", ([0.0, 0.1, 0.1, 0.2, 0.2, 0.3],), -1.199040866595169e-15),
    # formulas-test.xlsx STATISTICAL!AB92: =SKEW(M92:N92)
    ("SKEW", ([None, None],), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!Y92: =SKEW(J92,G92)
    ("SKEW", ([1.0, -0.1],), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!R93: =_xlfn.SKEW.P(C93:D93,D93:E93,E93:F93)
    ("SKEW.P", ([0.0, 0.1, 0.1, 0.2, 0.2, 0.3],), -5.921189464667501e-16),
    # formulas-test.xlsx STATISTICAL!U93: =_xlfn.SKEW.P(F93:G93,G93:H93,H93:I93)
    ("SKEW.P", ([0.3, -0.1, -0.1, None, None, None],), 0.7071067811865476),
    # formulas-test.xlsx STATISTICAL!W93: =_xlfn.SKEW.P(G93:H93)
    ("SKEW.P", ([-0.1, None],), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!V93: =_xlfn.SKEW.P(G93:H93,H93:I93,I93:J93)
    ("SKEW.P", ([-0.1, None, None, None, None, None],), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!S94: =SLOPE(D94:F94,F94:H94)
    ("SLOPE", ([0.1, 0.2, 0.3], [0.3, -0.1, None]), -0.25),
    # formulas-test.xlsx STATISTICAL!AG94: =SLOPE(C94:E94,E94:G94)
    ("SLOPE", ([0.0, 0.1, 0.2], [0.2, 0.3, -0.1]), -0.34615384615384615),
    # pycel-stats.xlsx Stats!B13: =SLOPE(J4:N4,J7:N7)
    ("SLOPE", ([-2.0, -4.0, -7.0, -9.0, -11.0], [0.0, 0.0, 0.0, 0.0, 0.0]), "#DIV/0!"),
    # pycel-stats.xlsx Stats!R3: =SLOPE(J3:N3,K4:N4)
    ("SLOPE", ([1.0, 2.1, 3.1, 4.1, 5.1], [-4.0, -7.0, -9.0, -11.0]), "#N/A"),
    # formulas-test.xlsx STATISTICAL!R95: =SMALL($C95:$J95,"1")
    ("SMALL", ([0.0, -10.0, 0.9, 2.2, -0.1, None, None, None], 1.0), -10.0),
    # formulas-test.xlsx STATISTICAL!S95: =SMALL($C95:$J95,2)
    ("SMALL", ([0.0, -10.0, 0.9, 2.2, -0.1, None, None, None], 2.0), -0.1),
    # formulas-test.xlsx STATISTICAL!W95: =SMALL($C95:$J95,H95)
    ("SMALL", ([0.0, -10.0, 0.9, 2.2, -0.1, None, None, None], 0.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!S96: =STANDARDIZE(D96,E96,F96)
    ("STANDARDIZE", (-10.0, 0.9, 2.2), -4.954545454545454),
    # formulas-test.xlsx STATISTICAL!R96: =STANDARDIZE(C96,D96,E96)
    ("STANDARDIZE", (0.0, -10.0, 0.9), 11.11111111111111),
    # formulas-test.xlsx STATISTICAL!T96: =STANDARDIZE(E96,F96,G96)
    ("STANDARDIZE", (0.9, 2.2, -0.1), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!U96: =STANDARDIZE(F96,G96,H96)
    ("STANDARDIZE", (2.2, -0.1, 0.0), "#NUM!"),
    # formulas-test.xlsx COMPATIBILITY!V34: =STDEV(F34:H34,H34:I34,I34:J34)
    ("STDEV", ([2.2, -0.1, None, None, None, None, None],), 1.6263455967290594),
    # formulas-test.xlsx COMPATIBILITY!R34: =STDEV(C34:D34,D34:E34,E34:F34,"2")
    ("STDEV", ([0.0, -10.0, -10.0, 0.9, 0.9, 2.2, 2.0],), 5.514526271584894),
    # formulas-test.xlsx COMPATIBILITY!U34: =STDEV(G34:H34)
    ("STDEV", ([-0.1, None],), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!W97: =_xlfn.STDEV.P(G97:H97)
    ("STDEV.P", ([-0.1, None],), 0.0),
    # formulas-test.xlsx STATISTICAL!R97: =_xlfn.STDEV.P(C97:D97,D97:E97,E97:F97,"2")
    ("STDEV.P", ([0.0, -10.0, -10.0, 0.9, 0.9, 2.2, 2.0],), 5.105459262957083),
    # formulas-test.xlsx STATISTICAL!AB97: =_xlfn.STDEV.P(M97:N97)
    ("STDEV.P", ([None, None],), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!R98: =_xlfn.STDEV.S(C98:D98,D98:E98,E98:F98,"2")
    ("STDEV.S", ([0.0, -10.0, -10.0, 0.9, 0.9, 2.2, 2.0],), 5.514526271584894),
    # formulas-test.xlsx STATISTICAL!AG98: =_xlfn.STDEV.S(F98:J98)
    ("STDEV.S", ([2.2, -0.1, None, None, None],), 1.6263455967290594),
    # formulas-test.xlsx STATISTICAL!U98: =_xlfn.STDEV.S(G98:H98)
    ("STDEV.S", ([-0.1, None],), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!Y99: =STDEVA(J99,G99)
    ("STDEVA", ([1.0, -0.1],), 0.7778174593052023),
    # formulas-test.xlsx STATISTICAL!R99: =STDEVA(C99:D99,D99:E99,E99:F99,"2")
    ("STDEVA", ([0.0, -10.0, -10.0, 0.9, 0.9, 2.2, 2.0],), 5.514526271584894),
    # formulas-test.xlsx STATISTICAL!W99: =STDEVA(G99:H99)
    ("STDEVA", ([-0.1, None],), "#DIV/0!"),
    # formulas-test.xlsx COMPATIBILITY!V35: =STDEVP(G35:H35,H35:I35,I35:J35)
    ("STDEVP", ([-0.1, None, None, None, None, None],), 0.0),
    # formulas-test.xlsx COMPATIBILITY!W35: =STDEVP(G35:H35)
    ("STDEVP", ([-0.1, None],), 0.0),
    # formulas-test.xlsx COMPATIBILITY!AB35: =STDEVP(M35:N35)
    ("STDEVP", ([None, None],), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!R100: =STDEVPA(C100:D100,D100:E100,E100:F100,"2")
    ("STDEVPA", ([0.0, -10.0, -10.0, 0.9, 0.9, 2.2, 2.0],), 5.105459262957083),
    # formulas-test.xlsx STATISTICAL!W100: =STDEVPA(G100:H100)
    ("STDEVPA", ([-0.1, None],), 0.0),
    # formulas-test.xlsx STATISTICAL!AB100: =STDEVPA(M100:N100)
    ("STDEVPA", ([None, None],), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!R101: =STEYX(C100:D101,E98:E101)
    ("STEYX", ([0.0, -10.0, 10.0, 3.2], [0.9, 0.9, 0.9, 0.7]), 10.0),
    # formulas-test.xlsx STATISTICAL!V101: =STEYX(G101:I101,H101:J101)
    ("STEYX", ([4.0, None, None], [None, None, None]), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!W101: =STEYX(H101:I101,E101:G101)
    ("STEYX", ([None, None], [0.7, 2.0, 4.0]), "#N/A"),
    # formulas-test.xlsx STATISTICAL!V102: =_xlfn.T.DIST(G102, 7,1)
    ("T.DIST", (4.0, 7.0, 1.0), 0.9974050433253516),
    # formulas-test.xlsx STATISTICAL!T102: =_xlfn.T.DIST(E102,"1",5)
    ("T.DIST", (0.7, 1.0, 5.0), 0.6944001122142147),
    # formulas-test.xlsx STATISTICAL!R102: =_xlfn.T.DIST(C102,,)
    ("T.DIST", (0.0, 0.0, 0.0), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!T103: =_xlfn.T.DIST.2T(E103,"1")
    ("T.DIST.2T", (0.7, 1.0), 0.6111997755715705),
    # formulas-test.xlsx STATISTICAL!V103: =_xlfn.T.DIST.2T(G103, 7)
    ("T.DIST.2T", (4.0, 7.0), 0.0051899133492968146),
    # formulas-test.xlsx STATISTICAL!R103: =_xlfn.T.DIST.2T(C103,)
    ("T.DIST.2T", (0.0, 0.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!T104: =_xlfn.T.DIST.RT(E104,"1")
    ("T.DIST.RT", (0.7, 1.0), 0.30559988778578523),
    # formulas-test.xlsx STATISTICAL!V104: =_xlfn.T.DIST.RT(G104, 7)
    ("T.DIST.RT", (4.0, 7.0), 0.0025949566746484073),
    # formulas-test.xlsx STATISTICAL!W104: =_xlfn.T.DIST.RT(H104,H104)
    ("T.DIST.RT", (0.0, 0.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!U104: =_xlfn.T.DIST.RT(F104,-1)
    ("T.DIST.RT", (3.0, -1.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!S105: =_xlfn.T.INV(D105,9)
    ("T.INV", (0.1, 9.0), -1.383028738396632),
    # formulas-test.xlsx STATISTICAL!V105: =_xlfn.T.INV(D105,G105)
    ("T.INV", (0.1, 4.0), -1.5332062740589443),
    # formulas-test.xlsx STATISTICAL!W105: =_xlfn.T.INV(H105,3)
    ("T.INV", (0.0, 3.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!T105: =_xlfn.T.INV(0.4,E105)
    ("T.INV", (0.4, 0.7), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!Y106: =_xlfn.T.INV.2T(0.3,J106)
    ("T.INV.2T", (0.3, 1.0), 1.9626105055051506),
    # formulas-test.xlsx STATISTICAL!U106: =_xlfn.T.INV.2T(0.01, F106)
    ("T.INV.2T", (0.01, 100.0), 2.625890521438018),
    # formulas-test.xlsx STATISTICAL!W106: =_xlfn.T.INV.2T(H106,3)
    ("T.INV.2T", (0.0, 3.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!T106: =_xlfn.T.INV.2T(0.4,E106)
    ("T.INV.2T", (0.4, 0.7), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!U115: =TRIMMEAN($C115:$J115,F115)
    ("TRIMMEAN", ([0.0, 1.0, 0.7, 0.2, -1.0, None, None, None], 0.2), 0.18),
    # formulas-test.xlsx STATISTICAL!R115: =TRIMMEAN($C115:$J115,C115)
    ("TRIMMEAN", ([0.0, 1.0, 0.7, 0.2, -1.0, None, None, None], 0.0), 0.18),
    # formulas-test.xlsx STATISTICAL!S115: =TRIMMEAN($C115:$J115,D115)
    ("TRIMMEAN", ([0.0, 1.0, 0.7, 0.2, -1.0, None, None, None], 1.0), "#NUM!"),
    # formulas-test.xlsx COMPATIBILITY!R39: =VAR(C39:D39,D39:E39,E39:F39,"2")
    ("VAR", ([0.0, -10.0, -10.0, 0.9, 0.9, 2.2, 2.0],), 30.409999999999997),
    # formulas-test.xlsx COMPATIBILITY!V39: =VAR(F39:H39,H39:I39,I39:J39)
    ("VAR", ([2.2, -0.1, None, None, None, None, None],), 2.6450000000000005),
    # formulas-test.xlsx COMPATIBILITY!W39: =VAR(G39:H39)
    ("VAR", ([-0.1, None],), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!V116: =_xlfn.VAR.P(G116:H116,H116:I116,I116:J116)
    ("VAR.P", ([-0.1, None, None, None, None, None],), 0.0),
    # formulas-test.xlsx STATISTICAL!W116: =_xlfn.VAR.P(G116:H116)
    ("VAR.P", ([-0.1, None],), 0.0),
    # formulas-test.xlsx STATISTICAL!AB116: =_xlfn.VAR.P(M116:N116)
    ("VAR.P", ([None, None],), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!AG117: =_xlfn.VAR.S(F117:J117)
    ("VAR.S", ([2.2, -0.1, None, None, None],), 2.6450000000000005),
    # formulas-test.xlsx STATISTICAL!V117: =_xlfn.VAR.S(F117:H117,H117:I117,I117:J117)
    ("VAR.S", ([2.2, -0.1, None, None, None, None, None],), 2.6450000000000005),
    # formulas-test.xlsx STATISTICAL!U117: =_xlfn.VAR.S(G117:H117)
    ("VAR.S", ([-0.1, None],), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!Y118: =VARA(J118,G118)
    ("VARA", ([1.0, -0.1],), 0.605),
    # formulas-test.xlsx STATISTICAL!R118: =VARA(C118:D118,D118:E118,E118:F118,"2")
    ("VARA", ([0.0, -10.0, -10.0, 0.9, 0.9, 2.2, 2.0],), 30.409999999999997),
    # formulas-test.xlsx STATISTICAL!W118: =VARA(G118:H118)
    ("VARA", ([-0.1, None],), "#DIV/0!"),
    # formulas-test.xlsx COMPATIBILITY!AG40: =VARP(F40:J40)
    ("VARP", ([2.2, -0.1, None, None, None],), 1.3225000000000002),
    # formulas-test.xlsx COMPATIBILITY!V40: =VARP(G40:H40,H40:I40,I40:J40)
    ("VARP", ([-0.1, None, None, None, None, None],), 0.0),
    # formulas-test.xlsx COMPATIBILITY!AB40: =VARP(M40:N40)
    ("VARP", ([None, None],), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!R119: =VARPA(C119:D119,D119:E119,E119:F119,"2")
    ("VARPA", ([0.0, -10.0, -10.0, 0.9, 0.9, 2.2, 2.0],), 26.065714285714282),
    # formulas-test.xlsx STATISTICAL!W119: =VARPA(G119:H119)
    ("VARPA", ([-0.1, None],), 0.0),
    # formulas-test.xlsx STATISTICAL!AB119: =VARPA(M119:N119)
    ("VARPA", ([None, None],), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!T120: =_xlfn.WEIBULL.DIST(E120,"1","3",5)
    ("WEIBULL.DIST", (0.7, 1.0, 3.0, 5.0), 0.2081104336632183),
    # formulas-test.xlsx STATISTICAL!V120: =_xlfn.WEIBULL.DIST(G120, 0,0,1)
    ("WEIBULL.DIST", (4.0, 0.0, 0.0, 1.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!S120: =_xlfn.WEIBULL.DIST(D120,1,2,FALSE)
    ("WEIBULL.DIST", (-0.1, 1.0, 2.0, 0.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!R102: =_xlfn.T.DIST(C102,,)
    ("T.DIST", (0.0, 0.0, 0.0), "#DIV/0!"),
    # formulas-test.xlsx STATISTICAL!W102: =_xlfn.T.DIST(H102,H102,1)
    ("T.DIST", (0.0, 0.0, 1.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!X72: =_xlfn.NEGBINOM.DIST(I72,I72,,1)
    ("NEGBINOM.DIST", (60.0, 60.0, 0.0, 1.0), "#NUM!"),
    # formulas-test.xlsx STATISTICAL!AG54: =_xlfn.HYPGEOM.DIST(C54:Q54,2,3,3,1), C54 being 0
    ("HYPGEOM.DIST", (0.0, 2.0, 3.0, 3.0, 1.0), 0.0),
    ("HYPGEOM.DIST", (0.0, 2.0, 3.0, 3.0, 0.0), "#NUM!"),
    # formulas-test.xlsx COMPATIBILITY!U32: =QUARTILE(F32:G32,G32)
    ("QUARTILE", ([2.2, -0.1], -0.1), "#NUM!"),
]


@pytest.mark.parametrize(("name", "args", "expected"), EXCEL_CASES)
def test_matches_excel_workbooks(
    name: str, args: tuple[ArgValue, ...], expected: CellValue
) -> None:
    assert_excel(name, args, expected)


def _normal_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


DATA = [3.0, 4.0, 5.0, 2.0, 3.0, 4.0, 5.0, 6.0, 4.0, 7.0]

CLOSED_FORM_CASES: list[tuple[str, tuple[ArgValue, ...], CellValue]] = [
    ("NORMDIST", (1.0, 0.0, 1.0, 1.0), _normal_cdf(1.0)),
    ("NORMSDIST", (-1.5,), _normal_cdf(-1.5)),
    ("NORM.DIST", (1.0, 0.0, 2.0, 0.0), math.exp(-0.125) / (2.0 * math.sqrt(2.0 * math.pi))),
    ("NORM.DIST", (1.0, 0.0, 0.0, 1.0), "#NUM!"),
    ("NORM.S.INV", (0.5,), 0.0),
    ("NORMINV", (1.0, 0.0, 1.0), "#NUM!"),
    ("LOGNORMDIST", (math.exp(3.5), 3.5, 1.2), 0.5),
    ("LOGNORM.DIST", (0.0, 3.5, 1.2, 1.0), "#NUM!"),
    ("LOGINV", (0.5, 3.5, 1.2), math.exp(3.5)),
    # Beta(2, 1) on [1, 3] has CDF ((x - 1) / 2)**2.
    ("BETADIST", (2.0, 2.0, 1.0, 1.0, 3.0), 0.25),
    ("BETA.DIST", (2.0, 2.0, 1.0, 0.0, 1.0, 3.0), 0.5),
    ("BETAINV", (0.25, 2.0, 1.0, 1.0, 3.0), 2.0),
    ("BETA.DIST", (4.0, 2.0, 1.0, 1.0, 1.0, 3.0), "#NUM!"),
    # Gamma with shape 1 is the exponential distribution.
    ("GAMMADIST", (2.0, 1.0, 4.0, 1.0), 1.0 - math.exp(-0.5)),
    ("GAMMA.DIST", (2.0, 1.0, 4.0, 0.0), math.exp(-0.5) / 4.0),
    ("GAMMAINV", (1.0 - math.exp(-0.5), 1.0, 4.0), 2.0),
    ("GAMMALN", (5.0,), math.log(24.0)),
    ("GAMMALN", (0.0,), "#NUM!"),
    ("GAMMA", (-1.0,), "#NUM!"),
    # One degree of freedom: Student's t is the Cauchy distribution.
    ("TDIST", (1.0, 1.0, 2.0), 0.5),
    ("TDIST", (1.0, 1.9, 1.0), 0.25),
    ("TDIST", (-1.0, 1.0, 1.0), "#NUM!"),
    ("TDIST", (1.0, 1.0, 3.0), "#NUM!"),
    ("T.DIST", (1.0, 1.0, 1.0), 0.75),
    ("T.DIST", (0.0, 1.0, 0.0), 1.0 / math.pi),
    ("T.DIST.2T", (1.0, 1.0), 0.5),
    ("T.DIST.RT", (1.0, 1.0), 0.25),
    ("TINV", (0.5, 1.0), 1.0),
    ("T.INV", (0.75, 1.0), 1.0),
    ("T.INV.2T", (0.5, 1.0), 1.0),
    # Two degrees of freedom: chi-squared is exponential with mean 2.
    ("CHIDIST", (3.0, 2.0), math.exp(-1.5)),
    ("CHISQ.DIST", (3.0, 2.0, 1.0), 1.0 - math.exp(-1.5)),
    ("CHISQ.DIST", (3.0, 2.0, 0.0), math.exp(-1.5) / 2.0),
    ("CHIINV", (math.exp(-1.5), 2.0), 3.0),
    ("CHISQ.INV", (1.0 - math.exp(-1.5), 2.0), 3.0),
    ("CHISQ.INV.RT", (math.exp(-1.5), 2.9), 3.0),
    ("CHIDIST", (3.0, 0.0), "#NUM!"),
    # F with (2, 2) degrees of freedom has CDF x / (1 + x).
    ("FDIST", (3.0, 2.0, 2.0), 0.25),
    ("F.DIST", (3.0, 2.0, 2.0, 1.0), 0.75),
    ("F.DIST", (3.0, 2.0, 2.0, 0.0), 1.0 / 16.0),
    ("F.DIST.RT", (3.0, 2.0, 2.0), 0.25),
    ("FINV", (0.25, 2.0, 2.0), 3.0),
    ("F.INV", (0.75, 2.0, 2.0), 3.0),
    ("EXPONDIST", (0.2, 10.0, 1.0), 1.0 - math.exp(-2.0)),
    ("EXPON.DIST", (0.2, 10.0, 0.0), 10.0 * math.exp(-2.0)),
    ("EXPONDIST", (-0.2, 10.0, 1.0), "#NUM!"),
    ("WEIBULL", (2.0, 1.0, 4.0, 1.0), 1.0 - math.exp(-0.5)),
    ("WEIBULL.DIST", (2.0, 2.0, 4.0, 0.0), 2.0 / 4.0 * 0.5 * math.exp(-0.25)),
    ("BINOMDIST", (6.0, 10.0, 0.5, 0.0), math.comb(10, 6) / 1024.0),
    ("BINOM.DIST", (6.0, 10.0, 0.5, 1.0), sum(math.comb(10, k) for k in range(7)) / 1024.0),
    ("BINOM.DIST", (11.0, 10.0, 0.5, 1.0), "#NUM!"),
    ("CRITBINOM", (6.0, 0.5, 0.75), 4.0),
    ("BINOM.INV", (6.0, 0.5, 0.0), 0.0),
    ("BINOM.INV", (6.0, 0.5, 1.0), 6.0),
    ("POISSON", (2.0, 5.0, 0.0), 12.5 * math.exp(-5.0)),
    ("POISSON", (2.0, 5.0, 1.0), 18.5 * math.exp(-5.0)),
    ("POISSON.DIST", (-1.0, 5.0, 1.0), "#NUM!"),
    ("NEGBINOMDIST", (10.0, 5.0, 0.25), math.comb(14, 4) * 0.25**5 * 0.75**10),
    ("NEGBINOM.DIST", (2.0, 2.0, 0.5, 1.0), 0.25 + 0.25 + 3.0 / 16.0),
    ("HYPGEOMDIST", (1.0, 4.0, 8.0, 20.0), math.comb(8, 1) * math.comb(12, 3) / math.comb(20, 4)),
    (
        "HYPGEOM.DIST",
        (1.0, 4.0, 8.0, 20.0, 1.0),
        (math.comb(12, 4) + math.comb(8, 1) * math.comb(12, 3)) / math.comb(20, 4),
    ),
    ("HYPGEOM.DIST", (5.0, 4.0, 8.0, 20.0, 0.0), "#NUM!"),
    ("CONFIDENCE", (0.3173105078629141, 2.0, 4.0), 1.0),
    ("CONFIDENCE.T", (0.5, 1.0, 2.0), 1.0 / math.sqrt(2.0)),
    ("CONFIDENCE.T", (0.5, 1.0, 1.0), "#DIV/0!"),
    ("STANDARDIZE", (42.0, 40.0, 1.5), 4.0 / 3.0),
    ("FISHER", (0.75,), math.atanh(0.75)),
    ("FISHER", (1.0,), "#NUM!"),
    ("PHI", (0.0,), 1.0 / math.sqrt(2.0 * math.pi)),
    ("GAUSS", (0.0,), 0.0),
    ("STDEV", (DATA,), math.sqrt(20.1 / 9.0)),
    ("STDEVP", (DATA,), math.sqrt(20.1 / 10.0)),
    ("VAR", (DATA,), 20.1 / 9.0),
    ("VARP", (DATA,), 2.01),
    ("VAR.S", ([1.0, None],), "#DIV/0!"),
    ("STDEV.S", ([None, None],), "#DIV/0!"),
    ("VAR.P", ([None],), "#DIV/0!"),
    ("DEVSQ", ([1.0, None, 3.0],), 2.0),
    ("AVEDEV", ([1.0, 2.0, 6.0],), 2.0),
    ("GEOMEAN", ([2.0, 8.0],), 4.0),
    ("GEOMEAN", ([2.0, 0.0],), "#NUM!"),
    ("HARMEAN", ([2.0, 6.0],), 3.0),
    ("MEDIAN", ([3.0, None, 1.0, 2.0, 10.0],), 2.5),
    ("MEDIAN", ([None],), "#NUM!"),
    ("MODE", ([5.6, 4.0, 4.0, 3.0, 2.0, 4.0],), 4.0),
    ("MODE.SNGL", ([1.0, 2.0, 2.0, 1.0, 3.0],), 1.0),
    ("MODE.SNGL", ([1.0, 2.0, 3.0],), "#N/A"),
    ("SKEW", ([1.0, 2.0, 3.0],), 0.0),
    ("KURT", ([1.0, 1.0, 1.0, 1.0],), "#DIV/0!"),
    ("PERCENTILE", ([1.0, 2.0, 3.0, 4.0], 0.5), 2.5),
    ("PERCENTILE.INC", ([1.0, 2.0, 3.0, 4.0], 1.1), "#NUM!"),
    ("PERCENTILE.EXC", ([1.0, 2.0, 3.0, 6.0, 6.0, 6.0, 7.0, 8.0, 9.0], 0.25), 2.5),
    ("PERCENTILE.EXC", ([1.0, 2.0, 3.0], 0.1), "#NUM!"),
    ("QUARTILE", ([1.0, 2.0, 4.0, 7.0, 8.0, 9.0, 10.0, 12.0], 1.0), 3.5),
    ("QUARTILE.INC", ([1.0, 2.0], -0.1), "#NUM!"),
    ("QUARTILE.EXC", ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], 1.0), 2.0),
    ("PERCENTRANK", ([1.0, 2.0, 3.0, 4.0, 5.0], 2.5), 0.375),
    ("PERCENTRANK.INC", ([1.0, 2.0, 3.0, 4.0, 5.0], 2.0), 0.25),
    ("PERCENTRANK.INC", ([1.0, 3.0, 4.0], 2.0, 2.0), 0.25),
    ("PERCENTRANK.INC", ([1.0, 2.0, 4.0], 2.0 / 3.0 + 1.0), 0.333),
    ("PERCENTRANK.INC", ([1.0, 2.0, 4.0], 5.0), "#N/A"),
    ("PERCENTRANK.INC", ([1.0, 2.0, 4.0], 2.0, 0.0), "#NUM!"),
    ("PERCENTRANK.EXC", ([1.0, 2.0, 3.0], 2.0), 0.5),
    ("SMALL", ([3.0, None, 1.0, 2.0], 1.0), 1.0),
    ("LARGE", ([3.0, None, 1.0, 2.0], 3.0), 1.0),
    ("LARGE", ([3.0, None, 1.0, 2.0], 4.0), "#NUM!"),
    ("TRIMMEAN", ([1.0, 2.0, 3.0, 4.0, 100.0], 0.4), 3.0),
    ("TRIMMEAN", ([1.0, 2.0, 3.0, 4.0, 100.0], 0.3), 22.0),
    ("RANK", (3.0, [1.0, 3.0, 3.0, 5.0]), 2.0),
    ("RANK.EQ", (3.0, [1.0, 3.0, 3.0, 5.0], 1.0), 2.0),
    ("RANK.AVG", (3.0, [1.0, 3.0, 3.0, 5.0]), 2.5),
    ("RANK.EQ", (4.0, [1.0, 3.0, 3.0, 5.0]), "#N/A"),
    ("COVAR", ([3.0, 2.0, 4.0, 5.0, 6.0], [9.0, 7.0, 12.0, 15.0, 17.0]), 5.2),
    ("COVARIANCE.S", ([1.0, None, 3.0], [2.0, 5.0, 6.0]), 4.0),
    ("CORREL", ([1.0, 2.0, 3.0], [2.0, 4.0, 6.0]), 1.0),
    ("PEARSON", ([1.0, 2.0, 3.0], [3.0, 2.0, 1.0]), -1.0),
    ("CORREL", ([1.0, 1.0], [2.0, 4.0]), "#DIV/0!"),
    ("CORREL", ([1.0, 2.0], [2.0, 4.0, 6.0]), "#N/A"),
    ("SLOPE", ([1.0, 3.0, 5.0], [0.0, 1.0, 2.0]), 2.0),
    ("INTERCEPT", ([1.0, 3.0, 5.0], [0.0, 1.0, 2.0]), 1.0),
    ("RSQ", ([1.0, 3.0, 5.0], [0.0, 1.0, 2.0]), 1.0),
    ("FORECAST", (4.0, [1.0, 3.0, 5.0], [0.0, 1.0, 2.0]), 9.0),
    ("FORECAST.LINEAR", (4.0, [1.0, 3.0, None], [0.0, 1.0, 2.0]), 9.0),
]


@pytest.mark.parametrize(("name", "args", "expected"), CLOSED_FORM_CASES)
def test_closed_forms(name: str, args: tuple[ArgValue, ...], expected: CellValue) -> None:
    assert_excel(name, args, expected)


@pytest.mark.parametrize(
    ("legacy", "current"),
    [
        ("NORMDIST", "NORM.DIST"),
        ("NORMINV", "NORM.INV"),
        ("NORMSINV", "NORM.S.INV"),
        ("LOGINV", "LOGNORM.INV"),
        ("BETAINV", "BETA.INV"),
        ("GAMMADIST", "GAMMA.DIST"),
        ("GAMMAINV", "GAMMA.INV"),
        ("EXPONDIST", "EXPON.DIST"),
        ("WEIBULL", "WEIBULL.DIST"),
        ("BINOMDIST", "BINOM.DIST"),
        ("POISSON", "POISSON.DIST"),
        ("PERCENTILE", "PERCENTILE.INC"),
        ("QUARTILE", "QUARTILE.INC"),
        ("RANK", "RANK.EQ"),
        ("STDEV", "STDEV.S"),
        ("STDEVP", "STDEV.P"),
        ("VAR", "VAR.S"),
        ("VARP", "VAR.P"),
        ("COVAR", "COVARIANCE.P"),
        ("MODE", "MODE.SNGL"),
        ("CONFIDENCE", "CONFIDENCE.NORM"),
        ("CRITBINOM", "BINOM.INV"),
        ("FDIST", "F.DIST.RT"),
        ("FINV", "F.INV.RT"),
        ("PERCENTRANK", "PERCENTRANK.INC"),
        ("PEARSON", "CORREL"),
        ("TINV", "T.INV.2T"),
        ("CHIDIST", "CHISQ.DIST.RT"),
        ("CHIINV", "CHISQ.INV.RT"),
        ("FORECAST", "FORECAST.LINEAR"),
    ],
)
def test_legacy_names_share_the_current_kernel(legacy: str, current: str) -> None:
    assert KERNELS[legacy] is KERNELS[current]


def test_statistics_vectorise_over_trials() -> None:
    values = np.array([[1.0, 4.0, np.nan], [2.0, np.nan, 5.0], [3.0, 8.0, 7.0]])
    medians = KERNELS["MEDIAN"].fn(np, values)
    assert medians.tolist() == [2.0, 6.0, 6.0]
    ranks, codes = KERNELS["RANK.EQ"].fn(np, np.array([2.0, 8.0, 1.0]), values, np.array(0.0))
    assert ranks[:2].tolist() == [2.0, 1.0]
    assert codes.tolist() == [0, 0, ExcelError.NA]
    modes, mode_codes = KERNELS["MODE.SNGL"].fn(np, np.array([[1.0, 2.0], [1.0, 3.0], [2.0, 3.0]]))
    assert modes.tolist()[:1] == [1.0]
    assert mode_codes.tolist() == [0, 0]
