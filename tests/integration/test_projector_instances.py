"""Two PostgreSQL projector instances in one consumer group, one leaving half-way: the
partitions are shared and handed over, the checkpoint rows keep every event applied once, and
the views equal a replay from offset 0."""

from __future__ import annotations

import asyncio

from infra import postgres
from infra.settings import Settings
from projections.postgres import PostgresProjector, checksum
from projections.replay import replay_postgres
from streams.log import EventLog, ensure_topics
from tests.integration.helpers import wait_for
from tests.integration.test_postgres_projection import story

TENANTS = 12


async def test_two_projectors_share_the_log_and_equal_a_replay(settings: Settings) -> None:
    await ensure_topics(settings)
    log = EventLog(settings)
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    stops = [asyncio.Event(), asyncio.Event()]
    runs = [asyncio.create_task(PostgresProjector(settings, pool).run(stop)) for stop in stops]
    try:
        await asyncio.gather(*(log.append(story(f"t{n}", f"-{n}")) for n in range(TENANTS // 2)))
        await asyncio.sleep(1)
        stops[0].set()  # one instance leaves: its partitions move to the other
        await runs[0]
        await asyncio.gather(*(log.append(story(f"t{n}", f"-{n}"))
                               for n in range(TENANTS // 2, TENANTS)))

        async def all_applied() -> bool:
            return bool(await pool.fetchval(
                "SELECT (SELECT count(*) FROM usage_records WHERE reported_at IS NOT NULL) = $1"
                " AND (SELECT count(*) FROM tenants) = $1", TENANTS))

        await wait_for(all_applied, timeout_s=60)
        # each event once in the event log, whichever instance applied it
        assert await pool.fetchval("SELECT count(*) - count(DISTINCT event_id) FROM event_log") == 0
        await asyncio.sleep(1)  # the rest of the log (rejections of s2) settles
        live = await checksum(pool)
        rebuilt = f"{settings.projection_schema}_rebuilt"
        try:
            assert await replay_postgres(settings, rebuilt) == live
        finally:
            await postgres.drop_schema(settings.postgres_dsn, rebuilt)
    finally:
        for stop in stops:
            stop.set()
        await asyncio.gather(*runs)
        await pool.close()
        await log.close()
