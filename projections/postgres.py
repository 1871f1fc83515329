"""The PostgreSQL projector: applies events to the views with its checkpoint in the same
transaction, so an event is applied exactly once however often Kafka delivers it. Personal data
is revealed with its subject's key as each event is applied (``[erased]`` once the key is gone).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any, cast

import asyncpg
from aiokafka import TopicPartition

from infra import kafka, metrics, tracing
from infra.faults import is_outage
from infra.settings import Settings
from projections.dead_letter_views import parked as parked_view
from projections.event_log import ChainedEventLog
from projections.feed_wakeups import notify
from projections.placement import SHARED, Placements, applies, evolve, load
from projections.postgres_views import PLATFORM_VIEWS, TABLES, VIEWS
from projections.statement_batch import StatementBatch
from streams.catalogue import TOPICS, upcast
from streams.deadletter import claimed, failed, retried_message
from streams.envelope import Envelope
from streams.reading import assign_all, at_end
from streams.subject_keys import SubjectKeys
from streams.subscription import Subscription

NAME = "postgres-projector"
REPLAY_BATCH = 5000  # events a replay applies per transaction
Park = Callable[[list[Envelope]], Awaitable[None]]
log = logging.getLogger(__name__)


class PostgresProjector:
    """Builds the views in one schema from every topic."""

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
        with the partitions' checkpoints; returns how many were new.

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
                     if (new := [(o, v) for o, v in messages  # the rest: applied before
                                 if o >= done.get((tp.topic, tp.partition), 0)])}
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
                    for offset, value in messages:
                        try:
                            async with conn.transaction():
                                tenants |= await self._apply(conn, {tp: [(offset, value)]})
                        except Exception as poison:
                            if is_outage(poison):
                                raise
                            await self._park(conn, tp, offset, value, poison)
            await conn.executemany(
                "INSERT INTO projection_checkpoints (topic, partition, next_offset)"
                " VALUES ($1,$2,$3) ON CONFLICT (topic, partition) DO UPDATE"
                " SET next_offset=EXCLUDED.next_offset",
                [(tp.topic, tp.partition, messages[-1][0] + 1) for tp, messages in fresh.items()])
            await notify(conn, tenants)
        return sum(len(messages) for messages in fresh.values())

    async def apply_all(self, batches: AsyncIterator[tuple[TopicPartition,
                                                           Sequence[tuple[int, bytes]]]],
                        *, size: int = REPLAY_BATCH) -> None:
        """Apply partition batches as a replay reads them, about ``size`` events a
        transaction."""
        held: dict[TopicPartition, list[tuple[int, bytes]]] = {}
        count = 0
        async for tp, messages in batches:
            held.setdefault(tp, []).extend(messages)
            count += len(messages)
            if count >= size:
                await self.apply_batches(held)
                held, count = {}, 0
        if count:
            await self.apply_batches(held)

    async def _apply(self, conn: asyncpg.Connection,
                     batch: Mapping[TopicPartition, Sequence[tuple[int, bytes]]]) -> set[str]:
        """Apply the messages; returns the tenants whose events were added to the log."""
        placements = await load(conn)  # as of the batch: a move's events are in later ones
        logged: dict[tuple[str, int], list[tuple[int, bytes, Envelope]]] = {}
        handed_back: list[tuple[dict[str, Any], bytes]] = []
        for tp, messages in batch.items():
            part = logged.setdefault((tp.topic, tp.partition), [])
            for offset, value in messages:
                event = upcast(Envelope.from_json(value))
                parked = retried_message(event, self.name)
                if parked is not None:
                    handed_back.append((event.data, parked))
                part.append((offset, value, await self.keys.reveal(conn, event)))
        # event_log first: views may amend the rows of earlier events of the same batch
        await self.event_log.append(conn, logged)
        await _applied(conn, [event for part in logged.values() for _o, _v, event in part],
                       placements)
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
        return {event.tenant_id for part in logged.values() for _o, _v, event in part}

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
            await self.event_log.append(conn,
                                        {(tp.topic, tp.partition): [(offset, value, stand_in)]})
        if self.park is not None:
            await self.park([failure])

    async def run(self, stop: asyncio.Event, *, until_end: bool = False) -> None:
        """Follow the log from the checkpoints as one member of the projector's group (any
        number share the partitions; the checkpoint rows keep each event applied once); with
        ``until_end``, alone, every partition up to today's end of log."""
        if not until_end:
            subscription = Subscription(self.settings, self.name, list(TOPICS),
                                        _FromCheckpoints(self))
            async for batch in subscription.batches(stop, max_records=1000):
                each = [m for messages in batch.values() for m in messages]
                with tracing.consuming_batch(f"{self.name} apply", [m.headers for m in each],
                                             partitions=len(batch), messages=len(each)):
                    await self.apply_batches({tp: [(m.offset, m.value) for m in messages]
                                              for tp, messages in batch.items()})
            return
        consumer = kafka.consumer(self.settings.kafka_bootstrap, None)
        await consumer.start()
        try:
            parts = await assign_all(consumer, [self.settings.topic(t) for t in TOPICS])
            done = await self.checkpoints()
            for tp in parts:
                consumer.seek(tp, done.get((tp.topic, tp.partition), 0))
            end = await consumer.end_offsets(parts) if until_end else {}
            while not stop.is_set():
                if until_end and await at_end(consumer, end):
                    return
                batch = await consumer.getmany(timeout_ms=300, max_records=1000)
                if batch:
                    await self.apply_batches({tp: [(m.offset, m.value) for m in messages]
                                              for tp, messages in batch.items()})
        finally:
            await consumer.stop()


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
