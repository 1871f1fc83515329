"""The API process's composition root: every dependency the routes use, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from redis.asyncio import Redis

from app.idempotency import IdempotencyKeys
from infra import postgres
from infra.blobstore import LocalBlobStore
from infra.settings import Settings
from projections.mongo import MongoRollups, database
from projections.queries import Views
from projections.redis_progress import RedisProgress
from streams.log import EventLog


@dataclass
class ApiContext:
    settings: Settings
    log: EventLog
    blobs: LocalBlobStore
    pool: asyncpg.Pool
    views: Views
    idempotency: IdempotencyKeys
    redis: Redis
    progress: RedisProgress
    rollups: MongoRollups

    @classmethod
    async def build(cls, settings: Settings) -> ApiContext:
        pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
        idempotency = IdempotencyKeys(pool)
        await idempotency.setup()
        redis = Redis.from_url(settings.redis_url, decode_responses=True)
        return cls(
            settings=settings, log=EventLog(settings), blobs=LocalBlobStore(settings.blob_dir),
            pool=pool, views=Views(pool), idempotency=idempotency, redis=redis,
            progress=RedisProgress(redis),
            rollups=MongoRollups(database(settings.mongo_url, settings.mongo_db)),
        )

    async def close(self) -> None:
        await self.log.close()
        await self.pool.close()
        await self.redis.aclose()
