"""Tenants: platform operators create and list them; a tenant's admins read it and change its
plan; limit overrides are for platform operators alone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from app.api.auth import Admin, Ctx, PlatformAdmin, Tenant, TenantContext
from app.api.commands import Ids, execute
from app.api.credentials import hash_key, new_api_key
from app.api.idempotency import body_hash
from app.api.security_log import audit, record_security_event
from projections.placement import SHARED
from streams.events import (
    SCOPES,
    ApiKeyIssued,
    AuthPermissionDenied,
    TenantCreated,
    TenantPlanChanged,
)
from streams.plans import PLANS, limits_for

router = APIRouter(prefix="/v1/tenants", tags=["tenants"])
PLAN_NAMES = "|".join(sorted(PLANS))


# a limit's name, and a whole number, true/false (gpu) or null (unlimited); names are checked
# against the plan's limits by check_overrides
LimitName = Annotated[str, Field(max_length=100)]
LimitValue = Annotated[int, Field(ge=0, le=2**63 - 1)] | bool | None


class PlanChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")
    plan: str = Field(pattern=f"^({PLAN_NAMES})$", description=f"one of {sorted(PLANS)}")
    overrides: dict[LimitName, LimitValue] | None = Field(
        default=None, max_length=100, description="limits replacing the plan's (platform admins"
        " only), e.g. {\"concurrent_simulations\": 5}; null means unlimited")


class NewTenant(PlanChoice):
    name: str = Field(min_length=1, max_length=200)


def check_overrides(plan: str, overrides: Mapping[str, object]) -> None:
    try:
        limits_for(plan, overrides)
    except (TypeError, ValueError) as exc:
        raise HTTPException(422, [{"loc": ["body", "overrides"], "msg": str(exc)}]) from None


async def visible_tenant(ctx: Ctx, caller: TenantContext, tenant_id: str) -> dict[str, Any]:
    """The tenant if the caller may see it (its own, or any for platform admins); else 404."""
    row = None
    if tenant_id == caller.tenant_id or caller.can("platform_admin"):
        row = await ctx.tenancy.tenant(tenant_id)
    if row is None:
        raise HTTPException(404, f"no tenant {tenant_id}")
    return row


@router.post("", status_code=201, summary="Create a tenant and its first admin API key")
async def create(request: Request, body: NewTenant, ctx: Ctx, caller: PlatformAdmin,
                 idempotency_key: Annotated[str | None, Header()] = None) -> JSONResponse:
    overrides = body.overrides or {}
    check_overrides(body.plan, overrides)

    def build(ids: Ids) -> tuple[list[Any], int, dict[str, Any]]:
        tenant_id, key_id, key = ids(), ids(), new_api_key()
        by = audit(request, caller.credential)
        created = TenantCreated(name=body.name, plan=body.plan, overrides=overrides, audit=by
                                ).event(tenant_id, tenant_id)
        issued = created.caused(ApiKeyIssued(
            key_id=key_id, key_hash=hash_key(key), name="first admin key", role="admin",
            scopes=list(SCOPES), audit=by))
        answer = {"tenant_id": tenant_id, "name": body.name, "plan": body.plan,
                  "overrides": overrides, "key_id": key_id, "api_key": key,
                  "links": {"self": f"/v1/tenants/{tenant_id}"}}
        return [created, issued], 201, answer

    return await execute(ctx, caller, "POST /v1/tenants", idempotency_key,
                         body_hash(await request.body()), build, shown_once="api_key")


@router.get("", summary="Every tenant (platform admins)")
async def list_tenants(ctx: Ctx, caller: PlatformAdmin,
                       limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    return {"tenants": await ctx.directory.tenants(limit)}


@router.get("/{tenant_id}", summary="A tenant: plan, overrides, status, billing ids, and where"
            " its data lives")
async def get_tenant(tenant_id: str, ctx: Ctx, caller: Tenant) -> dict[str, Any]:
    tenant = await visible_tenant(ctx, caller, tenant_id)
    return {**tenant, "placement": placement_of(await ctx.tenancy.placement(tenant_id),
                                                caller.can("platform_admin"))}


def placement_of(row: dict[str, Any] | None, operator: bool) -> dict[str, Any]:
    """``shared`` (row-level security in the platform database) or ``dedicated``; a move in
    progress shows as ``moving``. Operators also see the database itself."""
    moving = row is not None and row["state"] in ("moving", "switching")
    if row is None or (moving and row["previous"] == SHARED):
        shown = {"kind": "shared", "state": "moving" if moving else "placed"}
    else:
        shown = {"kind": "dedicated", "state": "moving" if moving else "placed"}
    if row is not None:
        shown["changed_at"] = row["changed_at"]
        if operator:
            shown["database"] = row["database"]
    return shown


@router.put("/{tenant_id}/plan", status_code=202, summary="Change a tenant's plan")
async def change_plan(tenant_id: str, request: Request, body: PlanChoice, ctx: Ctx,
                      caller: Admin, idempotency_key: Annotated[str | None, Header()] = None
                      ) -> JSONResponse:
    current = await visible_tenant(ctx, caller, tenant_id)
    if body.overrides is not None and not caller.can("platform_admin"):
        await record_security_event(ctx, AuthPermissionDenied(
            required_role="platform_admin", role=caller.role, field="overrides",
            audit=audit(request, caller.credential)).event(caller.tenant_id, caller.tenant_id))
        raise HTTPException(403, "limit overrides need the platform_admin role; send the plan"
                            " alone")
    overrides = current["overrides"] if body.overrides is None else body.overrides
    check_overrides(body.plan, overrides)

    def build(ids: Ids) -> tuple[list[Any], int, dict[str, Any]]:
        event = TenantPlanChanged(
            plan=body.plan, overrides=overrides, previous_plan=current["plan"],
            audit=audit(request, caller.credential)).event(tenant_id, tenant_id)
        return [event], 202, {"tenant_id": tenant_id, "plan": body.plan, "overrides": overrides}

    return await execute(ctx, caller, f"PUT /v1/tenants/{tenant_id}/plan", idempotency_key,
                         body_hash(await request.body()), build)
