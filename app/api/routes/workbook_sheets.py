"""``GET /v1/workbooks/{id}/sheets/{sheet}``: a window of one sheet as a grid shows it, each
cell's formula and its value, formulas recalculated statically (@RISK functions at their static
values, as Excel shows them without a simulation), computed in a sandbox (``app.api.sheetview``)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from app.api.auth import Ctx, Tenant
from app.api.sheetview import SheetViewFailed, SheetViews, sandboxed, window_of
from engines.formula.refs import column_index, column_letters
from engines.workbook import DEFAULT_LIMITS
from infra.settings import Settings

router = APIRouter(prefix="/v1/workbooks", tags=["workbooks"])
RANGE = re.compile(r"^([A-Za-z]{1,3})([0-9]{1,7}):([A-Za-z]{1,3})([0-9]{1,7})$")
DEFAULT_ROWS, DEFAULT_COLUMNS = 200, 52
MAX_WINDOW = 20_000  # cells in one answer


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


@router.get("/{workbook_id}/sheets/{sheet}",
            summary="A window of a sheet: each cell's value and formula",
            responses={409: {"description": "the workbook is still being parsed, or was"
                                            " rejected"},
                       422: {"description": "the range is malformed or too large, or the"
                                            " workbook's cells need more memory or time to"
                                            " compute than its parse was allowed"}})
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
    try:  # parsed under its plan's limits when uploaded; computed as the runner computes it
        found = await _views(ctx.settings).grid(
            tenant.tenant_id, row["sha256"], lambda: ctx.blobs.get(row["sha256"]),
            DEFAULT_LIMITS)
    except SheetViewFailed as exc:
        raise HTTPException(422, f"workbook {workbook_id}'s sheets cannot be shown: {exc}"
                            ) from None
    return {
        "workbook_id": workbook_id, "sheet": sheet, "rows": rows, "columns": columns,
        "range": f"{column_letters(bounds[1])}{bounds[0]}:{column_letters(bounds[3])}{bounds[2]}",
        "truncated": bounds[2] < rows or bounds[3] < columns,
        "cells": [{"cell": f"{column_letters(col)}{r}", "row": r, "column": col,
                   "value": value, "formula": formula}
                  for r, col, value, formula in window_of(found.get(sheet, []), bounds)],
    }


_shared: list[SheetViews] = []


def _views(settings: Settings) -> SheetViews:
    """This worker's sheet views (made with its first request, on its event loop)."""
    if not _shared:
        _shared.append(SheetViews(sandboxed(settings)))
    return _shared[0]
