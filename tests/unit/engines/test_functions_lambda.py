"""LET, LAMBDA and the functions that call one, against values Excel gives.

Cells marked ``formulas-test`` come from shared/workbooks/excel/formulas-test.xlsx (sheet and
cell given); the others are worked out by hand from Excel's documented behaviour.
"""

from __future__ import annotations

import numpy as np
import pytest

from engines.errors import ExcelError
from engines.formula import ast, parse
from tests.unit.engines.excel_sheet import grid, sheet_model

DATA = {"A1": 1, "A2": 2, "A3": 3, "B1": 10, "B2": 20, "B3": 30}
CASES = [
    ("=_xlfn.LAMBDA(_xlpm.x,_xlpm.x+1)(2)", 3.0),
    ("=_xlfn.LET(_xlpm.x,2,_xlpm.y,_xlpm.x*10,_xlpm.x+_xlpm.y)", 22.0),
    # a LET name shadows the cell reference-like defined names and reads a range whole
    ("=_xlfn.LET(_xlpm.r,A1:A3,SUM(_xlpm.r)*ROWS(_xlpm.r))", 18.0),
    ("=_xlfn.LET(_xlpm.f,_xlfn.LAMBDA(_xlpm.v,_xlpm.v*_xlpm.v),_xlpm.f(A3))", 9.0),
    ("=_xlfn.LAMBDA(_xlpm.x,_xlpm.x)", ExcelError.CALC),
    ("=_xlfn.LAMBDA(_xlpm.x,_xlfn.ISOMITTED(_xlpm.x))()", True),
    ("=_xlfn.LAMBDA(_xlpm.x,_xlfn.ISOMITTED(_xlpm.x))(1)", False),
    ("=_xlfn.LAMBDA(_xlpm.x,_xlpm.x)(1,2)", ExcelError.VALUE),
    ("=_xlfn.REDUCE(0,A1:B3,_xlfn.LAMBDA(_xlpm.a,_xlpm.v,_xlpm.a+_xlpm.v))", 66.0),
    ("=SUM(_xlfn.MAP(A1:A3,B1:B3,_xlfn.LAMBDA(_xlpm.a,_xlpm.b,_xlpm.a*_xlpm.b)))", 140.0),
    ("=SUM(_xlfn.BYCOL(A1:B3,_xleta.MAX))", 33.0),
    ("=_xlfn.REDUCE(1,A1:A3,_xleta.NOPE)", ExcelError.NAME),
    ("=_xlfn.REDUCE(1,A1:A3,A1)", ExcelError.VALUE),
]


@pytest.fixture(scope="module")
def results() -> dict[str, object]:
    cells: dict[str, object] = dict(DATA)
    cells.update({f"D{row}": formula for row, (formula, _) in enumerate(CASES, start=1)})
    spills = {
        "F1:F3": "=_xlfn.SCAN(0,A1:A3,_xlfn.LAMBDA(_xlpm.a,_xlpm.v,_xlpm.a+_xlpm.v))",
        "G1:G3": "=_xlfn.BYROW(A1:B3,_xleta.SUM)",
        "H1:I2": "=_xlfn.MAKEARRAY(2,2,_xlfn.LAMBDA(_xlpm.r,_xlpm.c,_xlpm.r*10+_xlpm.c))",
        # formulas-test LOGICAL!R14: MAKEARRAY mapped over sizes keeps each array's first entry
        "H4:K4": "=_xlfn.MAKEARRAY({2,2.3,-1,TRUE},1,"
        "_xlfn.LAMBDA(_xlpm.x,_xlpm.y,_xlpm.x+1+_xlpm.y))",
    }
    model = sheet_model(cells, spills)
    assert model.unsupported == {}
    return {**model.recalc()}


@pytest.mark.parametrize(
    ("row", "formula", "expected"), [(i + 1, f, e) for i, (f, e) in enumerate(CASES)]
)
def test_lambda_family(
    results: dict[str, object], row: int, formula: str, expected: object
) -> None:
    assert results[f"S!D{row}"] == expected, formula


def test_spilled_lambda_results(results: dict[str, object]) -> None:
    assert grid(results, "F1:F3") == [[1.0], [3.0], [6.0]]
    assert grid(results, "G1:G3") == [[11.0], [22.0], [33.0]]
    assert grid(results, "H1:I2") == [[11.0, 12.0], [21.0, 22.0]]
    assert grid(results, "H4:K4") == [[3.0, ExcelError.VALUE, ExcelError.VALUE, 3.0]]


def test_defined_name_lambda_and_immediate_call() -> None:
    # formulas-test LOGICAL!C12: LAMBDA(x,y,z,SUM(y)+SUM(x+1,(y+x+D3+C3)))(1,2,3) is
    # 2 + 2 + (3 + D3 + C3); with C3 + D3 = 5 here, 12. MYLAMBDA is the file's defined name:
    # SUM(x*2, y*3, -z, LOGICAL!D12), with D12 taken as 1 here: MYLAMBDA(2,1,2) = 4+3-2+1.
    model = sheet_model(
        {
            "C3": 2,
            "D3": 3,
            "D12": 1,
            "A1": "=_xlfn.LAMBDA(_xlpm.x,_xlpm.y,_xlpm.z,SUM(_xlpm.y)+SUM(_xlpm.x+1,"
            "(_xlpm.y+_xlpm.x+D3+C3)))(1,2,3)",
            "A2": "=MYLAMBDA(2,1,2)",
            "A3": "=MYLAMBDA",
        },
        names={
            "MYLAMBDA": "_xlfn.LAMBDA(_xlpm.x,_xlpm.y,_xlpm.z,"
            "SUM(_xlpm.x*2,_xlpm.y*3,-_xlpm.z,S!$D$12))"
        },
    )
    values = model.recalc()
    assert (values["S!A1"], values["S!A2"], values["S!A3"]) == (12.0, 6.0, ExcelError.CALC)


def test_map_runs_every_trial_at_once() -> None:
    model = sheet_model(
        {"A1": "=RAND()", "A2": "=SUM(_xlfn.MAP(A1,_xlfn.LAMBDA(_xlpm.v,_xlpm.v*2)))"},
        outputs=["S!A1", "S!A2"],
    )
    out = model.evaluate(500)
    drawn, doubled = out["S!A1"][0], out["S!A2"][0]
    assert np.std(drawn) > 0.1
    assert np.allclose(doubled, 2 * drawn)


def test_recursive_defined_lambda_is_an_error_not_a_loop() -> None:
    model = sheet_model(
        {"A1": "=FACT2(3)"},
        names={"FACT2": "_xlfn.LAMBDA(_xlpm.n,IF(_xlpm.n<2,1,_xlpm.n*FACT2(_xlpm.n-1)))"},
    )
    assert model.recalc()["S!A1"] == ExcelError.VALUE


def test_parser_reads_lambda_calls_parameters_and_unions() -> None:
    assert parse("=_xlfn.LAMBDA(_xlpm.x,_xlpm.x+1)(2)") == ast.Apply(
        ast.Call("LAMBDA", (ast.Name("x"), ast.Binary("+", ast.Name("x"), ast.Number(1.0)))),
        (ast.Number(2.0),),
    )
    assert parse("=_xlpm.f(1)") == ast.Call("F", (ast.Number(1.0),))
    union = parse("=AREAS((A1,B2))")
    assert isinstance(union, ast.Call) and isinstance(union.args[0], ast.Binary)
    assert union.args[0].op == ","
    # formulas-test CORE!E25: a reference to a deleted sheet
    assert parse("=REF!#REF!") == ast.ErrorLit(ExcelError.REF)
