"""What the retention sweeper reads: completed simulations whose results the views still hold,
with their tenant's plan and overrides, wherever the tenant lives."""

from __future__ import annotations

import json

import asyncpg

from projections.placement import DatabasePools, across_databases
from streams.retention import Held

_HELD = """
SELECT simulation_id, tenant_id, finished_at FROM simulations
WHERE results IS NOT NULL AND finished_at IS NOT NULL
"""


async def results_held(shared: asyncpg.Pool, pools: DatabasePools) -> list[Held]:
    tenants = {r["tenant_id"]: (r["plan"], json.loads(r["overrides"])) for r in
               await shared.fetch("SELECT tenant_id, plan, overrides FROM tenants")}
    return [Held(r["simulation_id"], r["tenant_id"], r["finished_at"], *tenants[r["tenant_id"]])
            for r in await across_databases(shared, pools, _HELD) if r["tenant_id"] in tenants]
