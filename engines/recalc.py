"""Static recalculation of a whole workbook, as Excel would show it (Risk calls at their
static values), for ``riskstream recalc`` and for checking a model before simulating it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from engines.compiler import CompiledModel, ModelError, compile_model
from engines.errors import ExcelError
from engines.limits import WorkbookLimits
from engines.result import PyValue
from engines.workbook import DEFAULT_LIMITS, load_workbook


def recalc_workbook(data: bytes, limits: WorkbookLimits = DEFAULT_LIMITS) -> dict[str, PyValue]:
    """Every formula cell of the ``.xlsx`` bytes: ``{"Sheet!A1": value}``.

    Values are float, str, bool, None or ExcelError; raises WorkbookError for unreadable bytes,
    WorkbookTooLarge for a workbook past ``limits`` and ModelError for a circular reference in
    a workbook without iterative calculation.
    """
    return _recalculated(compile_model(load_workbook(data, limits), outputs=[]))


def _recalculated(model: CompiledModel) -> dict[str, PyValue]:
    """The model's recalculated cells; raises ModelError naming the first circular reference
    met (the workbook does not turn on iterative calculation), never a silent #REF!."""
    values = model.recalc()
    if model.circular:
        raise ModelError(str(model.circular[0]))
    return values


@dataclass(frozen=True)
class RecalcSummary:
    """What a recalculation found: counts by outcome and the functions RiskStream lacks."""

    formulas: int
    errors: dict[str, int]
    unsupported: dict[str, list[str]]
    risk_inputs: int
    risk_outputs: list[str]


def summarize(data: bytes) -> tuple[dict[str, PyValue], RecalcSummary]:
    """The recalculated values and a summary of them."""
    model = compile_model(load_workbook(data), outputs=[])
    values = _recalculated(model)
    errors = Counter(v.code for v in values.values() if isinstance(v, ExcelError))
    summary = RecalcSummary(
        formulas=len(values),
        errors=dict(errors),
        unsupported=model.unsupported,
        risk_inputs=len(model.risk_calls),
        risk_outputs=model.risk_outputs,
    )
    return values, summary

