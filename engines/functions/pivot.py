"""GROUPBY and PIVOTBY, Excel's formula pivot tables, and PERCENTOF.

The row and column fields and the filter decide the layout, so they must be the same in
every trial; the values may vary, and each cell of the result is the function applied to
its group's values in all trials at once. Each result row is: the row fields' labels, then
per column entry one cell per value field. Above them, when field headers are shown, come
the column fields' names, then one row per column field's labels, then the header row of
row field and value names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from types import ModuleType

import numpy as np

from engines.blocks import stack, sub
from engines.env import Env
from engines.errors import ExcelError
from engines.functions.arrays import _full
from engines.functions.lambdas import Closure, HigherOrder, higher_order, one
from engines.functions.pivotaxis import Axis, Entry, Label, PivotError, SortKey, scalars, sort_key
from engines.functions.registry import Call, Table, register
from engines.values import EMPTY, NUMBER, Value, error, from_scalars, kinds, number

FUNCTIONS: Table = {}


@register(FUNCTIONS, "PERCENTOF", 2, 2, frozenset({0, 1}))
def percentof(call: Call, args: Sequence[Value]) -> Value:
    """The sum of a subset over the sum of all the data; text and booleans are skipped and
    an error anywhere is #NUM!, as Excel does."""
    xp = call.xp
    sums = []
    failed = xp.zeros((1, 1, 1), dtype=bool)
    for arg in args:
        numeric = kinds(xp, arg) == NUMBER
        if arg.err is not None:
            failed = failed | (arg.err != 0).any(axis=(1, 2), keepdims=True)
            numeric = numeric & (arg.err == 0)
        sums.append(xp.where(numeric, arg.num, 0.0).sum(axis=(1, 2), keepdims=True))
    with np.errstate(all="ignore"):
        out = sums[0] / sums[1]
    err = xp.where(~xp.isfinite(out), xp.int8(int(ExcelError.DIV0)), xp.int8(0))
    return number(xp, out, xp.where(failed, xp.int8(int(ExcelError.NUM)), err).astype(xp.int8))


def _omitted(value: Value | None) -> bool:
    return value is None or (
        isinstance(value.kind, int) and value.kind == EMPTY and value.grid == (1, 1)
    )


def _integers(xp: ModuleType, value: Value | None, default: int) -> list[int]:
    """An option given as a number or an array of numbers (sort orders)."""
    if value is None or _omitted(value):
        return [default]
    out = []
    for row in scalars(xp, value):
        for item in row:
            if isinstance(item, ExcelError):
                raise PivotError(item)
            if not isinstance(item, float | bool):
                raise PivotError(ExcelError.VALUE)
            out.append(int(item))
    return out


@dataclass
class Pivot:
    """What GROUPBY or PIVOTBY was asked: the data, the function and the layout options."""

    env: Env
    values: Value
    function: Closure
    rows: list[int]  # data rows kept (after headers and the filter)
    value_names: list[Label]
    show_headers: bool
    relative_to: int

    def aggregate(self, members: list[int], column: int, denominator: list[int]) -> Value:
        """The function on one group's values; PERCENTOF also gets the values it is relative
        to."""
        part = self.take(members, column)
        relative = self.function.name == "PERCENTOF"
        given = [part, self.take(denominator, column)] if relative else [part]
        return one(self.env, self.function(self.env, given))

    @cached_property
    def full(self) -> Value:
        return _full(self.env.xp, self.values)

    def take(self, members: list[int], column: int) -> Value:
        full = self.full
        index = self.env.xp.asarray(members, dtype=self.env.xp.int64)
        pick = slice(column, column + 1)
        return Value(
            full.num[:, index, pick],
            full.err[:, index, pick],  # type: ignore[index]
            full.kind[:, index, pick],  # type: ignore[index]
            full.text[:, np.asarray(members, dtype=np.int64), pick],  # type: ignore[index]
        )

    def rank(self, members: list[int], column: int) -> SortKey:
        """Sort key of a group by value ``column`` (1-based), which must not vary by trial."""
        if not 1 <= column <= len(self.value_names) or self.values.shape[0] != 1:
            raise PivotError(ExcelError.VALUE)
        result = self.aggregate(members, column - 1, self.rows)
        return sort_key(scalars(self.env.xp, result)[0][0])

    def denominator(self, row: Entry, col: Entry) -> list[int]:
        """The data rows PERCENTOF divides by, per Excel's ``relative_to``: column total,
        row total, grand total, parent column total, parent row total."""
        if self.relative_to == 1:
            return row.members
        if self.relative_to == 2:
            return self.rows
        if self.relative_to == 3:
            return _common(row, col.parent or col)
        if self.relative_to == 4:
            return _common(row.parent or row, col)
        return col.members

    def layout(self, row_axis: Axis, col_axis: Axis, subtotals: bool) -> Value:
        xp = self.env.xp
        row_entries = row_axis.entries(self.rows, subtotals, self.rank)
        col_entries = col_axis.entries(self.rows, subtotals, self.rank)
        nr, nc, nv = len(row_axis.names), len(col_axis.names), len(self.value_names)
        cells: dict[tuple[type, object], Value] = {}

        def cell(item: Label) -> Value:
            key = (type(item), item)
            if key not in cells:
                cells[key] = from_scalars(xp, [[item]])
            return cells[key]

        lines: list[list[Label]] = []
        if nc and self.show_headers:
            top: list[Label] = [None] * (nr + len(col_entries) * nv)
            top[nr] = ", ".join(str(name) for name in col_axis.names)
            lines.append(top)
        col_labels = col_axis.label_rows(col_entries)
        for level in range(nc):
            lines.append([None] * nr + [labels[level] for labels in col_labels for _ in range(nv)])
        if self.show_headers:
            lines.append([*row_axis.names, *self.value_names * len(col_entries)])
        out = [[cell(item) for item in line] for line in lines]
        for entry, labels in zip(row_entries, row_axis.label_rows(row_entries), strict=True):
            line = [cell(item) for item in labels]
            for col in col_entries:
                members = _common(entry, col)
                denominator = self.denominator(entry, col)
                for j in range(nv):
                    line.append(self.aggregate(members, j, denominator) if members else cell(None))
            out.append(line)
        return stack(xp, out)


def _common(a: Entry, b: Entry) -> list[int]:
    keep = set(b.members)
    return [i for i in a.members if i in keep]


def _row_of(xp: ModuleType, values: Value, row: int) -> list[Label]:
    """Row ``row`` of the values in the first trial (header rows are the same in all)."""
    part = _full(xp, sub(values, slice(row, row + 1), slice(None)))
    first = Value(part.num[:1], part.err[:1], part.kind[:1], part.text[:1])  # type: ignore[index]
    return scalars(xp, first)[0]


def _has_headers(xp: ModuleType, values: Value, option: int) -> int:
    """Excel's automatic field headers: a first row of text over a second that is not."""
    if option != -1:
        return option
    first = _row_of(xp, values, 0)
    second = _row_of(xp, values, 1) if values.grid[0] > 1 else []
    text = all(isinstance(v, str) for v in first) and not all(isinstance(v, str) for v in second)
    return 1 if text else 0


def _kept(xp: ModuleType, rows: list[int], keep: Value | None, size: int) -> list[int]:
    """The rows the filter keeps (its first column is read); an error in it is #VALUE!."""
    if keep is None or _omitted(keep):
        return rows
    flags = scalars(xp, keep)
    if len(flags) != size:
        raise PivotError(ExcelError.VALUE)
    chosen = []
    for i in rows:
        flag = flags[i][0]
        if isinstance(flag, ExcelError):
            raise PivotError(ExcelError.VALUE)
        if isinstance(flag, float | bool) and flag:
            chosen.append(i)
    return chosen


def _names(grid: list[list[Label]], headers: bool, stem: str) -> list[Label]:
    width = len(grid[0]) if grid else 0
    return list(grid[0]) if headers else [f"{stem} {i + 1}" for i in range(width)]


_GROUPBY_ARGUMENTS = (0, None, 1, 2, 3, 4, None, None, 5, None, 6)


def pivot(env: Env, args: list[Value], function: Closure, with_cols: bool) -> Value:
    """GROUPBY's result (``with_cols`` False) or PIVOTBY's."""
    xp = env.xp
    # Both line up as: rows, columns, values, field_headers, row total depth, row sort order,
    # column total depth, column sort order, filter, relative_to, field_relationship.
    given: list[Value | None] = [*args, *[None] * 12]
    if not with_cols:
        given = [None if i is None else given[i] for i in _GROUPBY_ARGUMENTS]
    row_block, col_block, values = given[0], given[1], given[2]
    assert row_block is not None and values is not None
    size = values.grid[0]
    row_grid = scalars(xp, row_block)
    col_grid = scalars(xp, col_block) if col_block is not None else [[] for _ in range(size)]
    if len(row_grid) != size or len(col_grid) != size:
        raise PivotError(ExcelError.VALUE)
    headers = _has_headers(xp, values, _integers(xp, given[3], -1)[0])
    named = headers in (1, 3)
    rows = _kept(xp, list(range(1 if named else 0, size)), given[8], size)
    value_names = _names([_row_of(xp, values, 0)], named, "Value")
    axes = []
    for grid, stem, depth, order in (
        (row_grid, "Row Field", given[4], given[5]),
        (col_grid, "Column Field", given[6], given[7]),
    ):
        sort = _integers(xp, order, 1)
        width = len(grid[0]) if grid else 0
        if any(s == 0 or abs(s) > width + len(value_names) for s in sort):
            raise PivotError(ExcelError.VALUE)
        axes.append(Axis(grid, _names(grid, named, stem), _integers(xp, depth, 1)[0], sort))
    relative = _integers(xp, given[9], 0)[0]
    table = bool(_integers(xp, given[10], 0)[0])
    spec = Pivot(env, values, function, rows, value_names, headers in (2, 3), relative)
    return spec.layout(axes[0], axes[1], subtotals=not table)


def _guarded(with_cols: bool) -> HigherOrder:
    def impl(env: Env, args: list[Value], function: Closure) -> Value:
        try:
            return pivot(env, args, function, with_cols)
        except PivotError as failure:
            return error(env.xp, failure.code)

    return impl


higher_order("GROUPBY", 3, 8, 2)(_guarded(False))
higher_order("PIVOTBY", 4, 11, 3)(_guarded(True))
