"""Running a processor on Kafka with exactly-once effects inside Kafka.

Each input partition's batch is handled inside one Kafka transaction of that partition's
producer, holding the events the handler emitted and the consumer offset, so a crash either
loses nothing or repeats nothing. Processors are consumer-group members (see
:mod:`streams.subscription`): a handler whose state is per partition is folded from the log
when its partition is assigned, so any number of instances share the partitions (see
``TransactionalMember``). An event that fails for a reason of its own is parked as
``processing.failed`` in the same transaction and skipped (see :mod:`streams.deadletter`); an
outage stops the processor with nothing committed, for its supervisor to restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from typing import Protocol

from aiokafka import AIOKafkaConsumer, TopicPartition

from infra import kafka
from infra.faults import is_outage
from infra.settings import Settings
from streams.catalogue import upcast
from streams.deadletter import failed, retried_message
from streams.envelope import Envelope
from streams.log import record
from streams.subscription import PartitionProducers, Subscription

log = logging.getLogger(__name__)


class Handler(Protocol):
    """A processor's logic: ``handle`` returns the events one input event causes. A handler
    with a true ``concurrent`` attribute keeps no state across events, and has the events of
    one batch handled at once."""

    @property
    def name(self) -> str:
        """The processor's name: its consumer group and transactional id."""

    @property
    def topics(self) -> Sequence[str]:
        """The logical topics it consumes."""

    @property
    def state_topics(self) -> Sequence[str]:
        """The topics whose events it folds into its state, from offset 0 at start."""

    def fold(self, event: Envelope) -> None:
        """Apply an event from a state topic (called at start-up and for every live event)."""

    async def handle(self, event: Envelope) -> list[Envelope]:
        """The events caused by ``event``; raising stops the processor (nothing is committed)."""


async def assign_all(consumer: AIOKafkaConsumer, topics: Sequence[str]) -> list[TopicPartition]:
    parts: list[TopicPartition] = []
    for _ in range(50):  # new topics take a moment to reach the metadata
        # partitions_for_topic() only knows subscribed topics; with manual assignment the
        # partition list comes from a full metadata fetch.
        cluster = await consumer._client.fetch_all_metadata()
        if all(cluster.partitions_for_topic(t) for t in topics):
            parts = [TopicPartition(t, p) for t in topics
                     for p in sorted(cluster.partitions_for_topic(t) or ())]
            break
        await asyncio.sleep(0.2)
    if not parts:
        raise RuntimeError(f"topics {list(topics)} do not exist; run the topic set-up first")
    consumer.assign(parts)
    return parts


async def seek_committed(consumer: AIOKafkaConsumer, parts: Sequence[TopicPartition]
                         ) -> None:
    """Position each partition at the group's committed offset (offset 0 if none)."""
    for tp in parts:
        committed = await consumer.committed(tp)
        if committed is None:
            await consumer.seek_to_beginning(tp)
        else:
            consumer.seek(tp, committed)


async def at_end(consumer: AIOKafkaConsumer, end: dict[TopicPartition, int]) -> bool:
    """Whether the consumer has read every partition up to ``end``."""
    for tp, offset in end.items():
        if await consumer.position(tp) < offset:
            return False
    return True


async def read_to_end(settings: Settings, topics: Sequence[str],
                      partitions: Sequence[TopicPartition] | None = None
                      ) -> AsyncIterator[Envelope]:
    """Every committed event of ``topics`` (or just of ``partitions``) from offset 0 to the end
    of the log as it is now."""
    consumer = kafka.consumer(settings.kafka_bootstrap, None)
    await consumer.start()
    try:
        parts = list(partitions) if partitions is not None else \
            await assign_all(consumer, topics)
        if partitions is not None:
            consumer.assign(parts)
        end = await consumer.end_offsets(parts)
        await consumer.seek_to_beginning(*parts)
        remaining = {tp for tp in parts if end[tp] > 0}
        while remaining:
            batch = await consumer.getmany(*remaining, timeout_ms=500)
            for tp, messages in batch.items():
                for message in messages:
                    if message.offset < end[tp]:
                        event = readable(message.value)
                        if event is not None:
                            yield event
            for tp in list(remaining):
                if await consumer.position(tp) >= end[tp]:
                    remaining.discard(tp)
    finally:
        await consumer.stop()


def readable(value: bytes) -> Envelope | None:
    """The event in ``value``, or None (logged) for a message no one can read: it was parked
    when it was first processed."""
    try:
        return upcast(Envelope.from_json(value))
    except Exception as exc:  # noqa: BLE001 - a poison message must not stop a catch-up
        log.warning("skipping an unreadable message: %r", exc)
        return None


Handlers = Callable[[str, int], "Handler | None"]
PARKING = ("processing.failed", "processing.retry_requested")


async def outcome(handlers: Handlers, name: str, topic: str, partition: int, offset: int,
                  value: bytes, state_topics: Collection[str]) -> list[Envelope]:
    """The events the handler of ``topic``/``partition`` emits for one message;
    ``processing.failed`` when the message itself cannot be processed; an outage propagates."""
    try:
        event = upcast(Envelope.from_json(value))
        parked = retried_message(event, name)
        if parked is not None:
            data = event.data
            return await outcome(handlers, name, data["topic"], data["partition"],
                                 data["offset"], parked, state_topics)
        if event.type in PARKING:  # the operators' concern, and other processors' hand-backs
            return []
        handler = handlers(topic, partition)
        if handler is None:
            raise LookupError(f"{topic}/{partition} is owned by another instance of {name};"
                              " hand the message back again")
        if topic in state_topics:
            handler.fold(event)
        return await handler.handle(event)
    except Exception as exc:
        if is_outage(exc):
            raise
        log.warning("%s parks %s/%s@%s: %r", name, topic, partition, offset, exc)
        return [failed(name, topic, partition, offset, value, exc)]


class TransactionalMember:
    """A processor instance's partitions: their producers and, for a handler whose state is
    per partition, a handler per partition folded from the log when it is assigned.

    A handler's state is per partition when it folds only the one topic it consumes (the
    tenant ledger: a tenant is one partition) or nothing (the parser): then any number of
    instances share the partitions. A handler folding other topics than it consumes (billing,
    webhook fan-out) needs all of them: it runs as one instance, folding them at start."""

    def __init__(self, settings: Settings, make: Callable[[], Handler],
                 ready: Callable[[], Awaitable[None]] | None) -> None:
        self.settings = settings
        self.make = make
        self.whole = make()
        self.ready = ready
        self.group = f"{settings.topic_prefix}.{self.whole.name}"
        self.state_topics = {settings.topic(t) for t in self.whole.state_topics}
        self.partitioned = not self.state_topics or (
            set(self.whole.topics) == set(self.whole.state_topics)
            and len(self.whole.topics) == 1)
        self.handlers: dict[TopicPartition, Handler] = {}
        self.producers = PartitionProducers(settings, self.group)

    async def start(self) -> None:
        if not self.partitioned:
            async for event in read_to_end(self.settings, sorted(self.state_topics)):
                fold_safely(self.whole, event)

    async def assigned(self, partitions: list[TopicPartition]) -> None:
        """Open the partitions' producers and fold their state; they resume at the group's
        offsets."""
        await self.producers.open(partitions)
        if self.partitioned and self.state_topics:
            for tp in partitions:
                if tp.topic in self.state_topics:
                    handler = self.make()
                    async for event in read_to_end(self.settings, (), [tp]):
                        fold_safely(handler, event)
                    self.handlers[tp] = handler
        if self.ready is not None:
            ready, self.ready = self.ready, None
            await ready()

    async def revoked(self, partitions: list[TopicPartition]) -> None:
        for tp in partitions:
            self.handlers.pop(tp, None)
        await self.producers.close(partitions)

    def handler(self, topic: str, partition: int) -> Handler | None:
        if not (self.partitioned and self.state_topics):
            return self.whole
        return self.handlers.get(TopicPartition(topic, partition))


def fold_safely(handler: Handler, event: Envelope) -> None:
    try:
        handler.fold(event)
    except Exception as exc:
        if is_outage(exc):
            raise
        log.warning("%s skips %s while folding: %r", handler.name, event.id, exc)


async def run_transactional(settings: Settings, make: Callable[[], Handler],
                            stop: asyncio.Event,
                            ready: Callable[[], Awaitable[None]] | None = None) -> None:
    """Consume the handler's topics as a member of its group, emitting its events and the
    offsets of each input partition in one transaction of that partition's producer."""
    member = TransactionalMember(settings, make, ready)
    await member.start()
    name = member.whole.name
    # every processor also reads the parked messages an operator hands back to it
    subscription = Subscription(settings, name, (*member.whole.topics, "deadletters"), member)
    concurrent = bool(getattr(member.whole, "concurrent", False))
    async for batch in subscription.batches(stop):
        # outcomes first, the transactions after: a slow handler (a parse) never holds a
        # transaction open past its timeout; a handler that says it is ``concurrent`` (it keeps
        # no state across events) handles the whole batch at once
        each = [(tp, m) for tp, messages in batch.items() for m in messages]
        pending = (outcome(member.handler, name, tp.topic, tp.partition, m.offset, m.value,
                           member.state_topics) for tp, m in each)
        if concurrent:
            results = await asyncio.gather(*pending)
        else:
            results = [await one for one in pending]
        emitted: dict[TopicPartition, list[Envelope]] = {tp: [] for tp in batch}
        for (tp, _m), events in zip(each, results, strict=True):
            emitted[tp].extend(events)
        for tp, events in emitted.items():
            producer = member.producers[tp]
            async with producer.transaction():
                for out in events:
                    topic, key, value = record(settings, out)
                    await producer.send(topic, value=value, key=key)
                await producer.send_offsets_to_transaction({tp: batch[tp][-1].offset + 1},
                                                           member.group)
