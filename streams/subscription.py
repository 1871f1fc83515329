"""Membership of a Kafka consumer group, and what a processor owns while it is a member.

A processor instance joins its kind's group; Kafka shares the topics' partitions among the
instances and moves them when one joins or leaves. Whatever an instance keeps for a partition
(state folded from the log, an open transaction, a running simulation) is built when the
partition is assigned and dropped when it is revoked: the ``PartitionOwner`` hooks. A batch is
processed under ``lock``, which a revocation waits for, so no batch straddles a hand-over.

Effects inside Kafka go through one transactional producer per input partition, whose
transactional id names the group, topic and partition: the instance that takes a partition
over fences the one that held it, so a paused or partitioned-away instance cannot commit what
the new owner also commits (aiokafka's ``send_offsets_to_transaction`` takes a group id, not
the group's generation, so this is how zombies are fenced). aiokafka rebalances eagerly (every
partition is revoked, then the new assignment handed out); the sticky assignor keeps each
partition where it was whenever it can.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Iterable, Sequence
from typing import Protocol

from aiokafka import AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.coordinator.assignors.sticky.sticky_assignor import StickyPartitionAssignor
from aiokafka.errors import CommitFailedError, IllegalStateError
from aiokafka.structs import ConsumerRecord

from infra import kafka, metrics
from infra.pressure import CpuPressure
from infra.settings import Settings

log = logging.getLogger(__name__)
FETCH_WAIT_MS = 500
"""How long the broker holds a fetch that finds nothing new (aiokafka's default). Records
committed meanwhile end the wait at once, and the commit marker comes with them (a consumer
passes a transaction's marker in the fetch that brings its records: 1-5 ms after the commit
at 100 ms and at 500 ms alike). A consumer holds its next fetch until it has taken the records
of the last one (``infra.kafka.PREFETCH_HOLD_S``), so the wait costs no latency when it is busy
either: no fetch that leaves a partition out is under way when it comes back for more. A short
wait only costs idle fetches, paid by the consumer and by the broker: the whole service at
rest (some twenty consumers, two cores) took 0.27 cores at 100 ms, 0.12 of them the broker's,
and 0.13 cores at 500 ms; in a burst of 100 runs the service sent 685-824 fetches at 100 ms
(the broker spent 0.55-0.72 ms of CPU on each, empty or not), 297 at 500 ms with the hold."""
LINGER_BELOW = 100
"""A lingering member (``Settings.batch_linger_ms``) waits after a batch of fewer records."""
GATHER_BYTES = 64 * 1024
"""What a gathering member's fetch waits for (see ``Settings.fetch_gather_ms``)."""
Batch = dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]


class PartitionOwner(Protocol):
    """What a member keeps per partition."""

    async def assigned(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int] | None:
        """Build what the member needs for ``partitions`` before their first message; return
        where to start reading any of them that does not resume at the group's offset (a
        member that keeps its own tracking records), or None."""

    async def revoked(self, partitions: list[TopicPartition]) -> None:
        """Drop what the member kept for ``partitions``; another member owns them now."""


class NothingOwned:
    """For a member that keeps nothing per partition: it resumes from the group's offsets."""

    async def assigned(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int] | None:
        return None

    async def revoked(self, partitions: list[TopicPartition]) -> None:
        return None


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, subscription: Subscription) -> None:
        self.subscription = subscription

    async def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        async with self.subscription.lock:
            parts = sorted(revoked)
            if parts:
                log.info("%s: revoked %s", self.subscription.group, parts)
                await self.subscription.owner.revoked(parts)

    async def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        async with self.subscription.lock:
            parts = sorted(assigned)
            if parts:
                log.info("%s: assigned %s", self.subscription.group, parts)
                starts = await self.subscription.owner.assigned(parts)
                for tp, offset in (starts or {}).items():
                    self.subscription.consumer.seek(tp, offset)


def _count(batch: Batch) -> int:
    return sum(len(messages) for messages in batch.values())


class Subscription:
    """One member of ``group`` over ``topics`` (logical names)."""

    def __init__(self, settings: Settings, group: str, topics: Sequence[str],
                 owner: PartitionOwner | None = None) -> None:
        self.settings = settings
        self.group = f"{settings.topic_prefix}.{group}"
        self.topics = [settings.topic(t) for t in dict.fromkeys(topics)]
        self.owner = owner or NothingOwned()
        # probed only for a member that yields to load (the background processors)
        self.pressure = CpuPressure() if settings.yield_to_load_s else None
        self.lock = asyncio.Lock()
        # a member that may trail gathers: the broker holds its fetch until GATHER_BYTES came
        # or fetch_gather_ms passed (settings.fetch_gather_ms), one fetch for many records
        gather = settings.fetch_gather_ms
        self.consumer = kafka.consumer(
            settings.kafka_bootstrap, self.group,
            partition_assignment_strategy=(StickyPartitionAssignor,),
            session_timeout_ms=settings.kafka_session_timeout_ms,
            fetch_max_wait_ms=gather or FETCH_WAIT_MS,
            fetch_min_bytes=GATHER_BYTES if gather else 1)

    async def batches(self, stop: asyncio.Event, *, max_records: int = 500,
                      idle: bool = False) -> AsyncGenerator[Batch]:
        """Batches of the partitions this member owns, each to be processed under ``lock``
        (taken here: the caller processes inside the loop body), until ``stop``; with ``idle``,
        an empty batch too after each poll that brought nothing, for a member that also acts
        on time or on positions that moved past transaction markers."""
        await self.consumer.start()
        self.consumer.subscribe(topics=self.topics, listener=_Listener(self))
        try:
            while not stop.is_set():
                batch = await self.consumer.getmany(timeout_ms=300, max_records=max_records)
                if not batch and not idle:
                    continue
                if batch and self.pressure is not None:
                    # work that may trail waits while the cores are contended (infra.pressure)
                    waited = await self.pressure.calm(self.settings.yield_to_load_s)
                    metrics.YIELDED_SECONDS.labels(self._name).inc(waited)
                async with self.lock:
                    owned = self.consumer.assignment()
                    batch = {tp: ms for tp, ms in batch.items() if tp in owned}
                    if batch or idle:
                        began = time.monotonic()
                        yield batch
                        self._measure(batch, time.monotonic() - began)
                if self.settings.batch_linger_ms and 0 < _count(batch) < LINGER_BELOW:
                    # records trickle in: those that come meanwhile share the next batch (a
                    # batch this large or larger means more wait already, to be taken at once)
                    await asyncio.sleep(self.settings.batch_linger_ms / 1000)
        finally:
            # the partitions are let go while still a member: what waited is committed as
            # this member (``commit``) before the consumer leaves the group
            try:
                async with self.lock:
                    parts = sorted(self.consumer.assignment())
                    if parts:
                        await self.owner.revoked(parts)
            finally:
                await self.consumer.stop()

    async def commit(self, offsets: dict[TopicPartition, int]) -> bool:
        """Commit ``offsets`` outside any transaction, as this member of the group: for input
        whose handling emitted nothing, so there is nothing to keep atomic with them. The group
        refuses a member it has rebalanced away (its generation is fenced, as a transactional
        id is for emits): then False, and the partitions' new owner handles those records
        again, which emits nothing again. One request to the broker, where a transaction of
        offsets alone is four, and costs the broker ten times the CPU (5 ms against 0.5)."""
        try:
            await asyncio.wait_for(self.consumer.commit(offsets), self.settings.kafka_timeout_s)
        except (CommitFailedError, IllegalStateError) as exc:
            log.info("%s: offsets %s left to the partitions' next owner: %r", self.group,
                     offsets, exc)
            return False
        return True

    @property
    def _name(self) -> str:
        return self.group.removeprefix(f"{self.settings.topic_prefix}.")

    def _measure(self, batch: Batch, seconds: float) -> None:
        """Count a processed batch: its messages, its time, each partition's lag after it."""
        prefix = f"{self.settings.topic_prefix}."
        name = self._name
        if batch:
            metrics.BATCH_SECONDS.labels(name).observe(seconds)
        for tp, messages in batch.items():
            topic = tp.topic.removeprefix(prefix)
            metrics.EVENTS_APPLIED.labels(name, topic).inc(len(messages))
            end = self.consumer.highwater(tp)
            if end is not None and messages:
                metrics.CONSUMER_LAG.labels(name, topic, str(tp.partition)).set(
                    max(0, end - messages[-1].offset - 1))


class PartitionProducers:
    """One transactional producer per owned input partition (see the module's docstring)."""

    def __init__(self, settings: Settings, group: str) -> None:
        self.settings = settings
        self.group = group
        self.producers: dict[TopicPartition, AIOKafkaProducer] = {}

    def transactional_id(self, tp: TopicPartition) -> str:
        return f"{self.group}|{tp.topic}|{tp.partition}"

    async def open(self, partitions: Sequence[TopicPartition]) -> None:
        for tp in partitions:
            if tp not in self.producers:
                producer = kafka.producer(self.settings.kafka_bootstrap,
                                          transactional_id=self.transactional_id(tp))
                await producer.start()
                self.producers[tp] = producer

    async def close(self, partitions: Sequence[TopicPartition]) -> None:
        closing = [self.producers.pop(tp) for tp in partitions if tp in self.producers]
        await asyncio.gather(*(p.stop() for p in closing), return_exceptions=True)

    def __getitem__(self, tp: TopicPartition) -> AIOKafkaProducer:
        return self.producers[tp]
