"""Functions about references: ROW(S), COLUMN(S), OFFSET, INDIRECT, CELL; and the reading of
a reference a function returns where Excel expects one value (implicit intersection).

OFFSET and INDIRECT read cells only known once their arguments are evaluated; they need
arguments that are the same in every trial (a per-trial reference gives #VALUE!).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from engines.coerce import text_value, to_number, to_text
from engines.env import Env
from engines.errors import ExcelError
from engines.formula import FormulaSyntaxError, ast, parse
from engines.formula.refs import MAX_COL, MAX_ROW, CellKey, column_letters
from engines.functions.registry import Call, Table, register
from engines.references import implicit_intersection, ref_area, struct_area
from engines.values import EMPTY, TEXT, Area, Value, error, host, kinds, number

FUNCTIONS: Table = {}
_ALL = None
_BASE = frozenset({0})  # the reference argument, measured but not read


def _area_of(call: Call, args: Sequence[Value]) -> Area | None:
    if not args:
        sheet, row, col = call.cell
        return Area(sheet, row, col, row, col)
    return args[0].area


def _coordinates(call: Call, args: Sequence[Value], column: bool) -> Value:
    xp = call.xp
    area = _area_of(call, args)
    if area is None:
        return args[0].plain() if args and args[0].err is not None else error(xp, ExcelError.VALUE)
    area = area.full()  # every row (column) it names, those past the content included
    if column:
        values = xp.arange(area.col1, area.col2 + 1, dtype=xp.float64).reshape(1, 1, -1)
    else:
        values = xp.arange(area.row1, area.row2 + 1, dtype=xp.float64).reshape(1, -1, 1)
    return number(xp, values)


@register(FUNCTIONS, "ROW", 0, 1, _ALL, measures=_BASE)
def row(call: Call, args: Sequence[Value]) -> Value:
    return _coordinates(call, args, column=False)


@register(FUNCTIONS, "COLUMN", 0, 1, _ALL, measures=_BASE)
def column(call: Call, args: Sequence[Value]) -> Value:
    return _coordinates(call, args, column=True)


def _size(call: Call, value: Value, axis: int) -> Value:
    """A reference's size counts its cells whatever they hold (those past the content it was
    clipped to included); a lone error propagates."""
    err = value.err if value.area is None and value.grid == (1, 1) else None
    shape = value.grid if value.area is None else value.area.named_shape
    return number(call.xp, call.xp.full((1, 1, 1), float(shape[axis])), err)


@register(FUNCTIONS, "ROWS", 1, 1, _ALL, measures=_BASE)
def rows(call: Call, args: Sequence[Value]) -> Value:
    return _size(call, args[0], 0)


@register(FUNCTIONS, "COLUMNS", 1, 1, _ALL, measures=_BASE)
def columns(call: Call, args: Sequence[Value]) -> Value:
    return _size(call, args[0], 1)


def constant_int(call: Call, value: Value) -> int | None:
    """The whole number a one-value argument holds in every trial; None when it varies by
    trial or is an error."""
    num, err = to_number(call.xp, value)
    if num.size != 1 or (err is not None and int(host(call.xp, err).reshape(-1)[0])):
        return None
    return int(float(host(call.xp, num).reshape(-1)[0]) // 1)


@register(FUNCTIONS, "OFFSET", 3, 5, _BASE, measures=_BASE, dynamic=True)
def offset(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    base = args[0].area
    moves = [constant_int(call, a) for a in args[1:3]]
    if base is None or None in moves:
        return error(xp, ExcelError.VALUE)
    height, width = base.named_shape
    if len(args) > 3 and not missing(args[3]):
        height = constant_int(call, args[3]) or 0
    if len(args) > 4 and not missing(args[4]):
        width = constant_int(call, args[4]) or 0
    top, left = base.row1 + (moves[0] or 0), base.col1 + (moves[1] or 0)
    if top < 1 or left < 1 or height < 1 or width < 1:
        return error(xp, ExcelError.REF)
    return referred(call.env, Area(base.sheet, top, left, top + height - 1, left + width - 1))


def referred(env: Env, area: Area) -> Value:
    """The cells of ``area``, read when the formula runs, as a reference to it."""
    if area.shape == (1, 1):
        return env.cell((area.sheet, area.row1, area.col1))
    return env.area(area)


def intersected(env: Env, value: Value, here: CellKey) -> Value:
    """A reference a formula computes (INDEX, OFFSET, XLOOKUP), where Excel expects one value
    outside array formulas: its cell on the row or column of ``here`` (implicit intersection),
    #VALUE! when there is none. Other values are the caller's to reduce, arrays being lifted."""
    area = value.area
    if area is None or area.named_shape == (1, 1):
        return value
    found = implicit_intersection(area, here)
    return error(env.xp, ExcelError.VALUE) if found is None else referred(env, found)


def may_refer(node: ast.Node) -> bool:
    """Whether ``node`` may evaluate to a reference known only as the formula runs: a call, a
    name or a range between such references; operators and literals give values."""
    return isinstance(node, ast.Call | ast.Apply | ast.Name) or (
        isinstance(node, ast.Binary) and node.op in (":", " "))


def missing(value: Value) -> bool:
    """Whether an argument was left out (``OFFSET(A1,1,1,,2)``)."""
    return isinstance(value.kind, int) and value.kind == 3 and value.area is None


_AXIS = r"(?:(\d+)|\[(-?\d+)\])?"  # R2 (row 2), R[-1] (one up), R (this row)
_CELL = re.compile(rf"R{_AXIS}C{_AXIS}", re.I)
_ROW = re.compile(rf"R{_AXIS}", re.I)
_COL = re.compile(rf"C{_AXIS}", re.I)


def r1c1_as_a1(text: str, row: int, col: int) -> str | None:
    """An R1C1 reference (``R2C3``, ``R[-1]C``, ``R1C1:R2C[2]``, ``R3``, ``C[1]:C[2]``, with
    or without a sheet) in A1 style, relative parts counted from ``row`` and ``col``; None
    when it is not one or reaches off the sheet."""
    sheet, bang, body = text.rpartition("!")
    pieces = body.split(":")
    if len(pieces) > 2:
        return None
    cells, rows, cols = [], [], []
    for piece in (p.strip() for p in pieces):
        if found := _CELL.fullmatch(piece):
            r_abs, r_rel, c_abs, c_rel = found.groups()
            at_row = _r1c1_axis(r_abs, r_rel, row, MAX_ROW)
            at_col = _r1c1_axis(c_abs, c_rel, col, MAX_COL)
            if at_row is None or at_col is None:
                return None
            cells.append(f"{column_letters(at_col)}{at_row}")
        elif found := _ROW.fullmatch(piece):
            rows.append(_r1c1_axis(found.group(1), found.group(2), row, MAX_ROW))
        elif found := _COL.fullmatch(piece):
            cols.append(_r1c1_axis(found.group(1), found.group(2), col, MAX_COL))
        else:
            return None
    if sum(map(bool, (cells, rows, cols))) != 1:
        return None
    if rows:
        if None in rows:
            return None
        a1 = ":".join(str(r) for r in (rows[0], rows[-1]))
    elif cols:
        if None in cols:
            return None
        a1 = ":".join(column_letters(c or 0) for c in (cols[0], cols[-1]))
    else:
        a1 = ":".join(cells)
    return (sheet + bang if bang else "") + a1


def _r1c1_axis(absolute: str | None, relative: str | None, here: int, most: int) -> int | None:
    at = int(absolute) if absolute else here + int(relative or 0)
    return at if 1 <= at <= most else None


@register(FUNCTIONS, "INDIRECT", 1, 2, dynamic=True)
def indirect(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    if args[0].shape[0] != 1:
        return error(xp, ExcelError.VALUE)  # a reference that changes by trial
    text = str(to_text(xp, args[0]).reshape(-1)[0])
    if len(args) > 1 and not missing(args[1]):
        style, _ = to_number(xp, args[1])
        if args[1].err is not None or args[1].shape[0] != 1:
            return args[1].plain() if args[1].err is not None else error(xp, ExcelError.VALUE)
        if float(host(xp, style).reshape(-1)[0]) == 0:  # INDIRECT("R2C[-1]", FALSE)
            a1 = r1c1_as_a1(text, call.cell[1], call.cell[2])
            if a1 is None:
                return error(xp, ExcelError.REF)
            text = a1
    try:
        node = parse(text)
    except FormulaSyntaxError:
        return error(xp, ExcelError.REF)
    workbook = call.env.model.workbook
    if isinstance(node, ast.Name):
        definition = workbook.defined_name(node.name, call.cell[0])
        node = parse(definition) if definition is not None else node
    area: Area | None = None
    if isinstance(node, ast.Ref):
        area = ref_area(workbook, node, call.cell)
    elif isinstance(node, ast.StructRef):
        area = struct_area(workbook, node, call.cell)
    return error(xp, ExcelError.REF) if area is None else referred(call.env, area)


@register(FUNCTIONS, "CELL", 1, 2, frozenset({1}), measures=frozenset({1}), dynamic=True)
def cell(call: Call, args: Sequence[Value]) -> Value:
    """CELL's "address", "col" and "row" measure the reference; "contents" and "type" read its
    first cell when the formula runs (a real cycle then). Other info types are #VALUE!."""
    xp = call.xp
    if args[0].err is not None or args[0].shape[0] != 1:
        return args[0].plain() if args[0].err is not None else error(xp, ExcelError.VALUE)
    info = str(to_text(xp, args[0]).reshape(-1)[0]).lower()
    area = _area_of(call, args[1:])
    if area is None:
        return args[1].plain() if args[1].err is not None else error(xp, ExcelError.VALUE)
    if info in ("row", "col"):
        at = area.row1 if info == "row" else area.col1
        return number(xp, xp.full((1, 1, 1), float(at)))
    if info == "address":
        address = f"${column_letters(area.col1)}${area.row1}"
        return text_value(xp, np.full((1, 1, 1), address, dtype=object), None)
    if info not in ("contents", "type"):
        return error(xp, ExcelError.VALUE)
    first = call.env.cell((area.sheet, area.row1, area.col1))
    if info == "contents":
        return first.plain()
    kind = host(xp, kinds(xp, first))
    letters = np.where(kind == EMPTY, "b", np.where(kind == TEXT, "l", "v")).astype(object)
    return text_value(xp, letters, None)
