"""Excel error values, coded as Excel's own ERROR.TYPE numbers.

Per-trial errors travel as small-integer arrays beside the values: 0 means no error.
"""

from __future__ import annotations

from enum import IntEnum


class ExcelError(IntEnum):
    """An Excel error value; the integer is what ERROR.TYPE returns for it."""

    NULL = 1
    DIV0 = 2
    VALUE = 3
    REF = 4
    NAME = 5
    NUM = 6
    NA = 7
    GETTING_DATA = 8
    SPILL = 9
    CALC = 14

    @property
    def code(self) -> str:
        """The text Excel shows in the cell, e.g. ``#DIV/0!``."""
        return _CODES[self]

    @classmethod
    def from_code(cls, text: str) -> ExcelError:
        """Parse ``#N/A`` and friends; raises KeyError for anything else."""
        return _BY_CODE[text.upper()]

    def __str__(self) -> str:
        return self.code


_CODES = {
    ExcelError.NULL: "#NULL!",
    ExcelError.DIV0: "#DIV/0!",
    ExcelError.VALUE: "#VALUE!",
    ExcelError.REF: "#REF!",
    ExcelError.NAME: "#NAME?",
    ExcelError.NUM: "#NUM!",
    ExcelError.NA: "#N/A",
    ExcelError.GETTING_DATA: "#GETTING_DATA",
    ExcelError.SPILL: "#SPILL!",
    ExcelError.CALC: "#CALC!",
}
_BY_CODE = {text: error for error, text in _CODES.items()}
