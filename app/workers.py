"""The processors process: its composition root wires every processor and projector and runs
them as tasks of one event loop until stopped."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial

import httpx
from redis.asyncio import Redis

from engines.service import WorkbookEngine
from infra import postgres
from infra.blobstore import LocalBlobStore
from infra.settings import Settings
from infra.stripe_billing import StripeMeters, StripeSubscriptions
from infra.stripe_billing import client as stripe_client
from projections.follow import follow
from projections.mongo import MongoRollups, database
from projections.postgres import PostgresProjector
from projections.redis_progress import RedisProgress
from projections.retention_queries import results_held
from projections.subject_keys import SubjectKeys
from streams.log import EventLog, ensure_topics
from streams.processors.billing import BillingProcessor
from streams.processors.ledger import LedgerProcessor
from streams.processors.retention import RetentionSweeper
from streams.processors.runner import SimulationRunner
from streams.processors.runtime import run_transactional
from streams.processors.webhooks import WebhookDispatcher
from streams.processors.workbooks import WorkbookParser
from streams.webhooks.fanout import WebhookFanout

log = logging.getLogger(__name__)


async def run_workers(settings: Settings, stop: asyncio.Event,
                      ready: Callable[[], Awaitable[None]] | None = None) -> None:
    """Run every processor and projector until ``stop`` is set; a crash of one stops all."""
    if not settings.stripe_api_key:
        raise ValueError("RISKSTREAM_STRIPE_API_KEY is not set; billing needs a Stripe API key")
    await ensure_topics(settings)
    blobs = LocalBlobStore(settings.blob_dir)
    engine = WorkbookEngine()
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    redis = Redis.from_url(settings.redis_url, decode_responses=True)
    rollups = MongoRollups(database(settings.mongo_url, settings.mongo_db))
    progress = RedisProgress(redis)
    stripe = stripe_client(settings.stripe_api_key, settings.stripe_api_base)
    meters, subscriptions = StripeMeters(stripe), StripeSubscriptions(stripe)
    webhook_log, retention_log = EventLog(settings), EventLog(settings)
    keys = SubjectKeys(pool, settings.topic_prefix)
    # connections go to addresses checked per attempt (infra.webhook_http): no proxy from the
    # environment, no pooled connection reused across endpoints' hosts
    webhook_client = httpx.AsyncClient(trust_env=False, limits=httpx.Limits(
        max_keepalive_connections=0))
    jobs = {
        "tenant-ledger": run_transactional(settings, LedgerProcessor(), stop),
        "workbook-parser": run_transactional(settings, WorkbookParser(blobs.get, engine), stop),
        "billing": run_transactional(settings, BillingProcessor(meters, subscriptions), stop),
        "simulation-runner": SimulationRunner(settings, engine, blobs.get).run(stop),
        "postgres-projector": PostgresProjector(settings, pool).run(stop),
        "mongo-rollups": follow(settings, "mongo-rollups", ("simulations", "billing"),
                                rollups.apply, stop),
        "redis-progress": follow(settings, "redis-progress", ("simulations",),
                                 progress.apply, stop),
        "webhook-fanout": run_transactional(settings, WebhookFanout(), stop),
        "webhook-dispatcher": WebhookDispatcher(settings, webhook_log, webhook_client,
                                                opener=keys).run(stop),
        "retention": RetentionSweeper(partial(results_held, pool), retention_log.append,
                                      settings.retention_sweep_s).run(stop),
    }
    tasks = [asyncio.create_task(job, name=name) for name, job in jobs.items()]
    if ready is not None:
        await ready()
    try:
        done, _ = await asyncio.wait(
            [*tasks, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task in tasks and task.exception() is not None:
                log.error("%s stopped", task.get_name(), exc_info=task.exception())
                raise task.exception()  # type: ignore[misc]
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await pool.close()
        await redis.aclose()
        await webhook_log.close()
        await retention_log.close()
        await webhook_client.aclose()
