"""Reading whole topics outside any consumer group: every partition assigned by hand.

A catch-up reads a topic from offset 0 to its end as it is now; a ``StateFollower`` keeps
folding a processor's state topics as they grow, so that each instance of a processor whose
state spans partitions it does not own holds the whole of that state (see
:mod:`streams.processors.runtime`). Both read committed transactions only, so an end offset is
the last stable offset and a follower at it has seen every event committed before it was taken.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition

from infra import kafka
from infra.settings import Settings
from streams.catalogue import upcast
from streams.envelope import Envelope
from streams.subscription import FETCH_WAIT_MS

log = logging.getLogger(__name__)
END_WAIT_MS = 100
"""The fetch wait of a read to the end of the log as it is now: its last fetch may only move
the position past the final commit marker, and a short wait bounds what that could cost."""


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


async def at_end(consumer: AIOKafkaConsumer, end: dict[TopicPartition, int]) -> bool:
    """Whether the consumer has read every partition up to ``end``."""
    for tp, offset in end.items():
        if await consumer.position(tp) < offset:
            return False
    return True


async def records_in(settings: Settings, spans: dict[TopicPartition, tuple[int, int]]
                     ) -> dict[TopicPartition, int]:
    """How many committed records each partition holds in its span [start, end): transaction
    markers take offsets too (several in a row where transactions interleave), so the
    difference of two offsets is not a count."""
    consumer = kafka.consumer(settings.kafka_bootstrap, None, fetch_max_wait_ms=END_WAIT_MS)
    await consumer.start()
    try:
        consumer.assign(list(spans))
        for tp, (start, _end) in spans.items():
            consumer.seek(tp, start)
        found = dict.fromkeys(spans, 0)
        while not await at_end(consumer, {tp: end for tp, (_start, end) in spans.items()}):
            for tp, messages in (await consumer.getmany(timeout_ms=300)).items():
                found[tp] += sum(1 for m in messages if m.offset < spans[tp][1])
        return found
    finally:
        await consumer.stop()


async def read_to_end(settings: Settings, topics: Sequence[str],
                      partitions: Sequence[TopicPartition] | None = None
                      ) -> AsyncIterator[Envelope]:
    """Every committed event of ``topics`` (or just of ``partitions``) from offset 0 to the end
    of the log as it is now."""
    # the last fetch only moves the position past the final commit marker: a short wait
    consumer = kafka.consumer(settings.kafka_bootstrap, None, fetch_max_wait_ms=END_WAIT_MS)
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
            # every partition's records are taken, those past the end too: records left
            # untaken would hold back the next fetch (infra.kafka.PREFETCH_HOLD_S)
            batch = await consumer.getmany(timeout_ms=500)
            for tp, messages in batch.items():
                for message in messages:
                    if tp in remaining and message.offset < end[tp]:
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


class StateFollower:
    """Folds every event of ``topics`` from offset 0 on, live, in a background task;
    ``caught_up`` waits until it has folded every event committed before the call."""

    def __init__(self, settings: Settings, topics: Sequence[str],
                 fold: Callable[[Envelope], None]) -> None:
        self.topics = topics
        self.fold = fold
        # ``caught_up`` waits for the position to pass the end: records committed end a fetch's
        # wait, and a fold that took its records late finds no fetch under way that leaves its
        # partition out (see streams.subscription.FETCH_WAIT_MS)
        self.consumer = kafka.consumer(settings.kafka_bootstrap, None,
                                       fetch_max_wait_ms=FETCH_WAIT_MS)
        self.parts: list[TopicPartition] = []
        self.moved = asyncio.Event()  # set after each fetch: positions may have advanced
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.consumer.start()
        self.parts = await assign_all(self.consumer, self.topics)
        await self.consumer.seek_to_beginning(*self.parts)
        self.task = asyncio.create_task(self._follow(), name=f"follow:{','.join(self.topics)}")

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        await self.consumer.stop()

    async def _follow(self) -> None:
        while True:
            batch = await self.consumer.getmany(timeout_ms=300, max_records=1000)
            for messages in batch.values():
                for message in messages:
                    event = readable(message.value)
                    if event is not None:
                        self.fold(event)
            self.moved.set()

    async def caught_up(self) -> None:
        """Return once every event committed to ``topics`` before this call is folded; the
        follower's failure (an outage) is raised here."""
        assert self.task is not None, "start() first"
        end = await self.consumer.end_offsets(self.parts)
        while True:
            self.moved.clear()
            if await at_end(self.consumer, end):
                return
            if self.task.done():
                raise self.task.exception() or RuntimeError("the state follower stopped")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.moved.wait(), 1.0)
