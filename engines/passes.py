"""Passes of a model over a run's chunks: each chunk's draws, and one evaluation of the model
for several consecutive chunks.

A chunk stays the unit of the random streams, the accumulators, progress, cancelling and
convergence (:func:`engines.simulation.run_chunks`), so the outcome is the one chunk-by-chunk
evaluation gives, to the last bit; only the model's pass is shared, since each pass costs its
plans' overhead once, however many trials it takes (a 10,000-trial run in 1,000-trial chunks
paid it ten times).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from engines.chunking import trials_of
from engines.clock import chunk_generator, drawing
from engines.sampling.feed import RandomInput, hook
from engines.sampling.uniforms import chunk_rng, uniforms
from engines.xp import Array, to_numpy

if TYPE_CHECKING:
    from engines.simulation import Model, RiskModel, SimulationSpec

Outputs = Mapping[str, tuple[Array, Array]]

PASS_TRIALS = 65_536
"""Most trials of consecutive chunks evaluated together (bounded again by the model's slice)."""


def chunk_passes(model: Model | RiskModel, spec: SimulationSpec, chunks: Sequence[int],
                 items: Sequence[RandomInput]) -> list[list[int]]:
    """``chunks`` as runs of consecutive chunks evaluated in one pass of the model. An @RISK
    function whose distribution depends on other cells draws inside the pass, in calls whose
    size must stay the chunk's, and RAND() draws from its chunk's generator, so such models
    are evaluated a chunk at a time."""
    if not chunks or draws_while_computing(model, items):
        return [[index] for index in chunks]
    budget = pass_trials(model, spec.chunk_size)
    found: list[list[int]] = [[chunks[0]]]
    trials = spec.chunk_trials(chunks[0])
    for index in chunks[1:]:
        n = spec.chunk_trials(index)
        if index == found[-1][-1] + 1 and trials + n <= budget:
            found[-1].append(index)
            trials += n
        else:
            found.append([index])
            trials = n
    return found


def pass_trials(model: Model | RiskModel, chunk_size: int) -> int:
    """Most trials of one pass of ``model`` over chunks of ``chunk_size``: PASS_TRIALS, or a
    chunk where the model's slices of trials are smaller, or its slice where that is larger."""
    return min(PASS_TRIALS, max(getattr(model, "trials_per_slice", 0), chunk_size))


def draws_while_computing(model: Model | RiskModel, items: Sequence[RandomInput]) -> bool:
    """Whether the model draws while it computes (RAND, RiskCompound, an @RISK law fed by
    other cells), in calls the size of the whole chunk: its chunks are then computed whole and
    one at a time, not some trials or several chunks together."""
    return (any(item.distribution is None for item in items)
            or bool(getattr(model, "draws_in_formulas", False)))


def chunk_draws(xp: Any, spec: SimulationSpec, index: int, items: Sequence[RandomInput],
                correlation: Any) -> tuple[int, Array, Array]:
    """Chunk ``index``'s trials, its uniforms (inputs × n) and its reservoir priorities."""
    assert spec.seed is not None, "a chunk's draws need a seeded spec"
    n = spec.chunk_trials(index)
    rng = chunk_rng(xp, spec.seed, index)
    u = uniforms(xp, len(items), n, rng, spec.sampling, correlation)
    return n, u, rng.random(n)


def _run_model(model: Model | RiskModel, n: int, inputs: Mapping[str, Array],
               risk_values: Mapping[Any, Any]) -> Outputs:
    if hasattr(model, "risk_inputs"):
        return cast("RiskModel", model).evaluate(n, inputs, risk_values=risk_values)
    return model.evaluate(n, inputs)


def evaluate_chunk(
    xp: Any, model: Model | RiskModel, items: Sequence[RandomInput], u: Array, n: int,
    first: int | None = None,
) -> tuple[Outputs, Array]:
    """The model's outputs for one chunk, and every random input's samples (inputs × n); with
    ``first``, for its first trials only, each as the whole chunk gives it (the inputs are
    sampled whole: a sampler's path may depend on its call's size), for a model that draws
    nothing while it computes."""
    inputs: dict[str, Array] = {}
    risk_values: dict[Any, Any] = {}
    drawn: dict[int, Array] = {}
    for j, item in enumerate(items):
        if item.distribution is None:
            assert first is None, "a law fed by other cells draws in calls of the chunk's size"
            risk_values[item.risk_id] = hook(xp, item, u[j], partial(drawn.__setitem__, j))
            continue
        drawn[j] = item.distribution.sample(xp, u[j])
        if first is not None:
            drawn[j] = xp.broadcast_to(drawn[j], (n,))[:first]
        if item.risk_id is None:
            inputs[item.cell] = drawn[j]
        else:
            risk_values[item.risk_id] = drawn[j]
    if first is not None:
        n = first
    results = _run_model(model, n, inputs, risk_values)
    # A call the model never evaluated counts as constant, which sensitivity leaves out.
    samples = [xp.broadcast_to(drawn.get(j, xp.zeros(n)), (n,)) for j in range(len(items))]
    return results, xp.stack(samples) if samples else xp.zeros((0, n))


def evaluate_pass(
    xp: Any, model: Model | RiskModel, items: Sequence[RandomInput],
    drawn: Sequence[tuple[int, Array, Array]],
    laws: Sequence[Sequence[RandomInput]] | None = None,
) -> list[tuple[Outputs, Array]]:
    """Per chunk of ``drawn`` (:func:`chunk_draws`), the model's outputs and the inputs'
    samples, from one pass of the model. ``laws``: per chunk, the random inputs its uniforms
    are drawn through, where the chunks are of several runs (:mod:`engines.together`): the
    same cells in the same order as ``items``, each run's laws its own; by default ``items``."""
    own = laws if laws is not None else [items] * len(drawn)
    if len(drawn) == 1:
        n, u, _ = drawn[0]
        return [evaluate_chunk(xp, model, own[0], u, n)]
    # each input is sampled chunk by chunk (a sampler's path may depend on its call's size)
    sampled = [[item.distribution.sample(xp, u[j])  # type: ignore[union-attr]
                for j, item in enumerate(chunk_items)]
               for chunk_items, (_, u, _) in zip(own, drawn, strict=True)]
    total = sum(n for n, _, _ in drawn)
    columns = [xp.concatenate([xp.broadcast_to(part[j], (n,))
                               for part, (n, _, _) in zip(sampled, drawn, strict=True)])
               for j in range(len(items))]
    inputs = {item.cell: columns[j] for j, item in enumerate(items) if item.risk_id is None}
    risk_values = {item.risk_id: columns[j] for j, item in enumerate(items)
                   if item.risk_id is not None}
    results = _run_model(model, total, inputs, risk_values)
    samples = xp.stack(columns) if columns else xp.zeros((0, total))
    out: list[tuple[Outputs, Array]] = []
    start = 0
    for n, _, _ in drawn:
        part = slice(start, start + n)
        out.append(({name: (trials_of(xp, values, total, part), trials_of(xp, errors, total, part))
                     for name, (values, errors) in results.items()}, samples[:, part]))
        start += n
    return out


def checked_outputs(
    xp: Any, n: int, names: Sequence[str], results: Outputs
) -> dict[str, tuple[Array, Array]]:
    """Each requested output as (values, errors) arrays of shape (n,)."""
    missing = [name for name in names if name not in results]
    if missing:
        raise KeyError(f"the model did not evaluate outputs {missing}")
    return {
        name: (
            xp.broadcast_to(xp.asarray(results[name][0], dtype=xp.float64), (n,)),
            xp.broadcast_to(xp.asarray(results[name][1], dtype=xp.int8), (n,)),
        )
        for name in names
    }


def centers(xp: Any, model: Model | RiskModel, spec: SimulationSpec,
            items: Sequence[RandomInput]) -> dict[str, float]:
    """Each output's value with every random input at its median (0 where that is an error):
    where a run's percentiles are sketched about (``engines.analysis.quantiles``), the same in
    every chunk of the run wherever it is computed."""
    assert spec.seed is not None, "a run's centers need its seed"
    try:
        with drawing(chunk_generator(spec.seed, 0)):  # RAND() as the run's first chunk draws
            raw, _ = evaluate_chunk(xp, model, items, xp.full((len(items), 1), 0.5), 1)
        results = checked_outputs(xp, 1, spec.outputs, raw)
    except (ValueError, ArithmeticError, KeyError):  # a model that cannot: about zero
        return {}
    found = {}
    for name, (values, errors) in results.items():
        value, error = float(to_numpy(values).reshape(-1)[0]), int(to_numpy(errors).reshape(-1)[0])
        found[name] = value if error == 0 and math.isfinite(value) else 0.0
    return found
