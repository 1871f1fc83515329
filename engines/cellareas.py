"""Where a workbook's formulas are, as few rectangles as its layout allows.

A workbook summary lists every formula cell this way (``Model!B11:E15``), so that a request
naming one of them as an input is refused when it is made, not by its run after a 202: a
request input replaces a constant cell. Formulas are written in blocks (a column filled down,
a table across years), so a sheet of a hundred thousand formulas is a few areas. A layout that
needs more than ``MAX_AREAS`` of them, or more than ``MAX_RUNS`` runs down its columns, is not
listed (None) and its runs check their inputs themselves, as before.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence

from engines.formula.refs import CellKey, column_letters, parse_cell, split_address

MAX_AREAS = 10_000
"""Areas a summary lists at most (one event of the log holds at most 8 MiB)."""
MAX_RUNS = 50_000
"""Runs down a column the listed areas may hold between them: what a reader's index of them
takes (see :class:`AreaIndex`)."""


def covering_areas(cells: Iterable[CellKey]) -> list[str] | None:
    """Rectangles covering exactly ``cells`` (sheet, row, column), as ``Sheet!A1:B2`` (one cell:
    ``Sheet!A1``), sheets in the order they first come, then by column and row; None past
    ``MAX_AREAS`` or ``MAX_RUNS``. Consecutive rows of a column make a run; runs over the same
    rows in consecutive columns make one area."""
    rows: dict[tuple[str, int], list[int]] = defaultdict(list)
    for sheet, row, column in cells:
        rows[(sheet, column)].append(row)
    runs: dict[str, dict[tuple[int, int], list[int]]] = {}  # sheet -> (first, last) -> columns
    count = 0
    for (sheet, column), found in rows.items():
        for span in _runs(found):
            runs.setdefault(sheet, {}).setdefault(span, []).append(column)
            count += 1
            if count > MAX_RUNS:
                return None
    areas: list[tuple[str, int, int, int, int]] = []
    for sheet, spans in runs.items():
        for (top, bottom), columns in spans.items():
            areas.extend((sheet, left, top, right, bottom) for left, right in _runs(columns))
            if len(areas) > MAX_AREAS:
                return None
    order = {sheet: i for i, sheet in enumerate(runs)}
    areas.sort(key=lambda a: (order[a[0]], a[1], a[2]))
    return [_a1(*area) for area in areas]


def _runs(numbers: list[int]) -> list[tuple[int, int]]:
    """Runs of consecutive whole numbers in ``numbers`` (sorted here), as (first, last)."""
    numbers.sort()
    runs = [(numbers[0], numbers[0])]
    for n in numbers[1:]:
        if n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


def _a1(sheet: str, left: int, top: int, right: int, bottom: int) -> str:
    corner = f"{column_letters(left)}{top}"
    if (left, top) == (right, bottom):
        return f"{sheet}!{corner}"
    return f"{sheet}!{corner}:{column_letters(right)}{bottom}"


class AreaIndex:
    """Whether a cell lies in one of the areas :func:`covering_areas` listed; sheet names
    match in any case, as in Excel. Areas that name no cell are left out."""

    def __init__(self, areas: Sequence[str]) -> None:
        spans: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
        budget = MAX_RUNS  # past it, the rest is left to the runs (what covering_areas lists
        for text in areas[:MAX_AREAS]:  # never comes near it)
            try:
                sheet, address = split_address(text)
                first, _, last = address.partition(":")
                top, left = parse_cell(first)
                bottom, right = parse_cell(last) if last else (top, left)
            except ValueError:
                continue
            for column in range(left, min(right, left + budget - 1) + 1):
                spans[(sheet.casefold(), column)].append((min(top, bottom), max(top, bottom)))
            budget -= right - left + 1
            if budget <= 0:
                break
        self._starts: dict[tuple[str, int], list[int]] = {}
        self._ends: dict[tuple[str, int], list[int]] = {}
        for key, found in spans.items():
            found.sort()
            merged = [list(found[0])]
            for top, bottom in found[1:]:  # overlapping areas: one span
                if top <= merged[-1][1] + 1:
                    merged[-1][1] = max(merged[-1][1], bottom)
                else:
                    merged.append([top, bottom])
            self._starts[key] = [top for top, _ in merged]
            self._ends[key] = [bottom for _, bottom in merged]

    def __contains__(self, cell: CellKey) -> bool:
        """``cell``: (sheet name folded, row, column)."""
        sheet, row, column = cell
        starts = self._starts.get((sheet, column))
        if starts is None:
            return False
        at = bisect.bisect_right(starts, row) - 1
        return at >= 0 and row <= self._ends[(sheet, column)][at]
