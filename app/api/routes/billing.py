"""``GET /v1/usage`` (what the tenant used, by day, week or month) and ``GET /v1/billing``
(plan, period, usage so far, upcoming charges and invoices)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from app.api.auth import Admin, Ctx, Tenant
from projections.usage_queries import Granularity, month_start, next_month
from streams.pricing import charges

router = APIRouter(tags=["billing"])


def _instant(day: date | None, default: datetime) -> datetime:
    return default if day is None else datetime.combine(day, time(), tzinfo=UTC)


@router.get("/v1/usage", summary="Usage in a period (default: the current month)")
async def usage(ctx: Ctx, caller: Tenant, granularity: Granularity = "day",
                since: Annotated[date | None, Query(description="first day, YYYY-MM-DD")] = None,
                until: Annotated[date | None, Query(description="day after the last")] = None
                ) -> dict[str, Any]:
    start = month_start(datetime.now(UTC))
    begin, end = _instant(since, start), _instant(until, next_month(start))
    if end <= begin:
        raise HTTPException(422, [{"loc": ["query", "until"],
                                   "msg": f"until must be after since ({begin.date()})"}])
    return await ctx.usage.usage(caller.tenant_id, begin, end, granularity)


@router.get("/v1/billing", summary="Plan, current period, usage so far, charges, invoices")
async def billing(ctx: Ctx, caller: Admin) -> dict[str, Any]:
    start = month_start(datetime.now(UTC))
    end = next_month(start)
    tenant = await ctx.tenancy.tenant(caller.tenant_id) or {}
    used = (await ctx.usage.usage(caller.tenant_id, start, end, "month"))["totals"]
    return {
        "plan": caller.plan, "status": caller.status,
        "limits": dataclasses.asdict(caller.limits), "overrides": caller.overrides,
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "usage": used,
        "upcoming": charges(caller.plan, used["iterations"], used["gpu_seconds"]),
        "invoices": await ctx.tenancy.invoices(caller.tenant_id),
        "stripe": {"customer_id": tenant.get("customer_id"),
                   "subscription_id": tenant.get("subscription_id")},
    }
