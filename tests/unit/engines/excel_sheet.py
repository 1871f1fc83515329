"""Building a one-sheet workbook for engine tests: plain cells and spilled array formulas."""

from __future__ import annotations

import io
from collections.abc import Mapping

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.formula import ArrayFormula

from engines.compiler import CompiledModel, compile_model
from engines.formula.refs import column_letters, parse_cell
from engines.workbook import load_workbook


def model_workbook(**cells: object) -> bytes:
    """A workbook whose one sheet, ``Model``, holds ``cells`` (values or formulas), as saved."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Model"
    for address, value in cells.items():
        sheet[address] = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sheet_model(
    cells: dict[str, object],
    spills: dict[str, str] | None = None,
    outputs: list[str] | None = None,
    names: dict[str, str] | None = None,
) -> CompiledModel:
    """Sheet ``S`` with ``cells``, per range ``"A1:C3"`` an array formula spilling there, and
    workbook-level defined ``names``."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "S"
    for ref, value in cells.items():
        ws[ref] = value
    for area, formula in (spills or {}).items():
        ws[area.split(":")[0]] = ArrayFormula(area, formula)
    for name, text in (names or {}).items():
        wb.defined_names[name] = DefinedName(name, attr_text=text)
    buffer = io.BytesIO()
    wb.save(buffer)
    return compile_model(load_workbook(buffer.getvalue()), outputs=outputs or [])


def grid(values: dict[str, object], area: str) -> list[list[object]]:
    """The recalculated values of ``area`` as rows (S!A1:B2 style keys)."""
    first, last = area.split(":")
    (r1, c1), (r2, c2) = parse_cell(first), parse_cell(last)
    return [
        [values.get(f"S!{column_letters(c)}{r}") for c in range(c1, c2 + 1)]
        for r in range(r1, r2 + 1)
    ]


def recalculated(cells: Mapping[str, object], formulas: dict[str, str]) -> dict[str, object]:
    """Sheet ``S`` holding ``cells`` and ``formulas``, recalculated: each formula cell's value
    by its address ("A1"); every function the formulas call must be supported."""
    model = sheet_model({**cells, **formulas}, outputs=[f"S!{c}" for c in formulas])
    assert model.unsupported == {}
    values = model.recalc()
    return {cell: values[f"S!{cell}"] for cell in formulas}


def assert_results(got: Mapping[str, object], expected: dict[str, object]) -> None:
    """Each expected value, floats to 1e-12 and everything else (errors, texts, booleans)
    exactly and of the same type."""
    for cell, want in expected.items():
        if isinstance(want, float) and isinstance(got[cell], float):
            assert got[cell] == pytest.approx(want, rel=1e-12, abs=1e-12), cell
        else:
            assert got[cell] == want and type(got[cell]) is type(want), (cell, got[cell])
