"""Following the log for projections whose writes are idempotent (MongoDB, Redis): the consumer
group's offsets are committed after each batch is written; a redelivery rewrites the same thing.

A message the projection cannot apply for a reason of its own is parked (``processing.failed``,
appended before the offset passes it) and skipped; an outage stops the follower with the
offsets where they were (see :mod:`infra.faults`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from infra.faults import is_outage
from infra.settings import Settings
from streams.catalogue import upcast
from streams.deadletter import failed, retried_message
from streams.envelope import Envelope
from streams.subscription import Subscription

Apply = Callable[[Envelope], Awaitable[None]]
Park = Callable[[list[Envelope]], Awaitable[None]]
log = logging.getLogger(__name__)


async def apply_message(name: str, apply: Apply, topic: str, partition: int, offset: int,
                        value: bytes) -> Envelope | None:
    """Apply one message; the ``processing.failed`` to record when it is poison."""
    try:
        event = upcast(Envelope.from_json(value))
        parked = retried_message(event, name)
        if parked is not None:
            data = event.data
            return await apply_message(name, apply, data["topic"], data["partition"],
                                       data["offset"], parked)
        if event.type not in ("processing.failed", "processing.retry_requested"):
            await apply(event)
        return None
    except Exception as exc:
        if is_outage(exc):
            raise
        log.warning("%s parks %s/%s@%s: %r", name, topic, partition, offset, exc)
        return failed(name, topic, partition, offset, value, exc)


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
                                               m.offset, m.value)) is not None]
        if poison:
            await park(poison)
        await subscription.consumer.commit({tp: ms[-1].offset + 1 for tp, ms in batch.items()})
