"""Retention per plan on real Kafka and PostgreSQL, with a fixed clock: results older than the
tenant's retention (an override of one day here) are removed by a ``simulation.results_expired``
event, those of an unlimited plan and recent ones stay, a second sweep records nothing, and a
replay from the log removes the same results."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial

from infra import postgres
from infra.settings import Settings
from projections.placement import DatabasePools
from projections.postgres import PostgresProjector, checksum
from projections.replay import replay_postgres
from projections.retention_queries import results_held
from streams.catalogue import new_event
from streams.envelope import Envelope
from streams.events import SimulationAccepted
from streams.log import EventLog, ensure_topics
from streams.processors.retention import RetentionSweeper
from tests.integration.helpers import body

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def completed(tenant: str, sim: str, at: datetime) -> list[Envelope]:
    return [replace(e, occurred_at=at) for e in (
        new_event("simulation.accepted", tenant, sim, body(SimulationAccepted, simulation_id=sim)),
        new_event("simulation.completed", tenant, sim, {
            "iterations_run": 10, "compute_seconds": 0.1, "backend": "numpy",
            "outputs": {"S!B1": {"mean": 1.5}}, "sensitivity": {}}),
    )]


async def test_results_past_retention_expire_by_an_event_a_replay_repeats(
        settings: Settings) -> None:
    await ensure_topics(settings)
    log = EventLog(settings)
    await log.append([
        new_event("tenant.created", "short", "short", {
            "name": "Short", "plan": "pro", "overrides": {"retention_days": 1}}),
        new_event("tenant.created", "forever", "forever", {"name": "Forever",
                                                           "plan": "enterprise"}),
        *completed("short", "old", NOW - timedelta(days=3)),
        *completed("short", "new", NOW - timedelta(hours=2)),
        *completed("forever", "ancient", NOW - timedelta(days=3000)),
    ])
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    projector = PostgresProjector(settings, pool)
    await projector.run(asyncio.Event(), until_end=True)

    pools = DatabasePools(settings.projection_schema, settings.tenant_pool_sizes, 1.0)
    sweeper = RetentionSweeper(partial(results_held, pool, pools), log.append, 3600,
                               clock=lambda: NOW)
    expired = await sweeper.sweep()
    assert [(e.type, e.key, e.data["retention_days"]) for e in expired] == [
        ("simulation.results_expired", "old", 1)]
    await projector.run(asyncio.Event(), until_end=True)
    rows = {r["simulation_id"]: r for r in await pool.fetch(
        "SELECT simulation_id, results, results_expired_at FROM simulations")}
    assert rows["old"]["results"] is None and rows["old"]["results_expired_at"] is not None
    assert rows["new"]["results"] is not None and rows["ancient"]["results"] is not None
    feed = await pool.fetchval("SELECT envelope->'data' FROM event_log WHERE key='old'"
                               " AND type='simulation.completed'")
    assert "outputs" not in feed and '"iterations_run": 10' in feed
    assert await sweeper.sweep() == []

    live = await checksum(pool)
    await log.close()
    await pool.close()
    rebuilt = f"{settings.projection_schema}_rebuilt"
    assert await replay_postgres(settings, rebuilt) == live
    for schema in (rebuilt, settings.projection_schema):
        await postgres.drop_schema(settings.postgres_dsn, schema)
