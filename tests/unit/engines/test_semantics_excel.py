"""General rules of Excel's semantics: which error wins when arguments disagree (argument-check
order, booleans read from cells by Analysis ToolPak functions, paired ranges), ranks, lookups
on mixed types, text read as numbers and dates, and TEXT's number formats.

Every expectation is the value Excel saved in a reference workbook of
``shared/workbooks/excel``, cited next to the case; the data row mirrors the file's layout
(``J`` TRUE, ``K`` … ``Q`` the errors #VALUE! … #REF!).
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import numpy as np
import openpyxl
import pytest
from openpyxl.worksheet.formula import ArrayFormula

from engines.compiler import compile_model
from engines.errors import ExcelError
from engines.workbook import load_workbook

E = ExcelError
ROW = {
    "C": 0.1, "D": -10, "E": 0.9, "F": 2.2, "G": -0.1, "I": "ciao", "J": True,
    "K": "#VALUE!", "L": "#N/A", "M": "#DIV/0!", "N": "#NAME?", "O": "#NULL!", "P": "#NUM!",
    "Q": "#REF!",
}  # fmt: skip
CASES = [
    # formulas-test.xlsx DATE & TIME!Y23 (=WEEKNUM(J23,1), J23 TRUE)
    ("=WEEKNUM(J1,1)", E.VALUE),
    # pycel-date-time.xlsx Sheet1!L12 (=EDATE(367,L3), L3 TRUE)
    ("=EDATE(367,J1)", E.VALUE),
    # pycel-yearfrac.xlsx YEARFRAC!K9 (=YEARFRAC(1,200,$J9), J9 TRUE)
    ("=YEARFRAC(1,200,J1)", E.VALUE),
    # pycel-yearfrac.xlsx YEARFRAC!P3 (=YEARFRAC(1/0,200,-1)): the basis is checked first
    ("=YEARFRAC(M1,200,-1)", E.NUM),
    # formulas-test.xlsx DATE & TIME!Z27 (=YEARFRAC(K27,345,L27))
    ("=YEARFRAC(K1,345,L1)", E.NA),
    # formulas-test.xlsx STATISTICAL!AK57 / AJ57 / AK95 (k = F, E, F of the row)
    ("=LARGE(C1:J1,F1)", 0.1),
    ("=LARGE(C1:J1,E1)", E.NUM),
    ("=SMALL(C1:J1,F1)", -0.1),
    # formulas-test.xlsx STATISTICAL!Y20, AD20, AD77, AC77
    ("=CORREL(J1:L1,L1:N1)", E.NA),
    ("=CORREL(P1:Q1,Q1:S1)", E.NA),
    ("=PEARSON(O1:P1,Q1:R1)", E.NUM),
    ("=PEARSON(N1:O1,P1:Q1)", E.NAME),
    # formulas-test.xlsx LOOKUP!W189, X189, Y189, W171, W177, W183 (H of the row is empty)
    ("=XMATCH(H1,{-1.1,2.1,3.1,4.1},-1)", 4.0),
    ('=XMATCH("*b?u*",{-1.1,2.1,3.1,4.1},-1)', 4.0),
    ("=XMATCH(TRUE,{-1.1,2.1,3.1,4.1},-1)", 4.0),
    ("=XMATCH(H1,{-1.1,2.1,3.1,4.1},1)", E.NA),
    ("=XMATCH(H1,{TRUE,4.1,FALSE,1.1},-1,2)", 4.0),
    ("=XMATCH(H1,{4.1,3.1,2.1,1.1},2,2)", E.VALUE),
    # formulas-test.xlsx LOOKUP!Y190, X193
    ('=XMATCH(TRUE,{"a",2.1,"c bau c",4.1},-1)', 3.0),
    ('=XMATCH("*b?u*",{"c bau c",4.1,"a",1.1},-1)', 2.0),
    # formulas-test.xlsx LOOKUP!V69, V66, X66, X60, AI59, T59, S59: MATCH/LOOKUP's bisection
    ('=MATCH(4.1,{"c bau c",4.1,"a",1.1})', 2.0),
    ('=MATCH(4.1,{"a",2.1,"c bau c",4.1})', 4.0),
    ('=MATCH(3,{"a",2.1,"c bau c",4.1})', 2.0),
    ('=MATCH("*b?u*",{"a",2.1,"c bau c",4.1})', E.NA),
    ('=LOOKUP("b",{"b",4.1,"a",1.1})', "a"),
    ('=LOOKUP(2.1,{4.1,2.1,3.1,1.1},{"L","ML","MR","R"})', "ML"),
    ("=LOOKUP(3,{4.1,2.1,3.1,1.1})", 2.1),
    ("=LOOKUP(2,{4.1,2.1,3.1,1.1})", E.NA),
    # formulas-test.xlsx LOOKUP!AQ167: the lookup value's error before the invalid mode
    ('=XLOOKUP(L1,{-1.1,2.1,3.1,4.1},{"L","ML","MR","R"},1,-1,0)', E.NA),
    # formulas-test.xlsx LOOKUP!AN6 (4th column of CHOOSECOLS(…,C6:D6,D6:E6)), AH9
    ("=INDEX(CHOOSECOLS({1,2,3;4,5,6;7,8,9},A2:B2,B2:C2),1,4)", 2.0),
    ("=INDEX(CHOOSECOLS({1,2,3;4,5,6;7,8,9},A2:B2,B2:C2),3,1)", 7.0),
    ("=CHOOSEROWS({1,2,3;4,5,6;7,8,9},A2:B3)", E.VALUE),
    # formulas-test.xlsx LOOKUP!T15: an empty intersection inside another stays #NULL!
    ("=COLUMNS((E1:H1 J1:K1 L1:O1))", E.NULL),
    # formulas-test.xlsx MATH & TRIG!V31, T31
    ("=FACTDOUBLE(-1)", 1.0),
    ("=FACTDOUBLE(-1.1)", E.NUM),
    # formulas-test.xlsx MATH & TRIG!X47 (=MUNIT(I47), I47 "ciao")
    ("=MUNIT(I1)", E.VALUE),
    # formulas-test.xlsx STATISTICAL!U18, T74, U10: "TRUE" text only in logical parameters
    ('=CONFIDENCE.NORM(3,-1,"TRUE")', E.VALUE),
    ('=NORM.S.DIST(0.7,"1")', E.VALUE),
    ('=BINOM.DIST(3,-1,0.2,"TRUE")', E.NUM),
    # formulas-test.xlsx FINANCIAL!AF54: a boolean in XIRR's ranges (E2:H3 below)
    ("=XIRR(E2:H2,E3:H3)", E.VALUE),
    # formulas-test.xlsx FINANCIAL!Z26: IRR reports #VALUE! for an error among its values
    ("=IRR({-7,2,-1,4,-3;7,2,-1,4,#N/A})", E.VALUE),
    # formulas-test.xlsx STATISTICAL!AI54 (5 of HYPGEOM.DIST(C54:Q54,3,2,30,1)) and S54
    ("=HYPGEOM.DIST(5,3,2,30,TRUE)", 1.0),
    ("=HYPGEOM.DIST(5,10,30,7,FALSE)", E.NUM),
    # formulas-test.xlsx TEXT!AQ3 (ARRAYTOTEXT(C3:J3, L3), L3 #N/A): the format's own error
    ("=ARRAYTOTEXT(C1:D1,L1)", E.NA),
    # formulas-test.xlsx TEXT!T27, R28, T28, V28, W28, R27
    ('=NUMBERVALUE("(2500.27)",".",".,")', E.VALUE),
    ('=NUMBERVALUE("(-2500.27E+2%)%",".",",.,")', E.VALUE),
    ('=NUMBERVALUE("- -2500.27E+2%%",".",",.,")', E.VALUE),
    ('=NUMBERVALUE("(2,500.27%)%",",")', E.VALUE),
    ('=NUMBERVALUE("(2500,27E+6%)%",",")', -250027.0),
    ('=NUMBERVALUE("(2.500,27)",",",".")', -2500.27),
    # xlcalc-BASES.xlsx places!G38, G49: the places are checked before the number
    ('=DEC2BIN("E",0)', E.NUM),
    ('=DEC2HEX("E",11)', E.NUM),
    # xlcalc-YEAR.xlsx Sheet1!C5: no date before 1900 is read from text
    ('=YEAR("7/5/1800")', E.VALUE),
    # formulas-test.xlsx TEXT!W53 (=VALUE(H53), H53 empty); TEXT!Y53 (J53 TRUE)
    ("=VALUE(H1)", 0.0),
    ("=VALUE(J1)", E.VALUE),
    # pycel-text.xlsx TextDates!C30, C32, C34, C40, C42, C47, C33, C39: clock text
    ('=TEXT("0:59:99","#.#####")', ".04212"),
    ('=TEXT("23:99","#.#####")', "1.02708"),
    ('=TEXT("23:9999","#.#####")', "7.90208"),
    ('=TEXT("59:9999.0","#.#####")', ".1567"),
    ('=TEXT("23:59.012345","#.#######")', ".0166552"),
    ('=TEXT("23:59.","#.###########")', ".99930555556"),
    ('=TEXT("24:99","#.#####")', "24:99"),
    ('=TEXT("23:60:9999","#.#####")', "23:60:9999"),
    # pycel-text.xlsx TextDates!C2, C11, C13, C18, C19: elapsed counts
    ('=TEXT("2007-02-03 19:08:07.0123","[h]")', "938803"),
    ('=TEXT(2958465,"[hh]")', "71003160"),
    ('=TEXT(71003160/24+1,"[h]")', "71003184"),
    ('=TEXT(-1,"[h]")', "-24"),
    ('=TEXT(-1,"[h]:m")', E.VALUE),
    # formulas-test.xlsx EXTRA!A37, A39, A41: runs of a date code letter
    ('=TEXT(130,"m mm mmm mmmm mmmmm mmmmmm mmmmmmm")', "5 05 May May M May May"),
    ('=TEXT(130,"y yy yyy yyyy yyyyyy")', "00 00 1900 1900 1900"),
    ('=TEXT(130.63332,"h hh hhh hhhh")', "15 15 15 15"),
    # pycel-text.xlsx TextDates!C10: serial 0 is 0 January 1900
    ('=TEXT(0,"""-> ""#.00;-#;""SS""m;""ZERO""@")', "SS1"),
    # pycel-text.xlsx TextDates!C8, C9 and TextNumbers!C3, C8, C13, C14, C17: sections
    ('=TEXT("X","##.00;-  ##.0;""ZERO"";->@<-@")', "->X<-X"),
    ('=TEXT("X",";-  ##.0;""ZERO""@;""X""")', E.VALUE),
    ('=TEXT(0,"#,#""ZZ""#.0""YY""00@")', E.VALUE),
    ('=TEXT(0,"w;x;z@")', "w"),
    ('=TEXT(-1,"")', "-"),
    ('=TEXT(1,"")', ""),
    ('=TEXT(-1,"w;x@")', "-w"),
    # pycel-text.xlsx TextNumbers!C2, C4, C35, C37, C38, C39, C42, C50, C63: placeholders
    ('=TEXT(1234567.89,"#,#""ZZ""#.0""YY""00")', "1,234,56ZZ7.8YY90"),
    ('=TEXT(1234567.89,"#,#""ZZ""#.0Y00")', E.VALUE),
    ('=TEXT(890123.456789,"#,0x#.00.0")', "890,12x3.45.7"),
    ('=TEXT(890123.456789,"#x,0,#.00.0")', "890,1x,23.45.7"),
    ('=TEXT(890123.456789,",#.00.0")', ",890123.45.7"),
    ('=TEXT(890123.456789,".#")', "890123.5"),
    ('=TEXT(890123.456789,"#.###,x,##")', "890123.456x,79"),
    ('=TEXT(890123.456789,"#.#####00#0")', "890123.45678900"),
    ('=TEXT(1234.56,"$x*y#,##0* ")', "$x1,235"),
    # formulas-test.xlsx EXTRA!A28: optional digits before E+ step the exponent
    ('=TEXT(12200000,"#######.0E+00")', "1.2E+07"),
    # formulas-test.xlsx CORE!AB14 (instance AB11 TRUE)
    ('=SUBSTITUTE("0, 1.9,2.3,10,-1",-1,"",J1)', E.VALUE),
    # formulas-test.xlsx EXTRA!A13, A24
    ('=TEXT(1234567890,"0,## ##, ##")', "1,234,56 7,8 90"),
    ('=TEXT(1234578.555,"0cc###,00")', "1,2cc34,579"),
]


@pytest.fixture(scope="module")
def results() -> Mapping[str, object]:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for column, value in ROW.items():
        ws[f"{column}1"] = value
    # LOOKUP!C6:E7 of formulas-test.xlsx: -3.9, 1.1, 2.9 over 2, 1
    for ref, value in {"A2": -3.9, "B2": 1.1, "C2": 2.9, "B3": 2, "C3": 1}.items():
        ws[ref] = value
    # FINANCIAL!C54:J55 of formulas-test.xlsx, shortened: flows over dates, TRUE last
    for column, flow, day in zip("EFGH", (-10, 1, 5, True), (1, 99, 55, True), strict=True):
        ws[f"{column}2"], ws[f"{column}3"] = flow, day
    for row, (formula, _) in enumerate(CASES, start=5):
        ws[f"A{row}"] = formula
    buffer = io.BytesIO()
    wb.save(buffer)
    model = compile_model(load_workbook(buffer.getvalue()), outputs=[])
    return model.recalc()


@pytest.mark.parametrize(
    ("row", "formula", "expected"), [(i + 5, f, e) for i, (f, e) in enumerate(CASES)]
)
def test_matches_excel(
    results: Mapping[str, object], row: int, formula: str, expected: object
) -> None:
    actual = results[f"S!A{row}"]
    if isinstance(expected, float) and isinstance(actual, float):
        assert np.isclose(actual, expected, rtol=1e-12), formula
    else:
        assert actual == expected and type(actual) is type(expected), (formula, actual)


def test_is_functions_read_a_reference_over_the_array_range() -> None:
    """formulas-test.xlsx INFORMATION!AH12:AW12 ({=ISNA(C12:Q12)}, one cell more than the
    range: AW12 TRUE), AO11:AW11 ({=ISLOGICAL(M11:Q11)}: AT11 FALSE), and AH10:AW10
    ({=ISFORMULA(C10:J10)}: AK10 TRUE for the formula in F10, AP10 #N/A past the range)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"], ws["B1"] = 1, "=1+1"
    ws["D1"] = ArrayFormula("D1:F1", "=ISNA(A1:B1)")
    ws["D2"] = ArrayFormula("D2:F2", "=ISLOGICAL(A1:B1)")
    ws["D3"] = ArrayFormula("D3:F3", "=ISFORMULA(A1:B1)")
    buffer = io.BytesIO()
    wb.save(buffer)
    results = compile_model(load_workbook(buffer.getvalue()), outputs=[]).recalc()
    assert [results[f"S!{c}1"] for c in "DEF"] == [False, False, True]
    assert [results[f"S!{c}2"] for c in "DEF"] == [False, False, False]
    assert [results[f"S!{c}3"] for c in "DEF"] == [False, True, E.NA]


def test_text_starting_with_equals_is_text() -> None:
    """formulas-test.xlsx CORE!J22 and D25: text cells reading '= text' and '=SUM(D2:D5)'."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"] = "=SUM(B1:B2)"
    ws["A1"].data_type = "s"
    ws["B1"] = 2
    buffer = io.BytesIO()
    wb.save(buffer)
    model = compile_model(load_workbook(buffer.getvalue()), outputs=[])
    assert model.workbook.cells[("S", 1, 1)].value == "=SUM(B1:B2)"
    assert "S!A1" not in model.recalc()
