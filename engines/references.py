"""Resolving references to areas: A1 refs, defined names, structured table references."""

from __future__ import annotations

import re
from types import ModuleType

import numpy as np

from engines.formula import ast
from engines.formula.refs import MAX_COL, MAX_ROW, CellKey
from engines.limits import too_large
from engines.values import EMPTY, Area, Value, kinds
from engines.workbook import Table, Workbook

UNCLIPPED_CELLS = 2**20
"""Most cells a clipped reference is given back in full where each of its cells counts (a
whole column: 1,048,576)."""


def ref_area(workbook: Workbook, ref: ast.Ref, here: CellKey) -> Area | None:
    """The area ``ref`` names, seen from cell ``here``; None when its sheet does not exist.

    Whole rows and columns run to the grid's end; what is read of them is :func:`clip`'s.
    """
    sheet = here[0] if ref.sheet is None else workbook.sheet_named(ref.sheet)
    if sheet is None:
        return None
    if ref.spill and ref.row1 is not None and ref.col1 is not None:
        anchor = workbook.cells.get((sheet, ref.row1, ref.col1))
        if anchor is not None and anchor.array is not None:
            return Area(sheet, *anchor.array)
    row1 = ref.row1 if ref.row1 is not None else 1
    col1 = ref.col1 if ref.col1 is not None else 1
    row2 = ref.row2 if ref.row2 is not None else MAX_ROW
    col2 = ref.col2 if ref.col2 is not None else MAX_COL
    return Area(sheet, row1, col1, row2, col2)


def clip(workbook: Workbook, area: Area) -> Area:
    """``area`` as far as it is read: no more rows (columns) than the workbook's content spans
    on any sheet, the size it names kept as its ``extent``.

    Cells past all content are empty, so sums, lookups and counts of what is there come out
    the same, and a whole-sheet reference costs what the data costs. Cutting to a count of
    rows from the area's own first row, not at a row number, keeps areas of one size the same
    size (A1:A99999 and A2:A100000 stay aligned) and still covers all content.
    """
    rows, cols = area.shape
    most_rows, most_cols = workbook.extent
    keep_rows, keep_cols = min(rows, max(most_rows, 1)), min(cols, max(most_cols, 1))
    if (keep_rows, keep_cols) == (rows, cols):
        return area
    return Area(area.sheet, area.row1, area.col1, area.row1 + keep_rows - 1,
                area.col1 + keep_cols - 1, area.named_shape)


def unclipped(xp: ModuleType, value: Value, most: int = UNCLIPPED_CELLS) -> Value:
    """A reference's value with the empty cells :func:`clip` cut off given back, where each of
    its cells counts and not only its content (``A2:A1000=""``, ``--(B2:B1000<100)``: 999
    entries, blank ones included); as it is when it was not clipped, or when its whole size
    would pass ``most`` cells or what a formula may build over its trials."""
    area = value.area
    if area is None or area.extent is None:
        return value
    (rows, cols), (full_rows, full_cols) = value.grid, area.extent
    trials = value.shape[0]
    if full_rows * full_cols > most or too_large(trials, full_rows, full_cols):
        return value
    shape = (trials, rows, cols)
    pad = ((0, 0), (0, full_rows - rows), (0, full_cols - cols))
    num = xp.pad(xp.broadcast_to(value.num, shape), pad)
    err = None if value.err is None else xp.pad(xp.broadcast_to(value.err, shape), pad)
    kind = xp.pad(xp.broadcast_to(kinds(xp, value), shape), pad, constant_values=EMPTY)
    text = None if value.text is None else np.pad(
        np.broadcast_to(value.text, shape), pad, constant_values="")
    return Value(num, err, kind, text, area.full())


def intersect(a: Area, b: Area) -> Area | None:
    """The overlap of two areas (Excel's space operator), or None (#NULL!)."""
    a, b = a.full(), b.full()
    if a.sheet != b.sheet:
        return None
    row1, col1 = max(a.row1, b.row1), max(a.col1, b.col1)
    row2, col2 = min(a.row2, b.row2), min(a.col2, b.col2)
    if row1 > row2 or col1 > col2:
        return None
    return Area(a.sheet, row1, col1, row2, col2)


def span(a: Area, b: Area) -> Area | None:
    """The smallest area covering both (Excel's ``:`` operator between references)."""
    a, b = a.full(), b.full()
    if a.sheet != b.sheet:
        return None
    return Area(
        a.sheet, min(a.row1, b.row1), min(a.col1, b.col1), max(a.row2, b.row2), max(a.col2, b.col2)
    )


def implicit_intersection(area: Area, here: CellKey) -> Area | None:
    """The one cell of ``area`` on the formula's row or column (legacy scalar context); the
    row or column number is matched on the area's own sheet, as Excel does."""
    area = area.full()
    rows, cols = area.shape
    if rows == 1 and cols == 1:
        return area
    if cols == 1 and area.row1 <= here[1] <= area.row2:
        return Area(area.sheet, here[1], area.col1, here[1], area.col1)
    if rows == 1 and area.col1 <= here[2] <= area.col2:
        return Area(area.sheet, area.row1, here[2], area.row1, here[2])
    return None


def table_at(workbook: Workbook, here: CellKey) -> Table | None:
    """The table whose range holds cell ``here`` (for ``[@Col]`` written inside a table)."""
    for table in workbook.tables.values():
        r1, c1, r2, c2 = table.bounds
        if table.sheet == here[0] and r1 <= here[1] <= r2 and c1 <= here[2] <= c2:
            return table
    return None


_ITEM = re.compile(r"\[((?:[^\[\]']|'.)*)\]")


def struct_area(workbook: Workbook, ref: ast.StructRef, here: CellKey) -> Area | None:
    """The area of a structured reference like ``Sales[[#This Row],[Qty]]``; None if invalid."""
    table = workbook.tables.get(ref.table.upper()) if ref.table else table_at(workbook, here)
    if table is None:
        return None
    spec = ref.spec[1:-1]
    this_row = spec.lstrip().startswith("@")
    if this_row:
        spec = spec.lstrip()[1:]
    # column names keep their spaces ("Qty " is not "Qty"); only the space between items goes
    items = _ITEM.findall(spec) if spec.strip().startswith("[") else ([spec] if spec else [])
    specials = {" ".join(i.split()).upper() for i in items if i.strip().startswith("#")}
    columns = [re.sub(r"'(.)", r"\1", i) for i in items if not i.strip().startswith("#")]
    if "#THIS ROW" in specials:
        this_row = True
    r1, c1, r2, c2 = table.bounds
    data_top, data_bottom = r1 + table.header_rows, r2 - table.totals_rows
    if this_row:
        top = bottom = here[1]
    elif "#ALL" in specials:
        top, bottom = r1, r2
    else:
        parts = []
        if "#HEADERS" in specials:
            parts.append((r1, r1 + table.header_rows - 1))
        if "#DATA" in specials or not specials:
            parts.append((data_top, data_bottom))
        if "#TOTALS" in specials:
            parts.append((data_bottom + 1, r2))
        top, bottom = min(p[0] for p in parts), max(p[1] for p in parts)
    if columns:
        indexes = [_column_index(table, name) for name in columns]
        if None in indexes:
            return None
        found = [i for i in indexes if i is not None]
        left, right = c1 + min(found), c1 + max(found)
    else:
        left, right = c1, c2
    if top > bottom:
        return None
    return Area(table.sheet, top, left, bottom, right)


def _column_index(table: Table, name: str) -> int | None:
    """The position of the column ``name`` names: matched case-insensitively as written, else
    with outer spaces trimmed on both sides (a formula typed without a name's trailing space)."""
    folded = [column.casefold() for column in table.columns]
    wanted = name.casefold()
    if wanted in folded:
        return folded.index(wanted)
    trimmed = [column.strip() for column in folded]
    return trimmed.index(wanted.strip()) if wanted.strip() in trimmed else None
