"""What the simulation runner keeps: the runs under way, the partitions it owns, how far its
consumer group may commit given both, and the events that end a run."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiokafka import TopicPartition

from streams.envelope import Envelope
from streams.events import (
    SimulationAccepted,
    SimulationCancelled,
    SimulationCompleted,
    SimulationFailed,
    SimulationReleased,
    UsageRecorded,
)
from streams.events.simulations import RunEnd
from streams.log import MAX_EVENT, WRAPPED, EventTooLarge, serialized
from streams.processors.chunks import SplitRun

TERMINAL = {SimulationCompleted.type, SimulationFailed.type, SimulationCancelled.type}


@dataclass
class Run:
    accepted: Envelope
    request: SimulationAccepted
    tp: TopicPartition
    offset: int
    cancel: bool = False
    revoked: bool = False  # the partition moved to another runner, which runs it again
    split: SplitRun | None = None  # planned as chunk tasks (see streams.processors.chunks)
    task: asyncio.Task[None] | None = field(default=None, repr=False)


@dataclass
class Partition:
    """What the runner keeps for one assigned partition of ``simulations``."""

    end: int  # the log's end when assigned: what lies before it is read before anything runs
    catching_up: bool
    backlog: list[tuple[Envelope, int]] = field(default_factory=list)
    last_seen: int | None = None


def commit_point(state: Partition | None, runs: Mapping[str, Run], tp: TopicPartition,
                 ending: Collection[str] = ()) -> int | None:
    """The offset to commit for ``tp``: never past a simulation whose end is not in the log,
    or in this transaction (``ending``); None before anything of ``tp`` was read."""
    if state is None or state.last_seen is None:
        return None
    pending = [r.offset for sim, r in runs.items() if r.tp == tp and sim not in ending]
    return min(pending) if pending else state.last_seen + 1


def ending(run: Run, outcome: dict[str, Any], seconds: float) -> list[Envelope]:
    """The events that end ``run`` with ``outcome`` (the engine's, or ``error`` /
    ``cancelled``): its end first, then its usage when it ran trials, and its slot's release.
    Results too large for one event of the log end the run as failed, saying so."""
    events = _ending(run, outcome, seconds)
    try:  # with room for the webhook message that delivers it whole
        serialized(events[0], MAX_EVENT - WRAPPED)
    except EventTooLarge as exc:
        outputs = len(outcome.get("outputs") or ())
        return _ending(run, {"error": f"its results for {outputs} outputs are too large to"
                             f" record ({exc}); ask for fewer outputs or inputs"}, seconds)
    return events


def _ending(run: Run, outcome: dict[str, Any], seconds: float) -> list[Envelope]:
    accepted, backend = run.accepted, run.request.backend
    sim = accepted.key
    iterations = int(outcome.get("iterations_run", 0))
    ended = SimulationCancelled(iterations_run=iterations, compute_seconds=seconds,
                                backend=backend)
    end: Envelope[RunEnd]
    if "error" in outcome:
        end = accepted.caused(SimulationFailed.of(ended, reason=outcome["error"]))
    elif outcome.get("cancelled"):
        end = accepted.caused(ended)
    else:
        end = accepted.caused(SimulationCompleted.of(ended, **outcome))
    chain = {"correlation_id": end.correlation_id, "causation_id": end.id}
    events: list[Envelope] = [end]
    if iterations:
        events.append(UsageRecorded(
            simulation_id=sim, iterations=iterations, compute_seconds=seconds,
            backend=backend).event(accepted.tenant_id, sim, **chain))
    events.append(SimulationReleased(simulation_id=sim).event(
        accepted.tenant_id, accepted.tenant_id, **chain))
    return events
