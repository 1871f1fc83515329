"""OIDC sign-in: ``/v1/auth/oidc/authorize`` sends the user to the provider of a tenant (or
the one in settings), ``/v1/auth/oidc/callback`` signs them in as the user with the e-mail the
provider verified (or, where the tenant allows it, creates that user first); tenant admins set
their provider with ``PUT /v1/auth/oidc/provider``."""

from __future__ import annotations

import asyncio
import secrets
from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from app.api.auth import Admin, Ctx
from app.api.commands import log_unavailable
from app.api.context import ApiContext
from app.api.credentials import hash_password
from app.api.oidc import OidcError, Provider, begin, discover, finish, resume
from app.api.security_log import audit, record_security_event
from app.api.signin import start_session
from streams.email_claims import EmailTaken
from streams.envelope import new_id
from streams.events import AuthLoginFailed, AuthLoginSucceeded, TenantOidcConfigured, UserCreated
from streams.log import LogUnavailable

router = APIRouter(prefix="/v1/auth/oidc", tags=["auth"])
HTTP_TIMEOUT_S = 10


class ProviderSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    issuer: str = Field(max_length=500, pattern=r"^https?://",
                        examples=["https://login.example.com"])
    client_id: str = Field(min_length=1, max_length=200, examples=["riskstream"])
    create_users_as: Literal["member", "admin"] | None = Field(
        default=None, description="create a user the provider vouches for (a verified e-mail"
        " no RiskStream user has) with this role at their first sign-in; null: existing users"
        " only")


def _field(status: int, where: str, name: str, msg: str) -> HTTPException:
    return HTTPException(status, [{"loc": [where, name], "msg": msg}])


def _insecure(ctx: ApiContext, issuer: str) -> bool:
    return issuer.startswith("http://") and not ctx.settings.oidc_allow_http_issuers


async def _provider(ctx: ApiContext, tenant_id: str | None) -> Provider:
    if tenant_id:
        row = await ctx.sign_in.oidc_provider(tenant_id)
        if row is None:
            raise _field(404, "query", "tenant_id", f"tenant {tenant_id} has no OIDC provider;"
                         " its admins set one with PUT /v1/auth/oidc/provider")
        return Provider(row["issuer"], row["client_id"], tenant_id=tenant_id,
                        create_users_as=row["create_users_as"])
    s = ctx.settings
    if not s.oidc_issuer or not s.oidc_client_id:
        raise _field(404, "query", "tenant_id", "no OIDC provider in this service's settings:"
                     " name the tenant whose provider to use")
    secret = s.oidc_client_secret.get_secret_value() if s.oidc_client_secret else None
    return Provider(s.oidc_issuer, s.oidc_client_id, secret)


@router.put("/provider", status_code=202, summary="Set the tenant's OIDC provider (PKCE client)")
async def configure(request: Request, body: ProviderSettings, ctx: Ctx, caller: Admin
                    ) -> JSONResponse:
    if _insecure(ctx, body.issuer):
        raise _field(422, "body", "issuer", "an issuer must be https://")
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_S) as http:
        try:
            await discover(http, body.issuer)
        except OidcError as exc:
            raise _field(422, "body", "issuer", str(exc)) from None
    try:
        await ctx.log.append([TenantOidcConfigured(
            issuer=body.issuer, client_id=body.client_id, create_users_as=body.create_users_as,
            audit=audit(request, caller.credential),
        ).event(caller.tenant_id, caller.tenant_id)])
    except LogUnavailable as exc:
        return log_unavailable(exc, None)
    return JSONResponse({"tenant_id": caller.tenant_id, "issuer": body.issuer,
                         "client_id": body.client_id, "create_users_as": body.create_users_as,
                         "links": {"sign_in": f"/v1/auth/oidc/authorize?tenant_id="
                                              f"{caller.tenant_id}"}}, status_code=202)


@router.get("/authorize", summary="Go to the OIDC provider to sign in", status_code=302,
            response_class=RedirectResponse, responses={
                404: {"description": "no OIDC provider for this tenant (or in settings)"},
                502: {"description": "the provider's discovery document is unusable"}})
async def authorize(request: Request, ctx: Ctx,
                    tenant_id: Annotated[str | None, Query(max_length=64)] = None
                    ) -> RedirectResponse:
    provider = await _provider(ctx, tenant_id)
    redirect_uri = ctx.settings.oidc_redirect_uri or str(request.url_for("oidc_callback"))
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_S) as http:
        try:
            discovery = await ctx.oidc.discovery(http, provider.issuer)
        except OidcError as exc:
            raise HTTPException(502, str(exc)) from None
    url = await begin(ctx.redis, ctx.settings.topic_prefix, provider, discovery, redirect_uri)
    return RedirectResponse(url, status_code=302)


@router.get("/callback", name="oidc_callback", response_model=None,
            summary="Where the provider sends users back", responses={
                400: {"description": "unknown or expired sign-in (state)"},
                401: {"description": "the provider signed nobody in that RiskStream knows"},
                404: {"description": "the tenant's provider is gone"}})
async def callback(request: Request, ctx: Ctx,
                   state: Annotated[str, Query(min_length=1, max_length=200)],
                   code: Annotated[str | None, Query(max_length=2000)] = None,
                   error: Annotated[str | None, Query(max_length=200)] = None
                   ) -> dict[str, Any] | JSONResponse:
    flow = await resume(ctx.redis, ctx.settings.topic_prefix, state)
    if flow is None:
        raise _field(400, "query", "state", "unknown or expired sign-in; start again at"
                     " /v1/auth/oidc/authorize")
    if error or not code:
        raise _field(401, "query", "error" if error else "code",
                     f"the provider did not sign the user in: {error or 'no code'}")
    provider = await _provider(ctx, flow.tenant_id)
    if (provider.issuer, provider.client_id) != (flow.issuer, flow.client_id):
        raise _field(401, "query", "state", "the tenant changed its OIDC provider during this"
                     " sign-in; start again")
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_S) as http:
        try:
            claims = await finish(http, ctx.oidc, provider, flow, code)
        except OidcError as exc:
            raise _field(401, "query", "code", str(exc)) from None
    email = str(claims.get("email") or "").lower()
    user = await ctx.sign_in.user_by_email(email) if email else None
    tenant_id, role = provider.tenant_id, provider.create_users_as
    if user is None and email and tenant_id and role and claims.get("email_verified") is True:
        try:
            user = await _created(ctx, request, tenant_id, role, provider.issuer, claims, email)
        except LogUnavailable as exc:
            return log_unavailable(exc, None)
    reason = ("the provider did not verify the e-mail" if claims.get("email_verified") is False
              else "no user with the provider's e-mail" if user is None
              else "the user belongs to another tenant"
              if flow.tenant_id and user["tenant_id"] != flow.tenant_id else None)
    if reason is not None or user is None:
        await record_security_event(ctx, AuthLoginFailed(
            email=email or "[none]", reason=f"oidc: {reason}", audit=audit(request, None),
        ).event(flow.tenant_id or "", flow.tenant_id or ""))
        raise _field(401, "query", "code", f"{reason}; an admin adds users with POST /v1/users")
    try:
        tokens = await start_session(ctx, request, user, "oidc")
    except LogUnavailable as exc:
        return log_unavailable(exc, None)
    await record_security_event(ctx, AuthLoginSucceeded(
        email=email, audit=audit(request, f"user:{user['user_id']}"),
    ).event(user["tenant_id"], user["tenant_id"]))
    return tokens


async def _created(ctx: ApiContext, request: Request, tenant_id: str,
                   role: Literal["member", "admin"], issuer: str,
                   claims: dict[str, Any], email: str) -> dict[str, Any] | None:
    """The user the provider ``issuer`` vouched for, created in ``tenant_id`` with the role
    the tenant chose (its password is random and never shown: it signs in through the
    provider); None when another user took the address meanwhile."""
    created = UserCreated(
        user_id=new_id(), email=email, name=str(claims.get("name") or email)[:200], role=role,
        password_hash=hash_password(secrets.token_urlsafe(32)),
        audit=audit(request, f"oidc:{issuer}"),
    ).event(tenant_id, tenant_id)
    try:
        await ctx.email_claims.append(ctx.log, [created])
    except EmailTaken:
        return await ctx.sign_in.user_by_email(email)
    for _ in range(100):  # its access token is checked against the views: wait for them
        user = await ctx.sign_in.user_by_email(email)
        if user is not None:
            return user
        await asyncio.sleep(0.1)
    raise HTTPException(503, "the new user is not visible yet; sign in again in a moment",
                        headers={"Retry-After": "2"})
