"""Runs of one formula along a row, evaluated as one block.

A planning model repeats each formula along its row (Excel stores the row as one shared
formula): ``=C30*C31`` in C32, ``=D30*D31`` in D32, and so on for every year. Cell by cell,
each costs a pass of its plan over arrays of one entry per trial; as the array formula
``=C30:AF30*C31:AF31`` over the run it costs one pass over a (trials, 1, years) block.

Only formulas whose every operation maps entry by entry are grouped (literals, single-cell
references, arithmetic and comparison operators, IF and IFERROR), so each entry of the block
is what the cell's own formula gives. A run whose cells read one another stays cell by cell,
unless each adds to or multiplies the one before it (units growing from the year before: a
:class:`ScanBlock`). Grouping never decides a value: a cell reached before its block, or read
where no block serves it, is computed by its own plan.

Runs are found in :mod:`engines.rowruns`, compiled in :mod:`engines.rowcompile` and put in
evaluation order in :mod:`engines.rowsteps`; this module evaluates them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import ModuleType

from engines.blocks import element, settle, sub
from engines.env import Env, Plan
from engines.formula.refs import CellKey
from engines.values import Area, Value, broadcast_to, number


@dataclass
class RowBlock:
    """The cells of ``area`` (one row, in column order) computed by one array plan; the
    cells of ``exposed`` (position in the run, key) are also stored one by one."""

    area: Area
    members: list[CellKey]
    plan: Plan
    exposed: list[tuple[int, CellKey]]

    def evaluate(self, env: Env) -> None:
        """Compute the block and store it, and its exposed cells, in ``env``."""
        xp = env.xp
        block = self.compute(env)
        width = len(self.members)
        if block is not None and block.grid == (1, 1) and width > 1:
            block = broadcast_to(xp, block, (block.shape[0], 1, width))
        if block is None or block.grid != (1, width):  # cell by cell after all
            for key in self.members:
                if key not in env.values:
                    env.compute(key)
            return
        env.rows[self.area] = block
        for position, key in self.exposed:  # copies, so the block goes once its area is read
            env.values[key] = _copied(xp, element(xp, block, 0, position))

    @property
    def width(self) -> int:
        """Entries per trial of the block's largest array."""
        return len(self.members)

    def compute(self, env: Env) -> Value | None:
        """The block's values; None where the cells must be computed one by one."""
        return settle(env.xp, self.plan(env))



@dataclass
class ScanBlock(RowBlock):
    """A run where each cell adds to or multiplies the one before it (``=C30*(1+$E$6)`` in
    D30, ``=D30*(1+$E$6)`` in E30...): ``plan`` gives the other operand of every cell, and
    the run is the running product (or sum) from the cell before it, ``start``. Running
    products and sums are taken in cell order, so every entry is what its formula gives."""

    start: CellKey = ("", 0, 0)
    operator: str = "*"

    @property
    def width(self) -> int:
        return len(self.members) + 1

    @property
    def wide(self) -> Area:
        """The run with the cell it starts from."""
        return replace(self.area, col1=self.area.col1 - 1)

    def compute(self, env: Env) -> Value | None:
        xp = env.xp
        first, other = env.cell(self.start), self.plan(env)
        if not all(v.err is None and v.text is None and isinstance(v.kind, int)
                   for v in (first, other)):
            return None  # errors and text take the operators' rules: cell by cell
        width = len(self.members)
        trials = max(first.num.shape[0], other.num.shape[0])
        operands = xp.broadcast_to(other.num, (trials, 1, width))[:, 0, :]
        ufunc = xp.multiply if self.operator == "*" else xp.add
        cells = xp.empty((width + 1, trials))  # a cell's trials side by side: fast, in order
        cells[0] = first.num[:, 0, 0]
        for column in range(width):
            ufunc(cells[column], operands[:, column], out=cells[column + 1])
        # kept trials-fastest (a view, no copy): the row's later operations run down whole
        # columns of trials, not 30-entry rows (see engines.blocks.stack)
        wide = number(xp, cells.T[:, None, :])
        env.rows[self.wide] = wide
        return sub(wide, slice(0, None), slice(1, None))



Step = CellKey | RowBlock


def _copied(xp: ModuleType, value: Value) -> Value:
    kind = value.kind if isinstance(value.kind, int) else value.kind.copy()
    err = None if value.err is None else value.err.copy()
    return Value(value.num.copy(), err, kind, value.text)
