"""The API process's composition root: every dependency the routes use, built once at start-up."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import asyncpg
from redis.asyncio import Redis

from app.api.accepted import Accepted
from app.api.credential_cache import CredentialCache
from app.api.idempotency import IdempotencyKeys
from app.api.oidc import ProviderCache
from app.api.ratelimit import RateLimiter
from app.api.runnable import RunnableWorkbooks
from infra import postgres
from infra.blobstore import BlobStore, open_blob_store
from infra.settings import Settings
from projections.feed_wakeups import FeedWakeups
from projections.mongo import MongoRollups, database
from projections.placement import DatabasePools, TenantPools
from projections.queries import Views
from projections.redis_progress import RedisProgress
from projections.sign_in_queries import SignInDirectory
from projections.tenancy_queries import Directory, TenancyViews
from projections.usage_queries import UsageViews
from streams.email_claims import EmailClaims
from streams.log import EventLog
from streams.subject_keys import SubjectKeys

log = logging.getLogger(__name__)


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
    tenant_pools: TenantPools  # where each tenant's work is read (projections.placement)
    email_claims: EmailClaims
    oidc: ProviderCache
    accepted: Accepted  # simulations the views may not show yet (app.api.accepted)
    runnable: RunnableWorkbooks  # parsed workbooks requests were checked against lately

    @classmethod
    async def build(cls, settings: Settings) -> ApiContext:
        pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema,
                                          command_timeout=settings.postgres_timeout_s)
        redis = api_redis(settings)
        await warm_redis(redis, settings.api_redis_connections, settings.redis_timeout_s)
        tenant_pools = TenantPools(pool, DatabasePools(
            settings.projection_schema, settings.tenant_pool_sizes, settings.tenant_pool_idle_s,
            settings.postgres_timeout_s), settings.placement_refresh_s)
        await tenant_pools.start()
        views = Views(pool, tenant_pools.for_tenant)
        subject_keys = SubjectKeys(pool, settings.topic_prefix)
        directory = Directory(pool)
        email_claims = EmailClaims(pool, settings.topic_prefix)
        await email_claims.adopt(directory.live_users)
        credentials = CredentialCache(directory, settings.postgres_dsn,
                                      settings.projection_schema, settings.credential_cache_ttl_s)
        await credentials.start()
        feed_wakeups = FeedWakeups(settings.postgres_dsn, settings.projection_schema)
        await feed_wakeups.start()
        return cls(
            settings=settings, log=EventLog(settings, subject_keys),
            blobs=open_blob_store(settings), subject_keys=subject_keys,
            pool=pool, views=views, idempotency=IdempotencyKeys(pool), redis=redis,
            directory=directory, credentials=credentials, sign_in=SignInDirectory(pool),
            tenancy=TenancyViews(Views(pool)), usage=UsageViews(views),
            limiter=RateLimiter(redis, settings.topic_prefix),
            progress=RedisProgress(redis),
            rollups=MongoRollups(database(settings.mongo_url, settings.mongo_db)),
            feed_wakeups=feed_wakeups, tenant_pools=tenant_pools, email_claims=email_claims,
            oidc=ProviderCache(settings.oidc_cache_ttl_s, settings.oidc_keys_refetch_s),
            accepted=Accepted(redis, settings.topic_prefix, settings.accepted_ttl_s),
            runnable=RunnableWorkbooks(),
        )

    async def close(self) -> None:
        await self.log.close()
        await self.credentials.close()
        await self.feed_wakeups.close()
        await self.tenant_pools.close()
        await self.pool.close()
        await self.redis.aclose()


def api_redis(settings: Settings) -> Redis:
    """The API's Redis client: a Redis that stalls (paused, swapping, failing over) costs a
    request ``redis_timeout_s`` at most, after which it goes on without Redis, as when Redis is
    down, instead of hanging until Redis answers."""
    return Redis.from_url(settings.redis_url, decode_responses=True,
                          socket_timeout=settings.redis_timeout_s,
                          socket_connect_timeout=settings.redis_timeout_s)


async def warm_redis(redis: Redis, connections: int, timeout_s: float) -> int:
    """Open ``connections`` connections of ``redis``'s pool now and leave them in it, for the
    requests of a first burst to find them open; how many were opened. A Redis that cannot be
    reached, or does not answer, costs start-up twice ``timeout_s`` at most (a connect, then
    its handshake's reply): the API starts without Redis, as it runs without it, and connects
    when a request needs it."""
    pool = redis.connection_pool
    taken: list[Any] = []

    async def take() -> None:
        taken.append(await pool.get_connection())  # type: ignore[no-untyped-call]

    try:  # each attempt ends by itself: a refused or timed-out connect raises, and is counted
        failed = [outcome for outcome in await asyncio.wait_for(asyncio.gather(
            *(take() for _ in range(connections)), return_exceptions=True), timeout_s * 2)
            if isinstance(outcome, BaseException)]
    except TimeoutError as exc:
        failed = [exc]
    finally:
        for connection in taken:
            await pool.release(connection)
    if failed:
        log.warning("%d Redis connections not opened at start-up (the first: %r); requests"
                    " open them when they need them", len(failed), failed[0])
    return len(taken)
