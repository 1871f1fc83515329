"""Running a processor on Kafka with exactly-once effects inside Kafka.

Each batch is handled inside one Kafka transaction that holds the events the handler emitted
and the consumer offsets, so a crash either loses nothing or repeats nothing. Processors whose
decisions depend on state first fold their state topics from offset 0 to the end of the log.
Each processor runs as one instance per topic prefix: it is the single writer for its outputs.
An event that fails for a reason of its own is parked as ``processing.failed`` in the same
transaction and skipped (see :mod:`streams.deadletter`); an outage stops the processor with
nothing committed, for its supervisor to restart.
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


async def read_to_end(settings: Settings, topics: Sequence[str]) -> AsyncIterator[Envelope]:
    """Every committed event of ``topics`` from offset 0 to the end of the log as it is now."""
    consumer = kafka.consumer(settings.kafka_bootstrap, None)
    await consumer.start()
    try:
        parts = await assign_all(consumer, topics)
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


async def outcome(handler: Handler, topic: str, partition: int, offset: int, value: bytes,
                  state_topics: Collection[str]) -> list[Envelope]:
    """The events ``handler`` emits for one message; ``processing.failed`` when the message
    itself cannot be processed; an outage propagates."""
    try:
        event = upcast(Envelope.from_json(value))
        parked = retried_message(event, handler.name)
        if parked is not None:
            data = event.data
            return await outcome(handler, data["topic"], data["partition"], data["offset"],
                                 parked, state_topics)
        if topic in state_topics:
            handler.fold(event)
        return await handler.handle(event)
    except Exception as exc:
        if is_outage(exc):
            raise
        log.warning("%s parks %s/%s@%s: %r", handler.name, topic, partition, offset, exc)
        return [failed(handler.name, topic, partition, offset, value, exc)]


async def run_transactional(settings: Settings, handler: Handler, stop: asyncio.Event,
                            ready: Callable[[], Awaitable[None]] | None = None) -> None:
    """Consume ``handler.topics``, emitting its events and offsets in one transaction per batch."""
    # every processor also reads the parked messages an operator hands back to it
    topics = [settings.topic(t) for t in dict.fromkeys((*handler.topics, "deadletters"))]
    state_topics = {settings.topic(t) for t in handler.state_topics}
    if state_topics:
        async for event in read_to_end(settings, sorted(state_topics)):
            try:
                handler.fold(event)
            except Exception as exc:
                if is_outage(exc):
                    raise
                log.warning("%s skips %s while folding: %r", handler.name, event.id, exc)
    group = f"{settings.topic_prefix}.{handler.name}"
    producer = kafka.producer(settings.kafka_bootstrap, transactional_id=group)
    consumer = kafka.consumer(settings.kafka_bootstrap, group)
    await producer.start()
    await consumer.start()
    try:
        await seek_committed(consumer, await assign_all(consumer, topics))
        if ready is not None:
            await ready()
        while not stop.is_set():
            batch = await consumer.getmany(timeout_ms=300, max_records=500)
            if not batch:
                continue
            # outcomes first, the transaction after: a slow handler (a parse) never holds a
            # transaction open past its timeout; a handler that says it is ``concurrent`` (it
            # keeps no state across events) handles the whole batch at once
            each = [(tp, m) for tp, messages in batch.items() for m in messages]
            if getattr(handler, "concurrent", False):
                results = await asyncio.gather(*(outcome(
                    handler, tp.topic, tp.partition, m.offset, m.value, state_topics)
                    for tp, m in each))
            else:
                results = [await outcome(handler, tp.topic, tp.partition, m.offset, m.value,
                                         state_topics) for tp, m in each]
            async with producer.transaction():
                for out in (event for events in results for event in events):
                    topic, key, value = record(settings, out)
                    await producer.send(topic, value=value, key=key)
                offsets = {tp: messages[-1].offset + 1 for tp, messages in batch.items()}
                await producer.send_offsets_to_transaction(offsets, group)
    finally:
        await consumer.stop()
        await producer.stop()
