"""Rules of Excel's that Microsoft documents, each checked by recalculation: XLOOKUP's empty
if_not_found, QUOTIENT, TEXT's scaling commas with decimals and its "-0"."""

from __future__ import annotations

from engines.errors import ExcelError
from engines.functions.textformat import format_value
from tests.unit.engines.excel_sheet import recalculated


def test_xlookup_with_if_not_found_left_empty_is_na() -> None:
    """"If a valid match is not found, and [if_not_found] is missing, #N/A is returned":
    XLOOKUP(x, r, v, , 1) sets the match mode and leaves if_not_found out (it gave 0)."""
    cells: dict[str, object] = {"A1": 1, "A2": 3, "A3": 5, "B1": "a", "B2": "b", "B3": "c"}
    got = recalculated(cells, {
        "E1": "=XLOOKUP(6,A1:A3,B1:B3,,1)", "E2": "=XLOOKUP(0,A1:A3,B1:B3,,-1)",
        "E3": '=XLOOKUP("zz",A1:A3,B1:B3,)', "E4": '=XLOOKUP(6,A1:A3,B1:B3,"nf",1)',
        "E5": "=XLOOKUP(4,A1:A3,B1:B3,,1)", "E6": "=XLOOKUP(9,A1:A3,B1:B3,C9)"})
    assert got == {"E1": ExcelError.NA, "E2": ExcelError.NA, "E3": ExcelError.NA, "E4": "nf",
                   "E5": "c", "E6": 0.0}


def test_quotient_keeps_the_integer_part() -> None:
    got = recalculated({}, {"A1": "=QUOTIENT(-7,2)", "A2": "=QUOTIENT(7,2)",
                             "A3": "=QUOTIENT(5,0)", "A4": '=QUOTIENT("9",2)',
                             "A5": '=QUOTIENT("x",2)'})
    assert got == {"A1": -3.0, "A2": 3.0, "A3": ExcelError.DIV0, "A4": 4.0,
                   "A5": ExcelError.VALUE}


def test_text_scales_by_trailing_commas_and_signs_a_negative_rounded_to_zero() -> None:
    """A comma after the last digit placeholder divides by 1,000, decimals or not (millions
    as 0.0,,"M"); a one-section format writes a negative's sign even where it rounds to 0,
    while FIXED rounds first."""
    cases = {(1234567, '0.0,,"M"'): "1.2M", (1234567, "#,##0.0,,"): "1.2",
             (1234567, '$#,##0.0,,"M"'): "$1.2M", (1500, '0.0,"k"'): "1.5k",
             (1234567.8, "0.0,"): "1234.6", (987654321, "#,##0.00,,,"): "0.99",
             (-1500000, "#,##0.0,,;(#,##0.0,,)"): "(1.5)", (1234567, "#,##0,"): "1,235",
             (-0.4, "0"): "-0", (-0.004, "0.00"): "-0.00", (-0.0001, "0.0%"): "-0.0%",
             (-5, "0;(0)"): "(5)"}
    assert {case: format_value(*case) for case in cases} == cases
    assert recalculated({}, {"A1": "=FIXED(-0.001,2)", "A2": '=TEXT(-0.4,"0")'}) == {
        "A1": "0.00", "A2": "-0"}


def test_numbers_become_text_in_at_most_15_significant_digits() -> None:
    """General format: a whole number past 15 digits is written in scientific form."""
    got = recalculated({}, {"A1": '=2^60&""', "A2": '=10^15&""', "A3": '=1E+20&""',
                             "A4": '=123456789012345&""', "A5": "=LEN(2^60)",
                             "A6": '=1/3&""'})
    assert got == {"A1": "1.15292150460685E+18", "A2": "1E+15", "A3": "1E+20",
                   "A4": "123456789012345", "A5": 20.0, "A6": "0.333333333333333"}
