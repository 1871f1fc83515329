"""The formula syntax tree: immutable nodes produced by the parser and read by the compiler."""

from __future__ import annotations

from dataclasses import dataclass, field

from engines.errors import ExcelError


@dataclass(frozen=True, slots=True)
class Number:
    value: float


@dataclass(frozen=True, slots=True)
class Text:
    value: str


@dataclass(frozen=True, slots=True)
class Bool:
    value: bool


@dataclass(frozen=True, slots=True)
class ErrorLit:
    error: ExcelError


@dataclass(frozen=True, slots=True)
class Missing:
    """An omitted function argument, as in ``IF(A1,,2)``."""


@dataclass(frozen=True, slots=True)
class Ref:
    """A cell or range reference; ``None`` bounds mean a whole row or column range.

    Rows and columns are 1-based. ``sheet`` is None when the formula's own sheet is meant.
    ``spill`` marks ``A1#`` (the spilled range anchored at the cell). ``moves`` says which
    bounds were written without ``$`` (:data:`ROW1` | :data:`COL1` | :data:`ROW2` |
    :data:`COL2`): only a defined name's references move with the cell using them, and two
    references to the same cells are equal however they were written.
    """

    sheet: str | None
    row1: int | None
    col1: int | None
    row2: int | None
    col2: int | None
    spill: bool = False
    moves: int = field(default=0, compare=False)


ROW1, COL1, ROW2, COL2 = 1, 2, 4, 8


@dataclass(frozen=True, slots=True)
class Name:
    """A defined name, optionally sheet-qualified (``Sheet1!rate``)."""

    name: str
    sheet: str | None = None


@dataclass(frozen=True, slots=True)
class StructRef:
    """A structured table reference such as ``Sales[[#This Row],[Qty]]`` (table may be empty)."""

    table: str
    spec: str


@dataclass(frozen=True, slots=True)
class Call:
    """A function call; ``name`` is upper-case with ``_xlfn.``/``_xlws.`` prefixes stripped."""

    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Apply:
    """A call of a computed function, as in ``LAMBDA(x, x+1)(2)``."""

    callee: Node
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Unary:
    """Prefix ``-``/``+`` or postfix ``%``."""

    op: str
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary:
    """An infix operator; ``op`` is one of ``: ␣ , ^ * / + - & = <> < <= > >=`` (␣ = intersection,
    ``,`` = union, written only inside parentheses)."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class ArrayLit:
    """An array constant ``{1,2;3,4}``: rows of literal nodes."""

    rows: tuple[tuple[Node, ...], ...]


Node = (
    Number
    | Text
    | Bool
    | ErrorLit
    | Missing
    | Ref
    | Name
    | StructRef
    | Call
    | Apply
    | Unary
    | Binary
    | ArrayLit
)
