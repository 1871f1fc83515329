"""Text Excel (en-US) reads as a date or a number: month names, two-digit and missing years,
accounting negatives and mixed fractions, in DATEVALUE, VALUE, arithmetic, date functions and
SUMIF-family criteria. Serials: 45356 is 5 March 2024."""

from __future__ import annotations

from datetime import UTC, datetime

from engines.clock import as_of
from engines.errors import ExcelError
from tests.unit.engines.excel_sheet import assert_results, recalculated

MARCH_5_2024 = 45356.0


def test_datevalue_reads_month_names_and_two_digit_years() -> None:
    """DATEVALUE's date_text may be "30-Jan-2008" (Microsoft's DATEVALUE page); DateValue
    "also recognizes December 30, 1991 and Dec 30, 1991". Two-digit years 00-29 are 20xx,
    30-99 19xx; a month with a year alone is its first day."""
    forms = ["5-Mar-24", "March 5, 2024", "Mar 5, 2024", "5-March-2024", "5 Mar 2024",
             "MARCH 5, 2024", "mar 5 2024", "5 march 2024"]
    formulas = {f"A{row}": f'=DATEVALUE("{text}")' for row, text in enumerate(forms, 1)}
    formulas |= {"B1": '=DATEVALUE("Mar-2024")', "B2": '=DATEVALUE("March 2024")',
                 "B3": '=DATEVALUE("5-Mar-30")', "B4": '=DATEVALUE("1-Jan-29")',
                 "B5": '=DATEVALUE("Mar-45")'}
    expected: dict[str, object] = {f"A{row}": MARCH_5_2024 for row in range(1, len(forms) + 1)}
    expected |= {"B1": 45352.0, "B2": 45352.0, "B3": 11022.0, "B4": 47119.0, "B5": 16497.0}
    assert_results(recalculated({}, formulas), expected)


def test_a_missing_year_is_the_simulations_year() -> None:
    """"If the year portion of the date_text argument is omitted, DATEVALUE uses the current
    year from your computer's built-in clock": here the clock TODAY() reads, the run's as_of."""
    formulas = {"A1": '=DATEVALUE("Jan 15")', "A2": '=DATEVALUE("5-JUL")',
                "A3": '=DATEVALUE("Mar-24")', "A4": '="3/4"+0', "A5": '=DAY("Jan 15")'}
    with as_of(datetime(2030, 6, 1, tzinfo=UTC)):
        got = recalculated({}, formulas)
    # 15 Jan, 5 Jul, 24 Mar and 4 Mar 2030: "3/4" alone is a date, not three quarters
    assert_results(got, {"A1": 47498.0, "A2": 47669.0, "A3": 47566.0, "A4": 47546.0,
                         "A5": 15.0})


def test_dates_with_a_time_and_dates_that_do_not_exist() -> None:
    formulas = {"A1": '=VALUE("3/5/2024 14:30")', "A2": '=VALUE("Mar 5, 2024 2:30 PM")',
                "A3": '=DATEVALUE("Mar 5, 2024 2:30 PM")', "A4": '=DATEVALUE("2024/13/45")',
                "A5": '=DATEVALUE("Feb 30, 2024")', "A6": '=DATEVALUE("30-Feb-2024")',
                "A7": '=DATEVALUE("5-Mar-1899")', "A8": '=DATEVALUE("Sept 5, 2024")',
                "A9": '=VALUE("Mar 5, 2024 25:00")', "A10": '=VALUE("March")'}
    afternoon = MARCH_5_2024 + 14.5 / 24
    assert_results(recalculated({}, formulas), {
        "A1": afternoon, "A2": afternoon, "A3": MARCH_5_2024, "A4": ExcelError.VALUE,
        "A5": ExcelError.VALUE, "A6": ExcelError.VALUE, "A7": ExcelError.VALUE,
        "A8": ExcelError.VALUE, "A9": ExcelError.VALUE, "A10": ExcelError.VALUE})


def test_date_functions_and_arithmetic_read_month_names() -> None:
    formulas = {"A1": '=MONTH("Mar 5, 2024")', "A2": '=YEAR("5-Mar-24")',
                "A3": '="5 Mar 2024"+1', "A4": '=DAYS("Mar 5, 2024","March 2024")'}
    assert_results(recalculated({}, formulas),
                   {"A1": 3.0, "A2": 2024.0, "A3": MARCH_5_2024 + 1, "A4": 4.0})


def test_value_reads_accounting_negatives_and_mixed_fractions() -> None:
    """VALUE reads "any of the constant number, date, or time formats recognized by Excel":
    parentheses for a negative, and a whole number with a fraction ("0 3/4" for 0.75)."""
    formulas = {"A1": '=VALUE("(100)")', "A2": '=VALUE("($1,234.50)")', "A3": '="(100)"+0',
                "A4": '=VALUE("1 1/2")', "A5": '=VALUE("-1 1/2")', "A6": '=VALUE("0 3/4")',
                "A7": '=VALUE("0 65/8")', "A8": '=VALUE("(10%)")', "A9": '=VALUE("(-100)")',
                "A10": '=VALUE("1 1/0")', "A11": '=VALUE("$3")', "A12": '=VALUE("-12.5%")',
                "A13": '=VALUE("1,000")'}
    assert_results(recalculated({}, formulas), {
        "A1": -100.0, "A2": -1234.5, "A3": -100.0, "A4": 1.5, "A5": -1.5, "A6": 0.75,
        "A7": 8.125, "A8": -0.1, "A9": ExcelError.VALUE, "A10": ExcelError.VALUE,
        "A11": 3.0, "A12": -0.125, "A13": 1000.0})


def test_criteria_read_dates_written_with_month_names() -> None:
    """A criterion is read as the cell would be: "5-Mar-24" is the date 5 March 2024."""
    cells: dict[str, object] = {"A1": MARCH_5_2024, "A2": MARCH_5_2024 - 10, "A3": 45400.0,
                                "B1": 1, "B2": 2, "B3": 4, "C1": -100, "C2": 5}
    formulas = {"E1": '=COUNTIF(A1:A3,"5-Mar-24")', "E2": '=SUMIF(A1:A3,">=Mar 1, 2024",B1:B3)',
                "E3": '=COUNTIFS(A1:A3,"<March 2024")', "E4": '=COUNTIF(C1:C2,"(100)")',
                "E5": '=SUMIFS(B1:B3,A1:A3,">5 Mar 2024")'}
    assert_results(recalculated(cells, formulas),
                   {"E1": 1.0, "E2": 5.0, "E3": 1.0, "E4": 1.0, "E5": 4.0})


def test_datevalue_and_timevalue_read_no_plain_number() -> None:
    got = recalculated({}, {"A1": '=DATEVALUE("1 1/2")', "A2": '=TIMEVALUE("1 1/2")',
                            "A3": '=DATEVALUE("-5")', "A4": '=VALUE("1 1/2")'})
    assert_results(got, {"A1": ExcelError.VALUE, "A2": ExcelError.VALUE, "A3": ExcelError.VALUE,
                         "A4": 1.5})
