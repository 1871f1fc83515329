"""Parse formula text into the syntax tree, with Excel's operator precedence.

From tightest to loosest: ``:`` (range), space (intersection), prefix ``-``/``+``, ``%``,
``^``, ``* /``, ``+ -``, ``&``, comparisons. All binary operators are left-associative (Excel
computes ``2^3^2`` as 64) and negation binds tighter than ``^`` (``-2^2`` is 4).
"""

from __future__ import annotations

from functools import lru_cache

from engines.errors import ExcelError
from engines.formula import ast
from engines.formula.refs import column_index
from engines.formula.tokens import FormulaSyntaxError, Tok, Token, tokenize

_BINARY = {
    ":": 8,
    " ": 7,
    "^": 5,
    "*": 4,
    "/": 4,
    "+": 3,
    "-": 3,
    "&": 2,
    "=": 1,
    "<>": 1,
    "<": 1,
    "<=": 1,
    ">": 1,
    ">=": 1,
}
_PREFIX_POWER = 6
MAX_NESTING = 400
"""Parentheses, function calls and signs nested in one another, at most: Excel allows 64
levels of nested functions. The parser, the compiler and the evaluation recurse a few frames
per level, so this bound keeps every formula within Python's recursion limit; a deeper one is
a syntax error (its cell #NAME?, listed as unsupported). Chains of operators (=A1+A2+…+An)
do not nest: they are parsed, compiled and evaluated in loops, however long."""
_PERCENT_POWER = 6
_PREFIXES = ("_xlfn.", "_xlws.", "_xll.", "_xlpm.")
_PARAM = "_xlpm."


def function_name(raw: str) -> str:
    """Upper-case name without the file-format prefixes (``_xlfn.XMATCH`` -> ``XMATCH``)."""
    name = raw.upper()
    for prefix in _PREFIXES:
        if name.startswith(prefix.upper()):
            name = name[len(prefix) :]
    return name


def parse_ref(text: str, sheet: str | None) -> ast.Ref:
    """A ``REF`` token's text (``$A$1``, ``A1:B2``, ``A:C``, ``3:5``, ``A1#``) as a Ref node."""
    spill = text.endswith("#")
    bounds: list[tuple[int | None, int | None]] = []
    free: list[tuple[bool, bool]] = []  # (row, column) written without $
    for written in text.rstrip("#").split(":"):
        part = written.replace("$", "")
        letters = part.rstrip("0123456789")
        digits = part[len(letters) :]
        bounds.append((int(digits) if digits else None, column_index(letters) if letters else None))
        free.append((bool(digits) and f"${digits}" not in written,
                     bool(letters) and not written.startswith("$")))
    (row1, col1), (row2, col2) = bounds[0], bounds[-1]
    (free_r1, free_c1), (free_r2, free_c2) = free[0], free[-1]
    if row1 is not None and row2 is not None and row1 > row2:
        row1, row2, free_r1, free_r2 = row2, row1, free_r2, free_r1
    if col1 is not None and col2 is not None and col1 > col2:
        col1, col2, free_c1, free_c2 = col2, col1, free_c2, free_c1
    moves = (ast.ROW1 * free_r1 | ast.COL1 * free_c1 | ast.ROW2 * free_r2
             | ast.COL2 * free_c2)
    return ast.Ref(sheet, row1, col1, row2, col2, spill, moves)


class _Parser:
    def __init__(self, tokens: list[Token], text: str) -> None:
        self.tokens = tokens
        self.pos = 0
        self.text = text
        self.depth = 0

    def fail(self, what: str) -> FormulaSyntaxError:
        return FormulaSyntaxError(f"{what} in {self.text!r}")

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise self.fail("unexpected end of formula")
        self.pos += 1
        return token

    def expect(self, kind: Tok) -> None:
        token = self.take()
        if token.kind != kind:
            raise self.fail(f"expected {kind.value!r}, found {token.text!r}")

    def expression(self, min_power: int = 0) -> ast.Node:
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                raise self.fail(f"more than {MAX_NESTING} levels of parentheses, functions or"
                                " signs nested")
            return self._expression(min_power)
        finally:
            self.depth -= 1

    def _expression(self, min_power: int) -> ast.Node:
        left = self.prefix()
        while True:
            token = self.peek()
            if token is None or token.kind != Tok.OP:
                return left
            if token.text == "%":
                if min_power > _PERCENT_POWER:
                    return left
                self.pos += 1
                left = ast.Unary("%", left)
                continue
            power = _BINARY.get(token.text)
            if power is None or power <= min_power:
                return left
            self.pos += 1
            left = ast.Binary(token.text, left, self.expression(power))

    def prefix(self) -> ast.Node:
        node = self.primary()
        while isinstance(node, ast.Call | ast.Apply) and self.peek_kind() == Tok.LPAREN:
            self.pos += 1
            node = ast.Apply(node, self.arguments())
        return node

    def peek_kind(self) -> Tok | None:
        token = self.peek()
        return None if token is None else token.kind

    def primary(self) -> ast.Node:
        token = self.take()
        kind = token.kind
        if kind == Tok.OP and token.text in "+-":
            return ast.Unary(token.text, self.expression(_PREFIX_POWER - 1))
        if kind == Tok.NUMBER:
            return ast.Number(float(token.text))
        if kind == Tok.STRING:
            return ast.Text(token.text)
        if kind == Tok.ERROR:
            return ast.ErrorLit(ExcelError.from_code(token.text))
        if kind == Tok.REF:
            return parse_ref(token.text, token.sheet)
        if kind == Tok.NAME:
            upper = token.text.upper()
            if token.sheet is None and upper in ("TRUE", "FALSE"):
                return ast.Bool(upper == "TRUE")
            name = token.text
            if name.lower().startswith(_PARAM):  # a LET or LAMBDA parameter
                name = name[len(_PARAM) :]
            return ast.Name(name, token.sheet)
        if kind == Tok.STRUCT:
            table, _, spec = token.text.partition("[")
            return ast.StructRef(table, "[" + spec)
        if kind == Tok.FUNC:
            return ast.Call(function_name(token.text), self.arguments())
        if kind == Tok.LPAREN:
            inner = self.expression()
            while self.peek_kind() == Tok.COMMA:  # a union of references: (A1:B2,C3)
                self.pos += 1
                inner = ast.Binary(",", inner, self.expression())
            self.expect(Tok.RPAREN)
            return inner
        if kind == Tok.LBRACE:
            return self.array()
        raise self.fail(f"unexpected {token.text!r}")

    def arguments(self) -> tuple[ast.Node, ...]:
        args: list[ast.Node] = []
        if self.peek() is not None and self.peek().kind == Tok.RPAREN:  # type: ignore[union-attr]
            self.pos += 1
            return ()
        while True:
            token = self.peek()
            if token is not None and token.kind in (Tok.COMMA, Tok.RPAREN):
                args.append(ast.Missing())
            else:
                args.append(self.expression())
            closing = self.take()
            if closing.kind == Tok.RPAREN:
                return tuple(args)
            if closing.kind != Tok.COMMA:
                raise self.fail(f"expected ',' or ')', found {closing.text!r}")

    def array(self) -> ast.ArrayLit:
        rows: list[tuple[ast.Node, ...]] = []
        row: list[ast.Node] = []
        while True:
            row.append(self.expression())
            sep = self.take()
            if sep.kind == Tok.COMMA:
                continue
            rows.append(tuple(row))
            row = []
            if sep.kind == Tok.RBRACE:
                break
            if sep.kind != Tok.SEMI:
                raise self.fail(f"unexpected {sep.text!r} in array constant")
        if len({len(r) for r in rows}) != 1:
            raise self.fail("array constant rows differ in length")
        return ast.ArrayLit(tuple(rows))


@lru_cache(maxsize=4096)  # formulas written alike; compiled models are kept whole (modelcache)
def parse(formula: str) -> ast.Node:
    """The syntax tree of ``formula`` (leading ``=`` optional); raises FormulaSyntaxError."""
    parser = _Parser(tokenize(formula), formula)
    node = parser.expression()
    if parser.peek() is not None:
        raise parser.fail(f"unexpected {parser.peek().text!r}")  # type: ignore[union-attr]
    return node
