"""The workbook model: cell contents, defined names and tables read from ``.xlsx`` bytes.

Cells are keyed by ``(sheet, row, col)``. A formula cell keeps its text (openpyxl has already
translated shared formulas to each cell). An array formula is kept on its anchor cell with
the range it fills; the other cells of that range are ``spill`` cells whose value comes
from the anchor, whatever value the file cached for them.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from functools import cached_property

import openpyxl
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from openpyxl.worksheet.worksheet import Worksheet

from engines.errors import ExcelError
from engines.formula.refs import CellKey
from engines.limits import WorkbookError, WorkbookLimits
from engines.links import linked_cells
from engines.package import check_package
from engines.xlsxreader import read_book

Scalar = float | str | bool | ExcelError | None
Bounds = tuple[int, int, int, int]
"""(row1, col1, row2, col2), 1-based and inclusive."""


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell: a constant ``value``, or a ``formula`` (``array`` set on array-formula anchors)."""

    value: Scalar = None
    formula: str | None = None
    array: Bounds | None = None
    spill_anchor: CellKey | None = None


@dataclass(frozen=True, slots=True)
class Table:
    """An Excel table (ListObject): its range, column names and header/totals row counts."""

    name: str
    sheet: str
    bounds: Bounds
    columns: tuple[str, ...]
    header_rows: int
    totals_rows: int


@dataclass(frozen=True, slots=True)
class Iteration:
    """Excel's iterative calculation, on when the file's ``calcPr`` has ``iterate="1"``: cells
    on a circular reference are recalculated at most ``count`` times, until none moves by
    ``delta`` or more (Excel's defaults are 100 and 0.001)."""

    count: int = 100
    delta: float = 0.001


@dataclass
class Workbook:
    """Everything the compiler needs from a workbook file."""

    sheets: list[str]
    cells: dict[CellKey, Cell]
    dimensions: dict[str, tuple[int, int]]
    """Per sheet, the farthest row and column holding content: where its references stop."""
    names: dict[tuple[str | None, str], str] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    iteration: Iteration | None = None
    """Iterative calculation, when the file turns it on; circular references are errors else."""
    hidden_rows: dict[str, frozenset[int]] = field(default_factory=dict)
    """Per sheet, the rows the file hides (``<row hidden="1">``), filtered ones included."""
    filtered_rows: dict[str, frozenset[int]] = field(default_factory=dict)
    """Per sheet, the hidden rows inside an AutoFilter's range: rows its filter hides."""
    linked: list[str] = field(default_factory=list)
    """Sheets of other workbooks (``[1]Sheet1``) holding the values Excel last read from them
    (see :mod:`engines.links`): read by references, listed nowhere else."""

    @cached_property
    def total_cells(self) -> frozenset[CellKey]:
        """Cells whose formula calls SUBTOTAL or AGGREGATE: the totals those functions skip."""
        return frozenset(
            key for key, cell in self.cells.items()
            if cell.formula is not None and _TOTALS.search(cell.formula)
        )

    @cached_property
    def extent(self) -> tuple[int, int]:
        """The farthest row and the farthest column holding content, over all sheets."""
        used = self.dimensions.values()
        return max((r for r, _ in used), default=0), max((c for _, c in used), default=0)

    def sheet_named(self, name: str) -> str | None:
        """The sheet's exact name, matched case-insensitively as Excel does."""
        folded = name.casefold()
        return next((s for s in (*self.sheets, *self.linked) if s.casefold() == folded), None)

    def formula_cells(self) -> list[CellKey]:
        """Cells holding a formula (array anchors included, spill cells not)."""
        return [key for key, cell in self.cells.items() if cell.formula is not None]

    def defined_name(self, name: str, sheet: str | None) -> str | None:
        """The formula text of ``name``: the sheet-scoped definition first, then the global one."""
        upper = name.upper()
        if sheet is not None and (sheet, upper) in self.names:
            return self.names[(sheet, upper)]
        return self.names.get((None, upper))


_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_TOTALS = re.compile(r"\b(?:_xlfn\.)?(?:SUBTOTAL|AGGREGATE)\s*\(", re.IGNORECASE)


def cell_value(value: object, data_type: str) -> Scalar:
    """An openpyxl cell value as the engine's scalar (``data_type`` ``"e"`` marks errors)."""
    if isinstance(value, str) and data_type == "e":
        try:
            return ExcelError.from_code(value)
        except KeyError:
            return ExcelError.VALUE
    if isinstance(value, str):
        # the file format writes control characters as _xHHHH_ (and "_x" itself as _x005F_x)
        return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return float(to_excel(value))
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 86400.0
    return str(value)


def _bounds(ref: str) -> Bounds:
    from openpyxl.utils.cell import range_boundaries

    col1, row1, col2, row2 = range_boundaries(ref)
    return int(row1), int(col1), int(row2), int(col2)


DEFAULT_LIMITS = WorkbookLimits()


def load_workbook(data: bytes, limits: WorkbookLimits = DEFAULT_LIMITS) -> Workbook:
    """Read ``.xlsx`` bytes once they pass ``limits`` (checked as the package streams, before
    openpyxl builds anything); raises WorkbookTooLarge at the first limit passed and
    WorkbookError when the bytes are not a readable workbook."""
    check_package(data, limits)
    try:
        book, _ = read_book(data)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise WorkbookError(f"not a readable .xlsx workbook: {exc}") from exc
    cells: dict[CellKey, Cell] = {}
    data_tables: list[CellKey] = []
    tables: dict[str, Table] = {}
    hidden: dict[str, frozenset[int]] = {}
    filtered: dict[str, frozenset[int]] = {}
    for ws in book.worksheets:
        sheet = ws.title
        hidden[sheet], filtered[sheet] = _hidden_rows(ws)
        anchors: list[tuple[CellKey, Bounds]] = []
        # the cells the file holds: iter_rows() would visit (and create) every cell of the
        # block from A1 to the farthest one, a billion for a file with a cell in XFD1048576
        for (row, col), item in sorted(ws._cells.items()):
            value = item.value
            key = (sheet, row, col)
            if isinstance(value, ArrayFormula):
                bounds = _bounds(value.ref) if value.ref else (row, col) * 2
                cells[key] = Cell(formula=value.text or "=#N/A", array=bounds)
                anchors.append((key, bounds))
            elif item.data_type == "f" and isinstance(value, str) and len(value) > 1:
                # a text cell may start with "=" too ('= text'); only formula cells compute
                cells[key] = Cell(formula=value)
            elif value is not None and not hasattr(value, "ref"):
                cells[key] = Cell(value=cell_value(value, item.data_type))
            elif isinstance(value, DataTableFormula):  # a What-If data table's first cell
                data_tables.append(key)
            elif value is not None:
                cells[key] = Cell(value=ExcelError.NAME, formula="=#NAME?")
        for anchor, (r1, c1, r2, c2) in anchors:
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    if (r, c) != anchor[1:]:
                        cells[(sheet, r, c)] = Cell(spill_anchor=anchor)
        for table in ws.tables.values():
            bounds = _bounds(table.ref)
            columns = tuple(col.name for col in table.tableColumns)  # unescaped by openpyxl
            tables[table.name.upper()] = Table(
                table.name,
                sheet,
                bounds,
                columns,
                int(table.headerRowCount if table.headerRowCount is not None else 1),
                int(table.totalsRowCount or 0),
            )
    names: dict[tuple[str | None, str], str] = {}
    for name, defined in book.defined_names.items():
        names[(None, name.upper())] = defined.attr_text
    for ws in book.worksheets:
        for name, defined in ws.defined_names.items():
            names[(ws.title, name.upper())] = defined.attr_text
    if data_tables:  # its cells keep the values Excel saved, the first one's included
        kept = cached_values(data)
        cells.update((key, Cell(value=kept.get(key))) for key in data_tables)
    linked, saved = linked_cells(book._external_links, cell_value)
    cells.update((key, Cell(value=value)) for key, value in saved.items())
    used = _used([*(ws.title for ws in book.worksheets), *linked], cells)
    return Workbook(book.sheetnames, cells, used, names, tables, _iteration(book), hidden,
                    filtered, linked)


def cached_values(data: bytes) -> dict[CellKey, Scalar]:
    """Every cell's value as Excel saved it (a formula's last result), decoded as
    :func:`load_workbook` decodes constants; a newer error a rich value records (#CALC!)
    replaces the #VALUE! the file caches for it."""
    book, rich_errors = read_book(data, data_only=True)
    values: dict[CellKey, Scalar] = {}
    for ws in book.worksheets:
        for (row, col), item in ws._cells.items():
            values[(ws.title, row, col)] = rich_errors.get(
                (ws.title, item.coordinate), cell_value(item.value, item.data_type)
            )
    return values


def _hidden_rows(ws: Worksheet) -> tuple[frozenset[int], frozenset[int]]:
    """The sheet's hidden rows, and those of them an AutoFilter (the sheet's or a table's)
    hides: Excel writes both as ``<row hidden="1">``; filtered rows are those under a filter
    that has criteria (``<filterColumn>``)."""
    hidden = frozenset(int(row) for row, dim in ws.row_dimensions.items() if dim.hidden)
    if not hidden:
        return hidden, hidden
    filters = [ws.auto_filter, *(t.autoFilter for t in ws.tables.values())]
    spans = [_bounds(f.ref) for f in filters if f is not None and f.ref and f.filterColumn]
    filtered = frozenset(row for row in hidden if any(r1 < row <= r2 for r1, _, r2, _ in spans))
    return hidden, filtered


def _iteration(book: openpyxl.Workbook) -> Iteration | None:
    calc = book.calculation
    if calc is None or not calc.iterate:
        return None
    default = Iteration()
    count = default.count if calc.iterateCount is None else int(calc.iterateCount)
    delta = default.delta if calc.iterateDelta is None else float(calc.iterateDelta)
    return Iteration(max(count, 1), delta)


def _used(sheets: list[str], cells: dict[CellKey, Cell]) -> dict[str, tuple[int, int]]:
    """Per worksheet, the farthest row and column holding content ((0, 0) when it has none)."""
    used = dict.fromkeys(sheets, (0, 0))
    for sheet, row, col in cells:
        rows, cols = used[sheet]
        if row > rows or col > cols:
            used[sheet] = (max(row, rows), max(col, cols))
    return used
