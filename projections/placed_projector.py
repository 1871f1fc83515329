"""The projector of a tenant database: the views of the work of the tenants placed in it (or
moving to it), with its own checkpoints, so it catches up from the log at its own pace."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from typing import cast

import asyncpg
from aiokafka import TopicPartition

from infra import metrics, postgres
from infra.settings import Settings
from projections.dead_letter_views import parked as parked_view
from projections.placement import SHARED, applies, load
from projections.postgres import NAME, Batch, PostgresProjector, checksum
from projections.postgres_views import PLACED_TABLES, PLACED_VIEWS
from projections.statement_batch import StatementBatch
from streams.deadletter import failed
from streams.personal import sealed_subject

log = logging.getLogger(__name__)


def projector_name(database: str) -> str:
    """The consumer group of ``database``'s projector (the DSN itself may not be a group id)."""
    return f"{NAME}.{hashlib.sha256(database.encode()).hexdigest()[:12]}"


class PlacedProjector(PostgresProjector):
    """Applies the placed views (:data:`PLACED_VIEWS`) of the tenants a placement puts in
    ``database``; the platform's views and the event feed stay in the shared database, whose
    placements and subject keys it reads."""

    keeps_event_log = False

    def __init__(self, settings: Settings, pool: asyncpg.Pool, shared: asyncpg.Pool,
                 database: str) -> None:
        super().__init__(settings, pool)
        self.shared, self.database = shared, database
        self.name = projector_name(database)
        self.keys = type(self.keys)(shared, settings.topic_prefix)  # the vault is shared

    async def _apply(self, conn: asyncpg.Connection, batch: Batch) -> set[str]:
        placements = await load(self.shared)
        writes = StatementBatch(conn)
        for messages in batch.values():
            for message in messages:
                event = message.read()
                view = PLACED_VIEWS.get(event.type)
                if view is not None and applies(placements, event.tenant_id, self.database):
                    if sealed_subject(event) is not None:
                        event = await self.keys.open(event)
                    await view(cast(asyncpg.Connection, writes), event)
        await writes.flush()
        return set()  # the event feed is the shared database's

    async def _park(self, conn: asyncpg.Connection, tp: TopicPartition, offset: int,
                    value: bytes, error: BaseException, *, chained: bool = True) -> None:
        """The shared projector records poison as an event; here it is only set aside."""
        log.warning("%s parks %s/%s@%s: %r", self.name, tp.topic, tp.partition, offset, error)
        metrics.EVENTS_FAILED.labels(self.name).inc()
        await parked_view(conn, failed(self.name, tp.topic, tp.partition, offset, value, error))


async def follow_placements(settings: Settings, shared: asyncpg.Pool, stop: asyncio.Event,
                            *, every_s: float = 2.0) -> None:
    """Run a projector for every tenant database a placement names, each started when its
    first placement appears (and again should it fail). A database that is only receiving a
    tenant (``moving``) is not followed yet: its mover replays the history first, from the
    archive where the log no longer holds it, and a follower starting at offset 0 would skip
    past what only the archive has."""
    running: dict[str, tuple[asyncpg.Pool, asyncio.Task[None]]] = {}
    try:
        while not stop.is_set():
            try:
                wanted = {p.previous if p.state == "moving" else p.database
                          for p in (await load(shared)).values()} - {SHARED}
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("placements unreadable: %r", exc)
                wanted = set()
            for database in wanted:
                held = running.get(database)
                if held is not None and held[1].done():
                    if not held[1].cancelled() and held[1].exception() is not None:
                        log.warning("%s stopped: %r", projector_name(database),
                                    held[1].exception())
                    await held[0].close()
                    held = None
                if held is None:
                    try:
                        pool = await postgres.create_pool(database, settings.projection_schema,
                                                          max_size=2)
                    except (OSError, asyncpg.PostgresError) as exc:
                        log.warning("tenant database %s unreachable: %r", database, exc)
                        continue
                    projector = PlacedProjector(settings, pool, shared, database)
                    running[database] = (pool, asyncio.create_task(projector.run(stop)))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every_s)
    finally:
        for pool, task in running.values():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            await pool.close()


async def rebuild(settings: Settings, shared: asyncpg.Pool, database: str, schema: str
                  ) -> dict[str, str]:
    """Build ``database``'s views afresh from the first event into an emptied ``schema`` there;
    the checksums of its tables, to compare with the live ones."""
    await postgres.drop_schema(database, schema)
    pool = await postgres.create_pool(database, schema, max_size=2)
    try:
        await PlacedProjector(settings, pool, shared, database).run(asyncio.Event(),
                                                                    until_end=True)
        return await checksum(pool, PLACED_TABLES)
    finally:
        await pool.close()
