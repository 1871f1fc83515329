"""``POST /v1/auth/token``: a user's email and password for a short-lived access token. Every
attempt is audited; attempts are rate limited per client address."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from app.auth import BEARER, Ctx
from app.credentials import issue_token, password_matches
from app.security_log import record_security
from streams.events import AuthLoginFailed, AuthLoginSucceeded, AuthRateLimited

router = APIRouter(prefix="/v1/auth", tags=["auth"])


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=256)


@router.post("/token", summary="Exchange email and password for an access token",
             responses={401: {"description": "the email or password is wrong"},
                        429: {"description": "too many sign-in attempts from this address"}})
async def token(request: Request, body: Login, ctx: Ctx) -> dict[str, Any]:
    client = request.client.host if request.client else "unknown"
    limit = ctx.settings.rate_limit_login_per_minute
    decision = await ctx.limiter.hit(client, "login", limit)
    request.state.rate_limit = decision
    email = body.email.lower()
    if not decision.allowed:
        if await ctx.limiter.first_refusal(client, "login"):
            await record_security(ctx, request, AuthRateLimited.type, "", None,
                                  {"email": email, "limit": limit, "route_class": "login"})
        raise HTTPException(429, f"over the limit of {limit} sign-in attempts a minute; retry"
                            f" in {decision.reset_s} s", headers=decision.headers())
    user = await ctx.directory.login(email)
    good = await asyncio.to_thread(password_matches, user["password_hash"] if user else None,
                                   body.password)
    if user is None or not good:
        await record_security(ctx, request, AuthLoginFailed.type,
                              user["tenant_id"] if user else "", None,
                              {"email": email, "reason": "wrong password" if user
                               else "unknown email"})
        raise HTTPException(401, "the email or password is wrong", headers=BEARER)
    issued = issue_token(ctx.settings.jwt_secret.get_secret_value(), user["user_id"],
                         user["tenant_id"], ctx.settings.jwt_ttl_s)
    await record_security(ctx, request, AuthLoginSucceeded.type, user["tenant_id"],
                          f"user:{user['user_id']}", {"email": email})
    return {"access_token": issued.token, "token_type": "bearer",
            "expires_in": issued.expires_in}
