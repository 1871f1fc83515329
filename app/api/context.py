"""The API process's composition root: every dependency the routes use, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from redis.asyncio import Redis

from app.credential_cache import CredentialCache
from app.idempotency import IdempotencyKeys
from app.ratelimit import RateLimiter
from infra import postgres
from infra.blobstore import BlobStore, open_blob_store
from infra.settings import Settings
from projections.feed_wakeups import FeedWakeups
from projections.mongo import MongoRollups, database
from projections.queries import Views
from projections.redis_progress import RedisProgress
from projections.sign_in_queries import SignInDirectory
from projections.subject_keys import SubjectKeys
from projections.tenancy_queries import Directory, TenancyViews
from projections.usage_queries import UsageViews
from streams.log import EventLog


@dataclass
class ApiContext:
    settings: Settings
    log: EventLog
    blobs: BlobStore
    pool: asyncpg.Pool
    views: Views
    idempotency: IdempotencyKeys
    redis: Redis
    progress: RedisProgress
    rollups: MongoRollups
    directory: Directory
    credentials: CredentialCache
    tenancy: TenancyViews
    usage: UsageViews
    limiter: RateLimiter
    subject_keys: SubjectKeys
    sign_in: SignInDirectory
    feed_wakeups: FeedWakeups

    @classmethod
    async def build(cls, settings: Settings) -> ApiContext:
        pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
        idempotency = IdempotencyKeys(pool)
        await idempotency.setup()
        redis = Redis.from_url(settings.redis_url, decode_responses=True)
        views = Views(pool)
        subject_keys = SubjectKeys(pool, settings.topic_prefix)
        directory = Directory(pool)
        credentials = CredentialCache(directory, settings.postgres_dsn,
                                      settings.projection_schema, settings.credential_cache_ttl_s)
        await credentials.start()
        feed_wakeups = FeedWakeups(settings.postgres_dsn, settings.projection_schema)
        await feed_wakeups.start()
        return cls(
            settings=settings, log=EventLog(settings, subject_keys),
            blobs=open_blob_store(settings), subject_keys=subject_keys,
            pool=pool, views=views, idempotency=idempotency, redis=redis,
            directory=directory, credentials=credentials, sign_in=SignInDirectory(pool),
            tenancy=TenancyViews(views), usage=UsageViews(views),
            limiter=RateLimiter(redis, settings.topic_prefix),
            progress=RedisProgress(redis),
            rollups=MongoRollups(database(settings.mongo_url, settings.mongo_db)),
            feed_wakeups=feed_wakeups,
        )

    async def close(self) -> None:
        await self.log.close()
        await self.credentials.close()
        await self.feed_wakeups.close()
        await self.pool.close()
        await self.redis.aclose()
