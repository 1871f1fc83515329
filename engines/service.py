"""The engine as the service sees it: inspect a workbook, run a simulation on one.

This is the seam the stream processors call (``streams.ports.WorkbookInspector`` and
``SimulationEngine``): a simulation is a :class:`SimulationSpec`, which
:func:`simulation_spec` makes of a request in its JSON form (the body of
``simulation.requested``, as chunk tasks carry it too); results are JSON-ready dicts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from engines.allocator import evaluating
from engines.analysis.output import DEFAULT_PERCENTILES
from engines.cellareas import covering_areas
from engines.chunks import chunk_size_for
from engines.compiler import CompiledModel, compile_model
from engines.formula.refs import format_key
from engines.limits import WorkbookLimits
from engines.modelcache import compiled_model
from engines.sampling.distributions import Distribution
from engines.simulation import CorrelationSpec, SimulationOutcome, SimulationSpec, run_simulation
from engines.together import run_together
from engines.workbook import DEFAULT_LIMITS, load_workbook
from engines.xp import get_xp

LISTED = 200  # candidates listed per kind in a workbook summary
LISTED_RISK = 10_000
"""@RISK inputs and outputs a summary lists (and a tenth as many cells per unsupported
function): a summary is one event of the log, which holds at most 8 MiB."""
Progress = Callable[[int, int], bool]


def distribution(cell: str, spec: Mapping[str, Any]) -> Distribution:
    truncate = spec.get("truncate")
    return Distribution(
        spec["distribution"], tuple(spec["params"]),
        truncate=tuple(truncate) if truncate is not None else None,
        shift=float(spec.get("shift") or 0.0), label=cell,
    )


class WorkbookEngine:
    """Workbook summaries and simulations through the compiled, vectorised path."""

    def summarize(self, data: bytes, limits: WorkbookLimits) -> dict[str, Any]:
        workbook = load_workbook(data, limits)
        formulas = [key for key, cell in workbook.cells.items() if cell.formula is not None]
        model = compile_model(workbook, outputs=[format_key(k) for k in formulas])
        read: set[tuple[str, int, int]] = set()
        for fact in model.facts.values():
            for area in fact.reads:
                if area.shape[0] * area.shape[1] <= 10_000:
                    read.update(area.keys())
        inputs = sorted(
            key for key in read
            if key[0] not in workbook.linked  # another file's saved values: not this model's
            and (cell := workbook.cells.get(key)) is not None and cell.formula is None
            and isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool))
        outputs = sorted(key for key in formulas if key not in read)
        return {
            "sheets": [{"name": name, "rows": workbook.dimensions.get(name, (0, 0))[0],
                        "columns": workbook.dimensions.get(name, (0, 0))[1]}
                       for name in workbook.sheets],
            "formula_count": len(formulas),
            "formula_areas": covering_areas(formulas),
            "candidate_inputs": [format_key(k) for k in inputs[:LISTED]],
            "candidate_outputs": [format_key(k) for k in outputs[:LISTED]],
            "risk_inputs": [
                {"cell": r.id.cell, "index": r.id.index, "distribution": r.distribution,
                 "name": r.name} for r in model.risk_inputs[:LISTED_RISK]],
            "risk_outputs": model.risk_outputs[:LISTED_RISK],
            "unsupported_functions": {name: cells[:LISTED_RISK // 10]
                                      for name, cells in model.unsupported.items()},
        }

    def simulate(self, data: bytes, spec: SimulationSpec, progress: Progress,
                 limits: WorkbookLimits = DEFAULT_LIMITS) -> dict[str, Any]:
        with evaluating():  # the run's temporaries are freed before the trim (the model is kept)
            return simulate(data, spec, progress, limits)

    def simulate_together(self, data: bytes, specs: Sequence[SimulationSpec],
                          limits: WorkbookLimits = DEFAULT_LIMITS) -> list[dict[str, Any]]:
        with evaluating():
            return simulate_together(data, specs, limits)


def simulate(data: bytes, spec: SimulationSpec, progress: Progress | None = None,
             limits: WorkbookLimits = DEFAULT_LIMITS) -> dict[str, Any]:
    """The outcome of ``spec`` on the workbook ``data``; its ``compute_seconds`` are the whole
    run's, reading and compiling the workbook (this thread's CPU time) included where the
    model was not already compiled."""
    began = time.thread_time()
    model, spec = compiled(data, spec, limits)
    compiled_s = time.thread_time() - began
    outcome = run_simulation(model, spec, progress)
    outcome.compute_seconds += compiled_s
    return outcome_dict(outcome)


def simulate_together(data: bytes, specs: Sequence[SimulationSpec],
                      limits: WorkbookLimits = DEFAULT_LIMITS) -> list[dict[str, Any]]:
    """Each spec's outcome on the workbook ``data``, as :func:`simulate` gives it, with the
    passes of runs of one compiled model shared (:mod:`engines.together`); reading and
    compiling count in equal parts in each run's seconds. Raises what any of them raised: a
    caller then computes each alone, for each its own outcome or reason."""
    began = time.thread_time()
    models: dict[int, tuple[CompiledModel, list[tuple[int, SimulationSpec]]]] = {}
    for position, spec in enumerate(specs):
        model, named = compiled(data, spec, limits)
        models.setdefault(id(model), (model, []))[1].append((position, named))
    compiled_s = (time.thread_time() - began) / max(1, len(specs))
    found: dict[int, dict[str, Any]] = {}
    for model, members in models.values():
        for (position, _), outcome in zip(members, run_together(model, [s for _, s in members]),
                                          strict=True):
            outcome.compute_seconds += compiled_s
            found[position] = outcome_dict(outcome)
    return [found[position] for position in range(len(specs))]


def compiled(data: bytes, spec: SimulationSpec, limits: WorkbookLimits = DEFAULT_LIMITS
             ) -> tuple[CompiledModel, SimulationSpec]:
    """The workbook compiled for the spec's input cells and outputs (kept for the next request
    on the same workbook, see :mod:`engines.modelcache`), and the spec naming the outputs the
    model computes (the workbook's RiskOutput cells when it named none)."""
    model = compiled_model(data, inputs=list(spec.inputs), outputs=list(spec.outputs) or None,
                           xp=get_xp(spec.backend), limits=limits)
    return model, replace(spec, outputs=model.outputs)


def simulation_spec(request: Mapping[str, Any], outputs: Sequence[str] | None = None
                    ) -> SimulationSpec:
    """What a request in its JSON form asks for, on ``outputs`` (None: the request's own;
    empty: the workbook's RiskOutput cells)."""
    correlation = request.get("correlation")
    iterations = int(request["iterations"])
    var_level = float(request.get("var_level", 0.95))
    return SimulationSpec(
        inputs={cell: distribution(cell, spec) for cell, spec in request["inputs"].items()},
        outputs=(request.get("outputs") or ()) if outputs is None else outputs,
        iterations=iterations,
        seed=request.get("seed"), sampling=request.get("sampling", "lhs"),
        correlation=CorrelationSpec(tuple(correlation["cells"]), correlation["matrix"])
        if correlation else None,
        chunk_size=int(request.get("chunk_size") or chunk_size_for(iterations)),
        backend=request.get("backend", "numpy"),
        percentiles=sorted({*DEFAULT_PERCENTILES, *request.get("percentiles", ())}),
        targets=tuple(request.get("targets", ())),
        var_levels=(1 - var_level, var_level),
        as_of=datetime.fromisoformat(request["as_of"]) if request.get("as_of") else None,
        simulation_number=int(request.get("simulation_number") or 1),
    )


def outcome_dict(outcome: SimulationOutcome) -> dict[str, Any]:
    """The outcome as ``simulation.completed`` carries it."""
    result = outcome.to_dict()
    result["iterations_run"] = result["iterations"]
    return result
