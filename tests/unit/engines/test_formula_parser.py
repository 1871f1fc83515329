"""The formula parser: precedence, references, literals and Excel's file-format quirks."""

from __future__ import annotations

import pytest

from engines.errors import ExcelError
from engines.formula import FormulaSyntaxError, parse
from engines.formula import ast as a


def test_negation_binds_tighter_than_power_and_power_is_left_associative() -> None:
    assert parse("=-2^2") == a.Binary("^", a.Unary("-", a.Number(2.0)), a.Number(2.0))
    assert parse("=2^3^2") == a.Binary(
        "^", a.Binary("^", a.Number(2.0), a.Number(3.0)), a.Number(2.0)
    )


def test_arithmetic_concat_and_comparison_precedence() -> None:
    tree = parse('=1+2*3&"x"=A1')
    assert isinstance(tree, a.Binary) and tree.op == "="
    left = tree.left
    assert isinstance(left, a.Binary) and left.op == "&"
    assert left.left == a.Binary("+", a.Number(1.0), a.Binary("*", a.Number(2.0), a.Number(3.0)))


def test_percent_is_postfix() -> None:
    assert parse("=50%") == a.Unary("%", a.Number(50.0))


def test_references_sheets_ranges_whole_columns_and_spills() -> None:
    assert parse("=$B$3") == a.Ref(None, 3, 2, 3, 2)
    assert parse("='My Sheet'!A1:B2") == a.Ref("My Sheet", 1, 1, 2, 2)
    assert parse("='It''s'!C5") == a.Ref("It's", 5, 3, 5, 3)
    assert parse("=Data!A:C") == a.Ref("Data", None, 1, None, 3)
    assert parse("=2:4") == a.Ref(None, 2, None, 4, None)
    assert parse("=A1#") == a.Ref(None, 1, 1, 1, 1, spill=True)


def test_function_names_lose_file_prefixes_and_keep_missing_arguments() -> None:
    assert parse("=_xlfn.XMATCH(1,A1:A3)") == a.Call(
        "XMATCH", (a.Number(1.0), a.Ref(None, 1, 1, 3, 1))
    )
    assert parse("=IF(A1,,2)") == a.Call(
        "IF", (a.Ref(None, 1, 1, 1, 1), a.Missing(), a.Number(2.0))
    )
    assert parse("=LOG10(100)") == a.Call("LOG10", (a.Number(100.0),))


def test_literals_arrays_errors_booleans_and_strings() -> None:
    assert parse('={1,"a";TRUE,#N/A}') == a.ArrayLit(
        ((a.Number(1.0), a.Text("a")), (a.Bool(True), a.ErrorLit(ExcelError.NA)))
    )
    assert parse('="say ""hi"""') == a.Text('say "hi"')


def test_space_between_references_is_intersection() -> None:
    assert parse("=A1:C3 B2:B9") == a.Binary(" ", a.Ref(None, 1, 1, 3, 3), a.Ref(None, 2, 2, 9, 2))
    assert parse("= 1 + 2 ") == a.Binary("+", a.Number(1.0), a.Number(2.0))


def test_names_and_structured_references() -> None:
    assert parse("=rate*2") == a.Binary("*", a.Name("rate"), a.Number(2.0))
    assert parse("=Sheet1!rate") == a.Name("rate", "Sheet1")
    assert parse("=Sales[[#This Row],[Qty]]") == a.StructRef("Sales", "[[#This Row],[Qty]]")
    assert parse("=[@Qty]") == a.StructRef("", "[@Qty]")


def test_risk_calls_parse_as_calls_with_property_arguments() -> None:
    tree = parse('=RiskNormal(100,10,RiskName("Sales"))')
    assert tree == a.Call(
        "RISKNORMAL", (a.Number(100.0), a.Number(10.0), a.Call("RISKNAME", (a.Text("Sales"),)))
    )


@pytest.mark.parametrize("bad", ["=1+", "=SUM(1,2", "=(1", '="open', "={1,2;3}"])
def test_syntax_errors_raise(bad: str) -> None:
    with pytest.raises(FormulaSyntaxError):
        parse(bad)
