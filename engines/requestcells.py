"""A request's cells resolved against the workbook: each address a cell of one of its sheets
(named in any case, as in Excel), the used range stretched over the inputs, and each output a
cell that holds something, named once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from engines.formula.refs import CellKey, parse_cell, split_address
from engines.workbook import Workbook


class ModelError(ValueError):
    """A request does not fit the workbook: the message names the cell and what is accepted."""


def key_of(address: str) -> CellKey:
    """``"Sheet!A1"`` -> (sheet as written, row, column)."""
    sheet, cell = split_address(address)
    row, col = parse_cell(cell)
    return sheet, row, col


def resolved(wb: Workbook, address: str, role: str) -> CellKey:
    """The cell ``address`` names in ``wb`` (its sheet as the workbook spells it); an output
    must hold something."""
    try:
        key = key_of(address)
    except ValueError as exc:
        raise ModelError(f"{role} {address!r}: {exc}") from exc
    sheet = wb.sheet_named(key[0])
    if sheet is None:
        raise ModelError(f"{role} {address!r}: no sheet {key[0]!r}; sheets are {wb.sheets}")
    key = (sheet, key[1], key[2])
    if role == "output" and key not in wb.cells:
        raise ModelError(
            f"output {address!r} is an empty cell; outputs must hold a formula or value"
        )
    return key


def resolved_outputs(wb: Workbook, outputs: Sequence[str]) -> list[CellKey]:
    """Each output's cell; two addresses naming one cell are refused (a run's results are
    kept per cell, and would be kept twice under one name)."""
    keys = [resolved(wb, address, "output") for address in outputs]
    named: dict[CellKey, str] = {}
    for address, key in zip(outputs, keys, strict=True):
        if key in named:
            raise ModelError(f"outputs {named[key]!r} and {address!r} are one cell;"
                             " list each output once")
        named[key] = address
    return keys


def covering(wb: Workbook, keys: Sequence[CellKey]) -> Workbook:
    """``wb`` with its sheets' used ranges stretched over ``keys``: a request input may be an
    empty cell past all content, and references stop at the content (see references.clip)."""
    used = dict(wb.dimensions)
    for sheet, row, col in keys:
        rows, cols = used[sheet]
        used[sheet] = (max(rows, row), max(cols, col))
    return wb if used == wb.dimensions else replace(wb, dimensions=used)
