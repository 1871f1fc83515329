"""One simulation request computed as chunk tasks by any number of runners, then merged.

The service splits a request above :data:`SPLIT_ABOVE` trials with :func:`split`, gives each
chunk to a runner (:func:`simulate_chunk`), keeps each partial's blob in the blob store and
merges the partials (:func:`merge_chunks`) into the dict ``WorkbookEngine.simulate`` returns
for the same seeded request, to the last bit: the chunk plan is the one that call runs in a
single process, and the merge folds the chunks in the same order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from engines.allocator import evaluating
from engines.chunks import Chunk, chunk_size_of, plan_chunks
from engines.limits import WorkbookLimits
from engines.partials import chunk_partial, merge
from engines.service import chunk_size_for, compile_request, outcome_dict, simulation_spec
from engines.simulation import new_seed, run_chunks
from engines.workbook import DEFAULT_LIMITS

SPLIT_ABOVE = 2_000_000
"""Runs larger than this are split: from here on every chunk holds the full 100,000 trials
(about 0.1 s on the example workbook, more on larger models), worth its event and its blob."""


def split(request: Mapping[str, Any]) -> tuple[dict[str, Any], list[Chunk]]:
    """The request with its seed fixed (drawn when absent: every chunk must share one) and
    the chunks to hand out, each with that request."""
    seeded = dict(request)
    if seeded.get("seed") is None:
        seeded["seed"] = new_seed()
    iterations = int(request["iterations"])
    return seeded, plan_chunks(iterations, chunk_size_for(iterations))


def simulate_chunk(
    data: bytes,
    request: Mapping[str, Any],
    chunk: Chunk,
    limits: WorkbookLimits = DEFAULT_LIMITS,
) -> tuple[dict[str, Any], bytes]:
    """Chunk ``chunk`` of the seeded request on the workbook ``data``: its JSON-ready partial
    and the blob of its trial values (whose sha256 the partial names)."""
    if request.get("seed") is None:
        raise ValueError("a chunk task needs the run's seed; fix one with split(request)")
    model = compile_request(data, request, limits)
    spec = simulation_spec(request, model.outputs)
    spec = replace(spec, chunk_size=chunk_size_of(spec.iterations, chunk))
    return chunk_partial(run_chunks(model, spec, [chunk.index]), chunk)


def merge_chunks(
    request: Mapping[str, Any],
    partials: Sequence[dict[str, Any]],
    read_values: Callable[[str], bytes],
) -> dict[str, Any]:
    """The ``simulation.completed`` body from every chunk's partial, in any order (duplicates
    count once); ``read_values(sha256)`` reads a partial's blob from the store."""
    if not partials:
        raise ValueError("no partials to merge")
    spec = simulation_spec(request, [entry["cell"] for entry in partials[0]["outputs"]])
    return outcome_dict(merge(spec, partials, read_values))


class ChunkedRuns:
    """The engine as a service sees it for split runs (``streams.ports.ChunkEngine``): chunks
    travel as plain dicts."""

    split_above = SPLIT_ABOVE

    def split(self, request: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, int]]]:
        seeded, chunks = split(request)
        return seeded, [chunk.to_dict() for chunk in chunks]

    def simulate_chunk(self, data: bytes, request: Mapping[str, Any], chunk: dict[str, Any]
                       ) -> tuple[dict[str, Any], bytes]:
        with evaluating():  # the model is freed when the call returns, before the trim
            return simulate_chunk(data, request, Chunk.from_dict(chunk))

    def merge_chunks(self, request: Mapping[str, Any], partials: Sequence[dict[str, Any]],
                     read_values: Callable[[str], bytes]) -> dict[str, Any]:
        with evaluating():
            return merge_chunks(request, partials, read_values)
