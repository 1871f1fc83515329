"""Live progress per simulation in Redis, published as it changes.

A hash ``progress:{id}`` holds the latest state; a write only lands when it moves the run
forward (status rank, then iterations done), checked atomically in Redis, so redelivered or
late events never roll progress back. Each change is published on channel ``progress:{id}``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis

from projections.postgres_views import STATUS_RANK
from streams.envelope import Envelope
from streams.events import (
    SimulationAccepted,
    SimulationCancelled,
    SimulationCompleted,
    SimulationFailed,
    SimulationProgressed,
    SimulationRejected,
    SimulationStarted,
)

TTL_S = 7 * 24 * 3600
_FORWARD_ONLY = """
local rank = tonumber(redis.call('HGET', KEYS[1], 'rank') or '-1')
local done = tonumber(redis.call('HGET', KEYS[1], 'iterations_done') or '-1')
local new_rank, new_done = tonumber(ARGV[1]), tonumber(ARGV[2])
if new_rank < rank or (new_rank == rank and new_done <= done) then return 0 end
redis.call('HSET', KEYS[1], 'rank', ARGV[1], 'iterations_done', ARGV[2], 'state', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('PUBLISH', KEYS[1], ARGV[3])
return 1
"""
STATUS_OF = {
    SimulationAccepted.type: "accepted", SimulationRejected.type: "rejected",
    SimulationStarted.type: "running", SimulationProgressed.type: "running",
    SimulationCompleted.type: "completed", SimulationFailed.type: "failed",
    SimulationCancelled.type: "cancelled",
}


def key(simulation_id: str) -> str:
    return f"progress:{simulation_id}"


def progress_state(event: Envelope) -> dict[str, Any] | None:
    status = STATUS_OF.get(event.type)
    if status is None:
        return None
    d = event.data
    done = int(d.get("iterations_done", d.get("iterations_run", 0)))
    total = int(d.get("iterations_total", d.get("iterations", 0)) or 0)
    if status == "completed":
        total = total or done
    return {
        "simulation_id": event.key, "status": status, "iterations_done": done,
        "iterations_total": total or None,
        "fraction": 1.0 if status == "completed" else d.get("fraction", 0.0),
        "eta_seconds": d.get("eta_seconds"), "at": event.occurred_at.isoformat(),
    }


class RedisProgress:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._script = redis.register_script(_FORWARD_ONLY)

    async def apply(self, event: Envelope) -> None:
        await self.apply_all([event])

    async def apply_all(self, events: Sequence[Envelope]) -> None:
        """The events' states in their order, in one round trip (and one before it to read
        the totals of runs whose end does not say what was asked, unless an earlier event of
        the batch does)."""
        states = [(event.key, state) for event in events
                  if (state := progress_state(event)) is not None]
        if not states:
            return
        told: set[str] = set()
        asked: list[str] = []
        for sim, state in states:
            if state["iterations_total"]:
                told.add(sim)
            elif sim not in told and sim not in asked:
                asked.append(sim)
        totals: dict[str, int] = {}
        if asked:
            async with self.redis.pipeline(transaction=False) as pipe:
                for sim in asked:
                    pipe.hget(key(sim), "state")
                for sim, raw in zip(asked, await pipe.execute(), strict=True):
                    if raw and (total := json.loads(raw).get("iterations_total")):
                        totals[sim] = total
        async with self.redis.pipeline(transaction=False) as pipe:
            for sim, state in states:
                if state["iterations_total"]:
                    totals[sim] = state["iterations_total"]
                elif totals.get(sim):  # an end says what ran, not what was asked
                    state["iterations_total"] = totals[sim]
                    state["fraction"] = min(1.0, state["iterations_done"] / totals[sim])
                await self._script(keys=[key(sim)], args=[
                    STATUS_RANK[state["status"]], state["iterations_done"], json.dumps(state),
                    TTL_S], client=pipe)
            await pipe.execute()

    async def current(self, simulation_id: str) -> dict[str, Any] | None:
        raw = await self.redis.hget(key(simulation_id), "state")
        return json.loads(raw) if raw else None
