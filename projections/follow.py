"""Following the log for projections whose writes are idempotent (MongoDB, Redis): the consumer
group's offsets are committed after each batch is written; a redelivery rewrites the same thing.

A message the projection cannot apply for a reason of its own is parked (``processing.failed``,
appended before the offset passes it) and skipped; an outage stops the follower with the
offsets where they were (see :mod:`infra.faults`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from infra.settings import Settings
from streams.envelope import Envelope
from streams.processors.runtime import outcome
from streams.subscription import Subscription

Apply = Callable[[Envelope], Awaitable[None]]
Park = Callable[[list[Envelope]], Awaitable[None]]


@dataclass(frozen=True)
class _Applying:
    """A projection's ``apply`` as the runtime's handler: no state, no events of its own."""

    name: str
    apply: Apply
    topics: tuple[str, ...] = ()
    state_topics: tuple[str, ...] = ()

    def fold(self, event: Envelope) -> None:
        return None

    async def handle(self, event: Envelope) -> list[Envelope]:
        await self.apply(event)
        return []


async def apply_message(name: str, apply: Apply, topic: str, partition: int, offset: int,
                        value: bytes, headers: Sequence[tuple[str, bytes]] | None = None
                        ) -> Envelope | None:
    """Apply one message as a processor handles one (hand-backs and poison alike, see
    :func:`streams.processors.runtime.outcome`); the ``processing.failed`` to record when it
    is poison."""
    applying = _Applying(name, apply)
    parked = await outcome(lambda _t, _p: applying, name, topic, partition, offset, value, (),
                           headers)
    return parked[0] if parked else None


async def follow(settings: Settings, group: str, topics: Sequence[str], apply: Apply,
                 stop: asyncio.Event, park: Park) -> None:
    """Apply every event of ``topics`` from the group's offsets until ``stop``, as one member
    of the group ``group`` (any number share the partitions; replays read through
    :mod:`projections.replay_source` instead)."""
    subscription = Subscription(settings, group, (*topics, "deadletters"))
    async for batch in subscription.batches(stop, max_records=1000):
        poison = [
            failure
            for tp, messages in batch.items() for m in messages
            if (failure := await apply_message(group, apply, tp.topic, tp.partition,
                                               m.offset, m.value, m.headers)) is not None]
        if poison:
            await park(poison)
        await subscription.consumer.commit({tp: ms[-1].offset + 1 for tp, ms in batch.items()})
