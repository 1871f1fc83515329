"""What the retention sweeper reads: completed simulations whose results the views still hold,
with their tenant's plan and overrides, wherever the tenant lives."""

from __future__ import annotations

import json
import logging

import asyncpg

from projections.placement import DatabasePools, across_databases
from streams.retention import Held

log = logging.getLogger(__name__)

_HELD = """
SELECT simulation_id, tenant_id, finished_at FROM simulations
WHERE results IS NOT NULL AND finished_at IS NOT NULL
"""


async def results_held(shared: asyncpg.Pool, pools: DatabasePools) -> list[Held]:
    """The results held; a tenant database that is down waits for a later sweep, and the
    others are swept meanwhile."""
    tenants = {r["tenant_id"]: (r["plan"], json.loads(r["overrides"])) for r in
               await shared.fetch("SELECT tenant_id, plan, overrides FROM tenants")}
    unreachable: list[str] = []
    rows = await across_databases(shared, pools, _HELD, unreachable)
    if unreachable:
        log.warning("retention skips the tenant databases that are down: %s", unreachable)
    return [Held(r["simulation_id"], r["tenant_id"], r["finished_at"], *tenants[r["tenant_id"]])
            for r in rows if r["tenant_id"] in tenants]
