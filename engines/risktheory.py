"""RiskTheoMean(A1), RiskTheoPtoX(RiskNormal(10, 1), 0.95) and the other RiskTheo functions in
formulas: a statistic of a distribution's law (engines.sampling.theory), not of a simulation.

The distribution is written inside the call, or is the first distribution call of the cell
referenced, with its RiskTruncate and RiskShift. Its arguments must be the same in every trial
(#VALUE! otherwise); a statistic the law does not have (the variance of a Cauchy law, the
minimum of a normal one) is #NUM!.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from engines.env import Env, Plan
from engines.errors import ExcelError
from engines.formula import ast
from engines.formula.refs import format_key
from engines.risk import (
    RiskInput,
    RiskInputId,
    _display,
    _is_distribution,
    _is_property,
    arg_arrays,
)
from engines.values import Value, error, number
from engines.xp import Array

if TYPE_CHECKING:
    from engines.plan import CellCompiler

Found = tuple[str, list[Plan], Any, float] | None
"""(distribution name, its argument plans, truncation, shift), or None: no distribution."""


def _constant_rows(arrays: Sequence[Array]) -> list[Any] | None:
    """Each argument's one value (a table as a list), or None when one varies by trial."""
    out: list[Any] = []
    for a in arrays:
        if a.shape[0] > 1 and not bool((a == a[:1]).all()):
            return None
        out.append(float(a[0]) if a.ndim == 1 else tuple(float(x) for x in a[0]))
    return out


def theoretical(inputs: list[RiskInput], compiler: CellCompiler, node: ast.Call) -> Plan:
    """The plan of a RiskTheo call; ``inputs`` are the workbook's distribution calls (read
    when the plan runs, by which time every cell's calls are known)."""
    from engines.sampling.distributions import Truncation  # noqa: F401 - loads the families
    from engines.sampling.feed import shaped_by
    from engines.sampling.theory import STATISTICS

    xp = compiler.xp
    extra, statistic = STATISTICS[node.name]
    if len(node.args) != 1 + extra:
        return compiler.failed(ExcelError.VALUE)
    target, more = node.args[0], [compiler.scalar(a) for a in node.args[1:]]
    if isinstance(target, ast.Call) and _is_distribution(target.name):
        own = tuple(a for a in target.args if not _is_property(a))
        written = RiskInput(RiskInputId("", 0), _display(target.name), own, {
            _display(a.name): a.args for a in target.args
            if isinstance(a, ast.Call) and _is_property(a)})
        plans = [compiler.compile(a) for a in own]
        shaping = shaped_by(written)

        def find(env: Env) -> Found:
            return written.distribution, plans, *shaping
    elif isinstance(target, ast.Ref) and (area := compiler.static_area(target)) is not None:
        compiler.compile(target)  # after the cell's arguments, in every pass they change
        cell = format_key((area.sheet, area.row1, area.col1))

        def find(env: Env) -> Found:
            call = next((r for r in inputs if r.id == RiskInputId(cell, 0)), None)
            return None if call is None else (call.distribution, call.arg_plans,
                                               *shaped_by(call))
    else:
        return compiler.failed(ExcelError.VALUE)
    return _plan(xp, find, more, statistic)


def _plan(xp: Any, find: Callable[[Env], Found], more: list[Plan],
          statistic: Callable[..., float]) -> Plan:
    kept: dict[Any, float] = {}  # per law and arguments: the grid is costly, passes repeat

    def run(env: Env) -> Value:
        found = find(env)
        if found is None:
            return error(xp, ExcelError.VALUE)
        name, plans, truncate, shift = found
        arrays, err = arg_arrays(env, [*plans, *more])
        if err is not None and int(err.max()) != 0:
            return number(xp, xp.full((1, 1, 1), xp.nan), err.reshape(-1, 1, 1)[:1])
        values = _constant_rows(arrays)
        if values is None:
            return error(xp, ExcelError.VALUE)
        params, extras = values[:len(plans)], values[len(plans):]
        key = (name, tuple(params), truncate, shift, statistic, tuple(extras))
        if key not in kept:
            try:
                kept[key] = statistic((name, params, truncate, shift), *extras)
            except (ValueError, ArithmeticError):  # DistributionError is a ValueError
                kept[key] = float("nan")
        value = kept[key]
        if value != value or value in (float("inf"), float("-inf")):
            return error(xp, ExcelError.NUM)
        return number(xp, xp.full((1, 1, 1), value))

    return run
