"""Static recalculation of a whole workbook, as Excel would show it (Risk calls at their
static values), for ``riskstream recalc`` and for checking a model before simulating it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from engines.compiler import compile_model
from engines.errors import ExcelError
from engines.limits import WorkbookLimits
from engines.result import PyValue
from engines.workbook import DEFAULT_LIMITS, load_workbook


def recalc_workbook(data: bytes, limits: WorkbookLimits = DEFAULT_LIMITS) -> dict[str, PyValue]:
    """Every formula cell of the ``.xlsx`` bytes: ``{"Sheet!A1": value}``.

    Values are float, str, bool, None or ExcelError; raises WorkbookError for unreadable bytes
    and WorkbookTooLarge for a workbook past ``limits``.
    """
    return compile_model(load_workbook(data, limits), outputs=[]).recalc()


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
    values = model.recalc()
    errors = Counter(v.code for v in values.values() if isinstance(v, ExcelError))
    summary = RecalcSummary(
        formulas=len(values),
        errors=dict(errors),
        unsupported=model.unsupported,
        risk_inputs=len(model.risk_calls),
        risk_outputs=model.risk_outputs,
    )
    return values, summary


def to_json_value(value: PyValue) -> float | str | bool | None:
    """A recalculated value for JSON output: errors become their code (``"#DIV/0!"``)."""
    return value.code if isinstance(value, ExcelError) else value
