"""The PostgreSQL projector: applies events to the views with its checkpoint in the same
transaction, so an event is applied exactly once however often Kafka delivers it. Personal data
is revealed with its subject's key as each event is applied (``[erased]`` once the key is gone).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import asyncpg
from aiokafka import TopicPartition

from infra import kafka
from infra.settings import Settings
from projections.event_log import ChainedEventLog
from projections.postgres_views import TABLES, VIEWS
from projections.subject_keys import SubjectKeys
from streams.catalogue import TOPICS, upcast
from streams.envelope import Envelope
from streams.processors.runtime import assign_all, at_end


class PostgresProjector:
    """Builds the views in one schema from every topic."""

    def __init__(self, settings: Settings, pool: asyncpg.Pool) -> None:
        self.settings = settings
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
        applied = 0
        logged: list[tuple[int, bytes, Envelope]] = []
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                "SELECT next_offset FROM projection_checkpoints WHERE topic=$1 AND partition=$2"
                " FOR UPDATE", tp.topic, tp.partition)
            next_offset = row["next_offset"] if row else 0
            for offset, value in messages:
                if offset < next_offset:
                    continue  # delivered before: already in the views
                event = upcast(Envelope.from_json(value))
                logged.append((offset, value, await self.keys.reveal(conn, event)))
                next_offset = offset + 1
                applied += 1
            # event_log first: views may amend the rows of earlier events of the same batch
            await self.event_log.append(conn, tp.topic, tp.partition, logged)
            for _offset, _value, event in logged:
                view = VIEWS.get(event.type)
                if view is not None:
                    await view(conn, event)
            await conn.execute(
                "INSERT INTO projection_checkpoints (topic, partition, next_offset)"
                " VALUES ($1,$2,$3) ON CONFLICT (topic, partition) DO UPDATE"
                " SET next_offset=EXCLUDED.next_offset", tp.topic, tp.partition, next_offset)
        return applied

    async def run(self, stop: asyncio.Event, *, until_end: bool = False) -> None:
        """Follow the log from the checkpoints; with ``until_end``, stop at today's end of log."""
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
                for tp, messages in batch.items():
                    await self.apply_batch(tp, [(m.offset, m.value) for m in messages])
        finally:
            await consumer.stop()


async def checksum(pool: asyncpg.Pool) -> dict[str, str]:
    """An md5 of every view table's rows in key order, to prove two builds equal."""
    sums = {}
    async with pool.acquire() as conn:
        for table, key in TABLES.items():
            sums[table] = await conn.fetchval(
                f"SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t.{key})), '')"
                f" FROM {table} t")
    return sums
