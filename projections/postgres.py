"""The PostgreSQL projector: applies events to the views with its checkpoint in the same
transaction, so an event is applied exactly once however often Kafka delivers it. Personal data
is revealed with its subject's key as each event is applied (``[erased]`` once the key is gone).

A batch is decoded (parsed, upcast, its ``event_log`` rows made) before its transaction, while
the batch before it is still being written: the database works on one while Python reads the
next. Batches are still written one at a time and in order, each with its checkpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import asyncpg
from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from infra import kafka, metrics, tracing
from infra.faults import is_outage
from infra.settings import Settings
from projections.dead_letter_views import parked as parked_view
from projections.event_log import ChainedEventLog, Logged, logged
from projections.feed_wakeups import notify
from projections.placement import SHARED, Placements, applies, evolve, load
from projections.postgres_views import PLATFORM_VIEWS, TABLES, VIEWS
from projections.statement_batch import StatementBatch
from streams.catalogue import TOPICS, upcast
from streams.deadletter import claimed, failed, retried_message
from streams.envelope import Envelope
from streams.personal import sealed_subject
from streams.reading import assign_all, at_end
from streams.subject_keys import SubjectKeys
from streams.subscription import Subscription

NAME = "postgres-projector"
REPLAY_BATCH = 5000  # events a replay applies per transaction
DECODE_SLICE = 250  # messages decoded between two turns of the event loop
Park = Callable[[list[Envelope]], Awaitable[None]]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decoded:
    """A message read before its transaction: the event at its current version and, unless
    personal data in it waits to be revealed there, its ``event_log`` row; or why it could not
    be read, raised in the transaction so that the message is parked like any other poison."""

    offset: int
    value: bytes
    event: Envelope | None
    logged: Logged | None = None
    error: Exception | None = None

    def read(self) -> Envelope:
        if self.event is None:
            raise self.error or ValueError("unreadable message")
        return self.event


Batch = Mapping[TopicPartition, Sequence[Decoded]]
Headers = Sequence[tuple[str, bytes]] | None
# a decoded batch and, when it is traced (live), the Kafka headers of its messages
Decodes = AsyncGenerator[tuple[Batch, list[Headers] | None], None]


class PostgresProjector:
    """Builds the views in one schema from every topic."""

    keeps_event_log = True  # the event feed and its audit chain live in the shared database

    def __init__(self, settings: Settings, pool: asyncpg.Pool, park: Park | None = None
                 ) -> None:
        """``park`` records a poison message as an event; replays into a new schema have none
        (the live run recorded it), and park it in their own ``dead_letters`` only."""
        self.settings = settings
        self.name = NAME
        self.park = park
        self.pool = pool
        self.event_log = ChainedEventLog(settings.topic_prefix)
        self.keys = SubjectKeys(pool, settings.topic_prefix)

    async def checkpoints(self) -> dict[tuple[str, int], int]:
        rows = await self.pool.fetch("SELECT topic, partition, next_offset FROM "
                                     "projection_checkpoints")
        return {(r["topic"], r["partition"]): r["next_offset"] for r in rows}

    async def apply_batch(self, tp: TopicPartition,
                          messages: Sequence[tuple[int, bytes]]) -> int:
        """Apply ``(offset, value)`` messages of one partition; returns how many were new."""
        return await self.apply_batches({tp: messages})

    async def apply_batches(self, batch: Mapping[TopicPartition, Sequence[tuple[int, bytes]]]
                            ) -> int:
        """Apply a poll batch, ``(offset, value)`` messages per partition, in one transaction
        with the partitions' checkpoints; returns how many were new."""
        return await self.apply_decoded(await self.decode(batch))

    async def decode(self, batch: Mapping[TopicPartition, Sequence[tuple[int, bytes]]]
                     ) -> dict[TopicPartition, list[Decoded]]:
        """Read ``(offset, value)`` messages ahead of their transaction, handing the event loop
        back every :data:`DECODE_SLICE` messages so that a batch being written meanwhile gets
        its replies without waiting for the whole decode."""
        decoded: dict[TopicPartition, list[Decoded]] = {}
        count = 0
        for tp, messages in batch.items():
            part = decoded[tp] = []
            for offset, value in messages:
                part.append(self._decoded(offset, value))
                count += 1
                if count % DECODE_SLICE == 0:
                    await asyncio.sleep(0)
        return decoded

    def _decoded(self, offset: int, value: bytes) -> Decoded:
        try:
            event = upcast(Envelope.from_json(value))
            sealed = sealed_subject(event) is not None
            row = logged(offset, value, event) if self.keeps_event_log and not sealed else None
            return Decoded(offset, value, event, row)
        except Exception as exc:
            return Decoded(offset, value, None, error=exc)

    async def apply_decoded(self, batch: Batch) -> int:
        """Apply a decoded poll batch in one transaction with the partitions' checkpoints;
        returns how many messages were new.

        The batch is applied in one savepoint; should a message in it fail for a reason of its
        own, the batch is applied again message by message and only that one is parked. The
        transaction notifies ``event_log.<schema>`` with the tenants whose events it added,
        which the API's event streams wait on (:mod:`projections.feed_wakeups`)."""
        async with self.pool.acquire() as conn, conn.transaction():
            parts = list(batch)
            rows = await conn.fetch(
                "SELECT c.topic, c.partition, c.next_offset FROM projection_checkpoints c"
                " JOIN unnest($1::text[], $2::int[]) AS w(topic, partition)"
                " ON c.topic = w.topic AND c.partition = w.partition"
                " ORDER BY c.topic, c.partition FOR UPDATE OF c",
                [tp.topic for tp in parts], [tp.partition for tp in parts])
            done = {(r["topic"], r["partition"]): r["next_offset"] for r in rows}
            fresh = {tp: new for tp, messages in batch.items()
                     if (new := [m for m in messages  # the rest: applied before
                                 if m.offset >= done.get((tp.topic, tp.partition), 0)])}
            if not fresh:
                return 0
            try:
                async with conn.transaction():
                    tenants = await self._apply(conn, fresh)
            except Exception as exc:
                if is_outage(exc):
                    raise
                tenants = set()
                for tp, messages in fresh.items():
                    for message in messages:
                        try:
                            async with conn.transaction():
                                tenants |= await self._apply(conn, {tp: [message]})
                        except Exception as poison:
                            if is_outage(poison):
                                raise
                            await self._park(conn, tp, message.offset, message.value, poison)
            await conn.executemany(
                "INSERT INTO projection_checkpoints (topic, partition, next_offset)"
                " VALUES ($1,$2,$3) ON CONFLICT (topic, partition) DO UPDATE"
                " SET next_offset=EXCLUDED.next_offset",
                [(tp.topic, tp.partition, messages[-1].offset + 1)
                 for tp, messages in fresh.items()])
            await notify(conn, tenants)
        return sum(len(messages) for messages in fresh.values())

    async def apply_all(self, batches: AsyncIterator[tuple[TopicPartition,
                                                           Sequence[tuple[int, bytes]]]],
                        *, size: int = REPLAY_BATCH) -> None:
        """Apply partition batches as a replay reads them, about ``size`` events a
        transaction, each decoded while the one before is written."""

        _settle_heap()

        async def grouped() -> Decodes:
            held: dict[TopicPartition, list[tuple[int, bytes]]] = {}
            count = 0
            async for tp, messages in batches:
                held.setdefault(tp, []).extend(messages)
                count += len(messages)
                if count >= size:
                    yield await self.decode(held), None
                    held, count = {}, 0
            if count:
                yield await self.decode(held), None

        await self._write_behind(grouped())

    async def _write_behind(self, decodes: Decodes) -> None:
        """Write each decoded batch in turn while the next one is decoded."""
        writing: asyncio.Task[int] | None = None
        async with contextlib.aclosing(decodes):
            try:
                async for batch, headers in decodes:
                    if writing is not None:
                        await writing
                    writing = asyncio.create_task(self._traced(batch, headers))
                if writing is not None:
                    await writing
            finally:
                if writing is not None and not writing.done():
                    writing.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await writing

    async def _traced(self, batch: Batch, headers: list[Headers] | None) -> int:
        if headers is None:
            return await self.apply_decoded(batch)
        with tracing.consuming_batch(f"{self.name} apply", headers, partitions=len(batch),
                                     messages=len(headers)):
            return await self.apply_decoded(batch)

    async def _polled(self, batch: Mapping[TopicPartition, Sequence[ConsumerRecord[bytes, bytes]]]
                      ) -> tuple[Batch, list[Headers]]:
        """A live poll decoded, with its messages' headers to trace its transaction by."""
        decoded = await self.decode({tp: [(m.offset, m.value) for m in messages]
                                     for tp, messages in batch.items()})
        return decoded, [m.headers for messages in batch.values() for m in messages]

    async def _apply(self, conn: asyncpg.Connection, batch: Batch) -> set[str]:
        """Apply the messages; returns the tenants whose events were added to the log."""
        placements = await load(conn)  # as of the batch: a move's events are in later ones
        rows: dict[tuple[str, int], list[Logged]] = {}
        handed_back: list[tuple[dict[str, Any], bytes]] = []
        for tp, messages in batch.items():
            part = rows.setdefault((tp.topic, tp.partition), [])
            for message in messages:
                event = message.read()
                parked = retried_message(event, self.name)
                if parked is not None:
                    handed_back.append((event.data, parked))
                part.append(message.logged or logged(
                    message.offset, message.value, await self.keys.reveal(conn, event)))
        # event_log first: views may amend the rows of earlier events of the same batch
        await self.event_log.append(conn, rows)
        await _applied(conn, [m.event for part in rows.values() for m in part], placements)
        for where, value in handed_back:
            try:
                async with conn.transaction():
                    await _applied(conn, [await self.keys.reveal(
                        conn, upcast(Envelope.from_json(value)))], placements)
            except Exception as exc:
                if is_outage(exc):
                    raise
                await self._park(conn, TopicPartition(where["topic"], where["partition"]),
                                 where["offset"], value, exc, chained=False)
        return {m.event.tenant_id for part in rows.values() for m in part}

    async def _park(self, conn: asyncpg.Connection, tp: TopicPartition, offset: int,
                    value: bytes, error: BaseException, *, chained: bool = True) -> None:
        """Record the poison message in ``dead_letters`` (and, live, as ``processing.failed``);
        the chain still links its bytes, under a stand-in that any store can hold."""
        log.warning("%s parks %s/%s@%s: %r", self.name, tp.topic, tp.partition, offset,
                    error)
        metrics.EVENTS_FAILED.labels(self.name).inc()
        failure = failed(self.name, tp.topic, tp.partition, offset, value, error)
        await parked_view(conn, failure)
        if chained:
            about = claimed(value)
            stand_in = Envelope(type=about.type or "unreadable", tenant_id=about.tenant_id,
                                key=about.key, id=about.event_id or failure.id,
                                data={"parked": failure.id}, occurred_at=about.occurred_at)
            await self.event_log.append(
                conn, {(tp.topic, tp.partition): [logged(offset, value, stand_in)]})
        if self.park is not None:
            await self.park([failure])

    async def run(self, stop: asyncio.Event, *, until_end: bool = False) -> None:
        """Follow the log from the checkpoints as one member of the projector's group (any
        number share the partitions; the checkpoint rows keep each event applied once); with
        ``until_end``, alone, every partition up to today's end of log."""
        _settle_heap()
        if not until_end:
            subscription = Subscription(self.settings, self.name, list(TOPICS),
                                        _FromCheckpoints(self))

            # A batch may still be written after the subscription moved on to the next one,
            # even past a rebalance: the checkpoint rows, read FOR UPDATE in each transaction,
            # keep every event applied once whoever writes it.
            async def followed() -> Decodes:
                async for batch in subscription.batches(stop, max_records=1000):
                    yield await self._polled(batch)

            await self._write_behind(followed())
            return
        consumer = kafka.consumer(self.settings.kafka_bootstrap, None)
        await consumer.start()
        try:
            parts = await assign_all(consumer, [self.settings.topic(t) for t in TOPICS])
            done = await self.checkpoints()
            for tp in parts:
                consumer.seek(tp, done.get((tp.topic, tp.partition), 0))
            end = await consumer.end_offsets(parts)

            async def caught_up() -> Decodes:
                while not stop.is_set() and not await at_end(consumer, end):
                    batch = await consumer.getmany(timeout_ms=300, max_records=1000)
                    if batch:
                        yield await self._polled(batch)

            await self._write_behind(caught_up())
        finally:
            await consumer.stop()


def _settle_heap() -> None:
    """Leave what the process holds before it applies the log (modules, models, clients) out of
    the collector's full passes: applying allocates a few objects per event, so full passes come
    often, and each walked the whole heap again (a fifth of a replay's CPU time, measured)."""
    gc.freeze()


async def _applied(conn: asyncpg.Connection, events: Sequence[Envelope],
                   placements: Placements) -> None:
    """Apply ``events`` to the views in order, their writes sent as a few batched calls; a
    tenant whose work lives in a database of its own gets the platform's views only."""
    batch = StatementBatch(conn)
    for event in events:
        placements = evolve(placements, event)
        views = VIEWS if applies(placements, event.tenant_id, SHARED) else PLATFORM_VIEWS
        view = views.get(event.type)
        if view is not None:
            # the views write through the batch as through a connection (execute, fetch…)
            await view(cast(asyncpg.Connection, batch), event)
    await batch.flush()


class _FromCheckpoints:
    """Positions each partition the projector is assigned at its checkpoint row."""

    def __init__(self, projector: PostgresProjector) -> None:
        self.projector = projector

    async def assigned(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        done = await self.projector.checkpoints()
        return {tp: done.get((tp.topic, tp.partition), 0) for tp in partitions}

    async def revoked(self, partitions: list[TopicPartition]) -> None:
        return None


async def checksum(pool: asyncpg.Pool, tables: Mapping[str, str] = TABLES) -> dict[str, str]:
    """An md5 of every view table's rows in key order, to prove two builds equal."""
    sums = {}
    async with pool.acquire() as conn:
        for table, key in tables.items():
            sums[table] = await conn.fetchval(
                f"SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t.{key})), '')"
                f" FROM {table} t")
    return sums
