"""Engine throughput: how fast RiskStream's compiled workbook models simulate, against pycel and
hand-written numpy, and how much memory a 10^7-trial run needs.

The 20-line × 30-year model of :mod:`bench.engine_lines` is compared with the same model
written in numpy at each size, evaluation alone, and with pycel.

For each workbook (see :mod:`bench.engine_cases`) and size (10^4, 10^5, 10^6 trials):

* ``simulation``: :func:`engines.simulation.run_simulation` as the service calls it (chunk
  size from ``chunk_size_for``, LHS sampling, full statistics and sensitivity), so the figure
  includes sampling and statistics;
* ``evaluate``: ``CompiledModel.evaluate`` alone on pre-drawn inputs, all trials in one call
  (which runs them in cache-sized slices; see :mod:`engines.chunking`).

Cell evaluations are trials × the formula cells evaluated per trial: those the outputs depend
on that vary. Formula cells the outputs depend on that are constant were folded at compile
time; they are counted apart and not in the rate. Best of 3 below 10^6 trials, one run at it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import numpy

from bench.engine_baselines import (
    HandModel,
    check_agreement,
    demo_samples,
    hand_simulation,
    pycel_trials_per_second,
)
from bench.engine_cases import (
    EXAMPLE,
    WORKBOOKS,
    Case,
    example_case,
    financial_case,
    formulas_test,
    slow_spot,
)
from bench.engine_lines import lines_comparison, lines_rows
from bench.engine_memory import peak_memory
from engines.analysis.output import DEFAULT_PERCENTILES
from engines.chunks import chunk_size_for
from engines.simulation import SimulationSpec, run_simulation

SIZES = (10_000, 100_000, 1_000_000)
PYCEL_TRIALS = 300
LINES_PYCEL_TRIALS = 10
GOAL_MIB = 2048


def _timed(action: Callable[..., object], *args: Any) -> float:
    started = time.perf_counter()
    action(*args)
    return time.perf_counter() - started


def _best(trials: int, action: Callable[..., object], *args: Any) -> float:
    """Best of 3 runs for short runs, one run from 10^6 trials up (those take seconds)."""
    return min(_timed(action, *args) for _ in range(1 if trials >= 1_000_000 else 3))


def _service_spec(case: Case, trials: int) -> SimulationSpec:
    """The spec ``WorkbookEngine.simulate`` builds for a request of ``trials`` iterations."""
    return SimulationSpec(case.inputs, case.model.outputs, trials, seed=1,
                          chunk_size=chunk_size_for(trials),
                          percentiles=list(DEFAULT_PERCENTILES))


def _drawn(case: Case, trials: int) -> tuple[dict[str, Any], dict[Any, Any]]:
    """Pre-drawn request inputs and Risk-call values for ``evaluate``."""
    if case.name == "project-npv":
        samples = demo_samples(trials, seed=5)
        risk = {case.model.risk_inputs[0].id: samples.pop("Model!B3")}
        return samples, risk
    u = numpy.random.default_rng(5).random((len(case.inputs), trials))
    return {cell: dist.sample(numpy, u[i])  # type: ignore[union-attr]
            for i, (cell, dist) in enumerate(case.inputs.items())}, {}


def _rates(trials: int, seconds: float, cells: int) -> dict[str, float]:
    return {"seconds": seconds, "trials_per_second": trials / seconds,
            "cell_evaluations_per_second": trials * cells / seconds}


def throughput(case: Case) -> dict[str, Any]:
    """Simulation and evaluate rates of ``case`` at every size."""
    runs = []
    for trials in SIZES:
        inputs, risk = _drawn(case, trials)
        evaluate = _best(trials, case.model.evaluate, trials, inputs, risk)
        simulate = _best(trials, run_simulation, case.model, _service_spec(case, trials))
        runs.append({"trials": trials,
                     "simulation": _rates(trials, simulate, case.varying_cells),
                     "evaluate": _rates(trials, evaluate, case.varying_cells)})
    return {"inputs": sorted(case.inputs), "outputs": len(case.model.outputs),
            "cells_per_trial": case.varying_cells, "constant_folded_cells": case.constant_cells,
            "compile_seconds": case.compile_seconds, "runs": runs}


def hand_comparison(case: Case) -> dict[str, Any]:
    """RiskStream against the example written by hand in numpy, on the same drawn trials."""
    hand = HandModel(case.model.workbook)
    runs, worst = [], 0.0
    for trials in SIZES:
        inputs, risk = _drawn(case, trials)
        price = next(iter(risk.values()))
        compiled = {cell: values for cell, (values, _) in
                    case.model.evaluate(trials, inputs, risk).items()}
        worst = max(worst, check_agreement(
            compiled, hand.evaluate(inputs["Model!B2"], price, inputs["Model!B4"])))
        hand_evaluate = _best(trials, hand.evaluate, inputs["Model!B2"], price,
                              inputs["Model!B4"])
        hand_simulate = _best(trials, hand_simulation, hand, trials, 5, DEFAULT_PERCENTILES)
        runs.append({"trials": trials, "evaluate_seconds": hand_evaluate,
                     "simulation_seconds": hand_simulate})
    return {"max_relative_difference": worst, "runs": runs,
            "pycel": pycel_trials_per_second(EXAMPLE, hand, PYCEL_TRIALS)}


def environment() -> dict[str, Any]:
    """What the figures depend on besides the code."""
    return {"numpy": numpy.__version__, "cpu_count": os.cpu_count(),
            "openblas_coretype_set": "OPENBLAS_CORETYPE" in os.environ,
            "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE")}


def run() -> dict[str, Any]:
    """Every engine measurement, JSON-ready."""
    example = example_case()
    results: dict[str, Any] = {"environment": environment(),
                               "workbooks": {"project-npv": throughput(example)}}
    results["baselines"] = hand_comparison(example)
    results["lines"] = lines_comparison(SIZES, LINES_PYCEL_TRIALS)
    book = formulas_test()
    if book is None:
        results["workbooks"]["FINANCIAL"] = f"skipped: workbooks not found in {WORKBOOKS}"
    else:
        results["workbooks"]["FINANCIAL"] = throughput(financial_case(book))
        results["slow_spot"] = slow_spot(book, 1_000)
    results["memory"] = peak_memory()
    return results


def _si(value: float) -> str:
    for factor, suffix in ((1e9, " G"), (1e6, " M"), (1e3, " k")):
        if value >= factor:
            return f"{value / factor:.3g}{suffix}"
    return f"{value:.3g}"


def _throughput_rows(results: dict[str, Any]) -> list[str]:
    rows = ["| Workbook | Trials | Cells/trial (folded) | Simulation trials/s | Simulation"
            " cell-evals/s | Evaluate trials/s | Evaluate cell-evals/s |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for name, book in results["workbooks"].items():
        if isinstance(book, str):
            rows.append(f"| {name} | {book} | | | | | |")
            continue
        cells = f"{book['cells_per_trial']} ({book['constant_folded_cells']})"
        for run in book["runs"]:
            sim, ev = run["simulation"], run["evaluate"]
            rows.append(f"| {name} | {run['trials']:,} | {cells} | {_si(sim['trials_per_second'])}"
                        f" | {_si(sim['cell_evaluations_per_second'])}"
                        f" | {_si(ev['trials_per_second'])}"
                        f" | {_si(ev['cell_evaluations_per_second'])} |")
    return rows


def _baseline_rows(results: dict[str, Any]) -> list[str]:
    example = {run["trials"]: run for run in results["workbooks"]["project-npv"]["runs"]}
    rows = ["| project-npv, trials | RiskStream evaluate | numpy by hand | ratio (goal ≤ 1.5)"
            " | RiskStream simulation | numpy by hand, simulation | ratio |",
            "|---:|---:|---:|---:|---:|---:|---:|"]
    for hand in results["baselines"]["runs"]:
        ours = example[hand["trials"]]
        ev, sim = ours["evaluate"]["seconds"], ours["simulation"]["seconds"]
        by_hand = hand["evaluate_seconds"]
        rows.append(f"| {hand['trials']:,} | {ev * 1e3:.1f} ms | {by_hand * 1e3:.1f} ms"
                    f" | {ev / by_hand:.2f}× | {sim * 1e3:.1f} ms"
                    f" | {hand['simulation_seconds'] * 1e3:.1f} ms"
                    f" | {sim / hand['simulation_seconds']:.2f}× |")
    return rows


def table(results: dict[str, Any]) -> str:
    """The results as Markdown tables and notes for the README."""
    lines = (_throughput_rows(results) + [""] + _baseline_rows(results) + [""]
             + lines_rows(results["lines"]) + [""])
    base = results["baselines"]
    lines.append(f"Compiled and hand-written numpy agree to {base['max_relative_difference']:.1e}"
                 " (relative to each output's largest value) on the same drawn trials.")
    pycel = base["pycel"]
    if "error" in pycel:
        lines.append(f"pycel 1.0b30 could not run the example: {pycel['error']}")
    else:
        best = results["workbooks"]["project-npv"]["runs"][-1]
        ours = best["simulation"]["trials_per_second"]
        lines.append(
            f"pycel, trial by trial ({pycel['trials']} trials): {pycel['trials_per_second']:.0f}"
            f" trials/s; RiskStream simulation at {best['trials']:,} trials: {_si(ours)} trials/s"
            f" = {ours / pycel['trials_per_second']:,.0f}× (goal ≥ 1000×; evaluate alone"
            f" {best['evaluate']['trials_per_second'] / pycel['trials_per_second']:,.0f}×).")
    memory = results["memory"]
    lines.append(
        f"Peak memory, {memory['trials']:,} trials of project-npv in chunks of"
        f" {memory['chunk_size']:,}: {memory['peak_mib']:.0f} MiB (goal ≤ {GOAL_MIB} MiB;"
        f" {memory['peak_mib_before_run']:.0f} MiB before the run) in {memory['seconds']:.1f} s.")
    if "slow_spot" in results:
        spot = results["slow_spot"]
        lines.append(f"Left out of FINANCIAL: {spot['cell']} `{spot['formula']}` costs"
                     f" {spot['ms_per_trial']:.3f} ms per trial.")
    env = results["environment"]
    coretype = f"set to {env['openblas_coretype']}" if env["openblas_coretype_set"] else "not set"
    lines.append(f"numpy {env['numpy']}, {env['cpu_count']} CPUs, OPENBLAS_CORETYPE {coretype}.")
    return "\n".join(lines)
