"""One axis of a GROUPBY/PIVOTBY result: its fields grouped into a hierarchy of entries.

An entry is a row (or column) of the result: a leaf with every field's label, a subtotal
fixing only the first fields, or the grand total. Entries are ordered the way Excel lays
them out: siblings by label (ascending unless the sort order names the field negatively),
the innermost field by a value when the sort order names one, and totals after their group
or, for a negative total depth, before it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

import numpy as np

from engines.errors import ExcelError
from engines.functions.arrays import _full, _order_keys
from engines.values import BOOL, EMPTY, TEXT, Value, from_scalars, host, texts

Label = object
"""A field entry as a Python scalar: float, str, bool, ExcelError or None (empty)."""
SortKey = tuple[int, object]


class PivotError(Exception):
    """An argument Excel rejects: the whole result is this error."""

    def __init__(self, code: ExcelError) -> None:
        super().__init__(code.code)
        self.code = code


def scalars(xp: ModuleType, value: Value) -> list[list[Label]]:
    """A block that is the same in every trial, as rows of Python scalars."""
    if value.shape[0] != 1:
        raise PivotError(ExcelError.VALUE)
    full = _full(xp, value)
    num, err = host(xp, full.num)[0], host(xp, full.err)[0]
    kind, text = host(xp, full.kind)[0], texts(full)[0]
    out: list[list[Label]] = []
    for r in range(num.shape[0]):
        row: list[Label] = []
        for c in range(num.shape[1]):
            if err[r, c]:
                row.append(ExcelError(int(err[r, c])))
            elif kind[r, c] == TEXT:
                row.append(str(text[r, c]))
            elif kind[r, c] == BOOL:
                row.append(bool(num[r, c]))
            elif kind[r, c] == EMPTY:
                row.append(None)
            else:
                row.append(float(num[r, c]))
        out.append(row)
    return out


def sort_key(item: Label) -> SortKey:
    """Excel's sort order: numbers, text (ignoring case), booleans, errors, blanks."""
    return _order_keys(np, from_scalars(np, [[item]]))[0]


@dataclass
class Entry:
    """A row or column of the result: labels of its fixed fields and the data rows it covers."""

    labels: tuple[Label, ...]
    members: list[int]
    parent: Entry | None = None

    @property
    def level(self) -> int:
        return len(self.labels)


@dataclass
class Axis:
    """The fields of one axis and how the caller wants them totalled and sorted."""

    fields: list[list[Label]]  # per data row, its label in each field
    names: list[Label]
    depth: int
    sort: list[int]

    def entries(
        self, rows: list[int], subtotals: bool, by_value: Callable[[list[int], int], SortKey]
    ) -> list[Entry]:
        """The axis's entries in layout order; ``by_value(members, j)`` ranks by value j."""
        count = len(self.names)
        depth = abs(self.depth)
        if depth > max(count, 1):
            raise PivotError(ExcelError.VALUE)
        grand = Entry((), list(rows))
        if count == 0:
            return [grand]
        body = self._build(grand, depth - 1 if subtotals else 0, by_value)
        if depth == 0:
            return body
        return [grand, *body] if self.depth < 0 else [*body, grand]

    def _build(
        self, parent: Entry, subtotals: int, by_value: Callable[[list[int], int], SortKey]
    ) -> list[Entry]:
        count, level = len(self.names), parent.level
        if level == count:
            return []
        groups: dict[SortKey, list[int]] = {}
        labels: dict[SortKey, Label] = {}
        for i in parent.members:
            key = sort_key(self.fields[i][level])
            groups.setdefault(key, []).append(i)
            labels[key] = self.fields[i][level]
        order = sorted(groups, reverse=-(level + 1) in self.sort)
        ranking = [s for s in self.sort if abs(s) > count]
        if ranking and level == count - 1:
            column = abs(ranking[0]) - count
            order.sort(key=lambda k: by_value(groups[k], column), reverse=ranking[0] < 0)
        out: list[Entry] = []
        for key in order:
            node = Entry((*parent.labels, labels[key]), groups[key], parent)
            children = self._build(node, subtotals, by_value)
            if not children:
                out.append(node)
            elif node.level <= subtotals:
                out.extend([node, *children] if self.depth < 0 else [*children, node])
            else:
                out.extend(children)
        return out

    def label_rows(self, entries: list[Entry]) -> list[list[Label]]:
        """Per entry, its label in each field: blank below a subtotal, "Total" for the grand
        total ("Grand Total" where the axis also has subtotals)."""
        count = len(self.names)
        grand = "Grand Total" if any(0 < e.level < count for e in entries) else "Total"
        out: list[list[Label]] = []
        for entry in entries:
            first: list[Label] = [grand] if entry.level == 0 else list(entry.labels)
            out.append((first + [None] * count)[:count])
        return out
