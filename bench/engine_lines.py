"""A 20-line × 30-year NPV model, the shape of a real planning workbook: every line repeats
the same seven rows of formulas across the years (Excel stores each row as one shared
formula), and the outputs sum the lines' discounted cash flows.

Per line i (inputs in row 6 + i): units grow from the year-1 units at the line's growth rate,
the price grows with inflation, then revenue, costs, profit, tax on positive profit and the
discounted cash flow, each a row of 30 years. Outputs: the NPV (B27) and the total profit of
year 30 (B28). The request draws each line's year-1 units and unit cost.

:class:`LinesHandModel` is the same model written directly in numpy, a line at a time.
"""

from __future__ import annotations

import io
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy
from openpyxl import Workbook as Book
from openpyxl.utils import get_column_letter

from bench.engine_baselines import check_agreement, pycel_timed
from engines.compiler import compile_model
from engines.modelcache import compiled_model
from engines.sampling.distributions import Distribution
from engines.workbook import Workbook, load_workbook

LINES = 20
YEARS = 30
FIRST_YEAR_COLUMN = 3  # C
TAX, DISCOUNT, INFLATION = 0.25, 0.08, 0.02
LINES_OUTPUTS = ["Model!B27", "Model!B28"]

Array = numpy.ndarray[Any, Any]


def _line_row(line: int) -> int:
    """First of the seven model rows of ``line`` (0-based)."""
    return 30 + 8 * line


def _year(column: int) -> str:
    return get_column_letter(FIRST_YEAR_COLUMN + column)


def _line_inputs(line: int) -> tuple[float, float, float, float, float]:
    """Year-1 units, year-1 price, unit cost, growth and fixed costs of ``line``."""
    return (8_000.0 + 500 * line, 40.0 + line, 22.0 + 0.5 * line, 0.01 + 0.002 * line,
            60_000.0 + 5_000 * line)


def build_lines_workbook() -> bytes:
    """The model as .xlsx bytes."""
    book = Book()
    sheet = book.active
    sheet.title = "Model"
    sheet["A2"], sheet["B2"] = "Tax rate", TAX
    sheet["A3"], sheet["B3"] = "Discount rate", DISCOUNT
    sheet["A4"], sheet["B4"] = "Price inflation", INFLATION
    for line in range(LINES):
        row = 6 + line
        sheet.cell(row, 1, f"Line {line + 1}")
        for column, value in enumerate(_line_inputs(line), start=2):
            sheet.cell(row, column, value)
    sheet["A27"], sheet["A28"] = "NPV", "Total profit, year 30"
    last = _year(YEARS - 1)
    sheet["B27"] = "=" + "+".join(
        f"SUM(C{_line_row(line) + 6}:{last}{_line_row(line) + 6})" for line in range(LINES))
    sheet["B28"] = "=" + "+".join(f"{last}{_line_row(line) + 4}" for line in range(LINES))
    for year in range(YEARS):
        sheet.cell(29, FIRST_YEAR_COLUMN + year, year + 1)
    for line in range(LINES):
        _write_line(sheet, line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write_line(sheet: Any, line: int) -> None:
    top, inputs = _line_row(line), 6 + line
    units, price, revenue, costs, profit, tax, flow = range(top, top + 7)
    for year in range(YEARS):
        col, prev = _year(year), _year(year - 1) if year else ""
        cells = {
            units: f"=$B${inputs}" if year == 0 else f"={prev}{units}*(1+$E${inputs})",
            price: f"=$C${inputs}" if year == 0 else f"={prev}{price}*(1+$B$4)",
            revenue: f"={col}{units}*{col}{price}",
            costs: f"={col}{units}*$D${inputs}+$F${inputs}",
            profit: f"={col}{revenue}-{col}{costs}",
            tax: f"=IF({col}{profit}>0,{col}{profit}*$B$2,0)",
            flow: f"=({col}{profit}-{col}{tax})/(1+$B$3)^{col}$29",
        }
        for row, formula in cells.items():
            sheet.cell(row, FIRST_YEAR_COLUMN + year, formula)


def lines_inputs() -> dict[str, Distribution | str]:
    """The request: each line's year-1 units normal ±15%, unit cost pert ±10%."""
    inputs: dict[str, Distribution | str] = {}
    for line in range(LINES):
        units, _, cost, _, _ = _line_inputs(line)
        inputs[f"Model!B{6 + line}"] = f"normal({units}, {0.15 * units})"
        inputs[f"Model!D{6 + line}"] = f"pert({0.9 * cost}, {cost}, {1.1 * cost})"
    return inputs


def lines_samples(n: int, seed: int) -> dict[str, Array]:
    """The request inputs drawn with numpy (units normal, costs uniform within ±10%)."""
    rng = numpy.random.default_rng(seed)
    samples: dict[str, Array] = {}
    for line in range(LINES):
        units, _, cost, _, _ = _line_inputs(line)
        samples[f"Model!B{6 + line}"] = rng.normal(units, 0.15 * units, n)
        samples[f"Model!D{6 + line}"] = rng.uniform(0.9 * cost, 1.1 * cost, n)
    return samples


class LinesHandModel:
    """The model as numpy code, a line at a time over (trials, years) arrays."""

    def __init__(self) -> None:
        years = numpy.arange(YEARS, dtype=numpy.float64)
        self.discount = (1 + DISCOUNT) ** -(years + 1)
        self.lines = []
        for line in range(LINES):
            _, price, _, growth, fixed = _line_inputs(line)
            self.lines.append(((1 + growth) ** years, price * (1 + INFLATION) ** years, fixed))

    def evaluate(self, samples: dict[str, Array]) -> dict[str, Array]:
        """NPV and year-30 total profit of every trial."""
        npv = total = 0.0
        for line, (growth, price, fixed) in enumerate(self.lines):
            units = samples[f"Model!B{6 + line}"][:, None] * growth
            profit = units * price - (units * samples[f"Model!D{6 + line}"][:, None] + fixed)
            after_tax = profit - numpy.where(profit > 0, profit * TAX, 0.0)
            npv = npv + after_tax @ self.discount
            total = total + profit[:, -1]
        return {"Model!B27": npv, "Model!B28": total}  # type: ignore[dict-item]


def lines_workbook() -> Workbook:
    """The model loaded as the service loads an upload."""
    return load_workbook(build_lines_workbook())


def compile_lines(workbook: Workbook) -> tuple[Any, float]:
    """The model compiled for the request, and the seconds compiling took."""
    started = time.perf_counter()
    model = compile_model(workbook, inputs=list(lines_inputs()), outputs=LINES_OUTPUTS)
    return model, time.perf_counter() - started


def _interleaved(trials: int, engine: Any, hand: Any) -> tuple[float, float]:
    """Best seconds of the engine and the hand model, run in turn on the same trials so that
    load on the machine falls on both (best of 5 below 10^6 trials, of 2 at it)."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(2 if trials >= 1_000_000 else 5):
        for side, action in zip(times, (engine, hand), strict=True):
            started = time.perf_counter()
            action()
            side.append(time.perf_counter() - started)
    return min(times[0]), min(times[1])


def lines_comparison(sizes: tuple[int, ...], pycel_trials: int) -> dict[str, Any]:
    """The engine's evaluation against the hand model at each size, compile seconds (first
    and cached), and pycel trial by trial on the same workbook."""
    data = build_lines_workbook()
    started = time.perf_counter()
    model = compiled_model(data, list(lines_inputs()), LINES_OUTPUTS)
    first = time.perf_counter() - started
    started = time.perf_counter()
    compiled_model(data, list(lines_inputs()), LINES_OUTPUTS)
    again = time.perf_counter() - started
    hand = LinesHandModel()
    runs, worst = [], 0.0
    for trials in sizes:
        samples = lines_samples(trials, seed=5)
        got = {cell: values for cell, (values, _) in model.evaluate(trials, samples).items()}
        worst = max(worst, check_agreement(got, hand.evaluate(samples)))
        ours, theirs = _interleaved(trials, partial(model.evaluate, trials, samples),
                                    partial(hand.evaluate, samples))
        runs.append({"trials": trials, "evaluate_seconds": ours, "hand_seconds": theirs,
                     "ratio": ours / theirs})
    return {"formulas": len(model.plans), "cells_per_trial": len(model._varying_order),
            "trials_per_slice": model.trials_per_slice, "compile_seconds": first,
            "cached_compile_seconds": again, "max_relative_difference": worst, "runs": runs,
            "pycel": _pycel(data, hand, pycel_trials)}


def _pycel(data: bytes, hand: LinesHandModel, trials: int) -> dict[str, Any]:
    """pycel setting the drawn inputs and evaluating the outputs trial by trial."""
    samples = lines_samples(trials, seed=7)
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "lines.xlsx"
            path.write_bytes(data)
            seconds, got = pycel_timed(path, samples, list(LINES_OUTPUTS), trials)
    except Exception as exc:  # noqa: BLE001 - a failing baseline is reported, not fatal
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {"trials": trials, "seconds": seconds, "trials_per_second": trials / seconds,
            "max_relative_difference": check_agreement(got, hand.evaluate(samples))}


def lines_rows(results: dict[str, Any]) -> list[str]:
    """The comparison as a Markdown table and notes."""
    rows = [f"| lines ({results['formulas']:,} formulas), trials | RiskStream evaluate"
            " | numpy by hand | ratio (goal ≤ 1.5) |", "|---:|---:|---:|---:|"]
    for run in results["runs"]:
        rows.append(f"| {run['trials']:,} | {run['evaluate_seconds'] * 1e3:.1f} ms"
                    f" | {run['hand_seconds'] * 1e3:.1f} ms | {run['ratio']:.2f}× |")
    rows.append("")
    rows.append(f"Compile {results['compile_seconds']:.2f} s, again from the cache"
                f" {results['cached_compile_seconds'] * 1e3:.1f} ms; {results['cells_per_trial']}"
                f" cells per trial in slices of {results['trials_per_slice']:,} trials; agrees"
                f" with the hand model to {results['max_relative_difference']:.1e}.")
    pycel = results["pycel"]
    if "error" in pycel:
        rows.append(f"pycel could not run the lines model: {pycel['error']}")
    else:
        best = max(run["trials"] / run["evaluate_seconds"] for run in results["runs"])
        rows.append(f"pycel, trial by trial ({pycel['trials']} trials):"
                    f" {pycel['trials_per_second']:.1f} trials/s; RiskStream evaluate at best"
                    f" {best:,.0f} trials/s = {best / pycel['trials_per_second']:,.0f}×"
                    " (goal ≥ 1000×).")
    return rows
