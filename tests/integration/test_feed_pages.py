"""Pages of the event feed are bounded in bytes as well as in events: a page of events holding
large results stops once it passes PAGE_BYTES (keeping at least one event) and says more
follow, and paging on reads every event once, in order."""

from __future__ import annotations

import asyncio

import pytest

from infra import postgres
from infra.settings import Settings
from projections import event_feed
from projections.event_feed import EventFeed
from projections.postgres import PostgresProjector
from streams.log import EventLog, ensure_topics
from tests.integration.test_postgres_projection import story


async def test_a_page_stops_at_its_byte_bound_and_paging_reads_every_event(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    await ensure_topics(settings)
    log = EventLog(settings)
    await log.append(story("acme"))
    await log.close()
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    try:
        await PostgresProjector(settings, pool).run(asyncio.Event(), until_end=True)
        feed = EventFeed(pool)
        whole, _, _ = await feed.page("acme", {}, 1000)
        assert len(whole) > 3
        monkeypatch.setattr(event_feed, "PAGE_BYTES", 1)  # every page: one event
        seen, cursor, more = [], {}, True
        while more:
            events, cursor, more = await feed.page("acme", cursor, 1000)
            assert len(events) == (1 if more else len(events))
            seen += [e.envelope["id"] for e in events]
        assert seen == [e.envelope["id"] for e in whole]
    finally:
        await pool.close()
