"""The restore drill's steps, shared by its test and its benchmark: settings with a blob store
of the drill's own, a snapshot of every view, blob and kept row, and the destruction of all of
them."""

from __future__ import annotations

import asyncio
import hashlib
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from redis.asyncio import Redis

from infra import postgres
from infra.blobstore import open_blob_store
from infra.settings import Settings
from projections.mongo import ROLLUPS, database
from projections.postgres import checksum
from projections.redis_progress import key as progress_key
from tests.conftest import isolated_settings


def drill_settings(tmp_path: Path) -> Settings:
    """The stack's settings with a blob store of the drill's own, so deleting it harms no one."""
    settings = isolated_settings()
    url = urlsplit(settings.blob_store_url or "")
    blobs = (f"s3://{url.netloc}/{settings.topic_prefix}" if url.scheme == "s3"
             else (tmp_path / "blobs").as_uri())
    return settings.model_copy(update={"blob_store_url": blobs})


QUIET_S = 3.0
"""How long nothing must change for the deployment to be at rest: longer than a chain of
background processors takes at rest (each gathers its reads for up to
``Settings.background_gather_ms`` before it acts, and holds them up to
``Settings.background_yield_s`` while the cores are contended)."""


async def stable(read: Any) -> Any:
    """What ``read()`` returns once reads half a second apart agree for ``QUIET_S``."""
    previous, same_since = None, 0.0
    for _ in range(240):
        current = await read()
        now = time.monotonic()
        if current != previous:
            previous, same_since = current, now
        elif now - same_since >= QUIET_S:
            return current
        await asyncio.sleep(0.5)
    raise TimeoutError(f"still changing: {previous!r}")


async def snapshot(settings: Settings, tenant_id: str, simulations: list[str]
                   ) -> dict[str, Any]:
    """Every view and blob, and the kept rows, of the drill's deployment."""
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    redis = Redis.from_url(settings.redis_url, decode_responses=True)
    try:
        views = await checksum(pool)
        keys = await pool.fetch("SELECT subject, key FROM privacy.subject_keys"
                                " WHERE log_prefix=$1 ORDER BY subject", settings.topic_prefix)
        chains = await pool.fetch("SELECT topic, partition, position, head FROM"
                                  " audit.chain_checkpoints WHERE log_prefix=$1",
                                  settings.topic_prefix)
        answers = await pool.fetch("SELECT route, key, body_hash, status, response::text"
                                   " FROM api.idempotency_keys WHERE tenant_id=$1 ORDER BY 1, 2",
                                   tenant_id)
        progress = {s: await redis.hgetall(progress_key(s)) for s in simulations}
    finally:
        await redis.aclose()
        await pool.close()
    # each event's entry under its id: the same documents whatever order they were counted in
    rollups = {d["_id"]: d for d in await database(settings.mongo_url, settings.mongo_db)
               [ROLLUPS].find().to_list()}
    store = open_blob_store(settings)
    blobs = {d: hashlib.sha256(store.get(d)).hexdigest() for d in store.digests()}
    return {"views": views, "subject_keys": [tuple(r) for r in keys],
            "chain_checkpoints": {tuple(r) for r in chains},
            "idempotency_keys": [tuple(r) for r in answers], "progress": progress,
            "rollups": rollups, "blobs": blobs}


async def destroy(settings: Settings, tenants: list[str], simulations: list[str]) -> None:
    """What a lost database, document store, cache and bucket leave: nothing of this
    deployment (other deployments sharing the stack are left alone)."""
    conn = await asyncpg.connect(settings.postgres_dsn)
    try:
        await conn.execute(f'DROP SCHEMA "{settings.projection_schema}" CASCADE')
        for table in ("privacy.subject_keys", "audit.chain_checkpoints"):
            await conn.execute(f"DELETE FROM {table} WHERE log_prefix=$1", settings.topic_prefix)
        await conn.execute("DELETE FROM api.idempotency_keys WHERE tenant_id = ANY($1::text[])",
                           tenants)
    finally:
        await conn.close()
    mongo = database(settings.mongo_url, settings.mongo_db)
    await mongo.client.drop_database(settings.mongo_db)
    redis = Redis.from_url(settings.redis_url, decode_responses=True)
    try:
        await redis.delete(*(progress_key(s) for s in simulations))
        prefixed = [k async for k in redis.scan_iter(f"{settings.topic_prefix}:*")]
        if prefixed:
            await redis.delete(*prefixed)
    finally:
        await redis.aclose()
    store = open_blob_store(settings)
    for digest in list(store.digests()):
        _delete_blob(store, digest)
    assert not list(store.digests())


def _delete_blob(store: Any, digest: str) -> None:
    if hasattr(store, "client"):  # S3
        store.client.delete_object(Bucket=store.bucket, Key=store._key(digest))
    else:
        store._path(digest).unlink()
