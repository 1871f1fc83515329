"""ADDRESS (a reference as text), AREAS (how many areas a reference has), references of
several areas (unions such as ``(A1:B2,C3)``) and the ``@`` operator (``_xlfn.SINGLE``).

Unions and their intersections are worked out from the formula at compile time, since
references do not change by trial: AREAS counts them, functions taking any number of ranges
(SUM, COUNT…) get each area as an argument, and INDEX picks one by its area number.
"""

from __future__ import annotations

import re

from engines.blocks import element
from engines.env import Env, Plan
from engines.errors import ExcelError
from engines.formula import ast
from engines.formula.refs import MAX_COL, MAX_ROW, column_letters
from engines.functions.lambdas import Compiler, special_form
from engines.functions.registry import Function, Table, register
from engines.functions.text import _simple
from engines.references import implicit_intersection, intersect
from engines.values import Area, Value, error, from_scalars

FUNCTIONS: Table = {}
_PLAIN_SHEET = re.compile(r"[A-Za-z_\\][A-Za-z0-9_.]*")
_LOOKS_LIKE_CELL = re.compile(r"([A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*|[Rr]\d*|[Cc]\d*)")


def _sheet_prefix(sheet: str) -> str:
    if _PLAIN_SHEET.fullmatch(sheet) and not _LOOKS_LIKE_CELL.fullmatch(sheet):
        return sheet + "!"
    if not sheet:
        return "!"
    return "'" + sheet.replace("'", "''") + "'!"


def _address(
    row: float, col: float, absolute: float = 1.0, a1: object = 1.0, sheet: str | None = None
) -> str:
    """Excel's ADDRESS: ``absolute`` 1 $A$1, 2 A$1, 3 $A1, 4 A1; R1C1 style when ``a1`` is false."""
    r, c, mode = int(row), int(col), int(absolute)
    if isinstance(a1, str):
        if a1.upper() not in ("TRUE", "FALSE"):
            raise ValueError(a1)
        a1 = a1.upper() == "TRUE"
    if not (1 <= r <= MAX_ROW and 1 <= c <= MAX_COL and 1 <= mode <= 4):
        raise ValueError((row, col, absolute))
    fixed_row, fixed_col = mode in (1, 2), mode in (1, 3)
    if a1:
        text = ("$" if fixed_col else "") + column_letters(c) + ("$" if fixed_row else "") + str(r)
    else:
        text = (f"R{r}" if fixed_row else f"R[{r}]") + (f"C{c}" if fixed_col else f"C[{c}]")
    return (_sheet_prefix(sheet) if sheet is not None else "") + text


register(FUNCTIONS, "ADDRESS", 2, 5)(_simple("nnnvt", _address))


def areas_of(compiler: Compiler, node: ast.Node) -> list[Area] | ExcelError:
    """The areas a reference expression names, unions and intersections included."""
    if isinstance(node, ast.Binary) and node.op == ",":
        left, right = areas_of(compiler, node.left), areas_of(compiler, node.right)
        if isinstance(left, ExcelError):
            return left
        return right if isinstance(right, ExcelError) else left + right
    if isinstance(node, ast.Binary) and node.op == " ":
        left, right = areas_of(compiler, node.left), areas_of(compiler, node.right)
        if isinstance(left, ExcelError):
            return left
        if isinstance(right, ExcelError):
            return right
        found = [a for a in (intersect(x, y) for x in left for y in right) if a is not None]
        return found or ExcelError.NULL
    area = compiler.static_area(node)
    return ExcelError.VALUE if area is None else [area]


@special_form("AREAS")
def _areas(compiler: Compiler, node: ast.Call) -> Plan:
    if len(node.args) != 1:
        return lambda env: error(env.xp, ExcelError.VALUE)
    found = areas_of(compiler, node.args[0])
    if isinstance(found, ExcelError):
        code = found
        return lambda env: error(env.xp, code)
    count = float(len(found))
    return lambda env: from_scalars(env.xp, [[count]])


@special_form("SINGLE")
def _single(compiler: Compiler, node: ast.Call) -> Plan:
    """Excel's ``@``: a range gives its cell on the formula's row (a column) or column (a row),
    #VALUE! when there is none; an array its first entry; one value itself."""
    if len(node.args) != 1:
        return lambda env: error(env.xp, ExcelError.VALUE)
    area = compiler.static_area(node.args[0])
    if area is not None:
        picked = implicit_intersection(area, compiler.cell)
        if picked is None:
            return lambda env: error(env.xp, ExcelError.VALUE)
        return compiler.compile(_ref(picked))
    inner, cell = compiler.compile(node.args[0]), compiler.cell

    def run(env: Env) -> Value:
        value = inner(env)
        if value.area is not None:  # a reference known when the formula runs (OFFSET)
            found = implicit_intersection(value.area, cell)
            if found is None:
                return error(env.xp, ExcelError.VALUE)
            return env.cell((found.sheet, found.row1, found.col1))
        return element(env.xp, value, 0, 0) if value.grid != (1, 1) else value

    return run


def _is_union(node: ast.Node) -> bool:
    if not isinstance(node, ast.Binary):
        return False
    return node.op == "," or (node.op == " " and (_is_union(node.left) or _is_union(node.right)))


def _ref(area: Area) -> ast.Ref:
    return ast.Ref(area.sheet, area.row1, area.col1, area.row2, area.col2)


def rewrite_unions(compiler: Compiler, node: ast.Call, function: Function) -> ast.Node:
    """``node`` with its multi-area references spelled out where Excel accepts them: as
    separate ranges for functions taking any number of ranges (``SUM((A1,B2))``), and INDEX's
    area number as a choice among single-area INDEX calls. Returns ``node`` itself when
    there is nothing to rewrite."""
    if not any(_is_union(arg) for arg in node.args):
        return node
    if node.name == "INDEX" and _is_union(node.args[0]) and len(node.args) <= 4:
        return _index_of_areas(compiler, node)
    if function.ranges is not None or function.max_args is not None:
        return node
    spread: list[ast.Node] = []
    for arg in node.args:
        found = areas_of(compiler, arg) if _is_union(arg) else [arg]
        if isinstance(found, ExcelError):
            return ast.ErrorLit(found)
        spread.extend(_ref(a) if isinstance(a, Area) else a for a in found)
    return ast.Call(node.name, tuple(spread))


def _index_of_areas(compiler: Compiler, node: ast.Call) -> ast.Node:
    """``INDEX((a1,a2,…), r, c, k)`` as ``IF(k=1, INDEX(a1,r,c), IF(k=2, …, #REF!))``, entry by
    entry when k is an array (an area number below 1 is #VALUE!)."""
    found = areas_of(compiler, node.args[0])
    if isinstance(found, ExcelError):
        return ast.ErrorLit(found)
    rest = node.args[1:3]
    number: ast.Node = node.args[3] if len(node.args) == 4 else ast.Number(1.0)
    if isinstance(number, ast.Missing):
        number = ast.Number(1.0)
    whole = ast.Call("TRUNC", (number,))
    beyond = ast.Binary(">", whole, ast.Number(float(len(found))))
    out: ast.Node = ast.Call(
        "IF", (beyond, ast.ErrorLit(ExcelError.REF), ast.ErrorLit(ExcelError.VALUE))
    )
    for position, area in reversed(list(enumerate(found, start=1))):
        pick = ast.Binary("=", whole, ast.Number(float(position)))
        out = ast.Call("IF", (pick, ast.Call("INDEX", (_ref(area), *rest)), out))
    return out
