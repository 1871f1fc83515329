"""One evaluation pass: the cell values computed so far and how references read them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Protocol

from engines.blocks import element, settle, stack
from engines.errors import ExcelError
from engines.formula.refs import CellKey, format_key
from engines.iteration import iterate
from engines.references import clip
from engines.values import Area, Value, error
from engines.workbook import Workbook


class CircularReference(ValueError):
    """Cells reach themselves through their references and the workbook does not turn on
    iterative calculation."""

    def __init__(self, cells: list[CellKey]) -> None:
        self.cells = [format_key(key) for key in cells]
        super().__init__(
            "circular reference through "
            + " -> ".join(self.cells)
            + " (turn on iterative calculation in Excel's options to allow it)"
        )


class _Deferred(Exception):  # noqa: N818 - a signal, not an error
    """Unwinds the formulas being computed so that ``key`` is computed first, from the top."""

    def __init__(self, key: CellKey) -> None:
        super().__init__(format_key(key))
        self.key = key


_NESTING = 40
"""Formulas computed within one another before the innermost is deferred: cells reached only
as a formula runs (OFFSET, INDIRECT, INDEX's pick) can chain deeper than Python's stack."""

Plan = Callable[["Env"], Value]
"""A compiled formula: computes its value block in an evaluation pass."""


class ModelCells(Protocol):
    """What an evaluation pass needs from the compiled model."""

    workbook: Workbook
    plans: dict[CellKey, Plan]
    cycles: dict[CellKey, list[CellKey]]
    """Per cell on a circular reference, the cells to iterate with it (iteration on only)."""

    def literal(self, key: CellKey) -> Value: ...

    def literal_area(self, area: Area) -> Value | None: ...


@dataclass
class Env:
    """State of one evaluation: ``n`` trials (1 for static passes) and computed cell values.

    ``static`` passes give Risk distribution calls their static value; otherwise
    ``risk_values`` supplies them (see :class:`engines.compiler.CompiledModel`).
    """

    model: ModelCells
    xp: ModuleType
    n: int
    static: bool
    risk_values: Mapping[Any, Any] = field(default_factory=dict)
    values: dict[CellKey, Value] = field(default_factory=dict)
    blocks: dict[CellKey, Value] = field(default_factory=dict)
    rows: dict[Area, Value] = field(default_factory=dict)
    """Runs of cells computed as one block (see :mod:`engines.rowblocks`), by their area."""
    active: list[CellKey] = field(default_factory=list)

    def compute(self, key: CellKey) -> Value:
        """Evaluate the formula at ``key`` now (its precedents on demand) and store it; a cell
        on a circular reference is iterated with the others of its cycle."""
        if self.active:
            return self._compute(key)
        pending = [key]  # cells deferred by formulas nested too deep, computed first
        while pending:
            try:
                self._compute(pending[-1])
                pending.pop()
            except _Deferred as deferred:
                if deferred.key in pending:
                    cells = pending[pending.index(deferred.key) :] + [deferred.key]
                    raise CircularReference(cells) from None
                pending.append(deferred.key)
        return self.values[key]

    def _compute(self, key: CellKey) -> Value:
        cycle = self.model.cycles.get(key)
        if cycle is not None and self.model.workbook.iteration is not None:
            iterate(self, cycle, self.model.workbook.iteration)
            return self.values[key]
        return self.run(key)

    def run(self, key: CellKey) -> Value:
        """Evaluate the formula at ``key`` once, reading the values already stored."""
        if key in self.active:
            raise CircularReference(self.active[self.active.index(key) :] + [key])
        if len(self.active) >= _NESTING:
            raise _Deferred(key)
        self.active.append(key)
        try:
            block = self.model.plans[key](self)
        finally:
            self.active.pop()
        cell = self.model.workbook.cells[key]
        if cell.array is not None:
            self.blocks[key] = block
        value = settle(self.xp, element(self.xp, block, 0, 0) if block.grid != (1, 1) else block)
        self.values[key] = value
        return value

    def block(self, anchor: CellKey) -> Value:
        """The whole result of the array formula anchored at ``anchor``."""
        if anchor not in self.blocks:
            self.compute(anchor)
        return self.blocks[anchor]

    def cell(self, key: CellKey) -> Value:
        """The value of one cell, as a reference to it."""
        return self._value(key).at(Area(key[0], key[1], key[2], key[1], key[2]))

    def _value(self, key: CellKey) -> Value:
        value = self.values.get(key)
        if value is None:
            value = self.compute(key) if key in self.model.plans else self.model.literal(key)
        return value

    def area(self, area: Area) -> Value:
        """The block of values in ``area``, as a reference to it."""
        if area.sheet not in self.model.workbook.dimensions:
            return error(self.xp, ExcelError.REF)
        area = clip(self.model.workbook, area)
        block = self.rows.get(area)  # a row block holds formulas, so is no literal area
        if block is None:
            block = self.model.literal_area(area)
        if block is None:
            grid = [
                [self._value((area.sheet, r, c)) for c in range(area.col1, area.col2 + 1)]
                for r in range(area.row1, area.row2 + 1)
            ]
            block = stack(self.xp, grid)
        return block.at(area)
