"""A run's array formula compiled into one plan over (trials, 1, width) blocks, every part of
it that reads no varying cell folded to a constant at compile time."""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType

from engines import operators
from engines.blocks import where
from engines.env import Env, Plan
from engines.formula import ast
from engines.formula.refs import CellKey
from engines.functions.registry import Call
from engines.plan import CellCompiler, CellFacts
from engines.risk import RiskCompiler
from engines.rowblocks import RowBlock, ScanBlock
from engines.rowruns import ELEMENTWISE, CellIndex, Run, block_tree, recurrence, sheet_of
from engines.values import EMPTY, NUMBER, Area, Value, merge_errors
from engines.workbook import Workbook


class RowCompiler(CellCompiler):
    """Compiles a run's formula as an array formula: the entrywise functions called on whole
    blocks rather than mapped entry by entry, and every part that reads no varying cell
    computed once, here, in the pass of constants."""

    def __init__(self, workbook: Workbook, xp: ModuleType, cell: CellKey, constants: Env,
                 varying: CellIndex) -> None:
        super().__init__(workbook, xp, cell, True, RiskCompiler())
        self.constants = constants
        self.varying = varying

    def compile(self, node: ast.Node) -> Plan:
        plan = super().compile(node)
        if isinstance(node, ast.Number | ast.Bool | ast.Text | ast.ErrorLit | ast.Missing):
            return plan
        if not self._fixed(node):
            return plan
        try:
            value = plan(self.constants)
        except Exception:  # noqa: BLE001 - left to run with the trials, where it raises alike
            return plan
        return self.constant(value)

    def _fixed(self, node: ast.Node) -> bool:
        """Whether ``node`` reads no cell that varies (its references all name constants);
        walked with a list, not recursion, as a chain (=A1+A2+…) nests as deep as it is long."""
        pending = [node]
        while pending:
            node = pending.pop()
            if isinstance(node, ast.Ref):
                area = self.static_area(node)
                if area is None or self.varying.within(area):
                    return False
            elif isinstance(node, ast.Unary):
                pending.append(node.operand)
            elif isinstance(node, ast.Binary):
                pending += (node.right, node.left)
            elif isinstance(node, ast.Call):
                pending.extend(node.args)
        return True

    def call(self, node: ast.Call) -> Plan:
        if node.name not in ELEMENTWISE:
            return super().call(node)
        if node.name == "IF" and isinstance(node.args[0], ast.Binary):
            return self._if_compared(node.args[0], node.args[1:])
        impl = self.functions[node.name].impl
        args = [self.compile(arg) for arg in node.args]
        cell = self.cell
        return lambda env: impl(Call(env, cell), [arg(env) for arg in args])

    def _if_compared(self, test: ast.Binary, branches: Sequence[ast.Node]) -> Plan:
        """IF on a comparison of numbers: the comparison's mask picks the branch directly
        (what IF gives from the comparison's TRUE/FALSE block, without building it)."""
        xp, op = self.xp, test.op
        left, right = self.compile(test.left), self.compile(test.right)
        impl = self.functions["IF"].impl
        args = [self.compile(arg) for arg in branches]
        cell = self.cell
        numeric = (NUMBER, EMPTY)

        def run(env: Env) -> Value:
            a, b = left(env), right(env)
            values = [arg(env) for arg in args]
            if not (isinstance(a.kind, int) and isinstance(b.kind, int)
                    and a.kind in numeric and b.kind in numeric and len(values) == 2):
                return impl(Call(env, cell), [operators.binary(xp, op, a, b), *values])
            err = merge_errors(xp, a.err, b.err)
            chosen = where(xp, operators.ordered(xp, op, a.num, b.num),
                           values[0].plain(), values[1].plain())
            if err is None:
                return chosen
            return Value(chosen.num, merge_errors(xp, err, chosen.err), chosen.kind, chosen.text)

        return run


def row_block(workbook: Workbook, xp: ModuleType, run: Run, constants: Env,
           varying: CellIndex) -> tuple[RowBlock, CellFacts] | None:
    """The run as one block (its cells exposed later), and what its plan reads; None when a
    stretched reference would reach past the workbook's content (it would be clipped, and the
    entries would shift) or the cells read one another other than as a running sum/product."""
    width = len(run.cells)
    steps = run.steps or (0,) * len(run.refs)
    for (sheet, row, col), step in zip(run.refs, steps, strict=True):
        name = sheet_of(workbook, run, sheet)
        if name is None or name not in workbook.dimensions:
            return None
        rows, cols = workbook.dimensions[name]
        if row > rows or col + step * (width - 1) > cols:
            return None
    sheet, row, col = run.cells[0]
    area = Area(sheet, row, col, row, col + width - 1)
    compiler = RowCompiler(workbook, xp, run.cells[0], constants, varying)
    found = recurrence(workbook, run)
    if found is None:
        tree = block_tree(run.tree, (step == 1 for step in steps), width)
        return RowBlock(area, run.cells, compiler.compile(tree), []), compiler.facts
    operator, other, first = found
    moving = (step == 1 for step in steps[first:first + len(steps) - 1])
    plan = compiler.compile(block_tree(other, moving, width))
    scan = ScanBlock(area, run.cells, plan, [], (sheet, row, col - 1), operator)
    return scan, compiler.facts
