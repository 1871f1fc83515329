"""A tenant database that is down blinds no other tenant: the operator's views across tenants
(the business totals of ``GET /metrics``, the retention sweep) leave it out and name it, on
the real PostgreSQL, where they failed whole before."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from app.ops.launcher import free_port
from infra import postgres
from infra.faults import is_outage
from infra.metrics import BusinessTotals
from infra.settings import Settings
from projections.business_queries import simulations_by_plan
from projections.placement import DatabasePools, across_databases
from projections.postgres import PostgresProjector
from projections.retention_queries import results_held
from streams.catalogue import new_event
from streams.log import EventLog, ensure_topics
from tests.integration.test_retention import completed


async def test_a_tenant_database_that_is_down_is_left_out_and_named(settings: Settings) -> None:
    await ensure_topics(settings)
    log = EventLog(settings)
    old = datetime.now(UTC) - timedelta(days=3)
    await log.append([
        new_event("tenant.created", "here", "here", {"name": "Here", "plan": "pro"}),
        new_event("tenant.created", "away", "away", {"name": "Away", "plan": "enterprise"}),
        *completed("here", "sim-here", old),
    ])
    await log.close()
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    try:
        await PostgresProjector(settings, pool).run(asyncio.Event(), until_end=True)
        # "away" reads from a database of its own, which is down (nothing listens there)
        down = f"postgresql://riskstream:s3cret@127.0.0.1:{free_port()}/riskstream"
        await pool.execute(
            "INSERT INTO tenant_placements (tenant_id, database, state, previous, changed_at)"
            " VALUES ('away', $1, 'placed', 'shared', now())", down)
        pools = DatabasePools(settings.projection_schema, settings.tenant_pool_sizes, 60.0)

        with pytest.raises(Exception) as refused:  # asked for all or nothing: the outage
            await across_databases(pool, pools, "SELECT tenant_id FROM simulations")
        assert is_outage(refused.value)

        unreachable: list[str] = []
        totals = await simulations_by_plan(pool, pools, unreachable)
        assert totals == [("pro", "completed", 1, 10)]
        assert len(unreachable) == 1 and "s3cret" not in unreachable[0]
        assert f"127.0.0.1:{down.rsplit(':', 1)[1].split('/')[0]}" in unreachable[0]

        scraped = {f.name: f.samples[0].value for f in BusinessTotals(totals, len(unreachable))
                   .collect() if f.samples and f.name == BusinessTotals.UNREACHABLE}
        assert scraped == {BusinessTotals.UNREACHABLE: 1}  # what the scrape shows an operator

        held = await results_held(pool, pools)  # the sweep goes on for the others
        assert [(h.simulation_id, h.tenant_id) for h in held] == [("sim-here", "here")]
        await pools.close()
    finally:
        await pool.close()
        await postgres.drop_schema(settings.postgres_dsn, settings.projection_schema)
