"""Date kernels against Excel: cached values from Excel-saved workbooks, Excel's calendar rules,
and workday counts checked day by day against Python's own calendar."""

from __future__ import annotations

import datetime

import numpy as np
import pytest

from engines.errors import ExcelError
from engines.kernels.dates import KERNELS
from engines.kernels.support import evaluate_constant
from tests.unit.engines.kernel_checks import ArgValue, CellValue, assert_kernel


def assert_excel(name: str, args: tuple[ArgValue, ...], expected: CellValue) -> None:
    assert_kernel(KERNELS, name, args, expected)


EXCEL_CASES: list[tuple[str, tuple[ArgValue, ...], CellValue]] = [
    # xlcalc-DATE.xlsx Sheet1!A5: =DATE(B5,C5,D5)
    ("DATE", (2025.0, 1.0, 1.0), 45658.0),
    # formulas-test.xlsx DATE & TIME!Y3: =DATE(E3,F3,J3)
    ("DATE", (1.0, 0.7, 1.0), 336.0),
    # xlcalc-DATE.xlsx Sheet1!E25: =DATE(E24,E23,E22)
    ("DATE", (5.0, 1.0, 1.0), 1828.0),
    # xlcalc-DATE.xlsx Sheet1!A12: =DATE(B12,C12,D12)
    ("DATE", (1900.0, 1.0, -1.0), "#NUM!"),
    # xlcalc-DATE.xlsx Sheet1!A13: =DATE(B13,C13,D13)
    ("DATE", (10000.0, 1.0, 1.0), "#NUM!"),
    # xlcalc-DATEDIF.xlsx Sheet1!C3: =DATEDIF(A2,A3,"M")
    ("DATEDIF", (40544.0, 40908.0, "M"), 11.0),
    # xlcalc-DATEDIF.xlsx Sheet1!C2: =DATEDIF(A2,A3,"Y")
    ("DATEDIF", (40544.0, 40908.0, "Y"), 0.0),
    # xlcalc-DATEDIF.xlsx Sheet1!C6: =DATEDIF(A2,A3,"YM")
    ("DATEDIF", (40544.0, 40908.0, "YM"), 11.0),
    # formulas-test.xlsx DATE & TIME!AB4: =DATEDIF(H4, G4,"a")
    ("DATEDIF", (0.0, 0.0, "a"), "#NUM!"),
    # pycel-date-time.xlsx Sheet1!J9: =DAY(J1)
    ("DAY", (61.5,), 1.0),
    # formulas-test.xlsx DATE & TIME!V6: =DAY(G6)
    ("DAY", (0.0,), 0.0),
    # pycel-date-time.xlsx Sheet1!G9: =DAY(G1)
    ("DAY", (60.0,), 29.0),
    # formulas-test.xlsx DATE & TIME!S6: =DAY(D6)
    ("DAY", (-1.0,), "#NUM!"),
    # formulas-test.xlsx DATE & TIME!T6: =DAY(E6)
    ("DAY", (2958466.0,), "#NUM!"),
    # xlcalc-DAYS.xlsx Sheet1!A1: =_xlfn.DAYS(A2,A3)
    ("DAYS", (40908.0, 40544.0), 364.0),
    # pycel-date-time.xlsx Sheet1!G12: =EDATE(G1+100,G3)
    ("EDATE", (160.0, 500.0), 15380.0),
    # formulas-test.xlsx DATE & TIME!R9: =EDATE(C9,D9)
    ("EDATE", (1987.0, 8.0), 2232.0),
    # pycel-date-time.xlsx Sheet1!F12: =EDATE(F1+100,F3)
    ("EDATE", (132.0, 400.0), 12308.0),
    # pycel-date-time.xlsx Sheet1!P12: =EDATE(P1,P3)
    ("EDATE", (-1.0, 0.0), "#NUM!"),
    # pycel-date-time.xlsx Sheet1!B13: =EOMONTH(B1 + 100,B3)
    ("EOMONTH", (100.0, 0.0), 121.0),
    # pycel-date-time.xlsx Sheet1!M13: =EOMONTH(M1,M3)
    ("EOMONTH", (10000.0, 101.0), 13088.0),
    # xlcalc-EOMONTH.xlsx Sheet1!B1: =EOMONTH(A2,-3)
    ("EOMONTH", (40544.0, -3.0), 40482.0),
    # pycel-date-time.xlsx Sheet1!P13: =EOMONTH(P1,P3)
    ("EOMONTH", (-1.0, 0.0), "#NUM!"),
    # pycel-date-time.xlsx Sheet1!B14: =HOUR(B2)
    ("HOUR", (0.0,), 0.0),
    # pycel-date-time.xlsx Sheet1!G14: =HOUR(G2)
    ("HOUR", (1.25,), 6.0),
    # formulas-test.xlsx DATE & TIME!U11: =HOUR(F11)
    ("HOUR", (1.4,), 9.0),
    # formulas-test.xlsx DATE & TIME!S11: =HOUR(D11)
    ("HOUR", (-1.0,), "#NUM!"),
    # formulas-test.xlsx DATE & TIME!V12: =_xlfn.ISOWEEKNUM(G12)
    ("ISOWEEKNUM", (0.0,), 52.0),
    # formulas-test.xlsx DATE & TIME!S12: =_xlfn.ISOWEEKNUM(D12)
    ("ISOWEEKNUM", (8.0,), 1.0),
    # formulas-test.xlsx DATE & TIME!R12: =_xlfn.ISOWEEKNUM(C12)
    ("ISOWEEKNUM", (1987.0,), 23.0),
    # pycel-date-time.xlsx Sheet1!G16: =MINUTE(G2)
    ("MINUTE", (1.25,), 0.0),
    # pycel-date-time.xlsx Sheet1!O16: =MINUTE(O2)
    ("MINUTE", (1.0,), 0.0),
    # pycel-date-time.xlsx Sheet1!J16: =MINUTE(J2)
    ("MINUTE", (3.141592653589793,), 23.0),
    # formulas-test.xlsx DATE & TIME!S13: =MINUTE(D13)
    ("MINUTE", (-1.0,), "#NUM!"),
    # pycel-date-time.xlsx Sheet1!B17: =MONTH(B1)
    ("MONTH", (0.0,), 1.0),
    # xlcalc-MONTH.xlsx Sheet1!A2: =MONTH(A1)
    ("MONTH", (4123.0,), 4.0),
    # pycel-date-time.xlsx Sheet1!D17: =MONTH(D1)
    ("MONTH", (1.0,), 1.0),
    # pycel-date-time.xlsx Sheet1!P17: =MONTH(P1)
    ("MONTH", (-1.0,), "#NUM!"),
    # pycel-date-time.xlsx Sheet1!N21: =SECOND(N2)
    ("SECOND", (0.0,), 0.0),
    # formulas-test.xlsx DATE & TIME!Y18: =SECOND(J18)
    ("SECOND", (1.0,), 0.0),
    # pycel-date-time.xlsx Sheet1!P21: =SECOND(P2)
    ("SECOND", (-1.0,), "#NUM!"),
    # formulas-test.xlsx DATE & TIME!U19: =TIME(0,1,0)
    ("TIME", (0.0, 1.0, 0.0), 0.0006944444444444445),
    # formulas-test.xlsx DATE & TIME!T19: =TIME(0.9,0.9,0.9)
    ("TIME", (0.9, 0.9, 0.9), 0.0),
    # formulas-test.xlsx DATE & TIME!S19: =TIME(C19,D19,F19)
    ("TIME", (32767.99, -1.0, 0.7), 0.2909722222223081),
    # pycel-date-time.xlsx Sheet1!J25: =WEEKDAY(J1)
    ("WEEKDAY", (61.5, 1.0), 5.0),
    # formulas-test.xlsx DATE & TIME!W22: =WEEKDAY(H22)
    ("WEEKDAY", (0.0, 1.0), 7.0),
    # pycel-date-time.xlsx Sheet1!D25: =WEEKDAY(D1)
    ("WEEKDAY", (1.0, 1.0), 1.0),
    # pycel-date-time.xlsx Sheet1!P25: =WEEKDAY(P1)
    ("WEEKDAY", (-1.0, 1.0), "#NUM!"),
    # formulas-test.xlsx DATE & TIME!T23: =WEEKNUM(E23,1)
    ("WEEKNUM", (1.0, 1.0), 1.0),
    # formulas-test.xlsx DATE & TIME!U23: =WEEKNUM(F23,1)
    ("WEEKNUM", (0.7, 1.0), 0.0),
    # formulas-test.xlsx DATE & TIME!W23: =WEEKNUM(H23,1)
    ("WEEKNUM", (0.0, 1.0), 0.0),
    # pycel-date-time.xlsx Sheet1!H29: =YEAR(H1)
    ("YEAR", (61.0,), 1900.0),
    # xlcalc-YEAR.xlsx Sheet1!A5: =YEAR(A3)
    ("YEAR", (39575.0,), 2008.0),
    # pycel-date-time.xlsx Sheet1!M29: =YEAR(M1)
    ("YEAR", (10000.0,), 1927.0),
    # pycel-date-time.xlsx Sheet1!P29: =YEAR(P1)
    ("YEAR", (-1.0,), "#NUM!"),
    # pycel-yearfrac.xlsx YEARFRAC!G225: =YEARFRAC($A225,$B225,G$2)
    ("YEARFRAC", (37839.0, 37978.0, 4.0), 0.38055555555555554),
    # pycel-yearfrac.xlsx YEARFRAC!G95: =YEARFRAC($A95,$B95,G$2)
    ("YEARFRAC", (37709.0, 37328.0, 4.0), 1.0444444444444445),
    # pycel-yearfrac.xlsx YEARFRAC!C145: =YEARFRAC($A145,$B145,C$2)
    ("YEARFRAC", (37759.0, 37578.0, 0.0), 0.5),
    # pycel-yearfrac.xlsx YEARFRAC!D43: =YEARFRAC($A43,$B43,D$2)
    ("YEARFRAC", (37657.0, 37068.0, 1.0), 1.6136986301369862),
    # pycel-yearfrac.xlsx YEARFRAC!G174: =YEARFRAC($A174,$B174,G$2)
    ("YEARFRAC", (37788.0, 37723.0, 4.0), 0.17777777777777778),
    # pycel-yearfrac.xlsx YEARFRAC!E234: =YEARFRAC($A234,$B234,E$2)
    ("YEARFRAC", (37848.0, 38023.0, 2.0), 0.4861111111111111),
    # pycel-yearfrac.xlsx YEARFRAC!G295: =YEARFRAC($A295,$B295,G$2)
    ("YEARFRAC", (37909.0, 38328.0, 4.0), 1.1444444444444444),
    # pycel-yearfrac.xlsx YEARFRAC!C327: =YEARFRAC($A327,$B327,C$2)
    ("YEARFRAC", (37941.0, 38488.0, 0.0), 1.5),
    # pycel-yearfrac.xlsx YEARFRAC!G207: =YEARFRAC($A207,$B207,G$2)
    ("YEARFRAC", (37821.0, 37888.0, 4.0), 0.18055555555555555),
    # pycel-yearfrac.xlsx YEARFRAC!C86: =YEARFRAC($A86,$B86,C$2)
    ("YEARFRAC", (37700.0, 37283.0, 0.0), 1.1472222222222221),
    # pycel-yearfrac.xlsx YEARFRAC!F345: =YEARFRAC($A345,$B345,F$2)
    ("YEARFRAC", (37959.0, 38578.0, 3.0), 1.6958904109589041),
    # pycel-yearfrac.xlsx YEARFRAC!C55: =YEARFRAC($A55,$B55,C$2)
    ("YEARFRAC", (37669.0, 37128.0, 0.0), 1.4777777777777779),
    # pycel-yearfrac.xlsx YEARFRAC!F111: =YEARFRAC($A111,$B111,F$2)
    ("YEARFRAC", (37725.0, 37408.0, 3.0), 0.8684931506849315),
    # pycel-yearfrac.xlsx YEARFRAC!G311: =YEARFRAC($A311,$B311,G$2)
    ("YEARFRAC", (37925.0, 38408.0, 4.0), 1.3194444444444444),
    # pycel-yearfrac.xlsx YEARFRAC!C261: =YEARFRAC($A261,$B261,C$2)
    ("YEARFRAC", (37875.0, 38158.0, 0.0), 0.775),
    # pycel-yearfrac.xlsx YEARFRAC!D338: =YEARFRAC($A338,$B338,D$2)
    ("YEARFRAC", (37952.0, 38543.0, 1.0), 1.6177007299270074),
    # pycel-yearfrac.xlsx YEARFRAC!F274: =YEARFRAC($A274,$B274,F$2)
    ("YEARFRAC", (37888.0, 38223.0, 3.0), 0.9178082191780822),
    # pycel-yearfrac.xlsx YEARFRAC!D177: =YEARFRAC($A177,$B177,D$2)
    ("YEARFRAC", (37791.0, 37738.0, 1.0), 0.14520547945205478),
    # pycel-yearfrac.xlsx YEARFRAC!F307: =YEARFRAC($A307,$B307,F$2)
    ("YEARFRAC", (37921.0, 38388.0, 3.0), 1.2794520547945205),
    # pycel-yearfrac.xlsx YEARFRAC!G57: =YEARFRAC($A57,$B57,G$2)
    ("YEARFRAC", (37671.0, 37138.0, 4.0), 1.4583333333333333),
    # pycel-yearfrac.xlsx YEARFRAC!G42: =YEARFRAC($A42,$B42,G$2)
    ("YEARFRAC", (37656.0, 37063.0, 4.0), 1.6194444444444445),
    # pycel-yearfrac.xlsx YEARFRAC!D224: =YEARFRAC($A224,$B224,D$2)
    ("YEARFRAC", (37838.0, 37973.0, 1.0), 0.3698630136986301),
    # pycel-yearfrac.xlsx YEARFRAC!F336: =YEARFRAC($A336,$B336,F$2)
    ("YEARFRAC", (37950.0, 38533.0, 3.0), 1.5972602739726027),
    # pycel-yearfrac.xlsx YEARFRAC!F152: =YEARFRAC($A152,$B152,F$2)
    ("YEARFRAC", (37766.0, 37613.0, 3.0), 0.4191780821917808),
    # pycel-yearfrac.xlsx YEARFRAC!E347: =YEARFRAC($A347,$B347,E$2)
    ("YEARFRAC", (37961.0, 38588.0, 2.0), 1.7416666666666667),
    # pycel-yearfrac.xlsx YEARFRAC!F104: =YEARFRAC($A104,$B104,F$2)
    ("YEARFRAC", (37718.0, 37373.0, 3.0), 0.9452054794520548),
    # pycel-yearfrac.xlsx YEARFRAC!E214: =YEARFRAC($A214,$B214,E$2)
    ("YEARFRAC", (37828.0, 37923.0, 2.0), 0.2638888888888889),
    # pycel-yearfrac.xlsx YEARFRAC!F209: =YEARFRAC($A209,$B209,F$2)
    ("YEARFRAC", (37823.0, 37898.0, 3.0), 0.2054794520547945),
    # pycel-yearfrac.xlsx YEARFRAC!D281: =YEARFRAC($A281,$B281,D$2)
    ("YEARFRAC", (37895.0, 38258.0, 1.0), 0.9918032786885246),
    # pycel-yearfrac.xlsx YEARFRAC!F335: =YEARFRAC($A335,$B335,F$2)
    ("YEARFRAC", (37949.0, 38528.0, 3.0), 1.5863013698630137),
    # pycel-yearfrac.xlsx YEARFRAC!C233: =YEARFRAC($A233,$B233,C$2)
    ("YEARFRAC", (37847.0, 38018.0, 0.0), 0.4638888888888889),
    # pycel-yearfrac.xlsx YEARFRAC!F83: =YEARFRAC($A83,$B83,F$2)
    ("YEARFRAC", (37697.0, 37268.0, 3.0), 1.1753424657534246),
    # pycel-yearfrac.xlsx YEARFRAC!E324: =YEARFRAC($A324,$B324,E$2)
    ("YEARFRAC", (37938.0, 38473.0, 2.0), 1.4861111111111112),
    # pycel-yearfrac.xlsx YEARFRAC!F258: =YEARFRAC($A258,$B258,F$2)
    ("YEARFRAC", (37872.0, 38143.0, 3.0), 0.7424657534246575),
    # pycel-yearfrac.xlsx YEARFRAC!E220: =YEARFRAC($A220,$B220,E$2)
    ("YEARFRAC", (37834.0, 37953.0, 2.0), 0.33055555555555555),
    # pycel-yearfrac.xlsx YEARFRAC!D361: =YEARFRAC($A361,$B361,D$2)
    ("YEARFRAC", (37975.0, 38658.0, 1.0), 1.8695255474452557),
    # pycel-yearfrac.xlsx YEARFRAC!G245: =YEARFRAC($A245,$B245,G$2)
    ("YEARFRAC", (37859.0, 38078.0, 4.0), 0.5972222222222222),
    # pycel-yearfrac.xlsx YEARFRAC!C245: =YEARFRAC($A245,$B245,C$2)
    ("YEARFRAC", (37859.0, 38078.0, 0.0), 0.5972222222222222),
    # pycel-yearfrac.xlsx YEARFRAC!F116: =YEARFRAC($A116,$B116,F$2)
    ("YEARFRAC", (37730.0, 37433.0, 3.0), 0.8136986301369863),
    # pycel-yearfrac.xlsx YEARFRAC!D235: =YEARFRAC($A235,$B235,D$2)
    ("YEARFRAC", (37849.0, 38028.0, 1.0), 0.4904109589041096),
    # pycel-yearfrac.xlsx YEARFRAC!C188: =YEARFRAC($A188,$B188,C$2)
    ("YEARFRAC", (37802.0, 37793.0, 0.0), 0.025),
    # pycel-yearfrac.xlsx YEARFRAC!G271: =YEARFRAC($A271,$B271,G$2)
    ("YEARFRAC", (37885.0, 38208.0, 4.0), 0.8833333333333333),
    # pycel-yearfrac.xlsx YEARFRAC!E191: =YEARFRAC($A191,$B191,E$2)
    ("YEARFRAC", (37805.0, 37808.0, 2.0), 0.008333333333333333),
    # pycel-yearfrac.xlsx YEARFRAC!G119: =YEARFRAC($A119,$B119,G$2)
    ("YEARFRAC", (37733.0, 37448.0, 4.0), 0.7805555555555556),
    # pycel-yearfrac.xlsx YEARFRAC!E209: =YEARFRAC($A209,$B209,E$2)
    ("YEARFRAC", (37823.0, 37898.0, 2.0), 0.20833333333333334),
    # pycel-yearfrac.xlsx YEARFRAC!O6: =YEARFRAC(O$2,200,$J6)
    ("YEARFRAC", (2958466.0, 200.0, 5.0), "#NUM!"),
    # pycel-yearfrac.xlsx YEARFRAC!L5: =YEARFRAC(L$2,200,$J5)
    ("YEARFRAC", (-1.0, 200.0, 4.0), "#NUM!"),
]


@pytest.mark.parametrize(("name", "args", "expected"), EXCEL_CASES)
def test_matches_excel_workbooks(
    name: str, args: tuple[ArgValue, ...], expected: CellValue
) -> None:
    assert_excel(name, args, expected)


# Excel's calendar: serial 1 is 1 Jan 1900, serial 60 the phantom 29 Feb 1900, serial 61 is
# 1 Mar 1900, and 2958465 is 31 Dec 9999.
CALENDAR_CASES: list[tuple[str, tuple[ArgValue, ...], CellValue]] = [
    ("DATE", (1900.0, 1.0, 1.0), 1.0),
    ("DATE", (1900.0, 2.0, 29.0), 60.0),
    ("DATE", (1900.0, 3.0, 1.0), 61.0),
    ("DATE", (1900.0, 1.0, 0.0), 0.0),
    ("DATE", (1900.0, 1.0, -1.0), "#NUM!"),
    ("DATE", (9999.0, 12.0, 31.0), 2958465.0),
    ("DATE", (9999.0, 12.0, 32.0), "#NUM!"),
    ("DATE", (10000.0, 1.0, 1.0), "#NUM!"),
    ("DATE", (-1.0, 1.0, 1.0), "#NUM!"),
    ("DATE", (108.0, 1.0, 2.0), 39449.0),
    ("DATE", (2008.0, 14.0, 2.0), 39846.0),
    ("DATE", (2008.0, -3.0, 2.0), 39327.0),
    ("DATE", (2008.9, 1.9, 1.9), 39448.0),
    ("YEAR", (60.0,), 1900.0),
    ("MONTH", (60.0,), 2.0),
    ("DAY", (60.0,), 29.0),
    ("DAY", (0.0,), 0.0),
    ("DAY", (61.5,), 1.0),
    ("DAY", (-1.0,), "#NUM!"),
    ("YEAR", (2958466.0,), "#NUM!"),
    ("EDATE", (39478.0, 1.0), 39507.0),
    ("EDATE", (39507.0, -12.0), 39141.0),
    ("EOMONTH", (39448.0, 1.0), 39507.0),
    ("EOMONTH", (39448.0, -1300.0), "#NUM!"),
    ("DAYS", (39507.0, 39448.0), 59.0),
    # DAYS360, US method: a start on the 31st or February's last day becomes the 30th; an
    # end on the 31st becomes the 30th only when the start is now the 30th.
    ("DAYS360", (40573.0, 40908.0), 330.0),
    ("DAYS360", (40602.0, 40633.0), 30.0),
    ("DAYS360", (40574.0, 40602.0), 28.0),
    ("DAYS360", (40573.0, 40602.0, 1.0), 28.0),
    ("DAYS360", (40908.0, 40573.0), -330.0),
    ("DATEDIF", (42035.0, 42064.0, "MD"), -2.0),
    ("DATEDIF", (42035.0, 42064.0, "m"), 1.0),
    ("DATEDIF", (42064.0, 42035.0, "D"), "#NUM!"),
    ("DATEDIF", (42035.0, 42064.0, "W"), "#NUM!"),
    ("WEEKDAY", (1.0,), 1.0),
    ("WEEKDAY", (0.0,), 7.0),
    ("WEEKDAY", (39448.0, 2.0), 2.0),
    ("WEEKDAY", (39448.0, 3.0), 1.0),
    ("WEEKDAY", (39448.0, 11.0), 2.0),
    ("WEEKDAY", (39448.0, 17.0), 3.0),
    ("WEEKDAY", (39448.0, 4.0), "#NUM!"),
    ("WEEKNUM", (39450.0,), 1.0),
    ("WEEKNUM", (39453.0,), 2.0),
    ("WEEKNUM", (39450.0, 2.0), 1.0),
    ("WEEKNUM", (39454.0, 2.0), 2.0),
    ("WEEKNUM", (39448.0, 21.0), 1.0),
    ("WEEKNUM", (39448.0, 5.0), "#NUM!"),
    ("ISOWEEKNUM", (39447.0,), 1.0),
    ("ISOWEEKNUM", (39812.0,), 1.0),
    ("ISOWEEKNUM", (40179.0,), 53.0),
    ("TIME", (12.0, 0.0, 0.0), 0.5),
    ("TIME", (25.0, 0.0, 0.0), 1.0 / 24.0),
    ("TIME", (0.0, -1.0, 0.0), "#NUM!"),
    ("TIME", (0.0, 750.0, 0.0), 750.0 / 1440.0),
    ("HOUR", (0.75,), 18.0),
    ("MINUTE", (0.5 + 30.0 / 1440.0,), 30.0),
    ("SECOND", (12.0 / 86400.0 + 0.4 / 86400.0,), 12.0),
    ("SECOND", (12.0 / 86400.0 + 0.6 / 86400.0,), 13.0),
    ("HOUR", (-0.5,), "#NUM!"),
    ("YEARFRAC", (39448.0, 39813.0, 5.0), "#NUM!"),
    ("YEARFRAC", (39813.0, 39448.0, 3.0), 1.0),
]


@pytest.mark.parametrize(("name", "args", "expected"), CALENDAR_CASES)
def test_excel_calendar_rules(name: str, args: tuple[ArgValue, ...], expected: CellValue) -> None:
    assert_excel(name, args, expected)


def _to_date(serial: float) -> datetime.date:
    return datetime.date(1899, 12, 30) + datetime.timedelta(days=int(serial))


def _to_serial(day: datetime.date) -> float:
    return float((day - datetime.date(1899, 12, 30)).days)


def _workdays(start: float, end: float, weekend: set[int], holidays: set[float]) -> float:
    """Workdays from start to end inclusive, walking the calendar one day at a time."""
    low, high = min(start, end), max(start, end)
    count = sum(
        1
        for serial in range(int(low), int(high) + 1)
        if _to_date(serial).weekday() not in weekend and serial not in holidays
    )
    return float(count if start <= end else -count)


def _nth_workday(start: float, days: int, weekend: set[int], holidays: set[float]) -> float:
    serial, step, left = int(start), (1 if days > 0 else -1), abs(days)
    while left:
        serial += step
        if _to_date(serial).weekday() not in weekend and serial not in holidays:
            left -= 1
    return float(serial)


HOLIDAYS = [40872.0, 40881.0, 40872.0, 40880.0, 40929.0]  # a repeat and a Saturday among them
PERIODS = [(40817.0, 40968.0), (40968.0, 40817.0), (40880.0, 40880.0), (40872.0, 40881.0)]


@pytest.mark.parametrize(("start", "end"), PERIODS)
@pytest.mark.parametrize(
    ("weekend", "days_off"), [("1", {5, 6}), ("11", {6}), ("7", {4, 5}), ("0010001", {2, 6})]
)
def test_networkdays_counts_each_workday_once(
    start: float, end: float, weekend: str, days_off: set[int]
) -> None:
    expected = _workdays(start, end, days_off, set(HOLIDAYS))
    assert evaluate_constant(KERNELS["NETWORKDAYS.INTL"], start, end, weekend, HOLIDAYS) == expected


@pytest.mark.parametrize("days", [1, 5, 23, 151, -1, -7, -151, 0])
@pytest.mark.parametrize(("weekend", "days_off"), [("1", {5, 6}), ("17", {5}), ("1100000", {0, 1})])
def test_workday_steps_over_weekends_and_holidays(
    days: int, weekend: str, days_off: set[int]
) -> None:
    start = 40878.0  # a Saturday
    expected = _nth_workday(start, days, days_off, set(HOLIDAYS)) if days else start
    assert (
        evaluate_constant(KERNELS["WORKDAY.INTL"], start, float(days), weekend, HOLIDAYS)
        == expected
    )


def test_omitted_weekend_means_saturday_and_sunday() -> None:
    assert evaluate_constant(KERNELS["NETWORKDAYS.INTL"], 40817.0, 40968.0, "") == _workdays(
        40817.0, 40968.0, {5, 6}, set()
    )


def test_plain_workday_functions_use_saturday_sunday_weekends() -> None:
    start, end = _to_serial(datetime.date(2012, 10, 1)), _to_serial(datetime.date(2013, 3, 1))
    assert evaluate_constant(KERNELS["NETWORKDAYS"], start, end) == _workdays(
        start, end, {5, 6}, set()
    )
    assert evaluate_constant(KERNELS["WORKDAY"], start, 10.0, HOLIDAYS) == _nth_workday(
        start, 10, {5, 6}, set(HOLIDAYS)
    )


@pytest.mark.parametrize(
    ("weekend", "error"),
    [
        ("1111111", ExcelError.VALUE),
        ("weekend", ExcelError.VALUE),
        ("8", ExcelError.NUM),
        ("1.5", ExcelError.NUM),
        ("nan", ExcelError.NUM),
    ],
)
def test_invalid_weekends_are_errors(weekend: str, error: ExcelError) -> None:
    assert evaluate_constant(KERNELS["NETWORKDAYS.INTL"], 40817.0, 40968.0, weekend) is error
    assert evaluate_constant(KERNELS["WORKDAY.INTL"], 40817.0, 3.0, weekend) is error


def test_dates_vectorise_over_trials() -> None:
    serials = KERNELS["DATE"].fn(
        np, np.array([2008.0, 1900.0]), np.array([1.0, 2.0]), np.array([1.0, 29.0])
    )
    assert serials.tolist() == [39448.0, 60.0]
    fractions = KERNELS["YEARFRAC"].fn(
        np, np.array([39448.0, 39448.0]), np.array(39813.0), np.array([2.0, 3.0])
    )
    assert fractions.tolist() == pytest.approx([365.0 / 360.0, 1.0])
