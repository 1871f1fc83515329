"""Authentication and authorisation for every route: ``Authorization: Bearer`` with an API key
(``rsk_…``, checked by hash) or an access token from ``POST /v1/auth/token``; then the rate
limit of that credential, and for admin routes the role."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.api.context import ApiContext
from app.api.credentials import KEY_PREFIX, ROLE_RANK, InvalidToken, hash_key, read_token
from app.api.scopes import check_scope
from app.api.security_log import audit, record_security_event
from app.api.signin import refuse_revoked
from infra.log_format import bind
from streams.events import AuthPermissionDenied, AuthRateLimited, Scope
from streams.plans import Limits, LimitValue, limits_for

BEARER = {"WWW-Authenticate": "Bearer"}
# declared as a security scheme so that the OpenAPI document says which routes need it
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(HTTPBearer(
    auto_error=False, description="an API key (rsk_…) or an access token from"
    " POST /v1/auth/token"))]


@dataclass(frozen=True)
class TenantContext:
    """Who is asking: the tenant, its plan and state, and the credential's role."""

    tenant_id: str
    plan: str
    role: str
    credential: str  # "api_key:<key id>" or "user:<user id>"
    overrides: dict[str, LimitValue] = field(default_factory=dict)
    status: str = "active"
    scopes: frozenset[Scope] | None = None  # an API key's scopes; None: not a scoped credential

    @property
    def limits(self) -> Limits:
        return limits_for(self.plan, self.overrides)

    def can(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


async def context(request: Request) -> ApiContext:  # async: no thread hop per request
    ctx: ApiContext = request.app.state.ctx
    return ctx


Ctx = Annotated[ApiContext, Depends(context)]


async def _principal(ctx: ApiContext, token: str) -> TenantContext:
    if token.startswith(KEY_PREFIX):
        row = await ctx.credentials.principal_for_key(hash_key(token))
        if row is None:
            raise HTTPException(401, "the API key is unknown or revoked", headers=BEARER)
        kind = "api_key"
    else:
        try:
            user_id, tenant_id = read_token(ctx.settings.jwt_secret.get_secret_value(), token)
        except InvalidToken as exc:
            raise HTTPException(401, f"the access token is not valid ({exc}); get a new one"
                                " from POST /v1/auth/token", headers=BEARER) from None
        row = await ctx.credentials.principal_for_user(user_id)
        if row is None or row["tenant_id"] != tenant_id:
            raise HTTPException(401, "the access token's user no longer exists", headers=BEARER)
        kind = "user"
    return TenantContext(tenant_id=row["tenant_id"], plan=row["plan"], role=row["role"],
                         credential=f"{kind}:{row['credential_id']}",
                         overrides=row["overrides"] or {}, status=row["status"],
                         scopes=frozenset(row["scopes"]) if row["scopes"] is not None else None)


async def current_tenant(request: Request, ctx: Ctx, credentials: Credentials) -> TenantContext:
    """The authenticated caller, within its rate limit for this class of route."""
    token = credentials.credentials.strip() if credentials else ""
    if not token:
        raise HTTPException(401, "send 'Authorization: Bearer <API key or access token>'",
                            headers=BEARER)
    tenant = await _principal(ctx, token)
    # sign-in: a signed-out session's access tokens, and an API key's scopes
    await refuse_revoked(ctx, token)
    await check_scope(ctx, request, tenant.tenant_id, tenant.credential, tenant.scopes)
    # this request's log lines name its tenant (the state: for the middleware's own line)
    bind(tenant_id=tenant.tenant_id)
    request.state.tenant_id = tenant.tenant_id
    route_class = "read" if request.method in ("GET", "HEAD") else "write"
    limit = (ctx.settings.rate_limit_read_per_minute if route_class == "read"
             else ctx.settings.rate_limit_write_per_minute)
    decision = await ctx.limiter.hit_or_open(tenant.credential, route_class, limit)
    request.state.rate_limit = decision
    if decision is not None and not decision.allowed:
        if await ctx.limiter.first_refusal(tenant.credential, route_class):
            await record_security_event(ctx, AuthRateLimited(
                limit=limit, route_class=route_class, audit=audit(request, tenant.credential),
            ).event(tenant.tenant_id, tenant.tenant_id))
        raise HTTPException(429, f"over the limit of {limit} {route_class} requests a minute;"
                            f" retry in {decision.reset_s} s",
                            headers=decision.headers())
    return tenant


Tenant = Annotated[TenantContext, Depends(current_tenant)]


def require(role: str) -> Callable[[Request, ApiContext, TenantContext],
                                   Awaitable[TenantContext]]:
    """A dependency admitting callers with ``role`` or above; others get 403 and an audit row."""
    async def allowed(request: Request, ctx: Ctx, tenant: Tenant) -> TenantContext:
        if not tenant.can(role):
            await record_security_event(ctx, AuthPermissionDenied(
                required_role=role, role=tenant.role, audit=audit(request, tenant.credential),
            ).event(tenant.tenant_id, tenant.tenant_id))
            raise HTTPException(403, f"this needs the {role} role; the credential's role is"
                                f" {tenant.role}")
        return tenant

    return allowed


Admin = Annotated[TenantContext, Depends(require("admin"))]
PlatformAdmin = Annotated[TenantContext, Depends(require("platform_admin"))]
