"""A1-style addresses: column letters, cell keys and the public ``"Sheet!A1"`` form."""

from __future__ import annotations

import re

CellKey = tuple[str, int, int]
"""(sheet name, row, column), 1-based: how the engine names a cell internally."""

MAX_ROW, MAX_COL = 1_048_576, 16_384  # a sheet's last row and column (XFD1048576)
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def column_index(letters: str) -> int:
    """``"A"`` -> 1, ``"AB"`` -> 28."""
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index


def column_letters(index: int) -> str:
    """1 -> ``"A"``, 28 -> ``"AB"``."""
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def parse_cell(text: str) -> tuple[int, int]:
    """``"$B$3"`` -> (3, 2); raises ValueError for anything that is not one cell."""
    match = _CELL.match(text.strip())
    if match is None:
        raise ValueError(f"not a cell address: {text!r}")
    return int(match.group(2)), column_index(match.group(1))


def split_address(address: str) -> tuple[str, str]:
    """``"Sheet 1!A1"`` or ``"'Sheet 1'!A1"`` -> (``"Sheet 1"``, ``"A1"``)."""
    sheet, bang, cell = address.rpartition("!")
    if not bang or not sheet:
        raise ValueError(f"address {address!r} must name its sheet, as in 'Sheet1!A1'")
    if len(sheet) >= 2 and sheet[0] == sheet[-1] == "'":
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, cell


def format_key(key: CellKey) -> str:
    """(sheet, row, col) -> ``"Sheet!A1"`` (sheet name unquoted)."""
    sheet, row, col = key
    return f"{sheet}!{column_letters(col)}{row}"
