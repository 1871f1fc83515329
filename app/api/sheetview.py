"""A workbook's cells as a grid shows them, computed away from the API's workers.

A sheet view recalculates the whole workbook once (every formula at its static value). A
workbook can be large enough within its tier's limits for that to take seconds and gigabytes,
so it runs in a sandboxed child process with the parser's memory cap and time limit: a
workbook that needs more fails its own view (422), and the API worker serving every tenant
keeps its memory and its event loop. The worker keeps only the answer's form of the last few
workbooks (values and formulas, bounded by their count of cells), asks for one workbook once
however many requests want it, and runs at most EVALUATIONS children at once (a run's sample,
``app.api.routes.trials``, is computed in the same way).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import math
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from engines.errors import ExcelError
from engines.limits import WorkbookLimits
from infra.sandbox import MB, Sandbox, SandboxFailure
from infra.settings import Settings
from streams.processors.lanes import Lane, Slot

Result = TypeVar("Result")
Cell = tuple[int, int, float | str | bool | None, str | None]  # row, column, value, formula
Grid = dict[str, list[Cell]]
"""Per sheet its non-empty cells, row by row: what a view of any window of it reads."""
KEPT_CELLS = 2_000_000
"""Most cells the kept grids hold together (and at most KEPT_WORKBOOKS of them)."""
KEPT_WORKBOOKS = 4
EVALUATIONS = 2
"""Sandboxed children one API worker runs at once; more wait (each may take the cap)."""


class SheetViewFailed(Exception):
    """The workbook's cells could not be computed within the sandbox's limits."""


def json_value(value: Any) -> float | str | bool | None:
    """A cell value JSON can carry: Excel errors as their code, non-finite numbers as text."""
    if isinstance(value, ExcelError):
        return value.code
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def grid(data: bytes, limits: WorkbookLimits) -> Grid:
    """Every non-empty cell of the workbook with its value, formulas recalculated statically
    (@RISK functions at their static values); run in the sandbox's child."""
    from engines.compiler import compile_model
    from engines.formula.refs import format_key
    from engines.workbook import load_workbook

    book = load_workbook(data, limits)
    values = compile_model(book, outputs=[]).recalc()
    cells: Grid = {}
    for (sheet, row, col), cell in book.cells.items():
        value = values.get(format_key((sheet, row, col))) if cell.formula is not None \
            else cell.value
        if value is None and cell.formula is None:
            continue
        cells.setdefault(sheet, []).append((row, col, json_value(value), cell.formula))
    for sheet_cells in cells.values():
        sheet_cells.sort(key=lambda c: (c[0], c[1]))
    return cells


def window_of(cells: list[Cell], bounds: tuple[int, int, int, int]) -> list[Cell]:
    """The cells inside ``bounds`` (first row, first column, last row, last column)."""
    r1, c1, r2, c2 = bounds
    start = bisect.bisect_left(cells, r1, key=lambda c: c[0])
    end = bisect.bisect_right(cells, r2, key=lambda c: c[0])
    return [c for c in cells[start:end] if c1 <= c[1] <= c2]


class Sandboxed:
    """Work on a tenant's workbook run for an API request in a sandboxed child (the parser's
    memory cap and time limit), EVALUATIONS at a time in this worker, tenants taking turns
    (see ``Lane``): one tenant's heavy samples wait for each other, not another's view."""

    def __init__(self, settings: Settings) -> None:
        # the fork server imports once what every child runs: a child importing the report's
        # and the sample's modules (and FastAPI under them) took half a second each time
        self.sandbox = Sandbox(settings.parse_memory_mb * MB, settings.parse_timeout_s,
                               preload=("engines.service", "app.api.routes.report",
                                        "app.api.routes.trials", "app.api.sheetview"))
        self.slots = Lane("sandbox", EVALUATIONS)

    async def warm(self) -> None:
        """Start the fork server (and its imports) now rather than on a tenant's request: the
        first sheet view or sample of a worker took 2.5 s for it, the next 0.15 s."""
        with contextlib.suppress(Exception):  # a request starts it anyway
            await asyncio.to_thread(self.sandbox.run, len, b"")

    async def run(self, tenant: str, function: Callable[..., Result], *args: Any) -> Result:
        """``function(*args)`` computed in a child for ``tenant``; SandboxFailure past the
        limits, SheetViewFailed for what the child refused of the workbook itself."""
        async with Slot(self.slots, tenant):
            try:
                return await asyncio.to_thread(self.sandbox.run, function, *args)
            except (ValueError, RuntimeError) as exc:  # the child's own refusal, passed back
                raise SheetViewFailed(str(exc)) from None


_sandboxed: list[Sandboxed] = []


def sandboxed(settings: Settings) -> Sandboxed:
    """This worker's sandbox for requests' work (made with its first request, on its loop)."""
    if not _sandboxed:
        _sandboxed.append(Sandboxed(settings))
    return _sandboxed[0]


class SheetViews:
    """The grids of recently viewed workbooks, by content hash, computed in a sandbox."""

    def __init__(self, sandboxed: Sandboxed, compute: Callable[[bytes, WorkbookLimits], Grid]
                 = grid) -> None:
        self.sandboxed = sandboxed
        self.compute = compute
        self.kept: OrderedDict[str, Grid | SheetViewFailed] = OrderedDict()
        self.pending: dict[str, asyncio.Future[Grid]] = {}

    async def grid(self, tenant: str, sha256: str, read: Callable[[], bytes],
                   limits: WorkbookLimits) -> Grid:
        """The workbook's grid; raises SheetViewFailed (again, without computing again, for
        a workbook that failed lately)."""
        kept = self.kept.get(sha256)
        if kept is not None:
            self.kept.move_to_end(sha256)
            if isinstance(kept, SheetViewFailed):
                raise kept
            return kept
        pending = self.pending.get(sha256)
        if pending is None:
            pending = asyncio.ensure_future(self._computed(tenant, sha256, read, limits))
            self.pending[sha256] = pending
            pending.add_done_callback(lambda _: self.pending.pop(sha256, None))
        return await asyncio.shield(pending)

    async def _computed(self, tenant: str, sha256: str, read: Callable[[], bytes],
                        limits: WorkbookLimits) -> Grid:
        data = await asyncio.to_thread(read)
        try:
            found = await self.sandboxed.run(tenant, self.compute, data, limits)
        except (SandboxFailure, SheetViewFailed) as exc:
            failed = SheetViewFailed(f"computing its cells {exc}")
            self._keep(sha256, failed)
            raise failed from None
        self._keep(sha256, found)
        return found

    def _keep(self, sha256: str, found: Grid | SheetViewFailed) -> None:
        self.kept[sha256] = found
        while len(self.kept) > KEPT_WORKBOOKS or (
                len(self.kept) > 1 and _cells(self.kept) > KEPT_CELLS):
            self.kept.popitem(last=False)


def _cells(kept: OrderedDict[str, Grid | SheetViewFailed]) -> int:
    return sum(len(cells) for found in kept.values() if not isinstance(found, SheetViewFailed)
               for cells in found.values())
