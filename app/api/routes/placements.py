"""Operators' view of where tenants live: each placement (and moves in progress) and the pools
this API process holds to tenant databases. Moves are run with ``riskstream tenant move``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.api.auth import Ctx, PlatformAdmin
from projections.placement import SHARED, load

router = APIRouter(prefix="/v1/admin", tags=["operations"])


@router.get("/placements", summary="Tenants with a database of their own, or moving to one"
            " (platform admins)")
async def placements(ctx: Ctx, caller: PlatformAdmin) -> dict[str, Any]:
    return {"shared": "every tenant not listed", "placements": [
        {"tenant_id": p.tenant_id, "plan": p.plan, "database": p.database, "state": p.state,
         "previous": p.previous, "reads_from": p.reads, "changed_at": p.changed_at.isoformat()}
        for p in sorted((await load(ctx.pool)).values(), key=lambda p: p.tenant_id)]}


@router.get("/pools", summary="This API process's database pools (platform admins)")
async def pools(ctx: Ctx, caller: PlatformAdmin) -> dict[str, Any]:
    shared = {"database": SHARED, "max_size": ctx.pool.get_max_size(),
              "open": ctx.pool.get_size(),
              "in_use": ctx.pool.get_size() - ctx.pool.get_idle_size()}
    return {"pools": [shared, *ctx.tenant_pools.pools.describe()],
            "idle_close_s": ctx.settings.tenant_pool_idle_s,
            "sizes_by_plan": ctx.settings.tenant_pool_sizes}
