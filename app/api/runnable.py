"""Parsed workbooks as a simulation request is checked against them, remembered per worker.

A parsed workbook never changes: its summary is written once, by its parse. So a request on a
workbook that another request used lately is checked without the view's query (which expands
the summary's JSON in PostgreSQL) and without reading its listed cells again (ten thousand
@RISK inputs took a request tens of milliseconds to read). Only parsed workbooks are kept, per
tenant, at most ``KEPT`` of them, each for ``KEEP_S``.
"""

from __future__ import annotations

import dataclasses
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException

from app.api.schemas import SimulationRequest, cell_key, key_or_none
from engines.cellareas import AreaIndex
from engines.formula.refs import CellKey, column_letters, split_address

KEPT = 64
KEEP_S = 60.0


def _listed(cells: Iterable[str] | None) -> frozenset[CellKey]:
    """The cells a workbook's summary lists, as :func:`cell_key` names them (those that name
    no cell left out: nothing a request can name)."""
    return frozenset(key for cell in cells or () if (key := key_or_none(cell)) is not None)


@dataclass(frozen=True)
class Runnable:
    """A parsed workbook as requests are checked against it (see ``Views.workbook_to_run``)."""

    sha256: str
    sheets: dict[str, str]  # casefolded name -> name
    risk_outputs: int
    risk_inputs: frozenset[CellKey]
    formulas: frozenset[CellKey]
    formula_areas: AreaIndex | None = None
    sizes: dict[str, tuple[int, int]] = dataclasses.field(default_factory=dict)
    """Casefolded sheet name -> the last row and column its content reaches."""

    @classmethod
    def of(cls, row: dict[str, Any]) -> Runnable:
        areas, names = row.get("formula_areas"), row["sheets"] or ()
        return cls(row["sha256"], {name.casefold(): name for name in names},
                   int(row["risk_outputs"] or 0), _listed(row.get("risk_input_cells")),
                   _listed(row.get("formula_cells")),
                   AreaIndex(areas) if areas is not None else None,
                   _sizes(names, row.get("sheet_sizes") or ()))

    def holds_formula(self, key: CellKey) -> bool:
        return key in self.formulas or (self.formula_areas is not None
                                        and key in self.formula_areas)

    def check(self, request: SimulationRequest) -> None:
        """Refuse now what the runner would fail on after a 202: a sheet the workbook lacks
        (names match in any case, as in Excel), and an input on a cell the summary shows
        holding an @RISK function or a formula (its formula areas hold every formula; a
        summary written before them lists some formula cells only, and the runner checks the
        rest), and an output past the content of its sheet (an empty cell within it is left to
        the runner)."""
        fields = ([("inputs", c) for c in request.inputs]
                  + [("outputs", c) for c in request.outputs])
        for field, cell in fields:
            sheet = split_address(cell)[0]
            if self.sheets and sheet.casefold() not in self.sheets:
                raise HTTPException(422, [{"loc": ["body", field, cell], "msg": f"no sheet"
                                           f" {sheet!r}; sheets: {sorted(self.sheets.values())}"}])
        for cell in request.inputs:
            key = cell_key(cell)
            held = ("an @RISK function, one of the workbook's own random inputs (its summary's"
                    " risk_inputs)" if key in self.risk_inputs
                    else "a formula" if self.holds_formula(key) else None)
            if held:
                raise HTTPException(422, [{"loc": ["body", "inputs", cell], "msg": f"{cell}"
                                           f" holds {held}; a request input replaces a constant"
                                           " cell: name a cell holding a number"}])
        for cell in request.outputs:
            sheet, row, column = cell_key(cell)
            size = self.sizes.get(sheet)
            if size is not None and (row > size[0] or column > size[1]):
                ends = ("the sheet holds nothing" if 0 in size else "the sheet's content ends"
                        f" at row {size[0]}, column {column_letters(size[1])}")
                raise HTTPException(422, [{"loc": ["body", "outputs", cell], "msg": f"{cell} is"
                                           f" an empty cell ({ends}); an output holds a formula"
                                           " or a value"}])
        if not request.outputs and not self.risk_outputs:
            raise HTTPException(422, [{"loc": ["body", "outputs"], "msg":
                                "name output cells: the workbook marks none with RiskOutput()"}])


def _sizes(names: Sequence[str], sizes: Sequence[Sequence[int | None]]
           ) -> dict[str, tuple[int, int]]:
    """Each sheet's [rows, columns] (as the summary records them) by its folded name; a sheet
    without them is left out (nothing is known of its extent)."""
    return {name.casefold(): (rows, columns)
            for name, (rows, columns) in zip(names, sizes, strict=False)
            if rows is not None and columns is not None}


class RunnableWorkbooks:
    """The parsed workbooks this worker checked requests against lately."""

    def __init__(self, kept: int = KEPT, keep_s: float = KEEP_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.kept, self.keep_s, self.clock = kept, keep_s, clock
        self._entries: OrderedDict[tuple[str, str], tuple[float, Runnable]] = OrderedDict()

    def get(self, tenant_id: str, workbook_id: str) -> Runnable | None:
        found = self._entries.get((tenant_id, workbook_id))
        if found is None or found[0] < self.clock():
            return None
        self._entries.move_to_end((tenant_id, workbook_id))
        return found[1]

    def keep(self, tenant_id: str, workbook_id: str, row: dict[str, Any]) -> Runnable:
        """``row`` (a workbook whose status is parsed) as a Runnable, remembered."""
        runnable = Runnable.of(row)
        self._entries[(tenant_id, workbook_id)] = (self.clock() + self.keep_s, runnable)
        self._entries.move_to_end((tenant_id, workbook_id))
        while len(self._entries) > self.kept:
            self._entries.popitem(last=False)
        return runnable
