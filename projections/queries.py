"""The read side the API uses: tenant-scoped queries over the PostgreSQL views."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

SIMULATION_COLUMNS = (
    "simulation_id, workbook_id, status, iterations, iterations_done, backend, request,"
    " requested_at, decided_at, started_at, finished_at, compute_seconds, results, reason, refusal"
)


def _row(record: asyncpg.Record | None) -> dict[str, Any] | None:
    if record is None:
        return None
    out: dict[str, Any] = {}
    for k, v in record.items():
        if isinstance(v, str) and k in ("summary", "request", "results", "refusal"):
            v = json.loads(v)
        elif hasattr(v, "isoformat"):
            v = v.isoformat()
        out[k] = v
    return out


class Views:
    """Queries always filter by tenant: another tenant's id reads as absent."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def tenant_for_key(self, key_hash: str) -> dict[str, Any] | None:
        return _row(await self.pool.fetchrow(
            "SELECT t.tenant_id, t.name, t.plan, k.key_id FROM api_keys k JOIN tenants t"
            " USING (tenant_id) WHERE k.key_hash=$1 AND k.revoked_at IS NULL", key_hash))

    async def workbook(self, tenant_id: str, workbook_id: str) -> dict[str, Any] | None:
        return _row(await self.pool.fetchrow(
            "SELECT workbook_id, filename, sha256, size_bytes, status, summary, reason,"
            " uploaded_at, parsed_at FROM workbooks WHERE tenant_id=$1 AND workbook_id=$2",
            tenant_id, workbook_id))

    async def simulation(self, tenant_id: str, simulation_id: str) -> dict[str, Any] | None:
        return _row(await self.pool.fetchrow(
            f"SELECT {SIMULATION_COLUMNS} FROM simulations"
            " WHERE tenant_id=$1 AND simulation_id=$2", tenant_id, simulation_id))

    async def simulations(self, tenant_id: str, status: str | None, limit: int
                          ) -> list[dict[str, Any]]:
        rows = await self.pool.fetch(
            "SELECT simulation_id, workbook_id, status, iterations, iterations_done, backend,"
            " requested_at, finished_at, compute_seconds, reason FROM simulations"
            " WHERE tenant_id=$1 AND ($2::text IS NULL OR status=$2)"
            " ORDER BY requested_at DESC NULLS LAST, simulation_id LIMIT $3",
            tenant_id, status, limit)
        return [r for r in map(_row, rows) if r is not None]
