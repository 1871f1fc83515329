"""Functions about the workbook around a formula: SHEET, SHEETS, FORMULATEXT and HYPERLINK.

Sheets are numbered from 1 in workbook order, hidden and chart sheets included. SHEET and
SHEETS measure the reference they are given without reading its cells (``=SHEET(A1)`` in A1
is no cycle); they take the syntax tree, since a 3-D reference (``Jan:Mar!A1``) or a name
defined as one means several sheets, which no single value can carry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from engines.coerce import text_value, to_text
from engines.env import Env, Plan
from engines.errors import ExcelError
from engines.formula import ast
from engines.functions.lambdas import Compiler, bound, special_form
from engines.functions.reference import missing
from engines.functions.registry import Call, Table, register
from engines.references import ref_area, struct_area
from engines.values import Area, Value, error, host, number
from engines.workbook import Workbook

FUNCTIONS: Table = {}
_BASE = frozenset({0})
SheetNames = list[str] | ExcelError


def _written(compiler: Compiler, node: ast.Node, names: frozenset[str]) -> ast.Node | None:
    """The argument with its defined names replaced by their definitions, when it names its
    sheets in the formula itself (references, 3-D references, tables, unions of them, error
    literals); None when only evaluating it tells (a function returning a reference, a text,
    a LET name, a name defined as a value)."""
    if isinstance(node, ast.Ref | ast.StructRef | ast.ErrorLit):
        return node
    if isinstance(node, ast.Binary) and node.op in (",", ":", " "):
        left, right = (_written(compiler, side, names) for side in (node.left, node.right))
        return None if left is None or right is None else ast.Binary(node.op, left, right)
    if isinstance(node, ast.Name):
        if node.sheet is None and bound(compiler, node.name) is not None:
            return None
        tree = compiler.name_tree(node) if node.name.upper() not in names else None
        if tree is None:  # unknown here (another sheet's name), or defined through itself
            return ast.ErrorLit(ExcelError.NAME)
        return _written(compiler, tree, names | {node.name.upper()})
    return None


def _named_sheets(workbook: Workbook, node: ast.Node, here: str) -> SheetNames:
    """The sheets a written reference (see :func:`_written`) on sheet ``here`` names, in
    workbook order, or the error it is: a 3-D reference spans its first sheet to its last."""
    if isinstance(node, ast.ErrorLit):
        return node.error
    if isinstance(node, ast.Ref) and node.sheet is not None and ":" in node.sheet:
        ends = [workbook.sheet_named(name) for name in node.sheet.split(":", 1)]
        if any(end not in workbook.sheets for end in ends):
            return ExcelError.REF
        first, last = sorted(workbook.sheets.index(str(end)) for end in ends)
        return workbook.sheets[first : last + 1]
    if isinstance(node, ast.Ref):
        return _sheet_of(workbook, ref_area(workbook, node, (here, 1, 1)))
    if isinstance(node, ast.StructRef):
        return _sheet_of(workbook, struct_area(workbook, node, (here, 1, 1)))
    assert isinstance(node, ast.Binary)
    left, right = (_named_sheets(workbook, side, here) for side in (node.left, node.right))
    if isinstance(left, ExcelError):
        return left
    if isinstance(right, ExcelError):
        return right
    return sorted(set(left) | set(right), key=workbook.sheets.index)


def _sheet_of(workbook: Workbook, area: Area | None) -> SheetNames:
    """The sheet of an area; #REF! for none, or for another workbook's sheet (it has no
    number in this one)."""
    if area is None or area.sheet not in workbook.sheets:
        return ExcelError.REF
    return [area.sheet]


def _failed(env: Env, code: ExcelError) -> Value:
    return error(env.xp, code)


def _count(env: Env, count: float) -> Value:
    return number(env.xp, env.xp.full((1, 1, 1), count))


def _sheet_numbers(env: Env, value: Value) -> Value:
    """SHEET of an evaluated argument: a reference's sheet, or the sheet named by the text
    (any case; a number is read as its text), #N/A where no sheet has that name."""
    sheets = env.model.workbook.sheets
    if value.area is not None:
        found = _sheet_of(env.model.workbook, value.area)
        if isinstance(found, ExcelError):
            return _failed(env, found)
        return _count(env, float(sheets.index(found[0]) + 1))
    folded = {name.casefold(): position for position, name in enumerate(sheets, start=1)}
    wanted = to_text(env.xp, value)
    found = np.vectorize(lambda name: float(folded.get(name.casefold(), 0)), otypes=[float])(
        wanted
    )
    missing_sheet = env.xp.asarray(found == 0.0)
    codes = env.xp.where(missing_sheet, env.xp.int8(int(ExcelError.NA)), env.xp.int8(0))
    if value.err is not None:
        codes = env.xp.where(value.err != 0, value.err, codes)
    return number(env.xp, env.xp.asarray(found), codes.astype(env.xp.int8))


def _references_count(env: Env, value: Value) -> Value:
    """SHEETS of an evaluated argument: 1 for a reference, else its error or #REF!."""
    if value.area is not None:
        return _count(env, 1.0)
    code = 0
    if value.err is not None and value.grid == (1, 1):
        code = int(host(env.xp, value.err).reshape(-1)[0])
    return _failed(env, ExcelError(code) if code else ExcelError.REF)


def _sheet_form(
    compiler: Compiler,
    node: ast.Call,
    without_argument: Callable[[Workbook, str], int],
    of_sheets: Callable[[Workbook, list[str]], int],
    of_value: Callable[[Env, Value], Value],
) -> Plan:
    """SHEET or SHEETS: ``without_argument`` from the workbook and the formula's sheet,
    ``of_sheets`` from the sheets a written reference names, ``of_value`` from what any
    other argument evaluates to."""
    here = compiler.cell[0]
    if len(node.args) > 1:
        return lambda env: _failed(env, ExcelError.VALUE)
    if not node.args or isinstance(node.args[0], ast.Missing):
        return lambda env: _count(env, float(without_argument(env.model.workbook, here)))
    written = _written(compiler, node.args[0], frozenset())
    if written is None:
        evaluated = compiler.compile(node.args[0])
        return lambda env: of_value(env, evaluated(env))
    tree = written

    def named(env: Env) -> Value:
        workbook = env.model.workbook
        found = _named_sheets(workbook, tree, here)
        if isinstance(found, ExcelError):
            return _failed(env, found)
        return _count(env, float(of_sheets(workbook, found)))

    return named


@special_form("SHEET")
def _sheet(compiler: Compiler, node: ast.Call) -> Plan:
    """SHEET(value): the number of the sheet a reference, defined name or table is on (the
    first of a 3-D reference's), or of the sheet named by a text; SHEET() the formula's own."""
    return _sheet_form(
        compiler,
        node,
        lambda workbook, here: workbook.sheets.index(here) + 1,
        lambda workbook, found: workbook.sheets.index(found[0]) + 1,
        _sheet_numbers,
    )


@special_form("SHEETS")
def _sheets(compiler: Compiler, node: ast.Call) -> Plan:
    """SHEETS(reference): how many sheets a reference spans (a 3-D one, or a name defined as
    one); SHEETS() all the workbook's sheets. What is no reference is #REF!."""
    return _sheet_form(
        compiler,
        node,
        lambda workbook, here: len(workbook.sheets),
        lambda workbook, found: len(found),
        _references_count,
    )


_STRING = re.compile(r'("(?:[^"]|"")*")')
_PREFIX = re.compile(r"_xl(?:fn|ws|pm)\.", re.IGNORECASE)
_REFERENCE = r"([^()\s,+\-*/&^=<>]+)"
_ANCHOR = re.compile(rf"ANCHORARRAY\({_REFERENCE}\)", re.IGNORECASE)
_SINGLE = re.compile(rf"SINGLE\({_REFERENCE}\)", re.IGNORECASE)


def displayed_formula(stored: str) -> str:
    """A formula as Excel's formula bar shows it, from the text the file stores: without the
    ``_xlfn.``/``_xlws.``/``_xlpm.`` prefixes of newer functions and LAMBDA parameters, and
    with ``A1#`` and ``@A1:A9`` for the spill and implicit-intersection operators."""
    parts = _STRING.split(stored)
    for index in range(0, len(parts), 2):  # text outside string literals
        plain = _PREFIX.sub("", parts[index])
        plain = _ANCHOR.sub(r"\1#", plain)
        parts[index] = _SINGLE.sub(r"@\1", plain)
    return "".join(parts)


_FORMULA_LIMIT = 8192


@register(FUNCTIONS, "FORMULATEXT", 1, 1, _BASE, measures=_BASE)
def formulatext(call: Call, args: Sequence[Value]) -> Value:
    """The formula of the reference's first cell as text, "=" included; a spilled cell shows
    its anchor's. #N/A for a cell without formula, one of another workbook, or a formula
    longer than Excel's 8,192 characters; #VALUE! for what is no reference."""
    xp = call.xp
    area = args[0].area
    if area is None:
        return args[0].plain() if args[0].err is not None else error(xp, ExcelError.VALUE)
    workbook = call.env.model.workbook
    if area.sheet in workbook.linked:
        return error(xp, ExcelError.NA)
    cell = workbook.cells.get((area.sheet, area.row1, area.col1))
    if cell is not None and cell.spill_anchor is not None:
        cell = workbook.cells.get(cell.spill_anchor)
    if cell is None or cell.formula is None:
        return error(xp, ExcelError.NA)
    text = displayed_formula(cell.formula)
    if len(text) > _FORMULA_LIMIT:
        return error(xp, ExcelError.NA)
    return text_value(xp, np.full((1, 1, 1), text, dtype=object), None)


@register(FUNCTIONS, "HYPERLINK", 1, 2)
def hyperlink(call: Call, args: Sequence[Value]) -> Value:
    """The value a HYPERLINK cell shows: ``friendly_name`` when given (a number stays a
    number), else ``link_location``; following the link is the user's click, not a value."""
    shown = args[1] if len(args) > 1 and not missing(args[1]) else args[0]
    return shown.plain()
