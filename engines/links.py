"""Cells of other workbooks, as Excel last read them.

A formula naming another file (``=[1]Sheet1!A1``, ``[1]`` the file's position among the
workbook's external links) reads, in Excel, the values saved with the link until the link is
updated. The file keeps those values in its ``externalLink`` parts; read as constant cells of
sheets named ``[1]Sheet1``, they make such references evaluate as Excel shows them. Cells the
link did not save are #REF!, as Excel shows them when it cannot read the file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from engines.errors import ExcelError
from engines.formula.refs import CellKey

ReadValue = Callable[[object, str], Any]
"""How a saved value and its openpyxl data type become the engine's scalar."""


def linked_cells(links: list[Any], read: ReadValue) -> tuple[list[str], dict[CellKey, Any]]:
    """The linked sheets (``[n]Sheet``) of openpyxl's external ``links``, and their saved
    values by cell."""
    sheets: list[str] = []
    values: dict[CellKey, Any] = {}
    for position, link in enumerate(links, start=1):
        book = link.externalBook
        names = list(book.sheetNames.sheetName) if book.sheetNames is not None else []
        sheets += [f"[{position}]{name}" for name in names]
        saved = book.sheetDataSet.sheetData if book.sheetDataSet is not None else []
        for data in saved:
            if not 0 <= data.sheetId < len(names):
                continue
            sheet = f"[{position}]{names[data.sheetId]}"
            for row in data.row:
                for cell in row.cell:
                    if cell.v is None:
                        continue
                    letters, number = coordinate_from_string(cell.r)
                    values[(sheet, number, column_index_from_string(letters))] = read(
                        *_typed(cell.v, cell.t))
    return sheets, values


def _typed(value: str, data_type: str | None) -> tuple[object, str]:
    """A saved value as openpyxl would read it from a worksheet: numbers (the default type)
    as floats, booleans as bools, errors and text as text."""
    if data_type in (None, "n"):
        try:
            return float(value), "n"
        except ValueError:
            return value, "s"
    if data_type == "b":
        return value.strip() in ("1", "true"), "b"
    return value, "e" if data_type == "e" else "s"


def linked_value(cells: Mapping[CellKey, Any], key: CellKey) -> Any:
    """The saved value of ``key``, a cell of a linked sheet; #REF! where the link saved none."""
    cell = cells.get(key)
    return ExcelError.REF if cell is None else cell.value
