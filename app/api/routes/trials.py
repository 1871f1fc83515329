"""``GET /v1/simulations/{id}/sample``: the first trials of a completed run, one input's draws
against one output's values in trial order, for a scatter and a convergence line.

Nothing new is stored for it: a run's trials follow from what is kept already — the workbook
in the blob store, the request in the simulation's view and the seed in its results. Every
chunk of a run draws from its own generator (seed, chunk index), so the first chunks of the run
are computed again on their own, and give the run's trials to the last bit (on the numpy
backend; a run on another backend is answered with numpy's trials for the same seed).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Annotated, Any

import numpy
from fastapi import APIRouter, HTTPException, Query

from app.api.auth import Ctx, Tenant
from app.api.routes.simulations import simulation_or_404
from app.api.sheetview import SheetViewFailed, sandboxed
from engines.clock import chunk_generator, drawing, simulation
from engines.limits import WorkbookLimits
from engines.passes import checked_outputs, chunk_draws, draws_while_computing, evaluate_chunk
from engines.sampling.targets import rank_correlation
from engines.service import compiled
from engines.simulation import random_inputs
from engines.workbook import DEFAULT_LIMITS
from infra.sandbox import SandboxFailure
from streams.events.simulations import SimulationRequestBody

router = APIRouter(prefix="/v1/simulations", tags=["simulations"])
MAX_SAMPLE = 10_000
"""Trials in one answer: enough for a scatter and a convergence line, small to recompute."""


def unquoted(cell: str) -> str:
    """``'Cash Flow'!B9`` as ``Cash Flow!B9``: the two spellings the API takes for one cell."""
    sheet, sep, ref = cell.rpartition("!")
    return f"{sheet.strip(chr(39))}{sep}{ref}".upper() if sep else cell.upper()


def first_trials(data: bytes, request: SimulationRequestBody, seed: int, n: int,
                 limits: WorkbookLimits
                 ) -> tuple[list[str], numpy.ndarray[Any, Any], dict[str, numpy.ndarray[Any, Any]],
                            dict[str, numpy.ndarray[Any, Any]]]:
    """The first ``n`` trials of the run of ``request`` seeded with ``seed``: the random inputs'
    labels, their draws (inputs × n), and per output its values and error codes."""
    model, spec = compiled(data, replace(request.spec(), seed=seed, backend="numpy"), limits)
    items = random_inputs(model, spec)
    correlation, _ = rank_correlation(spec.correlation, items)
    # a chunk's trials follow one by one from its draws, so only the first n are computed,
    # unless the model draws while it computes
    whole = draws_while_computing(model, items)
    draws, values, errors = [], [], []
    done, index = 0, 0
    with simulation(spec.as_of, spec.simulation_number):  # the run's TODAY() and RiskSimtable
        while done < n:
            count, u, _ = chunk_draws(numpy, spec, index, items, correlation)
            first = None if whole else min(count, n - done)
            with drawing(chunk_generator(seed, index)):  # the run's own RAND() draws
                raw, samples = evaluate_chunk(numpy, model, items, u, count, first)
            count = first or count
            results = checked_outputs(numpy, count, spec.outputs, raw)
            draws.append(numpy.asarray(samples))
            values.append({k: numpy.asarray(v) for k, (v, _) in results.items()})
            errors.append({k: numpy.asarray(e) for k, (_, e) in results.items()})
            done, index = done + count, index + 1
    labels = [item.label for item in items]
    return (labels, numpy.concatenate(draws, axis=1)[:, :n],
            {k: numpy.concatenate([v[k] for v in values])[:n] for k in spec.outputs},
            {k: numpy.concatenate([e[k] for e in errors])[:n] for k in spec.outputs})


def _named(name: str, known: list[str], field: str) -> str:
    """The one of ``known`` that ``name`` spells, quoted or not; else a 422 naming ``field``."""
    for candidate in known:
        if unquoted(candidate) == unquoted(name):
            return candidate
    raise HTTPException(422, [{"loc": ["query", field], "msg": f"{name!r} is not one of this"
                               f" simulation's {field}s: {known}"}])


async def completed(ctx: Ctx, tenant: Tenant, simulation_id: str) -> dict[str, Any]:
    """The tenant's completed simulation with its results; 404 or 409 otherwise."""
    row = await simulation_or_404(ctx, tenant, simulation_id)
    if row["status"] != "completed":
        raise HTTPException(409, f"simulation {simulation_id} is {row['status']}: only a"
                            " completed one has results")
    if not row.get("results"):
        raise HTTPException(409, f"the results of simulation {simulation_id} were not kept"
                            " (past the plan's retention)")
    return row


@router.get("/{simulation_id}/sample",
            summary="The first trials of a run: one input's draws against one output",
            responses={409: {"description": "the simulation has not completed, or its results"
                                            " were not kept"}})
async def sample(simulation_id: str, ctx: Ctx, tenant: Tenant,
                 input: Annotated[str, Query(min_length=1, max_length=200, description=(
                     "an input: a cell of the request, or a Risk call as the results name it"))],
                 output: Annotated[str, Query(min_length=1, max_length=200,
                                              description="an output cell of the results")],
                 n: Annotated[int, Query(ge=1, le=MAX_SAMPLE,
                                         description="trials, from the first")] = 2_000,
                 ) -> dict[str, Any]:
    """Trials in the run's order (``trial`` counts from 0); an output value is null in a trial
    where the output was an Excel error."""
    row = await completed(ctx, tenant, simulation_id)
    results = row["results"]
    request = SimulationRequestBody.model_validate(row["request"])
    output_cell = _named(output, list(results["outputs"]), "output")
    # the request's inputs, and the workbook's own Risk calls as the results name them
    drivers = [i["input"] for i in results.get("sensitivity", {}).get(output_cell, {})
               .get("inputs", [])]
    input_cell = _named(input, list(dict.fromkeys([*request.inputs, *drivers])), "input")
    n = min(n, int(results["iterations"]))
    workbook = await ctx.views.workbook(tenant.tenant_id, row["workbook_id"])
    if workbook is None:
        raise HTTPException(409, f"the workbook of simulation {simulation_id} was deleted")
    data = await asyncio.to_thread(ctx.blobs.get, workbook["sha256"])
    try:  # in a sandboxed child: a heavy model costs its own request, not the worker's; the
        # workbook read as the runner read it (it was parsed under its plan's limits)
        labels, draws, values, errors = await sandboxed(ctx.settings).run(
            tenant.tenant_id, first_trials, data, request, int(results["seed"]), n,
            DEFAULT_LIMITS)
    except (SandboxFailure, SheetViewFailed) as exc:
        raise HTTPException(422, f"the sample of simulation {simulation_id} cannot be"
                            f" computed here: computing it {exc}") from None
    if input_cell not in labels:  # a Risk call of the results the workbook no longer makes
        raise HTTPException(422, [{"loc": ["query", "input"], "msg": f"{input!r} is not an"
                                   f" input of this simulation's model: {labels}"}])
    x = draws[labels.index(input_cell)]
    y, bad = values[output_cell], errors[output_cell] != 0
    return {
        "simulation_id": simulation_id, "input": input_cell, "output": output_cell, "n": n,
        "seed": results["seed"],
        "input_values": x.tolist(),
        "output_values": [None if e else v for v, e in zip(y.tolist(), bad.tolist(), strict=True)],
    }
