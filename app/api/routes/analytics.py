"""Usage analytics from the MongoDB rollups."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.api.auth import Ctx, Tenant

router = APIRouter(prefix="/v1/analytics", tags=["analytics"])


@router.get("/usage", summary="Simulations, iterations and compute seconds per day and backend")
async def usage(ctx: Ctx, tenant: Tenant,
                since: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None
                ) -> dict[str, Any]:
    rows = await ctx.rollups.usage(tenant.tenant_id, since)
    totals: dict[str, float] = {}
    for row in rows:
        for field in ("simulations", "iterations", "compute_seconds"):
            totals[field] = totals.get(field, 0) + row.get(field, 0)
    return {"days": rows, "totals": totals}
