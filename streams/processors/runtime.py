"""Running a processor on Kafka with exactly-once effects inside Kafka.

Each input partition's batch is handled inside one Kafka transaction of that partition's
producer, holding the events the handler emitted and the consumer offset, so a crash either
loses nothing or repeats nothing. Processors are consumer-group members (see
:mod:`streams.subscription`): a handler whose state is per partition is folded from the log
when its partition is assigned, and a handler whose state spans partitions it does not own
follows its state topics whole, so any number of instances share the partitions (see
``TransactionalMember``). An event that fails for a reason of its own is parked as
``processing.failed`` in the same transaction and skipped (see :mod:`streams.deadletter`); an
outage stops the processor with nothing committed, for its supervisor to restart.

A batch that emits nothing (most of the fan-out's, the ledger's releases) has nothing to keep
atomic with its offsets, so they wait up to ``COMMIT_EVERY_S`` to go with the partition's next
transaction, and once that time has passed or the partition moves or the processor stops, the
member commits them itself, outside any transaction (``Subscription.commit``). Such a batch may
be handled again after a crash, which the handlers take as they take any redelivery; a burst of
small runs no longer costs these processors a transaction per poll.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from functools import partial
from typing import Protocol

from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from infra import metrics, tracing
from infra.faults import is_outage
from infra.log_format import bound
from infra.settings import Settings
from streams.catalogue import upcast
from streams.deadletter import failed, retried_message
from streams.envelope import Envelope
from streams.events import ProcessingFailed, ProcessingRetryRequested
from streams.log import record, serialized
from streams.reading import StateFollower, read_to_end
from streams.subscription import PartitionProducers, Subscription

log = logging.getLogger(__name__)
COMMIT_EVERY_S = 1.0
"""How long the offsets of batches that emitted nothing may wait for a transaction."""
REVOKE_COMMIT_S = 5.0
"""How long a partition moving away (or the processor stopping) waits for those offsets."""


class Handler(Protocol):
    """A processor's logic: ``handle`` returns the events one input event causes. A handler
    with a true ``concurrent`` attribute keeps no state across events, and has the events of
    one batch handled at once; a ``batch_records`` attribute bounds a batch (500 by default)."""

    @property
    def name(self) -> str:
        """The processor's name: its consumer group and transactional id."""

    @property
    def topics(self) -> Sequence[str]:
        """The logical topics it consumes."""

    @property
    def state_topics(self) -> Sequence[str]:
        """The topics whose events it folds into its state, from offset 0 on."""

    def fold(self, event: Envelope) -> None:
        """Apply an event from a state topic, in each partition's log order; an event the
        handler applied as it emitted it comes again, and must change nothing then."""

    async def handle(self, event: Envelope) -> list[Envelope]:
        """The events caused by ``event``; raising stops the processor (nothing is committed)."""


Handlers = Callable[[str, int], "Handler | None"]
PARKING = (ProcessingFailed.type, ProcessingRetryRequested.type)


async def outcome(handlers: Handlers, name: str, topic: str, partition: int, offset: int,
                  value: bytes, folded: Collection[str],
                  headers: Sequence[tuple[str, bytes]] | None = None) -> list[Envelope]:
    """The events the handler of ``topic``/``partition`` emits for one message (folded first
    when ``topic`` is one of ``folded``); ``processing.failed`` when the message itself cannot
    be processed; an outage propagates. ``headers``: the message's, with its trace context."""
    try:
        event = upcast(Envelope.from_json(value))
        parked = retried_message(event, name)
        if parked is not None:
            at = event.body(ProcessingRetryRequested)
            return await outcome(handlers, name, at.topic, at.partition, at.offset, parked,
                                 folded)
        if event.type in PARKING:  # the operators' concern, and other processors' hand-backs
            return []
        handler = handlers(topic, partition)
        if handler is None:
            raise LookupError(f"{topic}/{partition} is owned by another instance of {name};"
                              " hand the message back again")
        if topic in folded:
            handler.fold(event)
        began = time.monotonic()
        with bound(correlation_id=event.correlation_id, tenant_id=event.tenant_id,
                   event_id=event.id), tracing.consuming(f"{name} {event.type}", headers,
                                                         event_id=event.id, topic=topic):
            emitted = await handler.handle(event)
            tracing.stamp([e.id for e in emitted])
        for each in emitted:  # one too large to record is this message's failure, parked
            serialized(each)
        metrics.HANDLE_SECONDS.labels(name, event.type).observe(time.monotonic() - began)
        return emitted
    except Exception as exc:
        if is_outage(exc):
            raise
        log.warning("%s parks %s/%s@%s: %r", name, topic, partition, offset, exc)
        metrics.EVENTS_FAILED.labels(name).inc()
        return [failed(name, topic, partition, offset, value, exc)]


class TransactionalMember:
    """A processor instance's partitions, their producers, and the handler's state, kept one
    of two ways chosen from the handler's topics; either way any number of instances share the
    input partitions.

    Per partition, when the handler folds only the one topic it consumes (the tenant ledger: a
    tenant is one partition) or nothing (the parser): a handler per partition, folded from the
    log when it is assigned, and each input event folded as it is handled. Whole, when it folds
    other topics than it consumes (billing folds every tenant, the webhook fan-out every
    endpoint): one handler, which a ``StateFollower`` keeps folding every partition of its
    state topics, and ``caught_up`` holds each batch until the follower has folded every state
    event committed before the batch arrived (its own state events included, so ``outcome``
    does not fold them again)."""

    def __init__(self, settings: Settings, make: Callable[[], Handler],
                 ready: Callable[[], Awaitable[None]] | None) -> None:
        self.settings = settings
        self.make = make
        self.whole = make()
        self.ready = ready
        self.group = f"{settings.topic_prefix}.{self.whole.name}"
        state_topics = {settings.topic(t) for t in self.whole.state_topics}
        partitioned = not state_topics or (
            set(self.whole.topics) == set(self.whole.state_topics)
            and len(self.whole.topics) == 1)
        self.folded_inputs = state_topics if partitioned else set()
        self.follower = None if partitioned else StateFollower(
            settings, sorted(state_topics), partial(fold_safely, self.whole))
        self.handlers: dict[TopicPartition, Handler] = {}
        self.producers = PartitionProducers(settings, self.group)
        # every processor also reads the parked messages an operator hands back to it
        self.subscription = Subscription(settings, self.whole.name,
                                         (*self.whole.topics, "deadletters"), self)
        # per partition: the offset to commit for batches that emitted nothing, and since when
        self.uncommitted: dict[TopicPartition, tuple[int, float]] = {}

    async def start(self) -> None:
        if self.follower is not None:
            await self.follower.start()

    async def stop(self) -> None:
        if self.follower is not None:
            await self.follower.stop()

    async def caught_up(self) -> None:
        """Hold a batch until the whole state holds every event committed before it came."""
        if self.follower is not None:
            await self.follower.caught_up()

    async def assigned(self, partitions: list[TopicPartition]) -> None:
        """Open the partitions' producers and fold their state; they resume at the group's
        offsets."""
        await self.producers.open(partitions)
        for tp in partitions:
            if tp.topic in self.folded_inputs:
                handler = self.make()
                async for event in read_to_end(self.settings, (), [tp]):
                    fold_safely(handler, event)
                self.handlers[tp] = handler
        if self.ready is not None:
            ready, self.ready = self.ready, None
            await ready()

    async def revoked(self, partitions: list[TopicPartition]) -> None:
        waiting = [tp for tp in partitions if tp in self.uncommitted]
        try:  # the last word on what was handled here; without it, the next owner repeats it
            await asyncio.wait_for(self.commit(waiting), REVOKE_COMMIT_S)
        except Exception as exc:  # noqa: BLE001 - an outage: those batches are handled again
            log.warning("%s leaves offsets of %s uncommitted: %r", self.whole.name, waiting, exc)
        for tp in partitions:
            self.uncommitted.pop(tp, None)
            self.handlers.pop(tp, None)
        await self.producers.close(partitions)

    async def transaction(self, tp: TopicPartition, events: Sequence[Envelope],
                          offset: int) -> None:
        """``events`` and ``tp``'s offset (with any offset waiting) in one transaction."""
        self.uncommitted.pop(tp, None)
        producer = self.producers[tp]
        async with producer.transaction():
            delivered = []
            for out in events:
                topic, key, value = record(self.settings, out)
                delivered.append(await producer.send(topic, value=value, key=key,
                                                     headers=tracing.headers(out.id)))
            # a record the broker refuses aborts the transaction, offsets and all
            await asyncio.gather(*delivered)
            await producer.send_offsets_to_transaction({tp: offset}, self.group)

    def defer(self, tp: TopicPartition, offset: int) -> None:
        """Keep ``tp``'s offset of a batch that emitted nothing for a later transaction."""
        since = self.uncommitted.get(tp, (offset, time.monotonic()))[1]
        self.uncommitted[tp] = (offset, since)

    def due(self) -> list[TopicPartition]:
        """The partitions whose waiting offsets have waited ``COMMIT_EVERY_S``."""
        now = time.monotonic()
        return [tp for tp, (_, since) in self.uncommitted.items()
                if now - since >= COMMIT_EVERY_S]

    async def commit(self, partitions: Sequence[TopicPartition]) -> None:
        """The waiting offsets of ``partitions`` still owned, committed by the member itself:
        the batches they close emitted nothing (``Subscription.commit``)."""
        offsets = {tp: self.uncommitted.pop(tp)[0] for tp in partitions
                   if tp in self.uncommitted and tp in self.producers.producers}
        if offsets:
            await self.subscription.commit(offsets)

    def handler(self, topic: str, partition: int) -> Handler | None:
        if not self.folded_inputs:
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
    try:
        await _consume(settings, member, stop)
    finally:
        await member.stop()


async def _consume(settings: Settings, member: TransactionalMember, stop: asyncio.Event
                   ) -> None:
    name = member.whole.name
    subscription = member.subscription
    concurrent = bool(getattr(member.whole, "concurrent", False))
    size = int(getattr(member.whole, "batch_records", 500))
    # idle: the offsets waiting for a transaction go once due, whether records come or not
    async for batch in subscription.batches(stop, max_records=size, idle=True):
        if batch:
            await _handle(member, name, batch, concurrent)
        await member.commit(member.due())


async def _handle(member: TransactionalMember, name: str,
                  batch: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]],
                  concurrent: bool) -> None:
    await member.caught_up()
    # outcomes first, the transactions after: a slow handler (a parse) never holds a
    # transaction open past its timeout; a handler that says it is ``concurrent`` (it keeps
    # no state across events) handles the whole batch at once
    each = [(tp, m) for tp, messages in batch.items() for m in messages]
    pending = (outcome(member.handler, name, tp.topic, tp.partition, m.offset, m.value,
                       member.folded_inputs, m.headers) for tp, m in each)
    if concurrent:
        results = await asyncio.gather(*pending)
    else:
        results = [await one for one in pending]
    emitted: dict[TopicPartition, list[Envelope]] = {tp: [] for tp in batch}
    for (tp, _m), events in zip(each, results, strict=True):
        emitted[tp].extend(events)
    for tp, events in emitted.items():
        if events:
            await member.transaction(tp, events, batch[tp][-1].offset + 1)
        else:
            member.defer(tp, batch[tp][-1].offset + 1)
