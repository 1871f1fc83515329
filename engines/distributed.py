"""One simulation request computed as chunk tasks by any number of runners, then merged.

The service splits a request above :data:`SPLIT_ABOVE` trials with :func:`split`, gives each
chunk to a runner (:func:`simulate_chunk`), keeps each partial's blob in the blob store and
merges the partials (:func:`merge_chunks`) into the dict ``WorkbookEngine.simulate`` returns
for the same seeded request, to the last bit: the chunk plan is the one that call runs in a
single process, and the merge folds the chunks in the same order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from engines.allocator import evaluating
from engines.chunks import Chunk, chunk_size_of, plan_chunks
from engines.limits import WorkbookLimits
from engines.partials import chunk_partial, merge
from engines.service import compiled, outcome_dict
from engines.simulation import SimulationSpec, new_seed, run_chunks
from engines.workbook import DEFAULT_LIMITS

SPLIT_ABOVE = 2_000_000
"""Runs larger than this are split: from here on every chunk holds the full 100,000 trials
(about 0.1 s on the example workbook, more on larger models), worth its event and its blob."""


def split(spec: SimulationSpec) -> tuple[int, list[Chunk]]:
    """The seed every chunk shares (the spec's, or one drawn when it has none) and the chunks
    to hand out: the plan a single process runs the spec in."""
    seed = new_seed() if spec.seed is None else spec.seed
    return seed, plan_chunks(spec.iterations, spec.chunk_size)


def simulate_chunk(
    data: bytes,
    spec: SimulationSpec,
    chunk: Chunk,
    limits: WorkbookLimits = DEFAULT_LIMITS,
) -> tuple[dict[str, Any], bytes]:
    """Chunk ``chunk`` of the seeded spec on the workbook ``data``: its JSON-ready partial and
    the blob of its trial values (whose sha256 the partial names)."""
    if spec.seed is None:
        raise ValueError("a chunk task needs the run's seed; fix one with split(spec)")
    model, spec = compiled(data, spec, limits)
    spec = replace(spec, chunk_size=chunk_size_of(spec.iterations, chunk))
    return chunk_partial(run_chunks(model, spec, [chunk.index]), chunk)


def merge_chunks(
    spec: SimulationSpec,
    partials: Sequence[dict[str, Any]],
    read_values: Callable[[str], bytes],
) -> dict[str, Any]:
    """The ``simulation.completed`` body from every chunk's partial, in any order (duplicates
    count once); ``read_values(sha256)`` reads a partial's blob from the store."""
    if not partials:
        raise ValueError("no partials to merge")
    outputs = [entry["cell"] for entry in partials[0]["outputs"]]
    return outcome_dict(merge(replace(spec, outputs=outputs), partials, read_values))


class ChunkedRuns:
    """The engine as a service sees it for split runs (``streams.ports.ChunkEngine``)."""

    split_above = SPLIT_ABOVE

    def split(self, spec: SimulationSpec) -> tuple[int, list[Chunk]]:
        return split(spec)

    def simulate_chunk(self, data: bytes, spec: SimulationSpec, chunk: Chunk
                       ) -> tuple[dict[str, Any], bytes]:
        # the compiled model stays cached (engines.modelcache); the run's temporaries are
        # freed when the call returns, before the trim
        with evaluating():
            return simulate_chunk(data, spec, chunk)

    def merge_chunks(self, spec: SimulationSpec, partials: Sequence[dict[str, Any]],
                     read_values: Callable[[str], bytes]) -> dict[str, Any]:
        with evaluating():
            return merge_chunks(spec, partials, read_values)
