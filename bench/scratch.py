"""A benchmark's own corner of the shared stack: a topic prefix, PostgreSQL schema and MongoDB
database of its own, removed once the benchmarks end. Left behind, a thousand runs' topics cost
the broker the benchmarks measure: it checkpoints, indexes and answers metadata for every
partition it holds, whether anyone reads it or not."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient

from infra import postgres
from infra.settings import Settings

log = logging.getLogger(__name__)
MADE: list[Settings] = []


def own(prefix: str = "bench", **overrides: Any) -> Settings:
    """Settings with a prefix, schema and database of their own, removed by :func:`remove`."""
    name = f"{prefix}{uuid.uuid4().hex[:8]}"
    settings = Settings(**{"topic_prefix": name, "mongo_db": name, **overrides})
    MADE.append(settings)
    return settings


async def _remove(made: list[Settings]) -> None:
    for bootstrap in {s.kafka_bootstrap for s in made}:
        prefixes = tuple(f"{s.topic_prefix}." for s in made if s.kafka_bootstrap == bootstrap)
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            names = [t for t in await admin.list_topics() if t.startswith(prefixes)]
            if names:
                await admin.delete_topics(names)
        finally:
            await admin.close()
    for settings in made:
        await postgres.drop_schema(settings.postgres_dsn, settings.projection_schema)
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongo_url)
        try:
            await client.drop_database(settings.mongo_db)
        finally:
            await client.close()


def remove() -> None:
    """Remove what every :func:`own` settings made; a failure is reported, not raised (the
    figures stand whatever is left behind)."""
    made, MADE[:] = list(MADE), []
    if not made:
        return
    try:
        asyncio.run(_remove(made))
    except Exception as exc:  # noqa: BLE001 - leftovers cost speed, not results
        log.warning("the benchmarks' topics, schemas or databases were not all removed: %r", exc)
