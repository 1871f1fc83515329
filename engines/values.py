"""The engine's value model: Excel values over a trial axis, with per-trial error codes.

Every value is a block of shape ``(t, rows, cols)`` where ``t`` is 1 (the same in every trial)
or n (one entry per trial): a scalar is ``(t, 1, 1)``, a range or array constant is
``(t, r, c)``. Leading the trial axis lets a constant block broadcast against a per-trial one.

* ``num``  float64 numbers (booleans as 0/1, empty as 0); meaningless where an error is set.
* ``err``  int8 :class:`~engines.errors.ExcelError` codes, 0 for none; ``None`` when no entry
  can be an error (the common case, which keeps arithmetic to one array operation).
* ``kind`` the Excel type of each entry (:data:`NUMBER`, :data:`BOOL`, :data:`TEXT`,
  :data:`EMPTY`), an int when the whole block has one type.
* ``text`` a host (numpy) object array of ``str`` where ``kind`` is TEXT (``""`` elsewhere), or
  ``None`` when the block holds no text.
* ``area`` the cells the value was read from, when it is a reference (ROW, OFFSET and SUM's
  rule on booleans in ranges need it).
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from engines.errors import ExcelError
from engines.formula.refs import CellKey
from engines.xp import Array

NUMBER, BOOL, TEXT, EMPTY = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class Area:
    """A rectangular block of cells on one sheet (1-based, inclusive)."""

    sheet: str
    row1: int
    col1: int
    row2: int
    col2: int
    extent: tuple[int, int] | None = None
    """(rows, cols) a reference names when it reaches past the workbook's content and these
    bounds stop short of its end (see :func:`engines.references.clip`); None when they don't."""

    @property
    def shape(self) -> tuple[int, int]:
        return self.row2 - self.row1 + 1, self.col2 - self.col1 + 1

    @property
    def named_shape(self) -> tuple[int, int]:
        """The size the reference names, its clipped-off empty cells included (ROWS sees it)."""
        return self.extent or self.shape

    def full(self) -> Area:
        """The area the reference names, as if it had not been clipped."""
        if self.extent is None:
            return self
        rows, cols = self.extent
        return Area(self.sheet, self.row1, self.col1, self.row1 + rows - 1, self.col1 + cols - 1)

    def keys(self) -> list[CellKey]:
        return [
            (self.sheet, r, c)
            for r in range(self.row1, self.row2 + 1)
            for c in range(self.col1, self.col2 + 1)
        ]


def held_in(area: Area, present: Container[CellKey], on_sheet: Sequence[CellKey]
            ) -> list[CellKey]:
    """The cells of ``area`` among ``present``, whose keys on the area's sheet are ``on_sheet``:
    found by the area's cells or by those keys, whichever are fewer."""
    rows, cols = area.shape
    if rows * cols <= len(on_sheet):
        inside = area.keys()
        return [key for key in inside if key in present]
    return [key for key in on_sheet
            if area.row1 <= key[1] <= area.row2 and area.col1 <= key[2] <= area.col2]


@dataclass(frozen=True, slots=True)
class Value:
    """One evaluated Excel value (see the module docstring for the fields)."""

    num: Array
    err: Array | None
    kind: Array | int
    text: np.ndarray[Any, Any] | None
    area: Area | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        if self.err is None and self.text is None and isinstance(self.kind, int):
            return tuple(self.num.shape)
        shapes = [self.num.shape]
        if self.err is not None:
            shapes.append(self.err.shape)
        if not isinstance(self.kind, int):
            shapes.append(self.kind.shape)
        if self.text is not None:
            shapes.append(self.text.shape)
        return tuple(np.broadcast_shapes(*shapes))

    @property
    def grid(self) -> tuple[int, int]:
        """(rows, cols) of the block."""
        shape = self.shape
        return shape[1], shape[2]

    def plain(self) -> Value:
        """The same value without its reference (a computed result)."""
        if self.area is None:
            return self
        return Value(self.num, self.err, self.kind, self.text)

    def at(self, area: Area) -> Value:
        """The same value as a reference to ``area``."""
        return Value(self.num, self.err, self.kind, self.text, area)


def number(xp: ModuleType, num: Array, err: Array | None = None) -> Value:
    """A numeric block from a float array shaped (t, r, c)."""
    return Value(num, err, NUMBER, None)


def boolean(xp: ModuleType, flags: Array, err: Array | None = None) -> Value:
    """A boolean block from a bool array shaped (t, r, c)."""
    return Value(flags.astype(xp.float64), err, BOOL, None)


def error(xp: ModuleType, code: ExcelError) -> Value:
    """A scalar error value."""
    return Value(
        xp.full((1, 1, 1), xp.nan), xp.full((1, 1, 1), int(code), dtype=xp.int8), NUMBER, None
    )


def from_scalars(xp: ModuleType, grid: Sequence[Sequence[object]]) -> Value:
    """A constant block from Python scalars (float, str, bool, ExcelError or None)."""
    entries = ((r, c, item) for r, row in enumerate(grid) for c, item in enumerate(row))
    return from_entries(xp, (len(grid), len(grid[0])), entries)


def from_entries(xp: ModuleType, shape: tuple[int, int],
                 entries: Iterable[tuple[int, int, object]]) -> Value:
    """A constant block of ``shape``, empty but for ``entries``: (row, col, scalar), 0-based.
    Building it costs the entries, and one array of the shape: a sparse area stays cheap."""
    num = np.zeros((1, *shape))
    err = np.zeros((1, *shape), dtype=np.int8)
    kind = np.full((1, *shape), EMPTY, dtype=np.int8)
    text: np.ndarray[Any, Any] | None = None
    for r, c, item in entries:
        if isinstance(item, ExcelError):
            kind[0, r, c] = NUMBER
            err[0, r, c] = int(item)
            num[0, r, c] = np.nan
        elif isinstance(item, bool):
            kind[0, r, c] = BOOL
            num[0, r, c] = float(item)
        elif isinstance(item, str):
            if text is None:
                text = np.full((1, *shape), "", dtype=object)
            kind[0, r, c] = TEXT
            text[0, r, c] = item
        elif item is not None:
            kind[0, r, c] = NUMBER
            num[0, r, c] = float(item)  # type: ignore[arg-type]
    kinds = set(np.unique(kind).tolist())
    return Value(
        xp.asarray(num),
        xp.asarray(err) if err.any() else None,
        int(kind[0, 0, 0]) if len(kinds) == 1 else xp.asarray(kind),
        text if TEXT in kinds else None,
    )


def scalar(xp: ModuleType, item: object) -> Value:
    """A constant scalar value."""
    return from_scalars(xp, [[item]])


def kinds(xp: ModuleType, value: Value) -> Array:
    """``value.kind`` as an int8 array (broadcastable to the block)."""
    if isinstance(value.kind, int):
        return xp.full((1, 1, 1), value.kind, dtype=xp.int8)
    return value.kind


def texts(value: Value) -> np.ndarray[Any, Any]:
    """``value.text`` as an object array ("" where there is no text)."""
    return value.text if value.text is not None else np.full((1, 1, 1), "", dtype=object)


def merge_errors(xp: ModuleType, *errors: Array | None) -> Array | None:
    """Per entry, the first error among ``errors`` (Excel reports the leftmost one)."""
    present = [e for e in errors if e is not None]
    if not present:
        return None
    out = present[-1]
    for earlier in reversed(present[:-1]):
        out = xp.where(earlier != 0, earlier, out)
    return out


def with_error(xp: ModuleType, err: Array | None, mask: Array, code: ExcelError) -> Array:
    """``err`` with ``code`` set where ``mask`` holds and no earlier error is set."""
    fresh = xp.where(mask, xp.int8(int(code)), xp.int8(0)).astype(xp.int8)
    merged = merge_errors(xp, err, fresh)
    assert merged is not None
    return merged


def flag_errors(xp: ModuleType, err: Array | None, mask: Array, code: ExcelError) -> Array | None:
    """As :func:`with_error`, but ``err`` is returned as it is (``None`` included) when ``mask``
    holds nowhere: most trials of most operations raise no error, and a block that cannot hold
    one keeps later operations to their arithmetic."""
    if not bool(mask.any()):
        return err
    return with_error(xp, err, mask, code)


def broadcast_to(xp: ModuleType, value: Value, shape: tuple[int, ...]) -> Value:
    """``value`` with every field broadcast to ``shape`` (materialised kind/err arrays)."""
    num = xp.broadcast_to(value.num, shape)
    err = None if value.err is None else xp.broadcast_to(value.err, shape)
    kind: Array | int = value.kind
    if not isinstance(kind, int):
        kind = xp.broadcast_to(kind, shape)
    text = None if value.text is None else np.broadcast_to(value.text, shape)
    return Value(num, err, kind, text)


def host(xp: ModuleType, array: Array) -> np.ndarray[Any, Any]:
    """A numpy view of a device array (text work happens on the host)."""
    if isinstance(array, np.ndarray):
        return array
    return np.asarray(array.get())
