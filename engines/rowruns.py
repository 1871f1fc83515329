"""Runs of one formula along a row, as found in the workbook: cells side by side whose
formulas differ only by references moving with the cell, made of operations that map entry by
entry (literals, single-cell references, arithmetic and comparison operators, IF and IFERROR),
and the run's first formula stretched into the array formula of the whole run."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from engines.formula import ast, parse
from engines.formula.refs import CellKey
from engines.values import Area
from engines.workbook import Workbook

ELEMENTWISE = frozenset({"IF", "IFERROR"})
"""Functions whose implementation maps over blocks entry by entry as they are."""

OPERATORS = frozenset({"+", "-", "*", "/", "^", "=", "<>", "<", "<=", ">", ">="})

Ref = tuple[str | None, int, int]
"""A single-cell reference of a formula: (sheet as written, row, column)."""


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
        spine = []  # a chain (=A1+A2+…), nested to the left: walked in a loop, not recursion
        while isinstance(node, ast.Binary) and node.op in OPERATORS:
            spine.append(node)
            node = node.left
        first = _shape(node, refs)
        links: list[object] = ["chain", first]  # flat, so shapes compare without recursion
        for link in reversed(spine):
            right = None if first is None else _shape(link.right, refs)
            if right is None:
                return None
            links += [link.op, right]
        return tuple(links)
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
class Run:
    cells: list[CellKey]
    tree: ast.Node
    refs: list[Ref]
    steps: tuple[int, ...] | None = None


def runs_of(workbook: Workbook, cells: Iterable[CellKey]) -> list[Run]:
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
    runs: list[Run] = []
    current: Run | None = None
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
        current = Run([key], tree, refs)
    if current is not None and len(current.cells) > 1:
        runs.append(current)
    return runs


def block_tree(node: ast.Node, moving: Iterable[bool], width: int) -> ast.Node:
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
            spine = []  # a chain nested to the left, stretched in a loop (see _shape)
            while isinstance(node, ast.Binary):
                spine.append(node)
                node = node.left
            stretched = stretch(node)
            for link in reversed(spine):
                stretched = ast.Binary(link.op, stretched, stretch(link.right))
            return stretched
        if isinstance(node, ast.Call):
            return ast.Call(node.name, tuple(stretch(arg) for arg in node.args))
        return node

    return stretch(node)


def recurrence(workbook: Workbook, run: Run) -> tuple[str, ast.Node, int] | None:
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
        if sheet_of(workbook, run, on) != sheet or (at_row, at_col) != (row, col - 1):
            continue
        others = run.refs[offset:offset + len(run.refs) - 1]
        if all(sheet_of(workbook, run, on) != sheet or at != row for on, at, _ in others):
            return tree.op, other, offset
    return None


def sheet_of(workbook: Workbook, run: Run, sheet: str | None) -> str | None:
    return run.cells[0][0] if sheet is None else workbook.sheet_named(sheet)


class CellIndex:
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
