"""Moving a defined name's relative references to the cell that uses the name."""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from typing import Any, cast

from engines.formula import ast
from engines.formula.refs import MAX_COL, MAX_ROW


def moved(node: ast.Node, rows: int, cols: int) -> ast.Node:
    """A defined name's definition as the cell ``rows`` down and ``cols`` right of A1 reads
    it: the file keeps its references without ``$`` relative to A1 (a name for "the cell to
    the left" is saved as XFD1), and they move with the cell using the name, wrapping around
    the sheet as Excel's do."""
    if isinstance(node, ast.Ref):
        if not node.moves or (rows, cols) == (0, 0):
            return node
        def shift(at: int | None, flag: int, by: int, most: int) -> int | None:
            return at if at is None or not node.moves & flag else (at - 1 + by) % most + 1
        row1, row2 = (shift(node.row1, ast.ROW1, rows, MAX_ROW),
                      shift(node.row2, ast.ROW2, rows, MAX_ROW))
        col1, col2 = (shift(node.col1, ast.COL1, cols, MAX_COL),
                      shift(node.col2, ast.COL2, cols, MAX_COL))
        return replace(node, row1=row1, col1=col1, row2=row2, col2=col2)
    if not is_dataclass(node):
        return node
    changes: dict[str, Any] = {}
    for item in fields(node):
        value = getattr(node, item.name)
        new: Any
        if isinstance(value, tuple):
            new = tuple(moved(cast(ast.Node, v), rows, cols) if is_dataclass(v) else
                        tuple(moved(w, rows, cols) for w in v) if isinstance(v, tuple) else v
                        for v in value)
        elif is_dataclass(value) and not isinstance(value, type):
            new = moved(cast(ast.Node, value), rows, cols)
        else:
            continue
        if new != value:
            changes[item.name] = new
    return cast(ast.Node, replace(cast(Any, node), **changes)) if changes else node
