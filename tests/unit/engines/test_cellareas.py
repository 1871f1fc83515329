"""A workbook's formula cells as rectangles, and the index a request's inputs are checked in."""

from __future__ import annotations

import random

import pytest

from engines import cellareas
from engines.cellareas import AreaIndex, covering_areas
from engines.formula.refs import parse_cell, split_address


def _cells_of(areas: list[str]) -> set[tuple[str, int, int]]:
    cells = set()
    for text in areas:
        sheet, address = split_address(text)
        first, _, last = address.partition(":")
        top, left = parse_cell(first)
        bottom, right = parse_cell(last) if last else (top, left)
        assert (top, left) <= (bottom, right) or last == ""
        cells |= {(sheet, r, c) for r in range(top, bottom + 1) for c in range(left, right + 1)}
    return cells


@pytest.mark.parametrize("seed", range(20))
def test_the_areas_cover_the_formula_cells_exactly_and_the_index_finds_each(seed: int) -> None:
    rng = random.Random(seed)
    sheets = ["Model", "It's X", "A!B"]
    cells: set[tuple[str, int, int]] = set()
    for _ in range(rng.randint(1, 12)):  # blocks, as formulas are filled, and strays
        sheet = rng.choice(sheets)
        top, left = rng.randint(1, 40), rng.randint(1, 12)
        cells |= {(sheet, r, c) for r in range(top, top + rng.randint(1, 9))
                  for c in range(left, left + rng.randint(1, 5))}
    cells |= {(rng.choice(sheets), rng.randint(1, 60), rng.randint(1, 20)) for _ in range(15)}
    areas = covering_areas(cells)
    assert areas is not None
    assert _cells_of(areas) == cells
    assert sum(len(_cells_of([a])) for a in areas) == len(cells)  # no area overlaps another
    index = AreaIndex(areas)
    for sheet in sheets:
        for row in range(1, 70):
            for column in range(1, 25):
                found = (sheet.upper().casefold(), row, column) in index
                assert found == ((sheet, row, column) in cells), (sheet, row, column)


def test_blocks_make_few_areas() -> None:
    years = {("Model", r, c) for r in range(11, 16) for c in range(2, 6)}
    column = {("Model", r, 2) for r in range(1, 100_001)}
    assert covering_areas(years | {("Model", 17, 2)}) == ["Model!B11:E15", "Model!B17"]
    assert covering_areas(column) == ["Model!B1:B100000"]


def test_a_layout_past_the_bounds_is_not_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    checkerboard = {("S", r, c) for r in range(1, 41) for c in range(1, 41) if (r + c) % 2}
    assert covering_areas(checkerboard) is not None
    monkeypatch.setattr(cellareas, "MAX_AREAS", 799)
    assert covering_areas(checkerboard) is None  # 800 single cells
    monkeypatch.setattr(cellareas, "MAX_AREAS", 10_000)
    monkeypatch.setattr(cellareas, "MAX_RUNS", 799)
    assert covering_areas(checkerboard) is None


def test_the_index_skips_what_names_no_area_and_joins_overlaps() -> None:
    index = AreaIndex(["Model!B2:B5", "Model!B4:B9", "nonsense", "Model!ZZZZ1:A1", "!", "S!C3"])
    assert all(("model", r, 2) in index for r in range(2, 10))
    assert ("model", 10, 2) not in index and ("model", 1, 2) not in index
    assert ("s", 3, 3) in index and ("s", 3, 4) not in index
