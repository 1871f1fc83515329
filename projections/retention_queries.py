"""What the retention sweeper reads: completed simulations whose results the views still hold,
with their tenant's plan and overrides."""

from __future__ import annotations

import json

import asyncpg

from streams.retention import Held

_HELD = """
SELECT s.simulation_id, s.tenant_id, s.finished_at, t.plan, t.overrides
FROM simulations s JOIN tenants t USING (tenant_id)
WHERE s.results IS NOT NULL AND s.finished_at IS NOT NULL
"""


async def results_held(pool: asyncpg.Pool) -> list[Held]:
    return [Held(r["simulation_id"], r["tenant_id"], r["finished_at"], r["plan"],
                 json.loads(r["overrides"])) for r in await pool.fetch(_HELD)]
