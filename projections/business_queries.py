"""Business totals for the metrics endpoint: simulations and trials by the tenant's plan."""

from __future__ import annotations

import asyncpg


async def simulations_by_plan(pool: asyncpg.Pool) -> list[tuple[str, str, int, int]]:
    """(plan, status, simulations, trials run) over every tenant."""
    rows = await pool.fetch(
        "SELECT t.plan, s.status, count(*) AS runs, coalesce(sum(s.iterations_done), 0) AS trials"
        " FROM simulations s JOIN tenants t USING (tenant_id) GROUP BY 1, 2 ORDER BY 1, 2")
    return [(r["plan"], r["status"], int(r["runs"]), int(r["trials"])) for r in rows]
