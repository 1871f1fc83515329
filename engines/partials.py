"""A chunk's results as a partial that travels (JSON plus a blob), and the merge of partials.

A partial is the :class:`RunState` of one chunk: per output its count, mean, central sums
m2..m4, min, max, error counts and counts below each target in JSON; in the blob, the output's
valid values (or its quantile sketch, past the exact cap), its regression co-moments, and the
chunk's Spearman sample. The merge rebuilds each chunk's state and folds them in chunk order
with :meth:`RunState.merge`, the same operations in the same order as one process running every
chunk (:func:`engines.simulation.run_chunks`), so the result is that run's to the last bit
whatever runner computed which chunk, and in whatever order partials arrived. Percentiles are
exact up to the spec's cap of valid values per output, and within relative error 1e-4 (a
LogSketch) beyond it; SRC comes from merged co-moments and Spearman from the bottom-k sample,
both as exact as one run's.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy

from engines.analysis.moments import Moments
from engines.analysis.quantiles import QuantileStore
from engines.analysis.sensitivity import CoMoments
from engines.chunks import Chunk, chunk_size_of, plan_chunks
from engines.packing import pack, unpack
from engines.simulation import RunState, SimulationOutcome, SimulationSpec

FORMAT = 1
"""Version of the partial's layout; a merge refuses partials of another."""


def chunk_partial(state: RunState, chunk: Chunk) -> tuple[dict[str, Any], bytes]:
    """The JSON-ready partial of a one-chunk ``state`` and the blob of its trial values.

    Every field but ``compute_seconds`` depends only on the workbook, the request and the chunk.
    """
    if state.iterations != chunk.count:
        raise ValueError(f"chunk {chunk.index}: ran {state.iterations} of {chunk.count} trials")
    arrays: dict[str, Any] = {}
    outputs = []
    keys, x, y, ok = state.sensitivity.sample()
    for i, (name, acc) in enumerate(state.outputs.items()):
        m, fit = acc.moments, state.sensitivity.moments[name]
        outputs.append(
            {
                "cell": name,
                "count": m.count,
                "mean": m.mean,
                "m2": m.m2,
                "m3": m.m3,
                "m4": m.m4,
                # None, not ±inf, for an output without a valid trial: strict JSON has no inf.
                "min": m.min if m.count else None,
                "max": m.max if m.count else None,
                "errors": [[code, count] for code, count in sorted(acc.errors.items())],
                "below_targets": list(acc.below_targets),
                "fit_count": fit.count,
            }
        )
        arrays |= {f"{i}/store/{part}": a for part, a in acc.store.parts().items()}
        arrays |= {f"{i}/fit/mean": fit.mean, f"{i}/fit/comoment": fit.comoment}
        arrays |= {f"{i}/sample/values": y[name], f"{i}/sample/valid": ok[name]}
    # The blob names its run and chunk, so one handed over for another chunk is caught.
    origin = [state.spec.seed, chunk.index, chunk.start, chunk.count]
    blob = pack(
        {"origin": numpy.array(origin, dtype=numpy.int64)}
        | arrays
        | {"sample/keys": keys, "sample/inputs": x}
    )
    partial = {
        "format": FORMAT,
        "chunk": chunk.to_dict(),
        "seed": state.spec.seed,
        "iterations": state.spec.iterations,
        "inputs": list(state.sensitivity.inputs),
        "outputs": outputs,
        "warnings": list(state.warnings),
        "values_sha256": hashlib.sha256(blob).hexdigest(),
        "values_bytes": len(blob),
        "compute_seconds": state.compute_seconds,
    }
    return partial, blob


def chunk_state(spec: SimulationSpec, partial: dict[str, Any], blob: bytes) -> RunState:
    """The one-chunk state a partial and its blob describe."""
    if hashlib.sha256(blob).hexdigest() != partial["values_sha256"]:
        raise ValueError(f"chunk {partial['chunk']['index']}: blob does not match values_sha256")
    arrays = unpack(blob)
    chunk = partial["chunk"]
    origin = [partial["seed"], chunk["index"], chunk["start"], chunk["count"]]
    if arrays["origin"].tolist() != origin:
        raise ValueError(f"chunk {chunk['index']}: its blob holds trials of another chunk or run")
    state = RunState.empty(spec, partial["inputs"])
    for i, entry in enumerate(partial["outputs"]):
        acc = state.outputs[entry["cell"]]
        acc.moments = Moments(
            entry["count"],
            entry["mean"],
            entry["m2"],
            entry["m3"],
            entry["m4"],
            math.inf if entry["min"] is None else entry["min"],
            -math.inf if entry["max"] is None else entry["max"],
        )
        acc.errors = {int(code): int(count) for code, count in entry["errors"]}
        acc.below_targets = [int(n) for n in entry["below_targets"]]
        prefix = f"{i}/store/"
        acc.store = QuantileStore.from_parts(
            {k[len(prefix) :]: a for k, a in arrays.items() if k.startswith(prefix)},
            acc.store.exact_cap,
            acc.store.alpha,
        )
        state.sensitivity.moments[entry["cell"]] = CoMoments(
            entry["fit_count"], numpy.array(arrays[f"{i}/fit/mean"]), arrays[f"{i}/fit/comoment"]
        )
    cells = [entry["cell"] for entry in partial["outputs"]]
    state.sensitivity.keep(
        arrays["sample/keys"],
        arrays["sample/inputs"],
        {cell: arrays[f"{i}/sample/values"] for i, cell in enumerate(cells)},
        {cell: arrays[f"{i}/sample/valid"] for i, cell in enumerate(cells)},
    )
    state.iterations = chunk["count"]
    state.warnings = list(partial["warnings"])
    state.compute_seconds = partial["compute_seconds"]
    return state


def merge(
    spec: SimulationSpec, partials: Iterable[dict[str, Any]], read_values: Callable[[str], bytes]
) -> SimulationOutcome:
    """The outcome of the run from the partials of all its chunks, in any order, a chunk
    delivered more than once counted once; ``read_values(sha256)`` gives a partial's blob."""
    by_index: dict[int, dict[str, Any]] = {}
    for partial in partials:
        _check(spec, partial)
        index = partial["chunk"]["index"]
        seen = by_index.setdefault(index, partial)
        if (
            seen["values_sha256"] != partial["values_sha256"]
            or seen["outputs"] != partial["outputs"]
        ):
            raise ValueError(f"chunk {index} was computed twice with different results")
    ordered = [by_index[index] for index in sorted(by_index)]
    if not ordered:
        raise ValueError("no partials to merge")
    chunks = [Chunk.from_dict(partial["chunk"]) for partial in ordered]
    plan = plan_chunks(spec.iterations, chunk_size_of(spec.iterations, chunks[0]))
    if chunks != plan:
        missing = sorted({chunk.index for chunk in plan} - set(by_index))
        raise ValueError(
            f"the partials are not the {len(plan)} chunks of the run (missing: {missing})"
        )
    if any(partial["inputs"] != ordered[0]["inputs"] for partial in ordered):
        raise ValueError("the partials disagree on the run's random inputs")
    state = RunState.empty(spec, ordered[0]["inputs"])
    for partial in ordered:
        state.merge(chunk_state(spec, partial, read_values(partial["values_sha256"])))
    return state.outcome()


def _check(spec: SimulationSpec, partial: dict[str, Any]) -> None:
    """Refuse a partial of another run (seed, size, outputs) or of another layout."""
    index = partial.get("chunk", {}).get("index")
    if partial.get("format") != FORMAT:
        raise ValueError(
            f"chunk {index}: partial format {partial.get('format')}, expected {FORMAT}"
        )
    if partial["seed"] != spec.seed or partial["iterations"] != spec.iterations:
        raise ValueError(
            f"chunk {index}: partial of a run seeded {partial['seed']} with "
            f"{partial['iterations']} trials, expected {spec.seed} and {spec.iterations}"
        )
    if [entry["cell"] for entry in partial["outputs"]] != list(spec.outputs):
        raise ValueError(
            f"chunk {index}: partial outputs differ from the run's {list(spec.outputs)}"
        )
