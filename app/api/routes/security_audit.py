"""``GET /v1/audit/security``: the tenant's security events for its admins: sign-ins, refused
permissions and rate limits, keys issued and revoked, users and roles, plan changes. Platform
admins may read any tenant's, or with ``tenant_id=`` empty, the events that name no tenant
(sign-in attempts for unknown emails)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from app.api.auth import Admin, Ctx
from projections.postgres_tenancy import AUDIT_SEVERITY

router = APIRouter(prefix="/v1/audit", tags=["audit"])
ACTIONS = "|".join(sorted(AUDIT_SEVERITY)).replace(".", r"\.")


@router.get("/security", summary="Security events of the tenant, newest first",
            responses={404: {"description": "no such tenant (or not one the caller may read)"}})
async def security_events(
        ctx: Ctx, caller: Admin,
        action: Annotated[str | None, Query(pattern=f"^({ACTIONS})$",
                                            description=f"one of {sorted(AUDIT_SEVERITY)}")
                          ] = None,
        tenant_id: Annotated[str | None, Query(max_length=200, description=(
            "platform admins: another tenant, or empty for events naming no tenant"))] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    scope = caller.tenant_id if tenant_id is None else tenant_id
    if scope != caller.tenant_id and not caller.can("platform_admin"):
        raise HTTPException(404, f"no tenant {tenant_id}")
    return {"events": await ctx.tenancy.security_audit(scope, action, limit)}
