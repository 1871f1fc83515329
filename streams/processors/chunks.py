"""Split runs: the chunk worker that computes any chunk, and what the merging runner keeps.

A run above the engine's split threshold is planned by the runner that owns the simulation as
``chunk.requested`` tasks on the ``chunks`` topic, in one transaction with ``chunks.planned``
(which names the seed every chunk shares, so a restarted runner never plans twice). Any runner
takes any chunk: ``ChunkWorker`` computes it, stores its trial values in the blob store and
answers ``chunk.completed`` with the partial, in one transaction with its offset, so a chunk
whose worker died is computed again by the next owner of its partition, and counted once. The
owning runner merges the partials in chunk order, whatever order they came in
(``SplitRun``), so the result is the one a single runner gives for the same seed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from streams.envelope import Envelope
from streams.ports import ChunkEngine


class ChunkWorker:
    """``chunk.requested`` → ``chunk.completed`` (or ``chunk.failed``), as runner slots allow."""

    name = "chunk-worker"
    topics = ("chunks",)
    state_topics = ()
    concurrent = True  # see streams.processors.runtime.Handler

    def __init__(self, engine: ChunkEngine, read_blob: Callable[[str], bytes],
                 put_blob: Callable[[bytes], str], slots: asyncio.Semaphore) -> None:
        self.engine = engine
        self.read_blob = read_blob
        self.put_blob = put_blob
        self.slots = slots

    def fold(self, event: Envelope) -> None:
        return None

    async def handle(self, event: Envelope) -> list[Envelope]:
        if event.type != "chunk.requested":
            return []
        data = event.data
        sim, chunk = data["simulation_id"], data["chunk"]
        async with self.slots:
            workbook = await asyncio.to_thread(self.read_blob, data["workbook_sha256"])
            try:
                partial, values = await asyncio.to_thread(
                    self.engine.simulate_chunk, workbook, data["request"], chunk)
            except ValueError as exc:
                return [event.caused("chunk.failed", {"simulation_id": sim, "chunk": chunk,
                                                      "reason": str(exc)}, key=sim)]
            await asyncio.to_thread(self.put_blob, values)
        return [event.caused("chunk.completed", {"simulation_id": sim, "chunk": chunk,
                                                 "partial": partial}, key=sim)]


@dataclass
class SplitRun:
    """What the owning runner knows of a split run: its seeded request, how many chunks, and
    the partials in so far (one per chunk index: a chunk counted twice counts once)."""

    request: dict[str, Any]
    chunks: int
    partials: dict[int, dict[str, Any]] = field(default_factory=dict)

    def add(self, partial: dict[str, Any], chunk: dict[str, Any]) -> bool:
        """Take a chunk's partial; whether it was new."""
        index = int(chunk["index"])
        if index in self.partials:
            return False
        self.partials[index] = partial
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
