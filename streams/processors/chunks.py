"""Split runs: the chunk worker that computes any chunk, and what the merging runner keeps.

A run above the engine's split threshold is planned by the runner that owns the simulation as
``chunk.requested`` tasks on the ``chunks`` topic, in one transaction with ``chunks.planned``
(which names the seed every chunk shares, so a restarted runner never plans twice). Any runner
takes any chunk: ``ChunkWorker`` computes it, stores its trial values in the blob store and
answers ``chunk.completed`` with the partial, in one transaction with its offset, so a chunk
whose worker died is computed again by the next owner of its partition, and counted once. The
owning runner merges the partials in chunk order, whatever order they came in
(``SplitRun``), so the result is the one a single runner gives for the same seed.

A worker follows the ``simulations`` topic whole: once a split run has ended (cancelled, failed
on a chunk, or merged), its chunks still queued are skipped, not computed, on every worker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engines.chunks import Chunk
from infra import metrics
from infra.blobcache import read_on_loop
from streams.envelope import Envelope
from streams.events import (
    ChunkCompleted,
    ChunkFailed,
    ChunkRequested,
    ChunksPlanned,
    SimulationCancelled,
    SimulationCompleted,
    SimulationFailed,
)
from streams.events.chunks import ChunkRange
from streams.events.simulations import SimulationRequestBody
from streams.ports import ChunkEngine
from streams.processors.lanes import Lane, Slot

ENDED = frozenset({SimulationCompleted.type, SimulationFailed.type, SimulationCancelled.type})


class ChunkWorker:
    """``chunk.requested`` → ``chunk.completed`` (or ``chunk.failed``), as runner slots allow."""

    name = "chunk-worker"
    topics = ("chunks",)
    state_topics = ("simulations",)  # which split runs have ended: their chunks are skipped
    concurrent = True  # see streams.processors.runtime.Handler

    def __init__(self, engine: ChunkEngine, read_blob: Callable[[str], bytes],
                 put_blob: Callable[[bytes], object], slots: Lane,
                 width: int) -> None:
        self.engine = engine
        # a batch is a few rounds of the slots: its results are committed when it is done, and
        # the state (which runs ended) is caught up before the next batch starts
        self.batch_records = 4 * max(1, width)
        self.read_blob = read_blob
        self.put_blob = put_blob
        self.slots = slots
        self.split: set[str] = set()  # split runs under way
        self.ended: set[str] = set()  # split runs ended; only split runs are kept
        self.skipped = 0

    def fold(self, event: Envelope) -> None:
        if event.type == ChunksPlanned.type:
            if event.key not in self.ended:
                self.split.add(event.key)
        elif event.type in ENDED and event.key in self.split:
            self.split.discard(event.key)
            self.ended.add(event.key)

    async def handle(self, event: Envelope) -> list[Envelope]:
        if event.type != ChunkRequested.type:
            return []
        task = event.body(ChunkRequested)
        sim, chunk = task.simulation_id, task.chunk
        if sim in self.ended:  # checked again once a slot is free: a queue can be long
            self.skipped += 1
            return []
        async with Slot(self.slots, event.tenant_id):
            if sim in self.ended:
                self.skipped += 1
                return []
            workbook = await read_on_loop(self.read_blob, task.workbook_sha256)
            try:
                partial, values = await asyncio.to_thread(
                    self.engine.simulate_chunk, workbook, task.request.spec(),
                    Chunk(chunk.index, chunk.start, chunk.count))
            except ValueError as exc:
                return [event.caused(ChunkFailed(simulation_id=sim, chunk=chunk,
                                                 reason=str(exc)), key=sim)]
            metrics.CHUNK_SECONDS.observe(float(partial["compute_seconds"]))
            await asyncio.to_thread(self.put_blob, values)
        return [event.caused(ChunkCompleted(simulation_id=sim, chunk=chunk, partial=partial),
                             key=sim)]


@dataclass
class SplitRun:
    """What the owning runner knows of a split run: its seeded request, how many chunks, and
    the partials in so far (one per chunk index: a chunk counted twice counts once)."""

    request: SimulationRequestBody
    chunks: int
    partials: dict[int, dict[str, Any]] = field(default_factory=dict)

    def add(self, partial: dict[str, Any], chunk: ChunkRange) -> bool:
        """Take a chunk's partial; whether it was new."""
        if chunk.index in self.partials:
            return False
        self.partials[chunk.index] = partial
        return True

    @property
    def trials_done(self) -> int:
        return sum(int(p["chunk"]["count"]) for p in self.partials.values())

    @property
    def complete(self) -> bool:
        return len(self.partials) == self.chunks

    @property
    def compute_seconds(self) -> float:
        """The seconds the chunks took where they ran: what is billed."""
        return float(sum(p.get("compute_seconds", 0.0) for p in self.partials.values()))
