"""``riskstream status``: is each dependency reachable, is each processor beating, how far
behind is each consumer group, partition by partition, and how many messages are parked."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from redis.asyncio import Redis

from app.ops.heartbeats import instances
from app.ops.workers import PROCESSORS
from infra import kafka
from infra.blobstore import open_blob_store
from infra.settings import Settings
from projections.mongo import database

TIMEOUT_S = 5.0
PROJECTOR = "postgres-projector"  # keeps its offsets in its checkpoint rows, not in Kafka


async def _reachable(check: Callable[[], Awaitable[object]]) -> dict[str, Any]:
    began = time.monotonic()
    try:
        await asyncio.wait_for(check(), TIMEOUT_S)
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable", reported
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"ok": True, "ms": round((time.monotonic() - began) * 1000, 1)}


async def dependencies(settings: Settings) -> dict[str, dict[str, Any]]:
    async def kafka_up() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
        await admin.start()
        try:
            await admin.list_topics()
        finally:
            await admin.close()

    async def postgres_up() -> None:
        conn = await asyncpg.connect(settings.postgres_dsn, timeout=TIMEOUT_S)
        try:
            await conn.fetchval("SELECT 1")
        finally:
            await conn.close()

    async def mongo_up() -> None:
        await database(settings.mongo_url, settings.mongo_db).command("ping")

    async def redis_up() -> None:
        redis = Redis.from_url(settings.redis_url, socket_timeout=TIMEOUT_S)
        try:
            await redis.ping()
        finally:
            await redis.aclose()

    async def blobs_up() -> None:
        store = open_blob_store(settings)
        await asyncio.to_thread(lambda: next(iter(store.digests()), None))

    async def stripe_up() -> None:  # any HTTP answer: the API is there
        async with httpx.AsyncClient(timeout=TIMEOUT_S) as client:
            await client.get(settings.stripe_api_base)

    checks = {"kafka": kafka_up, "postgres": postgres_up, "mongodb": mongo_up,
              "redis": redis_up, "blob_store": blobs_up}
    if settings.stripe_api_key:
        checks["stripe"] = stripe_up
    results = await asyncio.gather(*(_reachable(c) for c in checks.values()))
    return dict(zip(checks, results, strict=True))


COUNTED = 10_000
"""Lags up to this many offsets are counted record by record: a transaction's commit marker
takes an offset of its own, so a group that has read everything sits one offset short of the
end of a topic written in transactions, and offsets alone would show it 1 behind at rest."""


async def _records_after(consumer: AIOKafkaConsumer, starts: dict[TopicPartition, int],
                         end: dict[TopicPartition, int]) -> dict[TopicPartition, list[int]]:
    """The offsets of the committed records from each start to the end (markers and aborted
    records are none), as a read_committed consumer finds them."""
    consumer.assign(list(starts))
    for tp, offset in starts.items():
        consumer.seek(tp, offset)
    found: dict[TopicPartition, list[int]] = {tp: [] for tp in starts}
    deadline = asyncio.get_running_loop().time() + TIMEOUT_S
    while asyncio.get_running_loop().time() < deadline:
        batch = await consumer.getmany(timeout_ms=200)
        for tp, messages in batch.items():
            found[tp].extend(m.offset for m in messages if m.offset < end[tp])
        if not batch:
            break
        reached = [await consumer.position(tp) >= end[tp] for tp in starts]
        if all(reached):
            break
    return found


async def consumer_lag(settings: Settings) -> dict[str, dict[str, int]]:
    """Each consumer group of this log: records not yet consumed, by ``topic/partition``
    (counted one by one up to COUNTED offsets behind, so transaction markers count none)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    consumer = kafka.consumer(settings.kafka_bootstrap, None)
    await admin.start()
    await consumer.start()
    try:
        prefix = f"{settings.topic_prefix}."
        groups = sorted(str(g[0]) for g in await admin.list_consumer_groups()
                        if str(g[0]).startswith(prefix))
        committed = {g.removeprefix(prefix): await admin.list_consumer_group_offsets(g)
                     for g in groups}
        positions = {g: {tp: o.offset for tp, o in offsets.items()}
                     for g, offsets in committed.items()}
        positions[PROJECTOR] = await _checkpoints(settings)
        parts = {tp for offsets in positions.values() for tp in offsets}
        end = await consumer.end_offsets(list(parts)) if parts else {}
        starts: dict[TopicPartition, int] = {}
        for offsets in positions.values():
            for tp, offset in offsets.items():
                if 0 < end[tp] - offset <= COUNTED:
                    starts[tp] = min(offset, starts.get(tp, offset))
        records = await _records_after(consumer, starts, end) if starts else {}

        def behind(tp: TopicPartition, offset: int) -> int:
            if tp in records and end[tp] - offset <= COUNTED:
                return sum(1 for at in records[tp] if at >= offset)
            return max(0, int(end[tp]) - offset)

        return {group: {f"{tp.topic}/{tp.partition}": behind(tp, offset)
                        for tp, offset in sorted(offsets.items())}
                for group, offsets in sorted(positions.items()) if offsets}
    finally:
        await consumer.stop()
        await admin.close()


async def _checkpoints(settings: Settings) -> dict[TopicPartition, int]:
    conn = await asyncpg.connect(settings.postgres_dsn, timeout=TIMEOUT_S)
    try:
        rows = await conn.fetch(
            f'SELECT topic, partition, next_offset FROM "{settings.projection_schema}"'
            ".projection_checkpoints") if await conn.fetchval(
            "SELECT to_regclass($1)", f"{settings.projection_schema}.projection_checkpoints"
        ) else []
        return {TopicPartition(r["topic"], r["partition"]): r["next_offset"] for r in rows}
    finally:
        await conn.close()


async def parked(settings: Settings) -> int | None:
    conn = await asyncpg.connect(settings.postgres_dsn, timeout=TIMEOUT_S)
    try:
        table = f"{settings.projection_schema}.dead_letters"
        if not await conn.fetchval("SELECT to_regclass($1)", table):
            return None
        return int(await conn.fetchval(f"SELECT count(*) FROM {table} WHERE retried_at IS NULL"))
    finally:
        await conn.close()


async def status(settings: Settings) -> dict[str, Any]:
    """The whole report; ``ok`` when every dependency answers and every processor beats."""
    deps = await dependencies(settings)
    report: dict[str, Any] = {"dependencies": deps, "processors": {}, "lag": {},
                              "dead_letters": None}
    if deps["redis"]["ok"]:
        redis = Redis.from_url(settings.redis_url, decode_responses=True, socket_timeout=5)
        try:
            alive = await instances(redis, settings)
        finally:
            await redis.aclose()
        report["processors"] = {name: alive.get(name, []) for name in PROCESSORS}
    if deps["kafka"]["ok"] and deps["postgres"]["ok"]:
        report["lag"] = await consumer_lag(settings)
    if deps["postgres"]["ok"]:
        report["dead_letters"] = await parked(settings)
    report["ok"] = (all(d["ok"] for d in deps.values()) and bool(report["processors"])
                    and all(report["processors"].values()))
    return report


def render(report: dict[str, Any]) -> str:
    """The report as an operator reads it in a terminal."""
    lines = ["dependencies:"]
    for name, dep in report["dependencies"].items():
        lines.append(f"  {name:<12} {'up' if dep['ok'] else 'DOWN'}"
                     f"  {dep.get('ms', '')}{' ms' if dep['ok'] else dep['error']}")
    lines.append("processors (instance pid heartbeat-age uptime metrics-port):")
    for name, running in report["processors"].items():
        if not running:
            lines.append(f"  {name:<20} NOT RUNNING")
        for i in running:
            lines.append(f"  {name:<20} #{i['instance']} pid {i['pid']} beat"
                         f" {i['heartbeat_age_s']} s ago, up {i['up_s']} s,"
                         f" metrics {i.get('metrics_port') or '-'}")
    lines.append("consumer lag (messages behind, per partition):")
    for group, partitions in report["lag"].items():
        behind = {tp: n for tp, n in partitions.items() if n}
        total = sum(partitions.values())
        lines.append(f"  {group:<20} {total} behind"
                     + (f": {', '.join(f'{tp}={n}' for tp, n in behind.items())}" if behind
                        else ""))
    lines.append(f"dead letters (parked, not handed back): {report['dead_letters']}")
    lines.append("ok" if report["ok"] else "NOT OK")
    return "\n".join(lines)
