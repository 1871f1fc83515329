"""LET, LAMBDA and the functions that call a LAMBDA: MAP, REDUCE, SCAN, BYROW, BYCOL,
MAKEARRAY, ISOMITTED, and the function argument of GROUPBY and PIVOTBY.

These are special forms: the compiler hands them the syntax tree because their arguments
are names and functions, not values. A LAMBDA is compiled once, its parameters bound to
slots; calling it fills the slots and runs the body plan, so every call still works on all
trials at once. Names resolve lexically: a LET or LAMBDA name shadows a defined name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Protocol

from engines.blocks import element, stack, sub
from engines.coerce import to_number
from engines.env import Env, Plan
from engines.errors import ExcelError
from engines.formula import ast
from engines.formula.refs import CellKey
from engines.functions.registry import Call, Function
from engines.values import TEXT, Area, Value, boolean, error, from_scalars, host

ETA = "_XLETA."


@dataclass
class Slot:
    """A LET name or LAMBDA parameter: the value it holds during the current call."""

    value: Value | None = None


@dataclass(frozen=True)
class Closure:
    """A callable function value: a LAMBDA or a built-in named without arguments (``SUM``)."""

    arity: tuple[int, int]
    run: Callable[[Env, Sequence[Value]], Value]
    name: str = ""

    def __call__(self, env: Env, args: Sequence[Value]) -> Value:
        if not self.arity[0] <= len(args) <= self.arity[1]:
            return error(env.xp, ExcelError.VALUE)
        return self.run(env, args)


Binding = Slot | Closure


class Compiler(Protocol):
    """What special forms need from the cell compiler."""

    xp: ModuleType
    cell: CellKey
    scope: list[dict[str, Binding]]
    functions: dict[str, Function]

    def compile(self, node: ast.Node) -> Plan: ...

    def static_area(self, node: ast.Node) -> Area | None: ...

    def lambda_tree(self, node: ast.Name) -> ast.Node | None: ...

    def name_tree(self, node: ast.Name) -> ast.Node | None: ...


SpecialForm = Callable[[Compiler, ast.Call], Plan]
SPECIAL_FORMS: dict[str, SpecialForm] = {}


def bound(compiler: Compiler, name: str) -> Binding | None:
    """The innermost LET/LAMBDA binding of ``name``, if any."""
    for frame in reversed(compiler.scope):
        if name.upper() in frame:
            return frame[name.upper()]
    return None


def slot_plan(slot: Slot) -> Plan:
    """Reading a bound name; an omitted LAMBDA argument reads as empty."""
    return lambda env: slot.value if slot.value is not None else from_scalars(env.xp, [[None]])


def closure_of(compiler: Compiler, node: ast.Node) -> Closure | None:
    """The function ``node`` denotes at compile time, or None when it is not one."""
    if isinstance(node, ast.Call) and node.name == "LAMBDA":
        return _lambda(compiler, node)
    if isinstance(node, ast.Name):
        binding = bound(compiler, node.name) if node.sheet is None else None
        if isinstance(binding, Closure):
            return binding
        if binding is not None:
            return None
        if node.name.upper().startswith(ETA):
            return _builtin(compiler, node.name.upper()[len(ETA) :])
        tree = compiler.lambda_tree(node)
        if tree is not None:
            # A defined name's LAMBDA sees no LET names of the formula; inside it, its own
            # name is an empty value, so a recursive LAMBDA fails (#VALUE!) instead of looping.
            saved, compiler.scope = compiler.scope, [{node.name.upper(): Slot()}]
            try:
                return closure_of(compiler, tree)
            finally:
                compiler.scope = saved
    return None


def _builtin(compiler: Compiler, name: str) -> Closure | None:
    function = compiler.functions.get(name)
    if function is None:
        return None
    cell = compiler.cell
    top = function.max_args if function.max_args is not None else 255
    return Closure(
        (function.min_args, top), lambda env, args: function.impl(Call(env, cell), args), name
    )


def _lambda(compiler: Compiler, node: ast.Call) -> Closure | None:
    *params, body = node.args
    names = [p.name.upper() for p in params if isinstance(p, ast.Name)]
    if len(names) != len(params):
        return None
    slots = [Slot() for _ in names]
    compiler.scope.append(dict(zip(names, slots, strict=True)))
    try:
        plan = compiler.compile(body)
    finally:
        compiler.scope.pop()

    def run(env: Env, args: Sequence[Value]) -> Value:
        saved = [s.value for s in slots]
        for i, s in enumerate(slots):
            s.value = args[i] if i < len(args) else None
        try:
            return plan(env)
        finally:
            for s, value in zip(slots, saved, strict=True):
                s.value = value

    return Closure((0, len(slots)), run)


def special_form(name: str) -> Callable[[SpecialForm], SpecialForm]:
    """Register a function the compiler hands its syntax tree (see the module docstring)."""

    def add(form: SpecialForm) -> SpecialForm:
        SPECIAL_FORMS[name] = form
        return form

    return add


def _failed(code: ExcelError) -> Plan:
    return lambda env: error(env.xp, code)


@special_form("LET")
def _let(compiler: Compiler, node: ast.Call) -> Plan:
    args = node.args
    if len(args) < 3 or len(args) % 2 == 0:
        return _failed(ExcelError.VALUE)
    frame: dict[str, Binding] = {}
    compiler.scope.append(frame)
    steps: list[tuple[Slot, Plan]] = []
    try:
        for name, definition in zip(args[:-1:2], args[1:-1:2], strict=True):
            if not isinstance(name, ast.Name):
                return _failed(ExcelError.NAME)
            closure = closure_of(compiler, definition)
            if closure is not None:
                frame[name.name.upper()] = closure
                continue
            slot = Slot()
            steps.append((slot, compiler.compile(definition)))
            frame[name.name.upper()] = slot
        body = compiler.compile(args[-1])
    finally:
        compiler.scope.pop()

    def run(env: Env) -> Value:
        saved = [slot.value for slot, _ in steps]
        try:
            for slot, plan in steps:
                slot.value = plan(env)
            return body(env)
        finally:
            for (slot, _), value in zip(steps, saved, strict=True):
                slot.value = value

    return run


@special_form("ANCHORARRAY")
def _anchorarray(compiler: Compiler, node: ast.Call) -> Plan:
    """``ANCHORARRAY(A1)`` is the spilled range ``A1#``."""
    if len(node.args) != 1 or not isinstance(node.args[0], ast.Ref):
        return _failed(ExcelError.REF)
    return compiler.compile(replace(node.args[0], spill=True))


@special_form("LAMBDA")
def _bare_lambda(compiler: Compiler, node: ast.Call) -> Plan:
    """A LAMBDA left uncalled in a cell is Excel's #CALC!."""
    return _failed(ExcelError.CALC)


def apply(compiler: Compiler, callee: ast.Node, args: Sequence[ast.Node]) -> Plan | None:
    """Calling a function value: ``LAMBDA(x, x+1)(2)``, a LET-bound or defined-name LAMBDA."""
    closure = closure_of(compiler, callee)
    if closure is None:
        return None
    plans = [compiler.compile(arg) for arg in args]
    return lambda env: closure(env, [plan(env) for plan in plans])


@special_form("ISOMITTED")
def _isomitted(compiler: Compiler, node: ast.Call) -> Plan:
    if len(node.args) != 1 or not isinstance(node.args[0], ast.Name):
        return _failed(ExcelError.VALUE)
    binding = bound(compiler, node.args[0].name)
    if not isinstance(binding, Slot):
        return lambda env: boolean(env.xp, env.xp.zeros((1, 1, 1), dtype=bool))
    slot = binding
    return lambda env: boolean(env.xp, env.xp.full((1, 1, 1), slot.value is None))


HigherOrder = Callable[[Env, list[Value], Closure], Value]


def higher_order(
    name: str, min_args: int, max_args: int, function_at: int
) -> Callable[[HigherOrder], HigherOrder]:
    """Register a function taking a LAMBDA at ``function_at`` (negative: from the end)."""

    def add(impl: HigherOrder) -> HigherOrder:
        def form(compiler: Compiler, node: ast.Call) -> Plan:
            count = len(node.args)
            if not min_args <= count <= max_args:
                return _failed(ExcelError.VALUE)
            at = function_at % count
            closure = closure_of(compiler, node.args[at])
            plans = [compiler.compile(a) for i, a in enumerate(node.args) if i != at]
            if closure is None:
                given = compiler.compile(node.args[at])
                return lambda env: _not_a_function(env, given(env))
            found = closure
            return lambda env: impl(env, [plan(env) for plan in plans], found)

        SPECIAL_FORMS[name] = form
        return impl

    return add


def _not_a_function(env: Env, value: Value) -> Value:
    """Excel passes on an error given where a function belongs; anything else is #VALUE!."""
    if value.err is not None and value.grid == (1, 1):
        code = int(host(env.xp, value.err).reshape(-1)[0])
        if code:
            return error(env.xp, ExcelError(code))
    return error(env.xp, ExcelError.VALUE)


def one(env: Env, value: Value) -> Value:
    """A LAMBDA's result where Excel needs one value: nested arrays are #CALC!."""
    if value.grid != (1, 1):
        return error(env.xp, ExcelError.CALC)
    return value.plain()


@higher_order("MAP", 2, 255, -1)
def _map(env: Env, values: list[Value], function: Closure) -> Value:
    rows = max(v.grid[0] for v in values)
    cols = max(v.grid[1] for v in values)
    grid = [
        [one(env, function(env, [element(env.xp, v, r, c) for v in values])) for c in range(cols)]
        for r in range(rows)
    ]
    return stack(env.xp, grid)


def _cells(env: Env, value: Value) -> list[Value]:
    rows, cols = value.grid
    return [element(env.xp, value, r, c) for r in range(rows) for c in range(cols)]


@higher_order("REDUCE", 2, 3, -1)
def _reduce(env: Env, values: list[Value], function: Closure) -> Value:
    accumulator, array = values if len(values) == 2 else [from_scalars(env.xp, [[None]])] + values
    for item in _cells(env, array):
        accumulator = function(env, [accumulator, item])
    return accumulator.plain()


@higher_order("SCAN", 2, 3, -1)
def _scan(env: Env, values: list[Value], function: Closure) -> Value:
    accumulator, array = values if len(values) == 2 else [from_scalars(env.xp, [[None]])] + values
    rows, cols = array.grid
    out = []
    for item in _cells(env, array):
        accumulator = one(env, function(env, [accumulator, item]))
        out.append(accumulator)
    return stack(env.xp, [out[r * cols : (r + 1) * cols] for r in range(rows)])


def _slices(by_row: bool) -> HigherOrder:
    def impl(env: Env, values: list[Value], function: Closure) -> Value:
        array = values[0]
        rows, cols = array.grid
        count = rows if by_row else cols
        out = []
        for i in range(count):
            part = (
                sub(array, slice(i, i + 1), slice(None))
                if by_row
                else sub(array, slice(None), slice(i, i + 1))
            )
            out.append(one(env, function(env, [part])))
        return stack(env.xp, [[v] for v in out] if by_row else [out])

    return impl


higher_order("BYROW", 2, 2, -1)(_slices(True))
higher_order("BYCOL", 2, 2, -1)(_slices(False))


@higher_order("MAKEARRAY", 3, 3, -1)
def _makearray(env: Env, values: list[Value], function: Closure) -> Value:
    rows, cols = values
    if (rows.grid, cols.grid) == ((1, 1), (1, 1)):
        return _made(env, rows, cols, function)
    # Given arrays for its sizes, MAKEARRAY maps over them, keeping each array's first entry.
    height = max(rows.grid[0], cols.grid[0])
    width = max(rows.grid[1], cols.grid[1])
    grid = []
    for r in range(height):
        line = []
        for c in range(width):
            made = _made(env, element(env.xp, rows, r, c), element(env.xp, cols, r, c), function)
            line.append(element(env.xp, made, 0, 0))
        grid.append(line)
    return stack(env.xp, grid)


def _made(env: Env, rows: Value, cols: Value, function: Closure) -> Value:
    xp = env.xp
    sizes = []
    for value in (rows, cols):
        num, err = to_number(xp, value)
        if err is not None and bool((err != 0).any()):
            return error(xp, ExcelError(int(host(xp, err).reshape(-1)[0])))
        if num.shape[0] != 1:
            return error(xp, ExcelError.VALUE)
        size = float(host(xp, num).reshape(-1)[0])
        if value.kind == TEXT or not size.is_integer():
            return error(xp, ExcelError.VALUE)
        sizes.append(int(size))
    height, width = sizes
    if height < 1 or width < 1:
        return error(xp, ExcelError.VALUE)
    grid = [
        [
            one(env, function(env, [from_scalars(xp, [[r + 1]]), from_scalars(xp, [[c + 1]])]))
            for c in range(width)
        ]
        for r in range(height)
    ]
    return stack(xp, grid)
