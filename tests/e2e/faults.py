"""Helpers of the fault tests: the processors' pids from their heartbeats, counting what was
billed, waiting for a condition."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient
from redis.asyncio import Redis

from app.ops.heartbeats import instances
from infra import kafka
from infra.settings import Settings
from streams.reading import assign_all, records_in
from tests.integration.helpers import wait_for


async def processor_pids(settings: Settings) -> dict[str, list[int]]:
    """The pids of each processor kind's running instances, as their heartbeats say."""
    redis = Redis.from_url(settings.redis_url, decode_responses=True)
    try:
        alive = await instances(redis, settings)
        return {name: sorted(i["pid"] for i in found) for name, found in alive.items()}
    finally:
        await redis.aclose()


async def eventually(check: Callable[[], Awaitable[Any]], timeout_s: float = 60,
                     every_s: float = 0.3) -> Any:
    """The first truthy result of ``check``, polled a while longer than the integration tests
    do: the fault tests wait on processes being restarted."""
    return await wait_for(check, timeout_s, every_s)


async def billed(settings: Settings, simulation_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Per simulation: its usage records and whether each was reported to Stripe."""
    conn = await asyncpg.connect(settings.postgres_dsn,
                                 server_settings={"search_path": settings.projection_schema})
    try:
        rows = await conn.fetch(
            "SELECT simulation_id, count(*) AS records, sum(iterations) AS iterations,"
            " count(reported_at) AS reported FROM usage_records"
            " WHERE simulation_id = ANY($1::text[]) GROUP BY simulation_id", simulation_ids)
        return {r["simulation_id"]: dict(r) for r in rows}
    finally:
        await conn.close()


async def replay_equals_live(settings: Settings, *, keep: str | None = None) -> None:
    """Once the live PostgreSQL views settle, a replay from offset 0 rebuilds them equal. A
    processor may still append to the log after the views settled (billing runs at the lowest
    priority, and a loaded machine can hold it back for seconds): a replay that differs while
    the live views moved on meanwhile is taken again once they settle; one that differs from
    views that did not move is a difference, and the tables that differ are named. With
    ``keep``, the replay is rebuilt in that schema and left there for the caller to read (and
    drop)."""
    from infra import postgres
    from projections.replay import replay_postgres

    rebuilt = keep or f"{settings.projection_schema}_rebuilt"
    for _ in range(3):
        current = await _settled(settings)
        try:
            replayed = await replay_postgres(settings, rebuilt)
        finally:
            if keep is None:
                await postgres.drop_schema(settings.postgres_dsn, rebuilt)
        if replayed == current:
            return
        if await _settled(settings) == current:
            differ = sorted(table for table in current if replayed.get(table) != current[table])
            raise AssertionError(f"the replay differs from the live views in {differ}")
    raise AssertionError("the live views kept moving while the log was replayed")


async def _settled(settings: Settings) -> dict[str, str]:
    """The live views' checksums once nothing changed for half a second and the projector
    has applied every record in the log (unchanged views alone may be a projector still
    restarting)."""
    from infra import postgres
    from projections.postgres import checksum

    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    try:
        previous = None
        for _ in range(100):
            current = await checksum(pool)
            if current == previous and await projector_lag(settings, pool) == 0:
                return current
            previous = current
            await asyncio.sleep(0.5)
        raise AssertionError("the live views never settled")
    finally:
        await pool.close()


async def projector_lag(settings: Settings, pool: asyncpg.Pool) -> int:
    """How many records of the log the PostgreSQL projector has yet to apply: read from its
    checkpoint rows to each partition's end (commit markers, which take an offset each, are
    not counted)."""
    from projections.postgres import PostgresProjector
    from streams.events.topics import TOPICS

    done = await PostgresProjector(settings, pool).checkpoints()
    consumer = kafka.consumer(settings.kafka_bootstrap, None)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(
            await assign_all(consumer, [settings.topic(t) for t in TOPICS]))
    finally:
        await consumer.stop()
    spans = {tp: (done.get((tp.topic, tp.partition), 0), end) for tp, end in ends.items()}
    return sum((await records_in(settings, spans)).values())


async def group_lag(settings: Settings, processor: str, topic: str) -> int:
    """How many records of ``topic`` the group of ``processor`` has yet to commit: records
    read (committed transactions only) from the group's offsets to the end, so the commit
    markers of transactional producers, which take an offset each, are not counted."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    consumer = kafka.consumer(settings.kafka_bootstrap, None)
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(
            f"{settings.topic_prefix}.{processor}")
        ends = await consumer.end_offsets(await assign_all(consumer, [settings.topic(topic)]))
        spans = {tp: (max(committed[tp].offset, 0) if tp in committed else 0, end)
                 for tp, end in ends.items()}
        return sum((await records_in(settings, spans)).values())
    finally:
        await consumer.stop()
        await admin.close()
