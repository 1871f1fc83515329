"""Runs of one formula along a row, evaluated as one block.

A planning model repeats each formula along its row (Excel stores the row as one shared
formula): ``=C30*C31`` in C32, ``=D30*D31`` in D32, and so on for every year. Cell by cell,
each costs a pass of its plan over arrays of one entry per trial; as the array formula
``=C30:AF30*C31:AF31`` over the run it costs one pass over a (trials, 1, years) block.

Only formulas whose every operation maps entry by entry are grouped (literals, single-cell
references, arithmetic and comparison operators, IF and IFERROR), so each entry of the block
is what the cell's own formula gives. A run whose cells read one another (units growing from
the year before) stays cell by cell. Grouping never decides a value: a cell reached before its
block, or read where no block serves it, is computed by its own plan.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import ModuleType

from engines import operators
from engines.blocks import element, settle, sub, where
from engines.env import Env, Plan
from engines.formula import ast, parse
from engines.formula.refs import CellKey
from engines.functions.registry import Call
from engines.graph import DependencyGraph
from engines.plan import CellCompiler, CellFacts
from engines.risk import RiskCompiler
from engines.values import EMPTY, NUMBER, Area, Value, broadcast_to, merge_errors, number
from engines.workbook import Workbook

ELEMENTWISE = frozenset({"IF", "IFERROR"})
"""Functions whose implementation maps over blocks entry by entry as they are."""

OPERATORS = frozenset({"+", "-", "*", "/", "^", "=", "<>", "<", "<=", ">", ">="})

Ref = tuple[str | None, int, int]
"""A single-cell reference of a formula: (sheet as written, row, column)."""


@dataclass
class RowBlock:
    """The cells of ``area`` (one row, in column order) computed by one array plan; the
    cells of ``exposed`` (position in the run, key) are also stored one by one."""

    area: Area
    members: list[CellKey]
    plan: Plan
    exposed: list[tuple[int, CellKey]]

    def evaluate(self, env: Env) -> None:
        """Compute the block and store it, and its exposed cells, in ``env``."""
        xp = env.xp
        block = self.compute(env)
        width = len(self.members)
        if block is not None and block.grid == (1, 1) and width > 1:
            block = broadcast_to(xp, block, (block.shape[0], 1, width))
        if block is None or block.grid != (1, width):  # cell by cell after all
            for key in self.members:
                if key not in env.values:
                    env.compute(key)
            return
        env.rows[self.area] = block
        for position, key in self.exposed:  # copies, so the block goes once its area is read
            env.values[key] = _copied(xp, element(xp, block, 0, position))

    @property
    def width(self) -> int:
        """Entries per trial of the block's largest array."""
        return len(self.members)

    def compute(self, env: Env) -> Value | None:
        """The block's values; None where the cells must be computed one by one."""
        return settle(env.xp, self.plan(env))



@dataclass
class ScanBlock(RowBlock):
    """A run where each cell adds to or multiplies the one before it (``=C30*(1+$E$6)`` in
    D30, ``=D30*(1+$E$6)`` in E30...): ``plan`` gives the other operand of every cell, and
    the run is the running product (or sum) from the cell before it, ``start``. Running
    products and sums are taken in cell order, so every entry is what its formula gives."""

    start: CellKey = ("", 0, 0)
    operator: str = "*"

    @property
    def width(self) -> int:
        return len(self.members) + 1

    @property
    def wide(self) -> Area:
        """The run with the cell it starts from."""
        return replace(self.area, col1=self.area.col1 - 1)

    def compute(self, env: Env) -> Value | None:
        xp = env.xp
        first, other = env.cell(self.start), self.plan(env)
        if not all(v.err is None and v.text is None and isinstance(v.kind, int)
                   for v in (first, other)):
            return None  # errors and text take the operators' rules: cell by cell
        width = len(self.members)
        trials = max(first.num.shape[0], other.num.shape[0])
        operands = xp.broadcast_to(other.num, (trials, 1, width))
        ufunc = xp.multiply if self.operator == "*" else xp.add
        out = xp.empty((trials, 1, width + 1))
        out[:, 0, 0] = first.num[:, 0, 0]
        for column in range(width):  # a column at a time: fast over many trials, in order
            ufunc(out[:, 0, column], operands[:, 0, column], out=out[:, 0, column + 1])
        wide = number(xp, out)
        env.rows[self.wide] = wide
        return sub(wide, slice(0, None), slice(1, None))



Step = CellKey | RowBlock


def _copied(xp: ModuleType, value: Value) -> Value:
    kind = value.kind if isinstance(value.kind, int) else xp.ascontiguousarray(value.kind)
    err = None if value.err is None else xp.ascontiguousarray(value.err)
    return Value(xp.ascontiguousarray(value.num), err, kind, value.text)


class _RowCompiler(CellCompiler):
    """Compiles a run's formula as an array formula: the entrywise functions called on whole
    blocks rather than mapped entry by entry, and every part that reads no varying cell
    computed once, here, in the pass of constants."""

    def __init__(self, workbook: Workbook, xp: ModuleType, cell: CellKey, constants: Env,
                 varying: _CellIndex) -> None:
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
        """Whether ``node`` reads no cell that varies (its references all name constants)."""
        if isinstance(node, ast.Ref):
            area = self.static_area(node)
            return area is not None and not self.varying.within(area)
        if isinstance(node, ast.Unary):
            return self._fixed(node.operand)
        if isinstance(node, ast.Binary):
            return self._fixed(node.left) and self._fixed(node.right)
        if isinstance(node, ast.Call):
            return all(self._fixed(arg) for arg in node.args)
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


def _shape(node: ast.Node, refs: list[Ref]) -> object:
    """``node`` with its cell references taken out into ``refs``; None when some operation
    of it does not map entry by entry."""
    if isinstance(node, ast.Number | ast.Bool | ast.Text | ast.ErrorLit | ast.Missing):
        return node
    if isinstance(node, ast.Ref):
        if node.spill or node.row1 is None or node.col1 is None:
            return None
        if (node.row1, node.col1) != (node.row2, node.col2):
            return None
        refs.append((node.sheet, node.row1, node.col1))
        return ("ref", node.sheet)
    if isinstance(node, ast.Unary):
        inner = _shape(node.operand, refs)
        return None if inner is None else ("unary", node.op, inner)
    if isinstance(node, ast.Binary) and node.op in OPERATORS:
        left, right = _shape(node.left, refs), _shape(node.right, refs)
        return None if left is None or right is None else ("binary", node.op, left, right)
    if isinstance(node, ast.Call) and node.name in ELEMENTWISE:
        args = [_shape(arg, refs) for arg in node.args]
        return None if any(arg is None for arg in args) else ("call", node.name, *args)
    return None


def _steps(before: Sequence[Ref], after: Sequence[Ref]) -> tuple[int, ...] | None:
    """Per reference, how far it moves from one cell of a run to the next (0 fixed, 1 along
    with the cell), None when some reference moves otherwise."""
    steps = []
    for (_, row_a, col_a), (_, row_b, col_b) in zip(before, after, strict=True):
        if row_a != row_b or col_b - col_a not in (0, 1):
            return None
        steps.append(col_b - col_a)
    return tuple(steps)


@dataclass
class _Run:
    cells: list[CellKey]
    tree: ast.Node
    refs: list[Ref]
    steps: tuple[int, ...] | None = None


def _runs(workbook: Workbook, cells: Iterable[CellKey]) -> list[_Run]:
    """Runs of two or more adjacent cells of a row holding one entrywise formula."""
    shaped: dict[CellKey, tuple[object, ast.Node, list[Ref]]] = {}
    for key in cells:
        formula = workbook.cells[key].formula
        if formula is None:
            continue
        try:
            tree = parse(formula)
        except ValueError:
            continue
        refs: list[Ref] = []
        shape = _shape(tree, refs)
        if shape is not None:
            shaped[key] = (shape, tree, refs)
    runs: list[_Run] = []
    current: _Run | None = None
    for key in sorted(shaped):
        shape, tree, refs = shaped[key]
        if current is not None:
            last = current.cells[-1]
            steps = None
            if (last[0], last[1], last[2] + 1) == key and shaped[last][0] == shape:
                steps = _steps(shaped[last][2], refs)
            if steps is not None and current.steps in (None, steps):
                current.cells.append(key)
                current.steps = steps
                continue
            if len(current.cells) > 1:
                runs.append(current)
        current = _Run([key], tree, refs)
    if current is not None and len(current.cells) > 1:
        runs.append(current)
    return runs


def _block_tree(node: ast.Node, moving: Iterable[bool], width: int) -> ast.Node:
    """The run's first formula with each moving reference stretched over the run's width."""
    flags = iter(moving)

    def stretch(node: ast.Node) -> ast.Node:
        if isinstance(node, ast.Ref):
            if next(flags) and node.col1 is not None:
                return ast.Ref(node.sheet, node.row1, node.col1, node.row2, node.col1 + width - 1)
            return node
        if isinstance(node, ast.Unary):
            return ast.Unary(node.op, stretch(node.operand))
        if isinstance(node, ast.Binary):
            return ast.Binary(node.op, stretch(node.left), stretch(node.right))
        if isinstance(node, ast.Call):
            return ast.Call(node.name, tuple(stretch(arg) for arg in node.args))
        return node

    return stretch(node)


def _recurrence(workbook: Workbook, run: _Run) -> tuple[str, ast.Node, int] | None:
    """For a run where each cell adds to or multiplies the cell before it, the operator, the
    other operand and the position of its first reference among the run's; else None."""
    tree, steps = run.tree, run.steps or ()
    if not isinstance(tree, ast.Binary) or tree.op not in ("*", "+"):
        return None
    sheet, row, col = run.cells[0]
    sides = ((tree.left, tree.right, 0, 1), (tree.right, tree.left, len(run.refs) - 1, 0))
    for side, other, index, offset in sides:
        if not isinstance(side, ast.Ref) or steps[index] != 1:
            continue
        on, at_row, at_col = run.refs[index]
        if _sheet(workbook, run, on) != sheet or (at_row, at_col) != (row, col - 1):
            continue
        others = run.refs[offset:offset + len(run.refs) - 1]
        if all(_sheet(workbook, run, on) != sheet or at != row for on, at, _ in others):
            return tree.op, other, offset
    return None


def _sheet(workbook: Workbook, run: _Run, sheet: str | None) -> str | None:
    return run.cells[0][0] if sheet is None else workbook.sheet_named(sheet)


def _block(workbook: Workbook, xp: ModuleType, run: _Run, constants: Env,
           varying: _CellIndex) -> tuple[RowBlock, CellFacts] | None:
    """The run as one block (its cells exposed later), and what its plan reads; None when a
    stretched reference would reach past the workbook's content (it would be clipped, and the
    entries would shift) or the cells read one another other than as a running sum/product."""
    width = len(run.cells)
    steps = run.steps or (0,) * len(run.refs)
    for (sheet, row, col), step in zip(run.refs, steps, strict=True):
        name = _sheet(workbook, run, sheet)
        if name is None or name not in workbook.dimensions:
            return None
        rows, cols = workbook.dimensions[name]
        if row > rows or col + step * (width - 1) > cols:
            return None
    sheet, row, col = run.cells[0]
    area = Area(sheet, row, col, row, col + width - 1)
    compiler = _RowCompiler(workbook, xp, run.cells[0], constants, varying)
    recurrence = _recurrence(workbook, run)
    if recurrence is None:
        tree = _block_tree(run.tree, (step == 1 for step in steps), width)
        return RowBlock(area, run.cells, compiler.compile(tree), []), compiler.facts
    operator, other, first = recurrence
    moving = (step == 1 for step in steps[first:first + len(steps) - 1])
    plan = compiler.compile(_block_tree(other, moving, width))
    scan = ScanBlock(area, run.cells, plan, [], (sheet, row, col - 1), operator)
    return scan, compiler.facts


def _ordered(
    graph: DependencyGraph, order: Sequence[CellKey], groups: dict[CellKey, int],
    scans: set[int],
) -> tuple[list[CellKey | int], set[int]]:
    """``order`` with each group's cells as one step, precedents first; and the groups that
    cannot be one step: their cells read one another (but for ``scans``, where each reads
    the one before), directly or through other cells."""
    position = {key: i for i, key in enumerate(order)}
    node_of: dict[CellKey, CellKey | int] = {key: groups.get(key, key) for key in order}
    first: dict[CellKey | int, int] = {}
    after: dict[CellKey | int, set[CellKey | int]] = {}
    waiting: dict[CellKey | int, int] = {}
    broken: set[int] = set()
    for key in order:
        node = node_of[key]
        first.setdefault(node, position[key])
        waiting.setdefault(node, 0)
        for precedent in graph.precedents[key]:
            source = node_of.get(precedent)
            if source is None:
                continue
            if source == node:
                if isinstance(node, int) and node not in scans:
                    broken.add(node)
                continue
            if node not in after.setdefault(source, set()):
                after[source].add(node)
                waiting[node] = waiting.get(node, 0) + 1
    ready = [(first[node], i, node) for i, node in enumerate(first) if waiting[node] == 0]
    heapq.heapify(ready)
    steps: list[CellKey | int] = []
    counter = len(first)
    while ready:
        _, _, node = heapq.heappop(ready)
        steps.append(node)
        for nxt in after.get(node, ()):
            waiting[nxt] -= 1
            if waiting[nxt] == 0:
                counter += 1
                heapq.heappush(ready, (first[nxt], counter, nxt))
    done = set(steps)
    broken |= {node for node in first if node not in done and isinstance(node, int)}
    return steps, broken


Read = CellKey | Area
"""What a step reads from an evaluation pass: a cell's value, or a block by its area."""


def row_steps(
    workbook: Workbook,
    xp: ModuleType,
    graph: DependencyGraph,
    order: Sequence[CellKey],
    candidates: set[CellKey],
    reads: Mapping[CellKey, Sequence[Area]],
    read_singly: Iterable[CellKey],
    constants: Env,
    inputs: Iterable[CellKey],
) -> tuple[list[Step], list[set[Read]]]:
    """``order`` (precedents first) with runs of ``candidates`` grouped into row blocks, and
    what each step reads.

    ``reads`` are the areas each cell of ``order`` reads; ``read_singly`` cells read one by one
    after the last step (the outputs). ``constants`` holds every other cell's value; with
    ``inputs``, ``order`` names the cells that vary."""
    runs = _runs(workbook, (k for k in order if k in candidates))
    varying = _CellIndex([*order, *inputs])
    found = {i: _block(workbook, xp, run, constants, varying) for i, run in enumerate(runs)}
    blocks = {i: made for i, made in found.items() if made is not None}
    groups = {key: i for i in blocks for key in runs[i].cells}
    scans = {i for i, (block, _) in blocks.items() if isinstance(block, ScanBlock)}
    while True:
        ordered, broken = _ordered(graph, order, groups, scans)
        if not broken:
            break
        groups = {key: i for key, i in groups.items() if i not in broken}
    areas = {block.area for i, (block, _) in blocks.items() if i in groups.values()}
    areas |= {block.wide for i, (block, _) in blocks.items()
              if i in groups.values() and isinstance(block, ScanBlock)}
    cells = _CellIndex(order)

    def read_by(areas_read: Iterable[Area]) -> set[Read]:
        found: set[Read] = set()
        for area in areas_read:
            if area in areas:
                found.add(area)
            else:
                found.update(cells.within(area))
        return found

    steps: list[Step] = []
    step_reads: list[set[Read]] = []
    for step in ordered:
        if isinstance(step, int):
            block, facts = blocks[step]
            steps.append(block)
            step_reads.append(read_by(facts.reads))
            if isinstance(block, ScanBlock):
                step_reads[-1].add(block.start)
        else:
            steps.append(step)
            step_reads.append(read_by(reads[step]))
    exposed = set(read_singly).union(*step_reads)
    for made in steps:
        if isinstance(made, RowBlock):
            made.exposed = [(j, key) for j, key in enumerate(made.members) if key in exposed]
    return steps, step_reads


class _CellIndex:
    """Cells by sheet and row, to find those an area holds."""

    def __init__(self, cells: Iterable[CellKey]) -> None:
        self.rows: dict[str, dict[int, list[CellKey]]] = {}
        for key in cells:
            self.rows.setdefault(key[0], {}).setdefault(key[1], []).append(key)

    def within(self, area: Area) -> list[CellKey]:
        """The cells ``area`` holds."""
        on_sheet = self.rows.get(area.sheet, {})
        if area.row2 - area.row1 < len(on_sheet):
            lines = [on_sheet.get(row, []) for row in range(area.row1, area.row2 + 1)]
        else:
            lines = [keys for row, keys in on_sheet.items() if area.row1 <= row <= area.row2]
        return [key for keys in lines for key in keys if area.col1 <= key[2] <= area.col2]
