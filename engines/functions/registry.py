"""How an Excel function is described to the compiler, and helpers the families share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType

import numpy as np

from engines.coerce import to_number, to_number_arg
from engines.env import Env
from engines.errors import ExcelError
from engines.formula.refs import CellKey
from engines.values import Value, merge_errors, number, with_error
from engines.xp import Array


@dataclass(frozen=True, slots=True)
class Call:
    """Where a function runs: the evaluation pass and the cell whose formula calls it."""

    env: Env
    cell: CellKey

    @property
    def xp(self) -> ModuleType:
        return self.env.xp


Impl = Callable[[Call, Sequence[Value]], Value]


@dataclass(frozen=True, slots=True)
class Function:
    """An Excel function: its implementation and how the compiler must pass arguments.

    ``ranges`` lists argument positions that take a reference or array whole (``None``: all);
    other positions get a single value (implicit intersection outside array formulas).
    ``random`` functions draw a new value in every trial; ``volatile`` ones (NOW) change
    between recalculations and are not compared against a file's cached values.
    """

    impl: Impl
    min_args: int
    max_args: int | None
    ranges: frozenset[int] | None = frozenset()
    volatile: bool = False
    random: bool = False
    dynamic: bool = False  # reads cells it cannot name before evaluation (INDIRECT, OFFSET)
    lifts: bool = True  # maps over an array given where one value is expected
    arrays: frozenset[int] | None = frozenset()
    """Positions Excel evaluates as arrays outside array formulas too (SUMPRODUCT's arguments,
    AGGREGATE's array, LOOKUP's vectors): references in them are not implicitly intersected."""
    measures: frozenset[int] = frozenset()
    """Positions whose reference is only measured or moved (ROW(A1), OFFSET's base): the cells'
    values are not read, so the reference is no dependency (``=ROW(A1)`` in A1 is no cycle)."""
    picks: frozenset[int] = frozenset()
    """Positions whose reference the function reads only where it picks, when it runs
    (INDEX's array): ``=INDEX(D1:D9,3)`` in D5 reads D3, and is no cycle."""

    def takes_range(self, position: int) -> bool:
        return self.ranges is None or position in self.ranges

    def takes_array(self, position: int) -> bool:
        return self.arrays is None or position in self.arrays


Table = dict[str, Function]

TOOLPAK = frozenset(
    {
        "DELTA",
        "GESTEP",
        "ERF",
        "ERFC",
        "ERF.PRECISE",
        "ERFC.PRECISE",
        "EDATE",
        "EOMONTH",
        "WEEKNUM",
        "YEARFRAC",
        "NETWORKDAYS",
        "WORKDAY",
        "CONVERT",
        "MROUND",
        "FACTDOUBLE",
        "SQRTPI",
        "ISEVEN",
        "ISODD",
        "GCD",
        "LCM",
        "XNPV",
        "XIRR",
        "CUMIPMT",
        "CUMPRINC",
        "EFFECT",
        "NOMINAL",
        "ACCRINT",
        "ACCRINTM",
        "COUPDAYBS",
        "COUPDAYS",
        "COUPDAYSNC",
        "COUPNCD",
        "COUPNUM",
        "COUPPCD",
        "DISC",
        "DURATION",
        "INTRATE",
        "MDURATION",
        "ODDFPRICE",
        "ODDFYIELD",
        "ODDLPRICE",
        "ODDLYIELD",
        "PRICE",
        "PRICEDISC",
        "PRICEMAT",
        "RECEIVED",
        "TBILLEQ",
        "TBILLPRICE",
        "TBILLYIELD",
        "YIELD",
        "YIELDDISC",
        "YIELDMAT",
    }
    | {f"{a}2{b}" for a in ("BIN", "OCT", "DEC", "HEX") for b in ("BIN", "OCT", "DEC", "HEX")}
)
"""Functions from Excel's old Analysis ToolPak: given a range where they expect one value they
return #VALUE! instead of mapping over it, even in array formulas; a computed array there
(``EOMONTH(start,SEQUENCE(12))``) they map over like any function (engines.lifting)."""


def register(
    table: Table,
    name: str,
    min_args: int,
    max_args: int | None = None,
    ranges: frozenset[int] | None = frozenset(),
    measures: frozenset[int] = frozenset(),
    arrays: frozenset[int] | None = frozenset(),
    picks: frozenset[int] = frozenset(),
    **flags: bool,
) -> Callable[[Impl], Impl]:
    """Decorator adding ``impl`` to ``table`` under ``name`` (max_args defaults to min_args)."""

    def add(impl: Impl) -> Impl:
        top = min_args if max_args is None else (None if max_args < 0 else max_args)
        table[name] = Function(
            impl, min_args, top, ranges, arrays=arrays, measures=measures, picks=picks, **flags
        )
        return impl

    return add


def numeric(
    xp: ModuleType,
    args: Sequence[Value],
    compute: Callable[..., Array],
    bad: ExcelError = ExcelError.NUM,
    strict: bool = False,
) -> Value:
    """Apply ``compute`` to the arguments as numbers; non-finite results become ``bad``.

    ``strict`` is the Analysis ToolPak functions' rule (SQRTPI, MROUND…): a boolean read from
    a cell is #VALUE! rather than 0/1.
    """
    convert = to_number_arg if strict else to_number
    nums: list[Array] = []
    errors: list[Array | None] = []
    for arg in args:
        num, err = convert(xp, arg)
        nums.append(num)
        errors.append(err)
    with np.errstate(all="ignore"):
        out = compute(*nums)
    err = merge_errors(xp, *errors)
    out = xp.asarray(out, dtype=xp.float64)
    return number(xp, out, with_error(xp, err, ~xp.isfinite(out), bad))
