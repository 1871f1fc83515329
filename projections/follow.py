"""Following the log for projections whose writes are idempotent (MongoDB, Redis): the consumer
group's offsets are committed after each batch is written; a redelivery rewrites the same thing.

A message the projection cannot apply for a reason of its own is parked (``processing.failed``,
appended before the offset passes it) and skipped; an outage stops the follower with the
offsets where they were (see :mod:`infra.faults`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from infra.faults import is_outage
from infra.settings import Settings
from streams.catalogue import upcast
from streams.envelope import Envelope
from streams.processors.runtime import PARKING, outcome
from streams.subscription import Subscription

log = logging.getLogger(__name__)
Apply = Callable[[Envelope], Awaitable[None]]
ApplyAll = Callable[[Sequence[Envelope]], Awaitable[None]]
Park = Callable[[list[Envelope]], Awaitable[None]]
Message = tuple[TopicPartition, ConsumerRecord[bytes, bytes]]


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


async def together(group: str, apply_all: ApplyAll, messages: list[Message]) -> list[Message]:
    """Apply the events of ``messages`` in one call of ``apply_all``; what is left to apply one
    at a time: hand-backs and parked events, what does not read as an event, and every message
    when the call fails for a reason of the events' own (one at a time, the culprit is parked;
    the writes are idempotent, so what the call wrote is not counted again)."""
    events: list[Envelope] = []
    rest: list[Message] = []
    for tp, message in messages:
        try:
            event = upcast(Envelope.from_json(message.value))
        except Exception:  # noqa: BLE001 - parked when applied on its own
            rest.append((tp, message))
            continue
        if event.type in PARKING:
            rest.append((tp, message))
        else:
            events.append(event)
    try:
        await apply_all(events)
    except Exception as exc:
        if is_outage(exc):
            raise
        log.warning("%s applies a batch one event at a time: %r", group, exc)
        return messages
    return rest


async def follow(settings: Settings, group: str, topics: Sequence[str], apply: Apply,
                 stop: asyncio.Event, park: Park, apply_all: ApplyAll | None = None) -> None:
    """Apply every event of ``topics`` from the group's offsets until ``stop``, as one member
    of the group ``group`` (any number share the partitions; replays read through
    :mod:`projections.replay_source` instead); with ``apply_all``, a poll's events at once
    (see ``together``)."""
    subscription = Subscription(settings, group, (*topics, "deadletters"))
    async for batch in subscription.batches(stop, max_records=1000):
        singles = [(tp, m) for tp, messages in batch.items() for m in messages]
        if apply_all is not None:
            singles = await together(group, apply_all, singles)
        poison = [
            failure for tp, m in singles
            if (failure := await apply_message(group, apply, tp.topic, tp.partition,
                                               m.offset, m.value, m.headers)) is not None]
        if poison:
            await park(poison)
        await subscription.consumer.commit({tp: ms[-1].offset + 1 for tp, ms in batch.items()})
