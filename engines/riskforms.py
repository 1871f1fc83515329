"""@RISK calls beyond a plain distribution, as the compiler lays them out: RiskSimtable and
RiskCurrentSim (read by the simulation's number), RiskCompound's frequency, severity and
bounds, the …Alt forms' types, and which RiskTheo statistics there are (engines.risk)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from engines.blocks import index as entry
from engines.clock import simulation_number
from engines.env import Env, Plan
from engines.errors import ExcelError
from engines.formula import ast
from engines.risk import (
    CURRENT_SIM,
    RiskInput,
    RiskInputId,
    _display,
    _is_distribution,
    _is_property,
)
from engines.values import Value, error, scalar

if TYPE_CHECKING:
    from engines.plan import CellCompiler


def by_simulation(compiler: CellCompiler, node: ast.Call) -> Plan:
    """RiskSimtable(values): the value for the simulation's number (the first for simulation
    1), #N/A past the last; RiskCurrentSim(): the number. The cell changes with the run, so it
    is computed in every pass and never kept with the model."""
    xp = compiler.xp
    compiler.facts.volatile = True
    if node.name == CURRENT_SIM:
        return lambda env: scalar(xp, float(simulation_number()))
    if len(node.args) != 1:
        return compiler.failed(ExcelError.VALUE)
    values = compiler.compile(node.args[0])

    def pick(env: Env) -> Value:
        value = values(env)
        rows, cols = value.grid
        index = simulation_number() - 1
        if index >= rows * cols:
            return error(xp, ExcelError.NA)
        # the entry ``index``, row by row, in every trial: a number, a text, an error…
        return entry(value, index // cols, index % cols).plain()

    return pick


def compound_layout(args: tuple[ast.Node, ...]) -> tuple[Any, tuple[ast.Node, ...]] | None:
    """RiskCompound(frequency, severity[, deductible[, limit]]): its layout and the argument
    trees its plans compute, the severity's own parameters in place of a severity written as a
    distribution call; None for a call it cannot be."""
    from engines.sampling.compound import Compound
    from engines.sampling.feed import shaped_by

    if not 2 <= len(args) <= 4 or any(isinstance(a, ast.Missing) for a in args[:2]):
        return None
    rest = tuple(a for a in args[2:] if not isinstance(a, ast.Missing))
    given = [not isinstance(a, ast.Missing) for a in (*args[2:], ast.Missing(), ast.Missing())]
    severity, fixed = args[1], isinstance(args[0], ast.Number)
    if isinstance(severity, ast.Call) and _is_distribution(severity.name):
        own = tuple(a for a in severity.args if not _is_property(a))
        shaping = RiskInput(RiskInputId("", 0), _display(severity.name), own, {
            _display(a.name): a.args for a in severity.args
            if isinstance(a, ast.Call) and _is_property(a)})
        truncate, shift = shaped_by(shaping)
        layout = Compound(_display(severity.name), len(own), truncate, shift, given[0], given[1],
                          fixed)
        return layout, (args[0], *own, *rest)
    return (Compound(None, 0, deductible=given[0], limit=given[1], fixed_count=fixed),
            (args[0], severity, *rest))


def drawn_elsewhere(compiler: CellCompiler, laid_out: tuple[Any, tuple[ast.Node, ...]]
                     ) -> bool:
    """Whether a RiskCompound's severity is a reference to a cell whose formula holds a
    distribution: @RISK draws that cell again for every occurrence, which RiskStream does
    only for a distribution written inside RiskCompound (refused, rather than summing one
    draw as many times)."""
    compound, args = laid_out
    if compound.severity is not None:
        return False
    area = compiler.static_area(args[1]) if isinstance(args[1], ast.Ref) else None
    if area is None:
        return False
    cells = compiler.workbook.cells
    for row in range(area.row1, area.row2 + 1):
        for col in range(area.col1, area.col2 + 1):
            cell = cells.get((area.sheet, row, col))
            formula = (cell.formula or "").upper() if cell is not None else ""
            if any(word.startswith("RISK") and _is_distribution(word) for word in
                   re.findall(r"[A-Z][A-Z0-9.]*(?=\()", formula)):
                return True
    return False


def family_name(name: str) -> str:
    """A distribution's name as @RISK writes it (RISKNORMAL: RiskNormal)."""
    from engines.sampling.distributions import family

    return family(name).name


def alt_layout(node: ast.Call) -> Any:
    """An ``…Alt``/``…AltD`` call's layout (engines.sampling.alt.Alt), ``"unsupported"`` for
    one whose types are not written in the formula or not valid, or None for no Alt call."""
    from engines.sampling.alt import Alt
    from engines.sampling.errors import DistributionError

    name = _display(node.name)
    base = name[: -4 if name.lower().endswith("altd") else -3]
    if not _is_distribution(base.upper()):
        return None
    args = [a for a in node.args if not _is_property(a)]
    types: list[object] = []
    for written in args[0::2]:
        if isinstance(written, ast.Text):
            types.append(written.value)
        else:
            try:
                from engines.sampling.feed import number_written

                types.append(number_written(written))
            except DistributionError:
                return "unsupported"
    try:
        return Alt.of(name, types) if len(args) % 2 == 0 else "unsupported"
    except DistributionError:
        return "unsupported"


def theory_known(name: str) -> bool:
    from engines.sampling.theory import STATISTICS

    return name in STATISTICS
