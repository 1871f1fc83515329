"""IF, IFS, IFERROR, IFNA, AND, OR, NOT, XOR, SWITCH, CHOOSE, TRUE, FALSE.

Branches are selected per trial: every branch is evaluated over all trials and ``where``
picks, so an error in the branch not taken never shows.
"""

from __future__ import annotations

from collections.abc import Sequence

from engines.blocks import where
from engines.coerce import to_bool, to_number
from engines.errors import ExcelError
from engines.functions.collect import first_error, flat, is_range
from engines.functions.registry import Call, Impl, Table, register
from engines.operators import compare
from engines.values import (
    BOOL,
    NUMBER,
    TEXT,
    Value,
    boolean,
    error,
    kinds,
    merge_errors,
    scalar,
    with_error,
)
from engines.xp import Array

FUNCTIONS: Table = {}


def _condition_error(call: Call, err: object, result: Value) -> Value:
    if err is None:
        return result
    return Value(result.num, merge_errors(call.xp, err, result.err), result.kind, result.text)


@register(FUNCTIONS, "IF", 2, 3)
def if_(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    flags, err = to_bool(xp, args[0])
    yes = args[1] if len(args) > 1 else scalar(xp, True)
    no = args[2] if len(args) > 2 else scalar(xp, False)
    return _condition_error(call, err, where(xp, flags, yes.plain(), no.plain()))


@register(FUNCTIONS, "IFS", 2, -1)
def ifs(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    if len(args) % 2:
        return error(xp, ExcelError.VALUE)
    result = error(xp, ExcelError.NA)
    for cond, value in reversed(list(zip(args[::2], args[1::2], strict=True))):
        flags, err = to_bool(xp, cond)
        result = _condition_error(call, err, where(xp, flags, value.plain(), result))
    return result


@register(FUNCTIONS, "IFERROR", 2)
def iferror(call: Call, args: Sequence[Value]) -> Value:
    value, fallback = args[0].plain(), args[1].plain()
    if value.err is None:
        return value
    return where(call.xp, value.err != 0, fallback, value)


@register(FUNCTIONS, "IFNA", 2)
def ifna(call: Call, args: Sequence[Value]) -> Value:
    value, fallback = args[0].plain(), args[1].plain()
    if value.err is None:
        return value
    return where(call.xp, value.err == int(ExcelError.NA), fallback, value)


def _truths(call: Call, args: Sequence[Value]) -> tuple[list[Array], list[Array], Array | None]:
    """Per argument, (flags, counted) over its entries; with the first error."""
    xp = call.xp
    flags_list: list[Array] = []
    counted_list: list[Array] = []
    errors = []
    for arg in args:
        block = flat(xp, arg) if is_range(arg) else arg
        if is_range(arg):
            kind = kinds(xp, block)
            counted = (kind == NUMBER) | (kind == BOOL)
            flags = block.num != 0
            err = block.err
        else:
            flags, err = to_bool(xp, arg)
            # typed text other than TRUE/FALSE is skipped, not an error
            counted = xp.ones((1, 1, 1), dtype=bool)
            if arg.text is not None and err is not None:
                unreadable = (kinds(xp, arg) == TEXT) & (err != 0)
                counted = ~unreadable
                err = arg.err
        flags_list.append(xp.broadcast_to(flags & counted, block.shape).reshape(block.shape[0], -1))
        counted_list.append(xp.broadcast_to(counted, block.shape).reshape(block.shape[0], -1))
        if err is not None:
            errors.append(
                first_error(xp, xp.broadcast_to(err, block.shape).reshape(block.shape[0], -1))
            )
    return flags_list, counted_list, merge_errors(xp, *errors)


def _logical(kind: str) -> Impl:
    def impl(call: Call, args: Sequence[Value]) -> Value:
        xp = call.xp
        flags_list, counted_list, err = _truths(call, args)
        trials = max(f.shape[0] for f in flags_list)
        flags = xp.concatenate(
            [xp.broadcast_to(f, (trials, f.shape[1])) for f in flags_list], axis=1
        )
        counted = xp.concatenate(
            [xp.broadcast_to(c, (trials, c.shape[1])) for c in counted_list],
            axis=1,
        )
        if kind == "AND":
            out = xp.all(flags | ~counted, axis=1)
        elif kind == "OR":
            out = xp.any(flags, axis=1)
        else:
            out = xp.sum(flags, axis=1) % 2 == 1
        none = ~xp.any(counted, axis=1)
        err3 = None if err is None else err.reshape(-1, 1, 1)
        return boolean(
            xp,
            out.reshape(-1, 1, 1),
            with_error(xp, err3, none.reshape(-1, 1, 1), ExcelError.VALUE),
        )

    return impl


for _name in ("AND", "OR", "XOR"):
    register(FUNCTIONS, _name, 1, -1, None)(_logical(_name))


@register(FUNCTIONS, "NOT", 1)
def not_(call: Call, args: Sequence[Value]) -> Value:
    flags, err = to_bool(call.xp, args[0])
    return boolean(call.xp, ~flags, err)


@register(FUNCTIONS, "TRUE", 0)
def true(call: Call, args: Sequence[Value]) -> Value:
    return scalar(call.xp, True)


@register(FUNCTIONS, "FALSE", 0)
def false(call: Call, args: Sequence[Value]) -> Value:
    return scalar(call.xp, False)


@register(FUNCTIONS, "SWITCH", 3, -1)
def switch(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    subject, rest = args[0], list(args[1:])
    result = rest.pop().plain() if len(rest) % 2 else error(xp, ExcelError.NA)
    for case, value in reversed(list(zip(rest[::2], rest[1::2], strict=True))):
        match = compare(xp, "=", subject, case)
        hit = (match.num != 0) & (match.err == 0 if match.err is not None else True)
        result = where(xp, hit, value.plain(), result)
        if case.err is not None:  # cases are tried in turn: an error reached is the result
            result = where(xp, case.err != 0, case.plain(), result)
    if subject.err is not None:
        result = Value(
            result.num, merge_errors(xp, subject.err, result.err), result.kind, result.text
        )
    return result


@register(FUNCTIONS, "CHOOSE", 2, -1, frozenset(range(1, 255)))
def choose(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    num, err = to_number(xp, args[0])
    index = xp.floor(num)
    options = args[1:]
    if index.size == 1 and err is None:
        position = int(index.reshape(-1)[0])
        if 1 <= position <= len(options):
            return options[position - 1]
        return error(xp, ExcelError.VALUE)
    result = error(xp, ExcelError.VALUE)
    for position in range(len(options), 0, -1):
        result = where(xp, index == position, options[position - 1].plain(), result)
    if err is not None:
        result = Value(result.num, merge_errors(xp, err, result.err), result.kind, result.text)
    return result
