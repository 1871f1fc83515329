"""Rebuilding the projections from the first event (or from a point in time) into emptied
stores: ``riskstream replay postgres|mongo|redis`` and the restore after a backup."""

from __future__ import annotations

from pathlib import Path

from infra import postgres
from infra.settings import Settings
from projections.follow import Apply, apply_message
from projections.mongo import ROLLUPS, MongoRollups, database
from projections.postgres import PostgresProjector, checksum
from projections.redis_progress import RedisProgress
from projections.replay_source import ReplayStart, replay_batches
from streams.catalogue import TOPICS


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
