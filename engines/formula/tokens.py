"""Split Excel formula text into tokens.

Spaces are dropped except between two operands, where Excel reads them as the intersection
operator; they then become an ``OP`` token whose text is a single space.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from engines.errors import ExcelError


class FormulaSyntaxError(ValueError):
    """The formula text is not valid Excel syntax."""


class Tok(Enum):
    NUMBER = "number"
    STRING = "string"
    ERROR = "error"
    REF = "ref"  # a cell, range, whole row/column, optionally sheet-prefixed; text as written
    NAME = "name"  # identifier (defined name, TRUE/FALSE), optionally sheet-prefixed
    STRUCT = "struct"  # Table[...] or [...]
    FUNC = "func"  # function name; the '(' is consumed
    OP = "op"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    SEMI = ";"
    LBRACE = "{"
    RBRACE = "}"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Tok
    text: str
    sheet: str | None = None


# a name's first character: any letter (Excel takes Unicode ones: Ümsatz, 利润表), _ or \
_FIRST = r"(?:[^\W\d]|\\)"
# [1]Sheet1: another file; Jan:Mar (a 3-D reference: no sheet name holds a colon, and one
# that reads as a cell is quoted, so A2:T!A2 is a range from A2 to T!A2)
_SHEET = (rf"(?:'(?:[^']|'')+'|(?:\[\d+\])?(?![A-Za-z]{{1,3}}\d+:){_FIRST}[\w.]*"
          rf"(?::{_FIRST}[\w.]*)?)!")
_COL = r"\$?[A-Za-z]{1,3}"
_ROW = r"\$?\d+"
_RANGE = (
    rf"(?:{_COL}{_ROW}(?::{_COL}{_ROW})?#?|{_COL}:{_COL}|{_ROW}:{_ROW})"
    r"(?![\w.(\[])"
)
_PATTERNS = [
    ("space", r"\s+"),
    ("string", r'"(?:[^"]|"")*"'),
    # a reference to a deleted sheet or range is saved as #REF!, sheet-qualified or not
    (
        "error",
        rf"(?:{_SHEET})?#REF!|"
        + "|".join(re.escape(e.code) for e in ExcelError if e.code != "#N/A")
        + "|#N/A",
    ),
    ("ref", rf"(?:{_SHEET})?{_RANGE}"),
    ("number", r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"),
    ("struct", rf"{_FIRST}[\w.\\]*\[|\["),
    ("name", rf"(?:{_SHEET})?{_FIRST}[\w.\\?]*"),
    ("op", r"<=|>=|<>|[-+*/^&=<>%:]"),
    ("punct", r"[(),;{}]"),
]
_SCANNER = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _PATTERNS))
_OPERAND_END = {Tok.NUMBER, Tok.STRING, Tok.ERROR, Tok.REF, Tok.NAME, Tok.STRUCT, Tok.RPAREN}
_OPERAND_START = {Tok.REF, Tok.NAME, Tok.STRUCT, Tok.FUNC, Tok.LPAREN}


def _bracket_end(text: str, start: int) -> int:
    """Index just past the ``]`` closing the ``[`` at ``start`` (nesting and ``'`` escapes)."""
    depth = 0
    i = start
    while i < len(text):
        char = text[i]
        if char == "'":
            i += 2
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise FormulaSyntaxError(f"unclosed '[' in {text!r}")


def _sheet_of(value: str) -> str | None:
    sheet, bang, _ = value.rpartition("!")
    if not bang:
        return None
    if sheet.startswith("'"):
        return sheet[1:-1].replace("''", "'")
    return sheet


def tokenize(formula: str) -> list[Token]:
    """Tokens of ``formula`` (with or without its leading ``=``)."""
    text = formula[1:] if formula.startswith("=") else formula
    raw: list[Token | None] = []  # None marks a space
    pos = 0
    while pos < len(text):
        match = _SCANNER.match(text, pos)
        if match is None:
            raise FormulaSyntaxError(f"unexpected {text[pos]!r} at {pos + 1} in ={text}")
        kind = match.lastgroup
        value = match.group()
        end = match.end()
        sheet_name = _sheet_of(value) if kind in ("ref", "name") else None
        if kind == "space":
            raw.append(None)
        elif kind == "string":
            raw.append(Token(Tok.STRING, value[1:-1].replace('""', '"')))
        elif kind == "error":
            raw.append(Token(Tok.ERROR, "#REF!" if value.endswith("!#REF!") else value))
        elif kind == "number":
            raw.append(Token(Tok.NUMBER, value))
        elif kind == "ref":
            raw.append(Token(Tok.REF, value.rpartition("!")[2], sheet_name))
        elif kind == "struct":
            end = _bracket_end(text, end - 1)
            raw.append(Token(Tok.STRUCT, text[pos:end]))
        elif kind == "name":
            bare = value.rpartition("!")[2]
            if end < len(text) and text[end] == "(" and sheet_name is None:
                raw.append(Token(Tok.FUNC, bare))
                end += 1
            else:
                raw.append(Token(Tok.NAME, bare, sheet_name))
        elif kind == "op":
            raw.append(Token(Tok.OP, value))
        else:
            raw.append(Token(Tok(value), value))
        pos = end
    return _intersections(raw)


def _intersections(raw: list[Token | None]) -> list[Token]:
    tokens: list[Token] = []
    for i, token in enumerate(raw):
        if token is not None:
            tokens.append(token)
            continue
        following = next((t for t in raw[i + 1 :] if t is not None), None)
        if (
            tokens
            and following is not None
            and tokens[-1].kind in _OPERAND_END
            and following.kind in _OPERAND_START
        ):
            tokens.append(Token(Tok.OP, " "))
    return tokens
