"""Operator commands: topics, tenants with their first API key, platform admin credentials,
and projection replays."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from pathlib import Path
from typing import Any

from app.credentials import hash_key, hash_password, new_api_key
from infra import postgres
from infra.settings import Settings
from projections.follow import Apply, apply_message
from projections.mongo import ROLLUPS, MongoRollups, database
from projections.postgres import PostgresProjector, checksum
from projections.redis_progress import RedisProgress
from projections.replay_source import ReplayStart, replay_batches
from projections.subject_keys import SubjectKeys
from streams.catalogue import TOPICS, caused_by, new_event
from streams.envelope import Envelope, new_id
from streams.events import SCOPES, ApiKeyIssued, TenantCreated, UserCreated
from streams.log import EventLog, ensure_topics
from streams.plans import PLANS, limits_for

PLATFORM_TENANT = "platform"
# The operators' own tenant: the free plan (nothing to bill) with enterprise limits.
OPERATOR_LIMITS: dict[str, Any] = asdict(PLANS["enterprise"])


async def _record_and_wait(settings: Settings, events: list[Envelope], key_id: str,
                           wait_s: float) -> None:
    """Append ``events`` and wait until the projection knows the key ``key_id`` (it works then)."""
    await ensure_topics(settings)
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    log = EventLog(settings, SubjectKeys(pool, settings.topic_prefix))
    try:
        await log.append(events)
        for _ in range(int(wait_s * 10)):
            if await pool.fetchval("SELECT 1 FROM api_keys WHERE key_id=$1", key_id):
                break
            await asyncio.sleep(0.1)
    finally:
        await log.close()
        await pool.close()


def _key(tenant_id: str, name: str, role: str, cause: Envelope | None
         ) -> tuple[Envelope, str, str]:
    key_id, key = new_id(), new_api_key()
    data = {"key_id": key_id, "key_hash": hash_key(key), "name": name, "role": role,
            "scopes": list(SCOPES), "audit": {"actor": "cli"}}
    issued = (caused_by(cause, ApiKeyIssued.type, data) if cause is not None
              else new_event(ApiKeyIssued.type, tenant_id, tenant_id, data))
    return issued, key_id, key


async def create_tenant(settings: Settings, name: str, plan: str,
                        overrides: dict[str, Any] | None = None, wait_s: float = 30.0
                        ) -> dict[str, Any]:
    """Record ``tenant.created`` and an admin ``api_key.issued``; the key is returned once,
    never stored."""
    limits_for(plan, overrides)  # refuses an unknown plan or override before anything is sent
    tenant_id = new_id()
    created = new_event(TenantCreated.type, tenant_id, tenant_id,
                        {"name": name, "plan": plan, "overrides": overrides or {}})
    issued, key_id, key = _key(tenant_id, "first admin key", "admin", created)
    await _record_and_wait(settings, [created, issued], key_id, wait_s)
    return {"tenant_id": tenant_id, "name": name, "plan": plan, "api_key": key}


async def create_platform_admin(settings: Settings, email: str | None = None,
                                password: str | None = None, wait_s: float = 30.0
                                ) -> dict[str, Any]:
    """A platform admin API key (and, with an email, a platform admin user) in the operators'
    tenant, created with it the first time."""
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    try:
        exists = await pool.fetchval("SELECT 1 FROM tenants WHERE tenant_id=$1", PLATFORM_TENANT)
        taken = email is not None and await pool.fetchval(
            "SELECT 1 FROM users WHERE email=$1", email.lower())
    finally:
        await pool.close()
    if taken:
        raise ValueError(f"a user with email {email} exists already")
    created = None if exists else new_event(
        TenantCreated.type, PLATFORM_TENANT, PLATFORM_TENANT,
        {"name": "RiskStream operators", "plan": "free", "overrides": OPERATOR_LIMITS})
    issued, key_id, key = _key(PLATFORM_TENANT, "platform admin", "platform_admin", created)
    events = [issued] if created is None else [created, issued]
    answer: dict[str, Any] = {"tenant_id": PLATFORM_TENANT, "key_id": key_id, "api_key": key}
    if email is not None:
        if not password or len(password) < 12:
            raise ValueError("the platform admin's password needs at least 12 characters")
        user_id = new_id()
        events.append(caused_by(events[0], UserCreated.type, {
            "user_id": user_id, "email": email.lower(), "name": "platform admin",
            "role": "platform_admin", "password_hash": hash_password(password),
            "audit": {"actor": "cli"}}))
        answer.update(user_id=user_id, email=email.lower())
    await _record_and_wait(settings, events, key_id, wait_s)
    return answer


async def replay_postgres(settings: Settings, schema: str | None = None, *,
                          archive: Path | None = None) -> dict[str, str]:
    """Rebuild the PostgreSQL views from the first event into an emptied ``schema`` (default:
    the live one), reading ``archive`` for what the log no longer holds; returns the rebuilt
    tables' checksums."""
    schema = schema or settings.projection_schema
    await postgres.drop_schema(settings.postgres_dsn, schema)
    pool = await postgres.create_pool(settings.postgres_dsn, schema)
    try:
        projector = PostgresProjector(settings, pool)
        await projector.apply_all(replay_batches(settings, list(TOPICS), archive=archive))
        return await checksum(pool)
    finally:
        await pool.close()


async def _replay_events(settings: Settings, name: str, topics: tuple[str, ...], apply: Apply,
                         archive: Path | None, start: ReplayStart | None) -> None:
    """Apply the events as the live follower ``name`` does: a poison message is skipped (the
    live run parked it) and a parked one handed back is applied where it is handed back."""
    async for tp, messages in replay_batches(settings, (*topics, "deadletters"),
                                             archive=archive, start=start):
        for offset, value in messages:
            await apply_message(name, apply, tp.topic, tp.partition, offset, value)


async def replay_mongo(settings: Settings, db_name: str | None = None, *,
                       archive: Path | None = None, start: ReplayStart | None = None) -> int:
    """Rebuild the MongoDB rollups into an emptied database; with ``start``, re-apply the
    events from there on into the database as it is (writes are guarded by event id, so what
    it holds already is not counted twice). Returns the number of rollups."""
    db = database(settings.mongo_url, db_name or settings.mongo_db)
    if start is None:
        await db[ROLLUPS].drop()
    await _replay_events(settings, "mongo-rollups", ("simulations", "billing"),
                         MongoRollups(db).apply, archive, start)
    return await db[ROLLUPS].count_documents({})


async def replay_redis(settings: Settings, *, archive: Path | None = None,
                       start: ReplayStart | None = None) -> int:
    """Rebuild the live-progress hashes (forward-only writes make it safe live); with
    ``start``, re-apply the events from there on over what Redis holds."""
    from redis.asyncio import Redis

    redis = Redis.from_url(settings.redis_url, decode_responses=True)
    try:
        keys = [k async for k in redis.scan_iter("progress:*")]
        if keys and start is None:
            await redis.delete(*keys)
        await _replay_events(settings, "redis-progress", ("simulations",),
                             RedisProgress(redis).apply, archive, start)
        return len([k async for k in redis.scan_iter("progress:*")])
    finally:
        await redis.aclose()


async def topics(settings: Settings) -> None:
    await ensure_topics(settings)
