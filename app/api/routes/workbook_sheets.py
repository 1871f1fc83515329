"""``GET /v1/workbooks/{id}/sheets/{sheet}``: a window of one sheet as a grid shows it, each
cell's formula and its value, formulas recalculated statically (@RISK functions at their static
values, as Excel shows them without a simulation)."""

from __future__ import annotations

import asyncio
import math
import re
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from app.api.auth import Ctx, Tenant
from engines.compiler import compile_model
from engines.errors import ExcelError
from engines.formula.refs import column_index, column_letters, format_key
from engines.limits import WorkbookLimits
from engines.workbook import Workbook, load_workbook

router = APIRouter(prefix="/v1/workbooks", tags=["workbooks"])
RANGE = re.compile(r"^([A-Za-z]{1,3})([0-9]{1,7}):([A-Za-z]{1,3})([0-9]{1,7})$")
DEFAULT_ROWS, DEFAULT_COLUMNS = 200, 52
MAX_WINDOW = 20_000  # cells in one answer
CACHED_WORKBOOKS = 4


@dataclass(frozen=True)
class EvaluatedWorkbook:
    """A workbook as read, with every formula's static value (``"Sheet!A1"`` keys)."""

    book: Workbook
    values: dict[str, Any]


class _Recent:
    """The last few evaluated workbooks by content hash: a grid asks for one sheet after another,
    and each evaluation is a whole recalculation."""

    def __init__(self, size: int) -> None:
        self.size, self.items, self.lock = size, OrderedDict[str, EvaluatedWorkbook](), Lock()

    def get(self, sha256: str) -> EvaluatedWorkbook | None:
        with self.lock:
            if sha256 in self.items:
                self.items.move_to_end(sha256)
            return self.items.get(sha256)

    def put(self, sha256: str, evaluated: EvaluatedWorkbook) -> None:
        with self.lock:
            self.items[sha256] = evaluated
            while len(self.items) > self.size:
                self.items.popitem(last=False)


_recent = _Recent(CACHED_WORKBOOKS)


def evaluate(data: bytes, limits: WorkbookLimits) -> EvaluatedWorkbook:
    book = load_workbook(data, limits)
    return EvaluatedWorkbook(book, compile_model(book, outputs=[]).recalc())


def json_value(value: Any) -> float | str | bool | None:
    """A cell value JSON can carry: Excel errors as their code, non-finite numbers as text."""
    if isinstance(value, ExcelError):
        return value.code
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def window(text: str | None, rows: int, columns: int) -> tuple[int, int, int, int]:
    """(first row, first column, last row, last column) of ``A1:J50``, or of the sheet's top
    left corner when no range is asked."""
    if not text:
        return 1, 1, max(1, min(rows, DEFAULT_ROWS)), max(1, min(columns, DEFAULT_COLUMNS))
    match = RANGE.match(text)
    if match is None:
        raise HTTPException(422, [{"loc": ["query", "range"],
                                   "msg": f"{text!r} is not a range; expected A1:J50"}])
    c1, r1, c2, r2 = (column_index(match[1]), int(match[2]), column_index(match[3]),
                      int(match[4]))
    bounds = min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)
    area = (bounds[2] - bounds[0] + 1) * (bounds[3] - bounds[1] + 1)
    if bounds[0] < 1:
        raise HTTPException(422, [{"loc": ["query", "range"],
                                   "msg": f"{text}: rows are numbered from 1"}])
    if area > MAX_WINDOW:
        raise HTTPException(422, [{"loc": ["query", "range"], "msg": f"{text} holds {area}"
                                   f" cells; ask for at most {MAX_WINDOW} at a time"}])
    return bounds


def sheet_cells(evaluated: EvaluatedWorkbook, sheet: str,
                bounds: tuple[int, int, int, int]) -> list[dict[str, Any]]:
    """The non-empty cells of ``sheet`` inside ``bounds``, row by row."""
    r1, c1, r2, c2 = bounds
    cells = []
    for (name, row, col), cell in evaluated.book.cells.items():
        if name != sheet or not (r1 <= row <= r2 and c1 <= col <= c2):
            continue
        value = (evaluated.values.get(format_key((name, row, col)))
                 if cell.formula is not None else cell.value)
        if value is None and cell.formula is None:
            continue
        cells.append({"cell": f"{column_letters(col)}{row}", "row": row, "column": col,
                      "value": json_value(value), "formula": cell.formula})
    cells.sort(key=lambda c: (c["row"], c["column"]))
    return cells


@router.get("/{workbook_id}/sheets/{sheet}",
            summary="A window of a sheet: each cell's value and formula",
            responses={409: {"description": "the workbook is still being parsed, or was"
                                            " rejected"}})
async def get_sheet(workbook_id: str, sheet: str, ctx: Ctx, tenant: Tenant,
                    area: Annotated[str | None, Query(
                        alias="range", max_length=30,
                        description="cells to return, e.g. A1:J50; the sheet's first"
                        f" {DEFAULT_ROWS} rows × {DEFAULT_COLUMNS} columns by default")
                    ] = None) -> dict[str, Any]:
    """Values of formula cells are Excel's as RiskStream recalculates them, with @RISK
    functions at their static values; ``truncated`` says the sheet reaches past the window."""
    row = (await ctx.views.workbook(tenant.tenant_id, workbook_id)
           or await ctx.accepted.get(tenant.tenant_id, "workbook", workbook_id))
    if row is None:
        raise HTTPException(404, f"no workbook {workbook_id}")
    if row["status"] != "parsed":
        detail = ("is still being parsed; retry shortly" if row["status"] == "uploaded"
                  else f"was rejected: {row['reason']}")
        raise HTTPException(409, f"workbook {workbook_id} {detail}",
                            headers={"Retry-After": "1"} if row["status"] == "uploaded" else None)
    sheets = {s["name"]: s for s in (row["summary"] or {}).get("sheets", [])}
    if sheet not in sheets:
        raise HTTPException(404, f"workbook {workbook_id} has no sheet {sheet!r}; sheets:"
                            f" {sorted(sheets)}")
    rows, columns = sheets[sheet]["rows"], sheets[sheet]["columns"]
    bounds = window(area, rows, columns)
    evaluated = _recent.get(row["sha256"])
    if evaluated is None:
        limits = WorkbookLimits.from_mapping(tenant.limits.workbook_limits())
        data = await asyncio.to_thread(ctx.blobs.get, row["sha256"])
        evaluated = await asyncio.to_thread(evaluate, data, limits)
        _recent.put(row["sha256"], evaluated)
    return {
        "workbook_id": workbook_id, "sheet": sheet, "rows": rows, "columns": columns,
        "range": f"{column_letters(bounds[1])}{bounds[0]}:{column_letters(bounds[3])}{bounds[2]}",
        "truncated": bounds[2] < rows or bounds[3] < columns,
        "cells": sheet_cells(evaluated, sheet, bounds),
    }
