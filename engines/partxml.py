"""Reading one XML part of a package as it streams, for what it will cost to load.

Worksheets are counted cell by cell; so are the ranges openpyxl fills with cells of its own
(array formulas, merged ranges, hyperlinks over ranges). The workbook part and its
relationships give sheet names, so that a refusal names the sheet a user knows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.parsers import expat

from engines.formula.refs import MAX_COL, MAX_ROW, column_index, column_letters
from engines.limits import FORMULA_LENGTH, Budget, WorkbookError, within

_LETTERS = re.compile(r"^\$?([A-Za-z]{1,3})$")
_DIGITS = "$0123456789"
_PLAIN_ROW = ("r", "spans")


@dataclass
class SheetNames:
    """Sheet names by relationship id, and relationship targets, as the parts are read."""

    by_id: dict[str, str] = field(default_factory=dict)
    targets: dict[str, str] = field(default_factory=dict)

    def of(self, part: str) -> str:
        """``sheet 'Name'`` for a worksheet part, else the part's own name."""
        for rel, target in self.targets.items():
            path = target[1:] if target.startswith("/") else f"xl/{target}"
            if path == part and rel in self.by_id:
                return f"sheet {self.by_id[rel]!r}"
        return part


def part_parser(part: str, where: str, budget: Budget, names: SheetNames
                ) -> expat.XMLParserType:
    """An expat parser for one part that refuses any DTD (so any entity) and counts a
    worksheet's cells into ``budget`` or records sheet names into ``names``."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _no_dtd
    parser.EntityDeclHandler = _no_dtd

    def first(tag: str, attrs: dict[str, str]) -> None:
        root = _local(tag)
        if root == "worksheet":
            parser.StartElementHandler = SheetReader(parser, where, budget).start
        elif root == "workbook" or part == "xl/_rels/workbook.xml.rels":
            parser.StartElementHandler = lambda tag, attrs: _name(names, tag, attrs)
        else:
            parser.StartElementHandler = None

    parser.StartElementHandler = first
    return parser


def _local(tag: str) -> str:
    return tag[tag.find(":") + 1:]


def _name(names: SheetNames, tag: str, attrs: dict[str, str]) -> None:
    name = _local(tag)
    if name == "sheet":
        rel = next((v for k, v in attrs.items() if _local(k) == "id"), None)
        if rel is not None:
            names.by_id[rel] = attrs.get("name", "")
    elif name == "Relationship":
        names.targets[attrs.get("Id", "")] = attrs.get("Target", "")


class SheetReader:
    """Counts a worksheet's cells and formulas, and how far its content reaches.

    Cells are counted as openpyxl will hold them: every ``c`` element, every cell of an array
    formula's range, of a merged range or under a hyperlink, and every formatted row. Only
    element starts are handled (this runs for every element of the sheet): a cell holds
    content from its first ``v``, ``f`` or ``is`` child, and a formula's text is measured
    until the next element starts."""

    def __init__(self, parser: expat.XMLParserType, where: str, budget: Budget) -> None:
        self.parser, self.where, self.budget = parser, where, budget
        self.row = self.col = 0
        self.empty = False  # the current cell has shown no content yet
        self.formula_length = 0
        self.columns: dict[str, int] = {}

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if self.parser.CharacterDataHandler is not None:
            self.parser.CharacterDataHandler = None
        name = tag[tag.find(":") + 1:]
        if name == "c":
            budget = self.budget
            budget.cells += 1
            if budget.cells > budget.max_cells:
                within(budget.limits.cells, "cells", budget.cells)
            ref = attrs.get("r")
            if ref is None:
                self.col += 1
            else:
                letters = ref.rstrip(_DIGITS)
                self.col = self.columns.get(letters) or self._column(letters)
                self.row = _row(ref[len(letters):])
            self.empty = True
        elif name == "v" or name == "is":
            if self.empty:
                self.empty = False
                self.budget.reach(self.row, self.col, self.where)
        elif name == "row":
            self.row = _row(attrs["r"]) if "r" in attrs else self.row + 1
            self.col = 0
            if any(key not in _PLAIN_ROW and ":" not in key for key in attrs):
                self.budget.add_cells(1)  # a formatted row: openpyxl keeps an object for it
        elif name == "f":
            self._formula(attrs)
        elif name == "mergeCell" and attrs.get("ref"):
            self.budget.add_cells(_size(attrs["ref"]) - 1)
        elif name == "hyperlink" and attrs.get("ref"):
            self.budget.add_cells(_size(attrs["ref"]))

    def text(self, data: str) -> None:
        self.formula_length += len(data)
        if self.formula_length > FORMULA_LENGTH:  # named with its cell: the one to shorten
            within(FORMULA_LENGTH, "formula_length", self.formula_length,
                   f"{self.where}, cell {column_letters(self.col)}{self.row}")

    def _formula(self, attrs: dict[str, str]) -> None:
        budget = self.budget
        if self.empty:
            self.empty = False
            budget.reach(self.row, self.col, self.where)
        budget.formulas += 1
        if budget.formulas > budget.max_formulas:
            within(budget.limits.formulas, "formulas", budget.formulas)
        self.formula_length = 0
        self.parser.CharacterDataHandler = self.text
        if attrs.get("t") == "array" and attrs.get("ref"):
            # every cell of an array formula's range is loaded as a cell of its own
            r1, c1, r2, c2 = _range(attrs["ref"])
            budget.add_cells((r2 - r1 + 1) * (c2 - c1 + 1) - 1)
            budget.reach(r2, c2, self.where)

    def _column(self, letters: str) -> int:
        col = _column(letters)
        self.columns[letters] = col
        return col


def _no_dtd(*_: object) -> None:
    raise WorkbookError("not a readable .xlsx workbook: its XML may not declare a DTD")


def _column(letters: str) -> int:
    match = _LETTERS.match(letters)
    col = column_index(match.group(1)) if match else 0
    if not 1 <= col <= MAX_COL:
        raise WorkbookError(f"not a readable .xlsx workbook: bad column {letters[:20]!r}")
    return col


def _row(digits: str) -> int:
    try:
        number = float(digits.lstrip("$"))  # openpyxl takes "5.0" for 5 too
    except ValueError:
        number = 0.0
    row = int(number) if number.is_integer() else 0
    if not 1 <= row <= MAX_ROW:
        raise WorkbookError(f"not a readable .xlsx workbook: bad row {digits[:20]!r}")
    return row


def _range(ref: str) -> tuple[int, int, int, int]:
    first, _, last = ref.partition(":")
    r1, c1 = _cell(first)
    r2, c2 = _cell(last) if last else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def _cell(ref: str) -> tuple[int, int]:
    letters = ref.rstrip(_DIGITS)
    return _row(ref[len(letters):]), _column(letters)


def _size(ref: str) -> int:
    r1, c1, r2, c2 = _range(ref)
    return (r2 - r1 + 1) * (c2 - c1 + 1)
