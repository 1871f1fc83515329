"""Gathering the numbers of variadic arguments the way SUM, COUNT and their kin do.

A reference or array argument contributes its numbers only (text, booleans and empty cells
are skipped); a value typed directly contributes as a number (TRUE as 1, numeric text
parsed, other text #VALUE!). Errors anywhere propagate, per trial.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

from engines.coerce import to_number
from engines.values import BOOL, EMPTY, NUMBER, TEXT, Value, broadcast_to, kinds
from engines.xp import Array


@dataclass(frozen=True, slots=True)
class Numbers:
    """Numbers by trial: ``values`` (t, k), ``counted`` (t, k) mask, ``err`` (t,) or None;
    ``whole`` when every entry counts (a block of numbers), so ``counted`` need not be read."""

    values: Array
    counted: Array
    err: Array | None
    whole: bool = False


def is_range(value: Value) -> bool:
    """Whether Excel treats the argument as a reference/array (not a typed-in value)."""
    return value.area is not None or value.grid != (1, 1)


def flat(xp: ModuleType, value: Value) -> Value:
    """``value`` reshaped to (t, 1, k): every entry of the block in row-major order."""
    shape = value.shape
    full = broadcast_to(xp, value, shape)
    t, k = shape[0], shape[1] * shape[2]

    def reshape(a: Array) -> Array:
        return a.reshape(t, 1, k)

    return Value(
        reshape(full.num),
        None if full.err is None else reshape(full.err),
        full.kind if isinstance(full.kind, int) else reshape(full.kind),
        None if full.text is None else full.text.reshape(t, 1, k),
    )


def first_error(xp: ModuleType, err: Array) -> Array:
    """Per trial, the first non-zero code along the last axis of a (t, k) array (0 if none)."""
    if err.shape[-1] == 0:
        return xp.zeros(err.shape[:-1], dtype=xp.int8)
    if err.shape[-1] <= _FOLD_LIMIT:
        out = err[..., -1]
        for column in range(err.shape[-1] - 2, -1, -1):
            out = xp.where(err[..., column] != 0, err[..., column], out)
        return out
    position = xp.argmax(err != 0, axis=-1)
    return xp.take_along_axis(err, position[..., None], axis=-1)[..., 0]


def numbers(
    xp: ModuleType, args: Sequence[Value], count_logical: bool = False, count_text: bool = False
) -> Numbers:
    """The numbers of ``args`` by trial (see the module docstring).

    ``count_logical``/``count_text`` are the ``A`` variants (AVERAGEA): booleans in ranges
    count as 0/1 and text in ranges as 0.
    """
    parts: list[tuple[Array, Array, Array | None]] = []
    for arg in args:
        if is_range(arg):
            block = flat(xp, arg)
            kind = kinds(xp, block)
            counted = kind == NUMBER
            if count_logical:
                counted = counted | (kind == BOOL)
            num = block.num
            if count_text:
                counted = counted | (kind == TEXT)
                num = xp.where(kind == TEXT, 0.0, num)
            parts.append((num, counted, block.err))
        else:
            num, err = to_number(xp, arg)
            counted = kinds(xp, arg) != EMPTY
            if count_text:
                counted = counted | (kinds(xp, arg) == EMPTY)
            parts.append((num, counted, err))
    trials = max([p[0].shape[0] for p in parts] + [1])
    values = [xp.broadcast_to(p[0], (trials, 1, p[0].shape[-1]))[:, 0, :] for p in parts]
    counted = [xp.broadcast_to(p[1], (trials, 1, p[0].shape[-1]))[:, 0, :] for p in parts]
    errs = [
        xp.broadcast_to(p[2], (trials, 1, p[0].shape[-1]))[:, 0, :]
        for p in parts
        if p[2] is not None
    ]
    err = first_error(xp, xp.concatenate(errs, axis=1)) if errs else None
    if not values:
        empty = xp.zeros((1, 0))
        return Numbers(empty, empty.astype(bool), None)
    whole = all(p[1].size == 1 and bool(p[1].reshape(-1)[0]) for p in parts)
    if len(parts) == 1:  # one block (SUM of a row): its numbers as they are, no copy
        return Numbers(values[0], counted[0], err, whole)
    return Numbers(xp.concatenate(values, axis=1), xp.concatenate(counted, axis=1), err, whole)


_FOLD_LIMIT = 16


def fold(xp: ModuleType, ufunc: str, array: Array) -> Array:
    """Reduce the last axis of a (t, k) array with ``ufunc`` (``"add"``, ``"maximum"``…).

    With many trials and few entries, column-by-column element-wise steps are far faster
    than one strided reduction, so short axes are folded that way.
    """
    operation = getattr(xp, ufunc)
    if array.shape[-1] == 0 or array.shape[-1] > _FOLD_LIMIT:
        return operation.reduce(array, axis=-1)
    out = array[..., 0]
    for column in range(1, array.shape[-1]):
        out = operation(out, array[..., column])
    return out
