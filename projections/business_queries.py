"""Business totals for the metrics endpoint: simulations and trials by the tenant's plan."""

from __future__ import annotations

from collections import Counter

import asyncpg

from projections.placement import DatabasePools, across_databases


async def simulations_by_plan(shared: asyncpg.Pool, pools: DatabasePools,
                              unreachable: list[str] | None = None
                              ) -> list[tuple[str, str, int, int]]:
    """(plan, status, simulations, trials run) over every tenant, wherever it lives; with
    ``unreachable``, the tenant databases that are down are left out and named there."""
    plans = {r["tenant_id"]: r["plan"] for r in
             await shared.fetch("SELECT tenant_id, plan FROM tenants")}
    runs: Counter[tuple[str, str]] = Counter()
    trials: Counter[tuple[str, str]] = Counter()
    for r in await across_databases(
            shared, pools, "SELECT tenant_id, status, count(*) AS runs,"
            " coalesce(sum(iterations_done), 0) AS trials FROM simulations GROUP BY 1, 2",
            unreachable):
        key = (plans.get(r["tenant_id"], "unknown"), r["status"])
        runs[key] += int(r["runs"])
        trials[key] += int(r["trials"])
    return [(plan, status, runs[plan, status], trials[plan, status])
            for plan, status in sorted(runs)]
