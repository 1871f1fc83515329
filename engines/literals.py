"""Blocks of constant cells read by area, costing what the sheet holds, not what the area spans."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import cached_property
from types import ModuleType

from engines.formula.refs import CellKey
from engines.links import linked_value
from engines.values import Area, Value, from_entries, held_in
from engines.workbook import Workbook


class LiteralAreas:
    """The block of each area that holds no ``computed`` cell (formulas, request inputs: those
    are read cell by cell), built once per area from the cells the area holds."""

    def __init__(self, xp: ModuleType, workbook: Workbook, computed: Iterable[CellKey]) -> None:
        self.xp = xp
        self.cells = workbook.cells
        self.linked = frozenset(workbook.linked)
        self.computed = set(computed)
        self.blocks: dict[Area, Value | None] = {}

    @cached_property
    def computed_on(self) -> defaultdict[str, list[CellKey]]:
        return _by_sheet(self.computed)

    @cached_property
    def filled_on(self) -> defaultdict[str, list[CellKey]]:
        return _by_sheet(self.cells)

    def block(self, area: Area) -> Value | None:
        """The area's constant block, or None when a computed cell lies inside it."""
        if area not in self.blocks:  # runs in other threads may build it too: one is kept
            return self.blocks.setdefault(area, self._build(area))
        return self.blocks[area]

    def _build(self, area: Area) -> Value | None:
        if held_in(area, self.computed, self.computed_on[area.sheet]):
            return None
        if area.sheet in self.linked:  # what the link did not save, Excel cannot show: #REF!
            return from_entries(self.xp, area.shape, (
                (row - area.row1, col - area.col1, linked_value(self.cells, (area.sheet, row, col)))
                for row in range(area.row1, area.row2 + 1)
                for col in range(area.col1, area.col2 + 1)))
        inside = held_in(area, self.cells, self.filled_on[area.sheet])
        return from_entries(self.xp, area.shape, (
            (row - area.row1, col - area.col1, self.cells[(sheet, row, col)].value)
            for sheet, row, col in inside))


def _by_sheet(keys: Iterable[CellKey]) -> defaultdict[str, list[CellKey]]:
    found: defaultdict[str, list[CellKey]] = defaultdict(list)
    for key in keys:
        found[key[0]].append(key)
    return found
