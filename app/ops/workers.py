"""The processors, one per process: the composition root of each processor kind.

``PROCESSORS`` names every kind; ``run_processor`` wires the one it is asked for (only the
clients that kind needs), keeps its heartbeat in Redis and runs it until stopped. The
supervisor (:mod:`app.ops.supervisor`) runs one or more processes per kind, so a crash stops one
concern. Every kind but those in ``SINGLE_INSTANCE`` runs as any number of instances.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from functools import partial

import asyncpg
from redis.asyncio import Redis

from app.ops.heartbeats import RUNNER, heartbeat, runner_traits
from infra import metrics, postgres
from infra.settings import Settings
from streams.log import EventLog, ensure_topics

log = logging.getLogger(__name__)

Job = Callable[[Settings, asyncio.Event, AsyncExitStack], Awaitable[Awaitable[None]]]


async def _pool(settings: Settings, stack: AsyncExitStack) -> asyncpg.Pool:
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    stack.push_async_callback(pool.close)
    return pool


async def _log(settings: Settings, stack: AsyncExitStack) -> EventLog:
    event_log = EventLog(settings)
    stack.push_async_callback(event_log.close)
    return event_log


async def _ledger(settings: Settings, stop: asyncio.Event, stack: AsyncExitStack
                  ) -> Awaitable[None]:
    from streams.processors.ledger import LedgerProcessor
    from streams.processors.runtime import run_transactional
    return run_transactional(settings, LedgerProcessor, stop)


async def _parser(settings: Settings, stop: asyncio.Event, stack: AsyncExitStack
                  ) -> Awaitable[None]:
    from engines.service import WorkbookEngine
    from infra.blobstore import open_blob_store
    from infra.sandbox import MB, Sandbox
    from streams.processors.streaming import run_streaming
    from streams.processors.workbooks import WorkbookParser
    blobs = open_blob_store(settings)
    sandbox = Sandbox(settings.parse_memory_mb * MB, settings.parse_timeout_s,
                      preload=("engines.service",))
    parser = WorkbookParser(blobs.get, WorkbookEngine(), sandbox, settings.parser_processes)
    return run_streaming(settings, parser, stop)


async def _billing(settings: Settings, stop: asyncio.Event, stack: AsyncExitStack
                   ) -> Awaitable[None]:
    from infra.stripe_billing import StripeMeters, StripeSubscriptions
    from infra.stripe_billing import client as stripe_client
    from streams.processors.billing import BillingProcessor
    from streams.processors.runtime import run_transactional
    if not settings.stripe_api_key:
        raise ValueError("RISKSTREAM_STRIPE_API_KEY is not set; billing needs a Stripe API key")
    stripe = stripe_client(settings.stripe_api_key, settings.stripe_api_base)
    processor = BillingProcessor(StripeMeters(stripe), StripeSubscriptions(stripe))
    return run_transactional(settings, lambda: processor, stop)


async def _runner(settings: Settings, stop: asyncio.Event, stack: AsyncExitStack
                  ) -> Awaitable[None]:
    from engines.distributed import ChunkedRuns
    from engines.service import WorkbookEngine
    from infra.blobcache import RecentBlobs
    from infra.blobstore import open_blob_store
    from streams.processors.chunks import ChunkWorker
    from streams.processors.enginepool import EnginePool
    from streams.processors.lanes import cores
    from streams.processors.runner import SimulationRunner
    from streams.processors.runtime import run_transactional
    blobs = open_blob_store(settings)
    # a runner merges the split runs of its partitions and computes chunks of anyone's
    processes = cores() if settings.runner_processes is None else settings.runner_processes
    pool = EnginePool(processes) if processes else None  # small runs (see EnginePool)
    if pool is not None:
        pool.warm()
        stack.callback(pool.close)
    # a burst of runs of one workbook reads it once (its bytes never change: see RecentBlobs)
    read = RecentBlobs(blobs.get, settings.runner_blob_cache_mib * 1024 * 1024) \
        if settings.runner_blob_cache_mib else blobs.get
    runner = SimulationRunner(settings, WorkbookEngine(), read, ChunkedRuns(), pool)
    worker = ChunkWorker(ChunkedRuns(), read, blobs.put, runner.slots,
                         settings.runner_threads)

    async def both() -> None:
        await asyncio.gather(runner.run(stop), run_transactional(settings, lambda: worker, stop))
    return both()


async def _postgres(settings: Settings, stop: asyncio.Event, stack: AsyncExitStack
                    ) -> Awaitable[None]:
    from projections.placed_projector import follow_placements
    from projections.postgres import PostgresProjector
    from projections.tier_placement import follow_tiers
    pool = await _pool(settings, stack)
    park = await _log(settings, stack)

    async def shared_and_placed() -> None:  # the tenant databases' projectors alongside
        await asyncio.gather(PostgresProjector(settings, pool, park=park.append).run(stop),
                             follow_placements(settings, pool, stop),
                             follow_tiers(settings, pool, park.append, stop))
    return shared_and_placed()


async def _mongo(settings: Settings, stop: asyncio.Event, stack: AsyncExitStack
                 ) -> Awaitable[None]:
    from projections.follow import follow
    from projections.mongo import MongoRollups, database
    rollups = MongoRollups(database(settings.mongo_url, settings.mongo_db))
    park = await _log(settings, stack)
    return follow(settings, "mongo-rollups", ("simulations", "billing"), rollups.apply, stop,
                  park.append, rollups.apply_all)


async def _redis(settings: Settings, stop: asyncio.Event, stack: AsyncExitStack
                 ) -> Awaitable[None]:
    from projections.follow import follow
    from projections.redis_progress import RedisProgress
    redis = Redis.from_url(settings.redis_url, decode_responses=True)
    stack.push_async_callback(redis.aclose)
    park = await _log(settings, stack)
    progress = RedisProgress(redis)
    return follow(settings, "redis-progress", ("simulations",), progress.apply, stop,
                  park.append, progress.apply_all)


async def _fanout(settings: Settings, stop: asyncio.Event, stack: AsyncExitStack
                  ) -> Awaitable[None]:
    from streams.processors.runtime import run_transactional
    from streams.webhooks.fanout import WebhookFanout
    return run_transactional(settings, WebhookFanout, stop)


async def _dispatcher(settings: Settings, stop: asyncio.Event, stack: AsyncExitStack
                      ) -> Awaitable[None]:
    import httpx

    from streams.processors.webhooks import WebhookDispatcher
    from streams.subject_keys import SubjectKeys
    pool = await _pool(settings, stack)
    webhook_log = await _log(settings, stack)
    # connections go to addresses checked per attempt (infra.webhook_http): no proxy from the
    # environment, no pooled connection reused across endpoints' hosts
    client = httpx.AsyncClient(trust_env=False, limits=httpx.Limits(max_keepalive_connections=0))
    stack.push_async_callback(client.aclose)
    keys = SubjectKeys(pool, settings.topic_prefix)
    return WebhookDispatcher(settings, webhook_log, client, opener=keys).run(stop)


async def _retention(settings: Settings, stop: asyncio.Event, stack: AsyncExitStack
                     ) -> Awaitable[None]:
    from projections.placement import DatabasePools
    from projections.retention_queries import results_held
    from streams.processors.retention import RetentionSweeper
    pool = await _pool(settings, stack)
    pools = DatabasePools(settings.projection_schema, settings.tenant_pool_sizes,
                          settings.tenant_pool_idle_s)
    stack.push_async_callback(pools.close)
    retention_log = await _log(settings, stack)
    return RetentionSweeper(partial(results_held, pool, pools), retention_log.append,
                            settings.retention_sweep_s).run(stop)


PROCESSORS: dict[str, Job] = {
    "tenant-ledger": _ledger,
    "workbook-parser": _parser,
    "billing": _billing,
    "simulation-runner": _runner,
    "postgres-projector": _postgres,
    "mongo-rollups": _mongo,
    "redis-progress": _redis,
    "webhook-fanout": _fanout,
    "webhook-dispatcher": _dispatcher,
    "retention": _retention,
}


BACKGROUND = frozenset({"billing", "mongo-rollups", "webhook-fanout", "webhook-dispatcher",
                        "retention"})
"""Processors whose work may trail a run (Stripe's meters, the analytics rollups, webhook
deliveries, the retention sweep): under load they yield the cores to the ones a run waits
for (the ledger, the runner, the parser) and to what readers see (the PostgreSQL views, live
progress), read in batches, and hold a batch while the cores are contended (see
``Settings.background_nice`` and :mod:`infra.pressure`)."""


PROJECTIONS = frozenset({"postgres-projector", "redis-progress"})
"""The projections readers see, which apply a burst's records in batches, a little below the
processors a run waits for (see ``Settings.projection_linger_ms``)."""


def processor_settings(name: str, settings: Settings) -> tuple[Settings, int]:
    """The settings processor ``name`` runs with, and how many nice steps below the process
    that starts it."""
    if name in PROJECTIONS:
        lingering = settings.model_copy(update={"batch_linger_ms": settings.projection_linger_ms})
        return lingering, min(19, settings.processor_nice + settings.projection_nice)
    if name in BACKGROUND:
        gathering = settings.model_copy(update={"fetch_gather_ms": settings.background_gather_ms,
                                                "yield_to_load_s": settings.background_yield_s})
        return gathering, min(19, settings.processor_nice + settings.background_nice)
    return settings, settings.processor_nice


SINGLE_INSTANCE = frozenset({"retention"})
SINGLE_INSTANCE_WHY = (
    "the retention sweeper runs on a clock, not on partitions; a second instance would only"
    " sweep the same results again")


async def run_processor(name: str, settings: Settings, stop: asyncio.Event,
                        ready: Callable[[], Awaitable[None]] | None = None) -> None:
    """Run the processor ``name`` until ``stop`` is set; its failure ends the process."""
    try:
        job = PROCESSORS[name]
    except KeyError:
        raise ValueError(f"no processor {name!r}; processors: {sorted(PROCESSORS)}") from None
    await ensure_topics(settings)
    port = metrics.serve(settings.metrics_port, settings.metrics_host)
    traits = runner_traits() if name == RUNNER else None
    async with AsyncExitStack() as stack, heartbeat(settings, name, port, traits):
        task = asyncio.ensure_future(await job(settings, stop, stack))
        if ready is not None:
            await ready()
        await task
