"""Running a function's call in a plan, and Excel's lifting: a function given an array where it
expects one value maps over the array's entries.

The Analysis ToolPak functions (:data:`~engines.functions.registry.TOOLPAK`) lift over a
computed array (``EOMONTH(start,SEQUENCE(12))``) but refuse a reference of several cells there
with #VALUE!, even in an array formula (``{=EOMONTH(C1:C3,0)}``); that is the only difference.

INDIRECT or OFFSET lifted over an array of addresses or offsets gives an array of references
(:class:`References`): a function taking a reference where it gets one runs once per reference,
as Excel does for the multi-sheet idioms ``SUMPRODUCT(SUMIF(INDIRECT(sheets&"!A1:A5"),…))`` and
``SUMPRODUCT(N(INDIRECT(sheets&"!B2")))``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from engines.blocks import element, stack
from engines.env import Env, Plan
from engines.errors import ExcelError
from engines.formula.refs import CellKey
from engines.functions.registry import Call, Function, Impl
from engines.references import unclipped
from engines.values import Value, error


def call_plan(function: Function, cell: CellKey, args: list[Plan], toolpak: bool) -> Plan:
    """The plan calling ``function`` on ``args`` from ``cell``; ``toolpak`` for the functions
    that refuse a multi-cell reference where they take one value."""
    impl = function.impl
    scalar_positions = [i for i in range(len(args)) if not function.takes_range(i)]
    reference_positions = [i for i in range(len(args))
                           if function.takes_range(i) and not function.takes_array(i)]

    def called(env: Env, values: list[Value]) -> Value:
        if toolpak and any(_several_cells(values[i]) for i in scalar_positions):
            return error(env.xp, ExcelError.VALUE)
        lifted = [i for i in scalar_positions if values[i].grid != (1, 1)]
        if not lifted:
            return impl(Call(env, cell), values)
        if not function.lifts:
            return error(env.xp, ExcelError.VALUE)
        for i in lifted:  # ISBLANK(A2:A1000) maps over 999 cells, the empty ones past the data too
            values[i] = unclipped(env.xp, values[i], LIFTED_CELLS)
        return _lift(env, impl, Call(env, cell), values, lifted, function.dynamic)

    def run(env: Env) -> Value:
        values = [arg(env) for arg in args]
        mapped = [i for i in reference_positions if isinstance(values[i], References)]
        return _per_reference(env, called, values, mapped) if mapped else called(env, values)

    return run


LIFTED_CELLS = 2**16
"""Most cells of a clipped reference a function mapped over it is given back in full: each is
a call of the function (a whole column stays as far as the content)."""


def _several_cells(value: Value) -> bool:
    """Whether ``value`` is a reference naming more than one cell (clipped-off cells count)."""
    return value.area is not None and value.area.named_shape != (1, 1)


@dataclass(frozen=True, slots=True)
class References(Value):
    """An array of references, read as values where a function takes values: each reference's
    cell, #VALUE! for one of several cells (``SUMPRODUCT(INDIRECT(sheets&"!B1:B5"))``).
    ``refs`` holds the references themselves, by row and column of the array."""

    refs: tuple[tuple[Value, ...], ...] = ()


def _lift(env: Env, impl: Impl, call: Call, values: list[Value], lifted: list[int],
          references: bool) -> Value:
    """Excel's array evaluation: a one-value argument given an array maps over its entries;
    the results of a function returning ``references`` (INDIRECT, OFFSET) are kept as such."""
    rows = max(values[i].grid[0] for i in lifted)
    cols = max(values[i].grid[1] for i in lifted)
    results = []
    for r in range(rows):
        line = []
        for c in range(cols):
            args = list(values)
            for i in lifted:
                args[i] = element(env.xp, values[i], r, c)
            line.append(impl(call, args))
        results.append(line)
    grid = [[_as_value(env, v, references) for v in line] for line in results]
    block = stack(env.xp, grid)
    if not references or all(v.area is None for line in results for v in line):
        return block
    return References(block.num, block.err, block.kind, block.text,
                      refs=tuple(tuple(line) for line in results))


def _as_value(env: Env, result: Value, reference: bool) -> Value:
    """One entry of a lifted result: a reference to several cells is #VALUE! there, as is an
    array of references read as values; another array gives its first entry."""
    if reference and _several_cells(result):
        return error(env.xp, ExcelError.VALUE)
    result = result.plain()
    return element(env.xp, result, 0, 0) if result.grid != (1, 1) else result


def _per_reference(env: Env, called: Callable[[Env, list[Value]], Value], values: list[Value],
                   mapped: list[int]) -> Value:
    """``called`` once per reference of the arrays of references at ``mapped``, entry by entry
    (a one-row or one-column array repeating, #N/A past an array's size), the other arguments
    as given; where the call maps over another argument too, its entry at the same place."""
    refs = [cast(References, values[i]).refs for i in mapped]
    rows, cols = max(len(grid) for grid in refs), max(len(grid[0]) for grid in refs)
    grid = []
    for r in range(rows):
        line = []
        for c in range(cols):
            args = list(values)
            for i, held in zip(mapped, refs, strict=True):
                args[i] = _reference_at(env, held, r, c)
            result = called(env, args).plain()
            line.append(element(env.xp, result, r, c) if result.grid != (1, 1) else result)
        grid.append(line)
    return stack(env.xp, grid)


def _reference_at(env: Env, refs: tuple[tuple[Value, ...], ...], r: int, c: int) -> Value:
    rr, cc = (0 if len(refs) == 1 else r), (0 if len(refs[0]) == 1 else c)
    if rr >= len(refs) or cc >= len(refs[0]):
        return error(env.xp, ExcelError.NA)
    return refs[rr][cc]
