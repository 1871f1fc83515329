"""Split runs: a run larger than the engine's split threshold handed out as chunk tasks that
any runner takes (see :mod:`streams.processors.chunks`)."""

from __future__ import annotations

from typing import Any

from streams.events.base import Event, Part
from streams.events.simulations import SimulationRequestBody


class ChunkRange(Part):
    """Chunk ``index`` of a run: ``count`` trials starting at trial ``start``."""

    index: int
    start: int
    count: int


class ChunksPlanned(Event, type="chunks.planned", version=1, topic="simulations",
                    key="simulation id (split into chunk tasks)"):
    """A large run was split into chunk tasks, with the seed they share."""

    simulation_id: str
    seed: int
    chunks: int
    chunk_size: int


class ChunkRequested(Event, type="chunk.requested", version=1, topic="chunks",
                     key="simulation id/chunk index (a task)"):
    """One chunk of a split run, for any runner."""

    simulation_id: str
    workbook_sha256: str
    request: SimulationRequestBody  # the accepted request with its seed fixed
    chunk: ChunkRange


class ChunkCompleted(Event, type="chunk.completed", version=1, topic="simulations",
                     key="simulation id (a chunk's partial result)"):
    """A chunk's mergeable partial result; its trial values are in the blob store."""

    simulation_id: str
    chunk: ChunkRange
    partial: dict[str, Any]  # the engine's partial (its own ``format``), merged only by it


class ChunkFailed(Event, type="chunk.failed", version=1, topic="simulations",
                  key="simulation id (a chunk could not run)"):
    """A chunk could not run: the reason."""

    simulation_id: str
    chunk: ChunkRange
    reason: str
