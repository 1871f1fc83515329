"""Operator commands: topics, tenants with their first API key, and projection replays."""

from __future__ import annotations

import asyncio
from typing import Any

from app.auth import hash_key, new_api_key
from infra import postgres
from infra.settings import Settings
from projections.follow import follow
from projections.mongo import ROLLUPS, MongoRollups, database
from projections.postgres import PostgresProjector, checksum
from projections.redis_progress import RedisProgress
from streams.catalogue import new_event
from streams.envelope import new_id
from streams.log import EventLog, ensure_topics
from streams.plans import PLANS


async def create_tenant(settings: Settings, name: str, plan: str, wait_s: float = 30.0
                        ) -> dict[str, Any]:
    """Record ``tenant.created`` and ``api_key.issued``; the key is returned once, never stored."""
    if plan not in PLANS:
        raise ValueError(f"unknown plan {plan!r}; plans: {sorted(PLANS)}")
    await ensure_topics(settings)
    tenant_id = new_id()
    key = new_api_key()
    key_id = new_id()
    created = new_event("tenant.created", tenant_id, tenant_id, {"name": name, "plan": plan})
    issued = created.caused("api_key.issued", {"key_id": key_id, "key_hash": hash_key(key)})
    log = EventLog(settings)
    try:
        await log.append([created, issued])
    finally:
        await log.close()
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    try:
        for _ in range(int(wait_s * 10)):  # the key works once the projection has it
            if await pool.fetchval("SELECT 1 FROM api_keys WHERE key_id=$1", key_id):
                break
            await asyncio.sleep(0.1)
    finally:
        await pool.close()
    return {"tenant_id": tenant_id, "name": name, "plan": plan, "api_key": key}


async def replay_postgres(settings: Settings, schema: str | None = None) -> dict[str, str]:
    """Rebuild the PostgreSQL views from offset 0 into an emptied ``schema`` (default: a fresh
    copy of the live schema's name, dropped first); returns the rebuilt tables' checksums."""
    schema = schema or settings.projection_schema
    await postgres.drop_schema(settings.postgres_dsn, schema)
    pool = await postgres.create_pool(settings.postgres_dsn, schema)
    try:
        await PostgresProjector(settings, pool).run(asyncio.Event(), until_end=True)
        return await checksum(pool)
    finally:
        await pool.close()


async def replay_mongo(settings: Settings, db_name: str | None = None) -> int:
    """Rebuild the MongoDB rollups from offset 0 into an emptied database; returns rollups."""
    db = database(settings.mongo_url, db_name or settings.mongo_db)
    await db[ROLLUPS].drop()
    rollups = MongoRollups(db)
    await follow(settings, f"replay-mongo-{new_id()}", ("simulations", "billing"), rollups.apply,
                 asyncio.Event(), from_start=True, until_end=True)
    return await db[ROLLUPS].count_documents({})


async def replay_redis(settings: Settings) -> int:
    """Rebuild the live-progress hashes from offset 0 (forward-only writes make it safe live)."""
    from redis.asyncio import Redis

    redis = Redis.from_url(settings.redis_url, decode_responses=True)
    try:
        keys = [k async for k in redis.scan_iter("progress:*")]
        if keys:
            await redis.delete(*keys)
        await follow(settings, f"replay-redis-{new_id()}", ("simulations",),
                     RedisProgress(redis).apply, asyncio.Event(), from_start=True, until_end=True)
        return len([k async for k in redis.scan_iter("progress:*")])
    finally:
        await redis.aclose()


async def topics(settings: Settings) -> None:
    await ensure_topics(settings)
