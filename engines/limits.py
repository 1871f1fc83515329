"""What parsing one workbook may cost, and the refusals: unreadable, or over a named limit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

MB = 1024 * 1024
FORMULA_LENGTH = 8192
"""Excel's own limit on a formula's text; a longer one comes from no spreadsheet program."""


class WorkbookError(ValueError):
    """The bytes are not a readable .xlsx workbook."""


@dataclass(frozen=True)
class WorkbookLimits:
    """Limits on one workbook; ``None`` leaves a measure unchecked.

    The defaults are what a single parse can afford on its own; plans lower them."""

    file_bytes: int | None = None
    uncompressed_bytes: int | None = 500 * MB
    compression_ratio: int | None = 200
    entries: int | None = 10_000
    cells: int | None = 1_000_000
    formulas: int | None = 200_000
    area_cells: int | None = 10_000_000
    """The farthest row holding content on any sheet times the farthest column: the most a
    whole-sheet reference costs once references stop at the content."""

    @classmethod
    def from_mapping(cls, given: Mapping[str, object] | None) -> WorkbookLimits:
        """Limits from JSON (an event body): known names only, defaults for those missing."""
        known = {f.name for f in fields(cls)}
        chosen = {name: value for name, value in (given or {}).items() if name in known}
        for name, value in chosen.items():
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValueError(f"workbook limit {name} must be a whole number or null")
        return cls(**chosen)  # type: ignore[arg-type]


_MEASURES = {
    "file_bytes": "the file's size in bytes",
    "uncompressed_bytes": "the package's uncompressed size in bytes",
    "compression_ratio": "the compression ratio of {where}",
    "entries": "the number of parts in the package",
    "cells": "the number of cells",
    "formulas": "the number of formulas",
    "area_cells": "the cells from A1 to the farthest content (in {where})",
    "formula_length": "the length of a formula in {where}",
}


class WorkbookTooLarge(ValueError):
    """The workbook passes one of its limits: which, the limit, and the amount seen so far
    (counting stops there, so ``observed`` is a lower bound)."""

    def __init__(self, limit: str, value: int, observed: int, where: str = "") -> None:
        self.limit, self.value, self.observed, self.where = limit, value, observed, where
        measure = _MEASURES[limit].format(where=where or "the workbook")
        super().__init__(f"the workbook is over a limit: {measure} reached {observed:,}"
                         f" (limit {limit} = {value:,})")

    def __reduce__(self) -> tuple[type[WorkbookTooLarge], tuple[str, int, int, str]]:
        return WorkbookTooLarge, (self.limit, self.value, self.observed, self.where)

    def as_dict(self) -> dict[str, object]:
        """The refusal as JSON: ``{"name", "value", "observed"}``."""
        return {"name": self.limit, "value": self.value, "observed": self.observed}


def within(limit: int | None, name: str, observed: int, where: str = "") -> None:
    """Raise WorkbookTooLarge when ``observed`` is over ``limit``."""
    if limit is not None and observed > limit:
        raise WorkbookTooLarge(name, limit, observed, where)


class Budget:
    """The running totals of one workbook's check against its limits; the counters are bare
    integers compared with bare bounds, since they move at every cell of every sheet."""

    def __init__(self, limits: WorkbookLimits) -> None:
        self.limits = limits
        self.inflated = self.cells = self.formulas = 0
        self.rows = self.cols = 0  # the farthest row and column holding content, any sheet
        self.max_cells = _or_unbounded(limits.cells)
        self.max_formulas = _or_unbounded(limits.formulas)

    def add_bytes(self, count: int) -> None:
        self.inflated += count
        within(self.limits.uncompressed_bytes, "uncompressed_bytes", self.inflated)

    def add_cells(self, count: int) -> None:
        self.cells += count
        within(self.limits.cells, "cells", self.cells)

    def reach(self, row: int, col: int, where: str) -> None:
        """Content at (row, col): references are read as far as the farthest content."""
        if row > self.rows or col > self.cols:
            self.rows, self.cols = max(self.rows, row), max(self.cols, col)
            within(self.limits.area_cells, "area_cells", self.rows * self.cols, where)


def _or_unbounded(limit: int | None) -> int | float:
    return float("inf") if limit is None else limit


MAX_ARRAY_CELLS = 2**24
"""Entries one array a formula builds may hold (SEQUENCE, MUNIT, RANDARRAY, EXPAND, an
operator between two arrays): Excel's grid allows billions, the memory of a shared service far
fewer; past it the result is #VALUE!."""
MAX_BLOCK_ENTRIES = 2**26
"""Entries such an array may hold over all the trials evaluated together (512 MiB of doubles)."""


def too_large(trials: int, rows: int, cols: int) -> bool:
    """Whether a rows x cols array, one per trial, passes what a formula may build."""
    cells = rows * cols
    return cells > MAX_ARRAY_CELLS or cells * max(trials, 1) > MAX_BLOCK_ENTRIES
