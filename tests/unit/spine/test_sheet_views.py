"""A workbook's sheet view is computed in a sandboxed child: one that needs more than the cap
fails its own view and is not computed again at once; concurrent requests for one workbook
compute it once; the grids kept are bounded."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.api import sheetview
from app.api.sheetview import Sandboxed, SheetViewFailed, SheetViews, grid, window_of
from engines.limits import WorkbookLimits
from infra.settings import Settings
from tests.conftest import EXAMPLE


def _hungry(data: bytes, limits: WorkbookLimits) -> Any:
    return bytearray(1 << 31)  # 2 GiB: past the cap below


def _views(**settings: Any) -> SheetViews:
    return SheetViews(Sandboxed(Settings(**settings)))


async def test_the_grid_holds_each_cell_with_its_static_value_row_by_row() -> None:
    views = _views()
    found = await views.grid("t", "example", EXAMPLE.read_bytes, WorkbookLimits())
    cells = {(r, c): (value, formula) for r, c, value, formula in found["Model"]}
    assert cells[(2, 2)] == (10000, None)
    assert cells[(3, 2)][0] == pytest.approx((40 + 50 + 65) / 3)  # RiskTriang at its mean
    assert [(r, c) for r, c, _, _ in window_of(found["Model"], (10, 1, 11, 2))] == [
        (10, 1), (10, 2), (11, 1), (11, 2)]
    assert found == grid(EXAMPLE.read_bytes(), WorkbookLimits())  # what the child computed


async def test_a_workbook_past_the_cap_fails_its_own_view_once() -> None:
    views = SheetViews(Sandboxed(Settings(parse_memory_mb=128, parse_timeout_s=20)),
                       compute=_hungry)
    reads: list[int] = []

    def read() -> bytes:
        reads.append(1)
        return b"x"

    with pytest.raises(SheetViewFailed, match="needed more than 128 MB"):
        await views.grid("t", "hungry", read, WorkbookLimits())
    with pytest.raises(SheetViewFailed):  # remembered: not computed again
        await views.grid("t", "hungry", read, WorkbookLimits())
    assert reads == [1]


async def test_requests_for_one_workbook_compute_it_once_and_few_are_kept(
        monkeypatch: pytest.MonkeyPatch) -> None:
    views = _views()
    reads: list[int] = []

    def read() -> bytes:
        reads.append(1)
        return EXAMPLE.read_bytes()

    grids = await asyncio.gather(*(views.grid("t", "one", read, WorkbookLimits())
                                   for _ in range(5)))
    assert reads == [1] and all(g == grids[0] for g in grids)
    monkeypatch.setattr(sheetview, "KEPT_CELLS", 1)  # one grid at a time, the last
    await views.grid("t", "two", EXAMPLE.read_bytes, WorkbookLimits())
    assert list(views.kept) == ["two"]


async def test_a_workbook_the_child_refuses_fails_its_own_view() -> None:
    views = _views()
    with pytest.raises(SheetViewFailed, match="not a readable .xlsx workbook"):
        await views.grid("t", "junk", lambda: b"not a zip", WorkbookLimits())
