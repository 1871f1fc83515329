"""``POST /v1/auth/token``: a user's email and password (and TOTP code, once the user enabled
it) for a short-lived access token and a refresh token (see :mod:`app.api.signin`). Every attempt
is audited; attempts are rate limited per client address."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from app.api.auth import BEARER, Ctx
from app.api.commands import log_unavailable
from app.api.credentials import password_matches
from app.api.security_log import audit, record_security_event
from app.api.signin import start_session
from app.api.totp import check_second_factor
from streams.events import AuthLoginFailed, AuthLoginSucceeded, AuthRateLimited
from streams.log import LogUnavailable

router = APIRouter(prefix="/v1/auth", tags=["auth"])


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=256)
    totp_code: str | None = Field(None, pattern=r"^\s*[0-9]{6}\s*$",
                                  description="required once the user enabled TOTP")
    recovery_code: str | None = Field(None, max_length=64,
                                      description="instead of totp_code; each works once")


@router.post("/token", response_model=None,
             summary="Exchange email and password for an access token",
             responses={401: {"description": "the email, password or second factor is wrong"},
                        429: {"description": "too many sign-in attempts from this address"}})
async def token(request: Request, body: Login, ctx: Ctx) -> dict[str, Any] | JSONResponse:
    client = request.client.host if request.client else "unknown"
    limit = ctx.settings.rate_limit_login_per_minute
    decision = await ctx.limiter.hit(client, "login", limit)
    request.state.rate_limit = decision
    email = body.email.lower()
    if not decision.allowed:
        if await ctx.limiter.first_refusal(client, "login"):
            await record_security_event(ctx, AuthRateLimited(
                email=email, limit=limit, route_class="login", audit=audit(request, None),
            ).event("", ""))
        raise HTTPException(429, f"over the limit of {limit} sign-in attempts a minute; retry"
                            f" in {decision.reset_s} s", headers=decision.headers())
    user = await ctx.directory.login(email)
    good = await asyncio.to_thread(password_matches, user["password_hash"] if user else None,
                                   body.password)
    if user is None or not good:
        tenant_id = user["tenant_id"] if user else ""
        await record_security_event(ctx, AuthLoginFailed(
            email=email, reason="wrong password" if user else "unknown email",
            audit=audit(request, None),
        ).event(tenant_id, tenant_id))
        raise HTTPException(401, "the email or password is wrong", headers=BEARER)
    who = {"user_id": user["user_id"], "tenant_id": user["tenant_id"], "email": email}
    try:
        await check_second_factor(ctx, request, who, body.totp_code, body.recovery_code)
        tokens = await start_session(ctx, request, who, "password")
    except LogUnavailable as exc:
        return log_unavailable(exc, None)
    await record_security_event(ctx, AuthLoginSucceeded(
        email=email, audit=audit(request, f"user:{user['user_id']}"),
    ).event(user["tenant_id"], user["tenant_id"]))
    return tokens
