"""Compile one cell's syntax tree into a plan: nested closures over value blocks.

Compilation happens once; a plan then runs in every evaluation pass, with one array
operation per node whatever the number of trials. References are resolved here, so the
compiler also learns which areas each cell reads (its edges in the dependency graph).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import cast

from engines import operators
from engines.env import Env, Plan
from engines.errors import ExcelError
from engines.formula import ast, parse
from engines.formula.moves import moved
from engines.formula.refs import CellKey
from engines.formula.tokens import FormulaSyntaxError
from engines.functions import FUNCTIONS
from engines.functions.areas import rewrite_unions
from engines.functions.lambdas import SPECIAL_FORMS, Binding, Slot, apply, bound, slot_plan
from engines.functions.reference import intersected, may_refer
from engines.functions.registry import TOOLPAK, Function
from engines.lifting import call_plan
from engines.references import (
    clip,
    implicit_intersection,
    intersect,
    ref_area,
    span,
    struct_area,
)
from engines.risk import RiskCompiler, is_risk_function
from engines.values import EMPTY, Area, Value, error, from_scalars
from engines.workbook import Workbook


@dataclass
class CellFacts:
    """What compiling a cell found out about it."""

    reads: list[Area] = field(default_factory=list)
    picked_from: list[Area] = field(default_factory=list)
    """Those of ``reads`` the formula reads only where a function picks (INDEX's array): a
    cycle through them is one only if the formula meets it when it runs."""
    unsupported: set[str] = field(default_factory=set)
    random: bool = False
    volatile: bool = False
    dynamic: bool = False


class CellCompiler:
    """Compiles the formula of one cell (``array`` when it is an array formula)."""

    def __init__(
        self, workbook: Workbook, xp: ModuleType, cell: CellKey, array: bool, risk: RiskCompiler
    ) -> None:
        self.workbook = workbook
        self.xp = xp
        self.cell = cell
        self.array = array
        self.risk = risk
        self.facts = CellFacts()
        self._names: list[str] = []
        self.scope: list[dict[str, Binding]] = []  # LET and LAMBDA names, innermost last
        self.functions = FUNCTIONS

    def constant(self, value: Value) -> Plan:
        return lambda env: value

    def failed(self, code: ExcelError) -> Plan:
        return self.constant(error(self.xp, code))

    def compile(self, node: ast.Node) -> Plan:
        if isinstance(node, ast.Number | ast.Text | ast.Bool | ast.ErrorLit | ast.Missing):
            return self.constant(from_scalars(self.xp, [[literal(node)]]))
        if isinstance(node, ast.ArrayLit):
            grid = [[literal(item) for item in row] for row in node.rows]
            return self.constant(from_scalars(self.xp, grid))
        if isinstance(node, ast.Ref | ast.Name | ast.StructRef):
            return self.reference(node)
        if isinstance(node, ast.Unary):
            inner = self.scalar(node.operand)
            xp = self.xp
            if node.op == "-":
                return lambda env: operators.negate(xp, inner(env))
            if node.op == "%":
                return lambda env: operators.percent(xp, inner(env))
            return lambda env: inner(env).plain()
        if isinstance(node, ast.Binary):
            return self.binary(node)
        if isinstance(node, ast.Apply):
            applied = apply(self, node.callee, node.args)
            return applied if applied is not None else self.failed(ExcelError.VALUE)
        return self.call(node)

    def scalar(self, node: ast.Node) -> Plan:
        """Compile ``node`` where Excel expects one value: outside array formulas a reference
        of several cells gives its cell on the formula's row or column (implicit intersection),
        found now if the formula names it, as it runs if a function returns it (INDEX, OFFSET,
        XLOOKUP). LET and LAMBDA names hold what their caller evaluated, and are left as is."""
        if self.array:
            return self.compile(node)
        area = self.static_area(node)
        if area is not None and area.shape != (1, 1):
            picked = implicit_intersection(area, self.cell)
            return self.failed(ExcelError.VALUE) if picked is None else self.read(picked)
        plan, cell = self.compile(node), self.cell
        local = isinstance(node, ast.Name) and node.sheet is None and bound(self, node.name)
        if area is not None or local or not may_refer(node):
            return plan
        return lambda env: intersected(env, plan(env), cell)

    def static_area(self, node: ast.Node) -> Area | None:
        """The area a reference node names, when it names one without evaluation."""
        if isinstance(node, ast.Ref):
            return ref_area(self.workbook, node, self.cell)
        if isinstance(node, ast.StructRef):
            return struct_area(self.workbook, node, self.cell)
        if isinstance(node, ast.Name):
            if node.sheet is None and bound(self, node.name) is not None:
                return None
            target = self.name_tree(node)
            if isinstance(target, ast.Ref | ast.StructRef | ast.Name):
                return self.static_area(target)
        if isinstance(node, ast.Binary) and node.op in (":", " "):
            left, right = self.static_area(node.left), self.static_area(node.right)
            if left is not None and right is not None:
                return (span if node.op == ":" else intersect)(left, right)
        return None

    def name_tree(self, node: ast.Name) -> ast.Node | None:
        """The parsed definition of a defined name (or a table's data), None if unknown."""
        scope = self.cell[0] if node.sheet is None else self.workbook.sheet_named(node.sheet)
        text = self.workbook.defined_name(node.name, scope)
        if text is None:
            if node.name.upper() in self.workbook.tables:
                return ast.StructRef(node.name, "[#Data]")
            return None
        if node.name.upper() in self._names:
            return None
        try:
            self._names.append(node.name.upper())
            return moved(parse(text), self.cell[1] - 1, self.cell[2] - 1)
        except FormulaSyntaxError:
            return None
        finally:
            self._names.pop()

    def lambda_tree(self, node: ast.Name) -> ast.Node | None:
        """The LAMBDA a defined name holds, None when it holds something else."""
        tree = self.name_tree(node)
        return tree if isinstance(tree, ast.Call) and tree.name == "LAMBDA" else None

    def read(self, area: Area) -> Plan:
        if area.shape == (1, 1):
            self.facts.reads.append(area)
            key = (area.sheet, area.row1, area.col1)
            return lambda env: env.cell(key)
        area = clip(self.workbook, area)
        self.facts.reads.append(area)
        return lambda env: env.area(area)

    def measured(self, node: ast.Node, picked: bool = False) -> Plan:
        """A reference whose position or size is used, not its cells' values (ROW, ROWS,
        OFFSET's base): it reads nothing, so it is no edge in the dependency graph. A
        ``picked`` one (INDEX's array) is read where the function picks, when it runs."""
        area = self.static_area(node)
        if area is None:
            return self.compile(node)
        if area.shape != (1, 1):
            area = clip(self.workbook, area)
        if picked:
            self.facts.reads.append(area)
            self.facts.picked_from.append(area)
        xp = self.xp
        placeholder = Value(xp.zeros((1, 1, 1)), None, EMPTY, None, area)
        return lambda env: placeholder

    def reference(self, node: ast.Ref | ast.Name | ast.StructRef) -> Plan:
        if isinstance(node, ast.Name):
            binding = bound(self, node.name) if node.sheet is None else None
            if binding is not None:
                return (
                    slot_plan(binding)
                    if isinstance(binding, Slot)
                    else self.failed(ExcelError.CALC)
                )
            target = self.name_tree(node)
            if isinstance(target, ast.Call) and target.name == "LAMBDA":
                return self.failed(ExcelError.CALC)
            if target is None:
                return self.failed(ExcelError.NAME)
            self._names.append(node.name.upper())
            try:
                return self.compile(target)
            finally:
                self._names.pop()
        area = self.static_area(node)
        if area is None:
            return self.failed(ExcelError.REF)
        return self.read(area)

    def binary(self, node: ast.Binary) -> Plan:
        xp = self.xp
        if "," in (node.op, getattr(node.left, "op", ""), getattr(node.right, "op", "")):
            return self.failed(ExcelError.REF)  # a multi-area reference: only AREAS reads one
        if node.op in (":", " "):
            left_area, right_area = self.static_area(node.left), self.static_area(node.right)
            combine = span if node.op == ":" else intersect
            if left_area is not None and right_area is not None:
                area = combine(left_area, right_area)
                return self.failed(_apart(node.op)) if area is None else self.read(area)
            self.facts.dynamic = True
            left, right = self.compile(node.left), self.compile(node.right)
            return lambda env: _combine_refs(env, combine, left(env), right(env))
        # a chain (=A1+A2+…+An: the parser nests it to the left) compiles and runs in a loop, from
        # the left as Excel evaluates it, not one nested call per operator: a sum of a few
        # hundred cells written out with + went past Python's recursion limit
        spine = [node]
        while _chained(spine[-1].left):
            spine.append(cast(ast.Binary, spine[-1].left))
        first = self.scalar(spine[-1].left)
        steps = [(link.op, self.scalar(link.right)) for link in reversed(spine)]
        if len(steps) == 1:
            (op, right), left = steps[0], first
            return lambda env: operators.binary(xp, op, left(env), right(env))

        def chain(env: Env) -> Value:
            value = first(env)
            for op, right in steps:
                value = operators.binary(xp, op, value, right(env))
            return value

        return chain

    def spread_sheets(self, node: ast.Call) -> ast.Call:
        """``node`` with each 3-D reference among its arguments (``Jan:Mar!A1``) spelled out as
        the union of that reference on every sheet from the first to the last named, in the
        workbook's order, for the functions Excel lets read them (:data:`THREE_D`); elsewhere,
        or naming a sheet the workbook lacks, it is #REF!."""
        args = []
        for arg in node.args:
            sheet = arg.sheet if isinstance(arg, ast.Ref) else None
            if sheet is None or ":" not in sheet:
                args.append(arg)
                continue
            assert isinstance(arg, ast.Ref)
            first, last = (self.workbook.sheet_named(s) for s in sheet.split(":", 1))
            if first is None or last is None or node.name not in THREE_D:
                args.append(ast.ErrorLit(ExcelError.REF))
                continue
            order = self.workbook.sheets
            i, j = sorted((order.index(first), order.index(last)))
            union: ast.Node = replace(arg, sheet=order[i])
            for name in order[i + 1:j + 1]:
                union = ast.Binary(",", union, replace(arg, sheet=name))
            args.append(union)
        return node if args == list(node.args) else ast.Call(node.name, tuple(args))

    def call(self, node: ast.Call) -> Plan:
        if is_risk_function(node.name):
            return self.risk.compile(self, node)
        shadowed = bound(self, node.name) is not None
        if node.name in SPECIAL_FORMS and not shadowed:
            return SPECIAL_FORMS[node.name](self, node)
        function = FUNCTIONS.get(node.name)
        if function is None or shadowed:
            applied = apply(self, ast.Name(node.name), node.args)
            if applied is not None:
                return applied
            if shadowed:  # a LET value (not a LAMBDA) called as a function
                return self.failed(ExcelError.VALUE)
        if function is None:
            self.facts.unsupported.add(node.name)
            return self.failed(ExcelError.NAME)
        rewritten = rewrite_unions(self, self.spread_sheets(node), function)
        if rewritten is not node:
            return self.compile(rewritten)
        count = len(node.args)
        if count < function.min_args or (
            function.max_args is not None and count > function.max_args
        ):
            return self.failed(ExcelError.VALUE)
        self.facts.random |= function.random
        self.facts.volatile |= function.volatile
        self.facts.dynamic |= function.dynamic
        args = [self.argument(function, i, arg) for i, arg in enumerate(node.args)]
        return call_plan(function, self.cell, args, toolpak=node.name in TOOLPAK)

    def argument(self, function: Function, position: int, node: ast.Node) -> Plan:
        """Compile an argument as ``function`` takes it at ``position``."""
        computed_array = (position in function.picks and function.takes_array(position)
                          and self.static_area(node) is None)  # INDEX(A1:D1>=0, 0)
        if (position in function.measures or position in function.picks) and not computed_array:
            return self.measured(node, picked=position in function.picks)
        if not function.takes_range(position):
            return self.scalar(node)
        if self.array or not function.takes_array(position):
            return self.compile(node)
        self.array = True
        try:
            return self.compile(node)
        finally:
            self.array = False


THREE_D = frozenset({
    "SUM", "AVERAGE", "AVERAGEA", "COUNT", "COUNTA", "MAX", "MAXA", "MIN", "MINA", "PRODUCT",
    "STDEV", "STDEV.P", "STDEV.S", "STDEVA", "STDEVP", "STDEVPA", "VAR", "VAR.P", "VAR.S", "VARA",
    "VARP", "VARPA"})
"""The functions that take 3-D references (``SUM(Jan:Mar!B2)``), as Microsoft lists them."""


def _chained(node: ast.Node) -> bool:
    """Whether ``node`` continues an operator chain: a binary operation on values (not a range,
    intersection or union of references, which :meth:`CellCompiler.binary` handles first)."""
    return (isinstance(node, ast.Binary) and node.op not in (":", " ", ",")
            and "," not in (getattr(node.left, "op", ""), getattr(node.right, "op", "")))


def _apart(op: str) -> ExcelError:
    """The error of ``op`` on references that do not meet: #NULL! for an empty intersection,
    #VALUE! for a range from one sheet to another (``A1:Sheet2!B2``)."""
    return ExcelError.NULL if op == " " else ExcelError.VALUE


def _combine_refs(
    env: Env, combine: Callable[[Area, Area], Area | None], left: Value, right: Value
) -> Value:
    for side in (left, right):
        if side.area is None and side.err is not None and int(side.err.max()) == ExcelError.NULL:
            return side  # an empty intersection stays one: (A1:B1 D1:E1 F1:G1) is #NULL!
    if left.area is None or right.area is None:
        return error(env.xp, ExcelError.VALUE)
    area = combine(left.area, right.area)
    if area is None:
        return error(env.xp, _apart(":" if combine is span else " "))
    return env.area(area) if area.shape != (1, 1) else env.cell((area.sheet, area.row1, area.col1))


def literal(node: ast.Node) -> object:
    """The Python value of a literal node (array constant items included)."""
    if isinstance(node, ast.Number | ast.Text | ast.Bool):
        return node.value
    if isinstance(node, ast.ErrorLit):
        return node.error
    if isinstance(node, ast.Unary) and isinstance(node.operand, ast.Number):
        return -node.operand.value if node.op == "-" else node.operand.value
    if isinstance(node, ast.Missing):
        return None
    return ExcelError.VALUE
