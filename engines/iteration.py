"""Excel's iterative calculation of a circular reference, vectorised over trials.

The cells of one cycle start empty (0) and are recalculated in turn, sheet by sheet and row by
row, each reading the others' latest values. A sweep over all of them is one iteration; a trial
stops once no cell moved by ``delta`` or more in a sweep (its values are kept from then on),
and every trial stops after ``count`` sweeps.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING

from engines.blocks import where
from engines.coerce import to_number
from engines.formula.refs import CellKey
from engines.values import Value, number
from engines.xp import Array

if TYPE_CHECKING:
    from engines.env import Env
    from engines.workbook import Iteration


def iterate(env: Env, cells: Sequence[CellKey], settings: Iteration) -> None:
    """Compute ``cells``, one circular reference, into ``env.values``."""
    xp = env.xp
    sheets = env.model.workbook.sheets
    order = sorted(cells, key=lambda k: (sheets.index(k[0]) if k[0] in sheets else 0, k[1], k[2]))
    for key in order:
        env.values[key] = number(xp, xp.zeros((1, 1, 1)))
    try:
        _sweep(env, order, settings)
    except BaseException:
        for key in order:  # no half-iterated value is left to be read as the cell's
            env.values.pop(key, None)
        raise


def _sweep(env: Env, order: Sequence[CellKey], settings: Iteration) -> None:
    xp = env.xp
    settled = xp.zeros((1,), dtype=bool)
    for _ in range(settings.count):
        moved = xp.zeros((1,))
        for key in order:
            old = env.values[key]
            new = env.run(key)
            moved = xp.maximum(moved, _change(xp, old, new))
            if bool(settled.any()):
                env.values[key] = where(xp, settled.reshape(-1, 1, 1), old, new)
        settled = settled | (moved < settings.delta)
        if bool(settled.all()):
            return


def _change(xp: ModuleType, old: Value, new: Value) -> Array:
    """Per trial, how far a cell moved: the numbers' difference, none between equal errors
    (or texts), and infinitely far when an error appears, goes or changes."""
    before, before_err = to_number(xp, old)
    after, after_err = to_number(xp, new)
    zero = xp.zeros((1, 1, 1), dtype=xp.int8)
    codes_before = zero if before_err is None else before_err
    codes_after = zero if after_err is None else after_err
    diff = xp.abs(after - before)
    diff = xp.where(xp.isnan(diff), xp.inf, diff)
    diff = xp.where((codes_before != 0) | (codes_after != 0), 0.0, diff)
    diff = xp.where(codes_before != codes_after, xp.inf, diff)
    return xp.max(diff.reshape(diff.shape[0], -1), axis=1)
