"""The compiled model: static recalc, vectorised evaluation, inputs, risk nodes, pruning."""

from __future__ import annotations

import io
import time

import numpy as np
import openpyxl
import pytest
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.table import Table

from engines.compiler import ModelError, compile_model
from engines.errors import ExcelError
from engines.workbook import WorkbookError, load_workbook


def book(sheets: dict[str, dict[str, object]], names: dict[str, str] | None = None) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, cells in sheets.items():
        ws = wb.create_sheet(title)
        for ref, value in cells.items():
            ws[ref] = value
    for name, text in (names or {}).items():
        wb.defined_names[name] = openpyxl.workbook.defined_name.DefinedName(name, attr_text=text)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def model_of(cells: dict[str, object], **kwargs: object):  # type: ignore[no-untyped-def]
    return compile_model(load_workbook(book({"S": cells})), **kwargs)  # type: ignore[arg-type]


def test_recalc_gives_plain_python_values() -> None:
    model = model_of({"A1": 2, "A2": "=A1*3", "A3": '=A2&"!"', "A4": "=A1>1", "A5": "=1/0"})
    assert model.recalc() == {"S!A2": 6.0, "S!A3": "6!", "S!A4": True, "S!A5": ExcelError.DIV0}


def test_inputs_vary_per_trial_and_errors_stay_in_their_trials() -> None:
    model = model_of({"A1": 1, "B1": "=10/A1", "C1": "=B1+1"}, inputs=["S!A1"], outputs=["S!C1"])
    values, errors = model.evaluate(4, {"S!A1": np.array([1.0, 0.0, 2.0, 5.0])})["S!C1"]
    assert errors.tolist() == [0, ExcelError.DIV0, 0, 0]
    assert values[[0, 2, 3]].tolist() == [11.0, 6.0, 3.0]
    assert np.isnan(values[1])


def test_constant_cells_fold_once_and_broadcast() -> None:
    model = model_of({"A1": 3, "B1": "=A1^2"}, outputs=["S!B1"])
    values, errors = model.evaluate(5)["S!B1"]
    assert values.tolist() == [9.0] * 5 and errors.tolist() == [0] * 5


def test_text_outputs_are_value_errors() -> None:
    model = model_of({"A1": '="x"'}, outputs=["S!A1"])
    values, errors = model.evaluate(2)["S!A1"]
    assert np.isnan(values).all() and errors.tolist() == [ExcelError.VALUE] * 2


def test_request_errors_name_the_cell() -> None:
    with pytest.raises(ModelError, match="S!B1"):
        model_of({"A1": 1, "B1": "=A1"}, inputs=["S!B1"], outputs=["S!B1"])
    with pytest.raises(ModelError, match="S!Z9"):
        model_of({"A1": 1}, outputs=["S!Z9"])
    for twice in (["S!B1", "S!B1"], ["S!B1", "s!$b$1"]):  # a run's results keep one per cell
        with pytest.raises(ModelError, match=r"'S!B1' and .* are one cell"):
            model_of({"A1": 1, "B1": "=A1"}, outputs=twice)
    with pytest.raises(WorkbookError):
        load_workbook(b"not a zip")


def test_circular_reference_names_its_cells() -> None:
    with pytest.raises(ModelError, match=r"S!A1.*S!B1.*iterative calculation"):
        model_of({"A1": "=B1+1", "B1": "=A1"}, outputs=["S!A1"])


def test_only_cells_the_outputs_need_are_evaluated() -> None:
    model = model_of({"A1": 1, "B1": "=A1+1", "C1": "=RiskNormal(0,1)"}, outputs=["S!B1"])
    assert model.risk_inputs == []
    assert model.evaluate(3)["S!B1"][0].tolist() == [2.0] * 3


def test_risk_inputs_take_arrays_or_callables() -> None:
    model = model_of(
        {
            "A1": '=RiskNormal(100, 10, RiskName("Sales"))',
            "B1": "=RiskUniform(0, A1)",
            "C1": '=RiskOutput("Total")+A1+B1',
        }
    )
    first, second = model.risk_inputs
    assert model.outputs == ["S!C1"] and model.risk_outputs == ["S!C1"]
    assert (first.distribution, first.name, first.static_args) == (
        "RiskNormal",
        "Sales",
        (100.0, 10.0),
    )
    assert second.static_args is None
    seen: list[np.ndarray] = []

    def half_of_upper(args: list[np.ndarray]) -> np.ndarray:
        seen.append(args[1])
        return args[1] / 2

    drawn = np.array([90.0, 110.0])
    values, errors = model.evaluate(2, risk_values={first.id: drawn, second.id: half_of_upper})[
        "S!C1"
    ]
    assert values.tolist() == [135.0, 165.0] and errors.tolist() == [0, 0]
    assert seen[0].tolist() == [90.0, 110.0]
    with pytest.raises(ModelError, match="risk_values"):
        model.evaluate(2, risk_values={first.id: drawn})


def test_recalc_uses_static_values_of_risk_calls() -> None:
    model = model_of({"A1": "=RiskNormal(100,10)", "A2": "=RiskTriang(1,2,6,RiskStatic(5))"})
    assert model.recalc() == {"S!A1": 100.0, "S!A2": 5.0}


def test_unsupported_functions_are_reported_not_raised() -> None:
    model = model_of({"A1": "=NOSUCHFN(1)+1", "A2": "=NOSUCHFN(2)"})
    assert model.unsupported == {"NOSUCHFN": ["S!A1", "S!A2"]}
    assert model.recalc()["S!A1"] == ExcelError.NAME


def test_names_cross_sheet_references_and_whole_columns() -> None:
    data = book(
        {"In": {"A1": 1, "A2": 2, "A3": 3}, "Out": {"A1": "=SUM(In!A:A)*rate", "A2": "='In'!A2"}},
        names={"rate": "In!$A$3"},
    )
    assert compile_model(load_workbook(data)).recalc() == {"Out!A1": 18.0, "Out!A2": 2.0}


def test_array_formulas_spill_into_their_range() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"], ws["A2"], ws["A3"] = 1, 2, 3
    ws["B1"] = ArrayFormula("B1:B3", "=A1:A3*10")
    ws["C1"] = "=SUM(B1:B3)"
    buffer = io.BytesIO()
    wb.save(buffer)
    result = compile_model(load_workbook(buffer.getvalue())).recalc()
    assert [result[f"S!B{r}"] for r in (1, 2, 3)] == [10.0, 20.0, 30.0]
    assert result["S!C1"] == 60.0


def test_implicit_intersection_outside_array_formulas() -> None:
    model = model_of({"A1": 1, "A2": 2, "A3": 3, "B2": "=A1:A3*10", "B5": "=A1:A3*10"})
    assert model.recalc() == {"S!B2": 20.0, "S!B5": ExcelError.VALUE}


def test_structured_table_references() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for row in (
        ["Item", "Qty", "Double"],
        ["a", 2, "=[@Qty]*2"],
        ["b", 5, "=Sales[[#This Row],[Qty]]*2"],
    ):
        ws.append(row)
    ws.add_table(Table(displayName="Sales", ref="A1:C3"))
    ws["E1"] = "=SUM(Sales[Qty])"
    ws["E2"] = "=ROWS(Sales[#Data])"
    buffer = io.BytesIO()
    wb.save(buffer)
    result = compile_model(load_workbook(buffer.getvalue())).recalc()
    assert result == {"S!C2": 4.0, "S!C3": 10.0, "S!E1": 7.0, "S!E2": 2.0}


def test_lookups_and_criteria_follow_random_cells() -> None:
    cells: dict[str, object] = {f"A{r}": r for r in range(1, 11)}
    cells |= {
        "B1": "=RiskUniform(1,10)",
        "B2": "=INDEX(A1:A10, INT(B1))",
        "B3": '=SUMIF(A1:A10, ">"&B1)',
        "B4": "=COUNTIF(A1:A10, INT(B1))",
        "B5": "=MATCH(B1, A1:A10)",
    }
    model = model_of(cells, outputs=["S!B2", "S!B3", "S!B4", "S!B5"])
    drawn = np.array([1.5, 9.9, 4.0])
    out = model.evaluate(3, risk_values={model.risk_inputs[0].id: drawn})
    assert out["S!B2"][0].tolist() == [1.0, 9.0, 4.0]
    assert out["S!B3"][0].tolist() == [54.0, 10.0, 45.0]
    assert out["S!B4"][0].tolist() == [1.0, 1.0, 1.0]
    assert out["S!B5"][0].tolist() == [1.0, 9.0, 4.0]


def test_a_million_trials_stay_vectorised() -> None:
    cells: dict[str, object] = {"A1": 1.0}
    for row in range(2, 40):
        cells[f"A{row}"] = f"=IF(A{row - 1}>0.5, A{row - 1}*1.01, -A{row - 1})+MAX(0, A1)"
    model = model_of(cells, inputs=["S!A1"], outputs=["S!A39"])
    n = 1_000_000
    started = time.perf_counter()
    values, errors = model.evaluate(n, {"S!A1": np.linspace(0, 1, n)})["S!A39"]
    assert time.perf_counter() - started < 10
    assert values.shape == (n,) and errors.shape == (n,)


def test_formulas_as_long_as_excel_takes_them_evaluate_left_to_right() -> None:
    """A sum written out with + over 1,500 cells (Python's recursion limit stopped such a sum
    at about 330 cells): chains are parsed, compiled and run in loops, and added from the left
    as Excel adds them, to the last bit. Nesting is bounded: 399 signs or parentheses work, and
    beyond MAX_NESTING the cell is a syntax error listed as unsupported, not a crash."""
    values = [0.1 * (i % 7) + 1e-3 * i for i in range(1, 1501)]
    cells: dict[str, object] = {f"B{i}": v for i, v in enumerate(values, 1)}
    cells["A1"] = "=" + "+".join(f"B{i}" for i in range(1, 1501))
    cells["A2"] = "=" + "-" * 398 + "B1"
    cells["A3"] = "=" + "(" * 399 + "B2" + ")" * 399
    cells["A4"] = "=" + "(" * 3000 + "B2" + ")" * 3000
    assert all(len(str(cells[cell])) <= 8192 for cell in ("A1", "A2", "A3", "A4"))
    model = model_of(cells, outputs=["S!A1", "S!A2", "S!A3", "S!A4"])
    assert model.unsupported == {"(syntax)": ["S!A4"]}
    expected = 0.0
    for v in values:
        expected += v
    recalculated = model.recalc()
    assert (recalculated["S!A1"], recalculated["S!A2"], recalculated["S!A3"]) == (
        expected, values[0], values[1])
    assert recalculated["S!A4"] == ExcelError.NAME


def test_a_chain_along_a_row_is_one_block_and_adds_from_the_left() -> None:
    """The same 600-term chain in six columns, each reading its own column: a row block,
    whose entries are the column sums, added from the left."""
    cells: dict[str, object] = {}
    for column in "CDEFGH":
        cells.update({f"{column}{i}": 0.1 * i + ord(column) for i in range(2, 602)})
        cells[f"{column}1"] = "=" + "+".join(f"{column}{i}" for i in range(2, 602))
    model = model_of(cells, outputs=[f"S!{c}1" for c in "CDEFGH"])
    recalculated = model.recalc()
    for column in "CDEFGH":
        expected = 0.0
        for i in range(2, 602):
            expected += 0.1 * i + ord(column)
        assert recalculated[f"S!{column}1"] == expected


def test_names_and_sheets_may_start_with_any_letter() -> None:
    """Excel takes defined names and unquoted sheet names in any script (Ümsatz, 收入,
    利润表!A1); they were a syntax error (#NAME?) unless quoted."""
    model = compile_model(load_workbook(book(
        {"利润表": {"A1": 7, "A2": 5}, "Sum": {
            "A1": "=Ümsatz*2", "A2": "=收入+1", "A3": "=利润表!A1", "A4": "=SUM(利润表!A1:A2)",
            "A5": "=_xlfn.LET(_xlpm.ä,2,_xlpm.ä*3)"}},
        names={"Ümsatz": "'利润表'!$A$1", "收入": "利润表!$A$2"})),
        outputs=[f"Sum!A{i}" for i in range(1, 6)])
    assert model.unsupported == {}
    values = model.recalc()
    assert [values[f"Sum!A{i}"] for i in range(1, 6)] == [14.0, 6.0, 7.0, 12.0, 6.0]


def test_three_d_references_read_every_sheet_between_in_the_functions_excel_allows() -> None:
    """SUM(Jan:Mar!A1) sums A1 of Jan, Feb and Mar, in the workbook's sheet order (either end
    first, quoted or not); a function Excel does not let read them, a sheet the workbook
    lacks, or a 3-D reference on its own is #REF!."""
    sheets: dict[str, dict[str, object]] = {
        name: {"A1": i + 1, "A2": 10 * (i + 1)}
        for i, name in enumerate(["Jan", "Feb", "Mar", "Q 1", "Q 2"])}
    formulas = {"B1": ("=SUM(Jan:Mar!A1)", 6.0), "B2": ("=AVERAGE(Jan:Mar!A1:A2)", 11.0),
                "B3": ("=COUNT(Mar:Jan!A1)", 3.0), "B4": ("=MAX(Jan:Feb!A:A)", 20.0),
                "B5": ("=SUM('Q 1:Q 2'!A1)", 9.0), "B6": ("=SUM(Jan:Nope!A1)", ExcelError.REF),
                "B7": ("=Jan:Mar!A1", ExcelError.REF), "B8": ("=SUM(Jan:Mar!A1,100)", 106.0),
                "B9": ("=SUMPRODUCT(Jan:Mar!A1)", ExcelError.REF)}
    sheets["Sum"] = {cell: formula for cell, (formula, _) in formulas.items()}
    model = compile_model(load_workbook(book(sheets)), outputs=[f"Sum!{c}" for c in formulas])
    values = model.recalc()
    assert {c: values[f"Sum!{c}"] for c in formulas} == {c: v for c, (_, v) in formulas.items()}


def test_indirect_reads_r1c1_text_when_told() -> None:
    """INDIRECT(text, FALSE) reads R1C1 style: absolute (R2C1), relative to the formula's
    cell (R[-1]C[-2]), ranges, whole rows and columns, another sheet; A1 style reads R2C1
    as no reference."""
    cells: dict[str, object] = {f"A{i}": i for i in range(1, 6)}
    cells |= {f"B{i}": 10 * i for i in range(1, 6)}
    formulas = {"D4": ('=INDIRECT("R2C1",FALSE)', 2.0), "D5": ('=INDIRECT("R[-1]C[-2]",0)', 40.0),
                "D6": ('=SUM(INDIRECT("R1C1:R5C2",FALSE))', 165.0),
                "D7": ('=INDIRECT("R2C1")', ExcelError.REF), "D8": ('=INDIRECT("A3",TRUE)', 3.0),
                "D9": ('=SUM(INDIRECT("C1",FALSE))', 15.0),
                "D10": ('=INDIRECT("S!R3C2",FALSE)', 30.0),
                "D11": ('=INDIRECT("R[-20]C",FALSE)', ExcelError.REF)}
    cells |= {cell: formula for cell, (formula, _) in formulas.items()}
    values = model_of(cells, outputs=[f"S!{c}" for c in formulas]).recalc()
    assert {c: values[f"S!{c}"] for c in formulas} == {c: v for c, (_, v) in formulas.items()}


def test_a_defined_names_relative_references_move_with_the_cell_using_it() -> None:
    """The file keeps a name's references without $ relative to A1, so "the cell to the left"
    is saved as XFD1 and wraps around: used from B1:B5 it reads A1:A5; a name with $ reads
    the same cell from everywhere; mixed ($A1) moves along one axis only."""
    cells: dict[str, object] = {f"A{i}": i for i in range(1, 6)}
    cells |= {f"C{i}": 100 * i for i in range(1, 6)}
    for i in range(1, 6):
        cells |= {f"B{i}": "=LeftCell*10", f"D{i}": "=TwoLeft", f"E{i}": "=Fixed",
                  f"F{i}": "=RowSum"}
    names = {"LeftCell": "S!XFD1", "TwoLeft": "S!XFC1", "Fixed": "S!$A$2",
             "RowSum": "SUM(S!$A1,S!$C1)"}
    model = compile_model(load_workbook(book({"S": cells}, names)),
                          outputs=[f"S!{c}{i}" for c in "BDEF" for i in range(1, 6)])
    values = model.recalc()
    got = {c: [values[f"S!{c}{i}"] for i in range(1, 6)] for c in "BDEF"}
    assert got == {"B": [10.0 * i for i in range(1, 6)], "D": [10.0 * i for i in range(1, 6)],
                   "E": [2.0] * 5, "F": [101.0 * i for i in range(1, 6)]}
