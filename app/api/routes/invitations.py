"""Invitations: an admin invites an email with a role and passes on the invitation token (shown
once; only its hash is kept); whoever holds it chooses a name and password and becomes that
user. A token opens one account, within a week."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from app.api.auth import Admin, Ctx, TenantContext
from app.api.commands import Ids, execute
from app.api.credentials import Role, hash_key, hash_password
from app.api.idempotency import body_hash
from app.api.routes.users import EMAIL, PASSWORD, email_taken, may_grant
from app.api.security_log import audit
from streams.email_claims import EmailTaken
from streams.events import UserCreated, UserInvited

router = APIRouter(prefix="/v1/invitations", tags=["users"])
TOKEN_PREFIX = "rsi_"
VALID_FOR = timedelta(days=7)


class Invitation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = EMAIL
    role: Role = "member"


class Acceptance(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=len(TOKEN_PREFIX) + 1, max_length=200)
    name: str = Field(min_length=1, max_length=200)
    password: str = PASSWORD


@router.post("", status_code=201, summary="Invite an email to the tenant (token shown once)")
async def invite(request: Request, body: Invitation, ctx: Ctx, caller: Admin,
                 idempotency_key: Annotated[str | None, Header()] = None) -> JSONResponse:
    await may_grant(ctx, request, caller, body.role)
    email = body.email.lower()
    if await ctx.email_claims.held(email):
        raise email_taken(email)

    def build(ids: Ids) -> tuple[list[Any], int, dict[str, Any]]:
        invitation_id, token = ids(), TOKEN_PREFIX + secrets.token_urlsafe(32)
        expires = datetime.now(UTC) + VALID_FOR
        event = UserInvited(
            invitation_id=invitation_id, email=email, role=body.role,
            token_hash=hash_key(token), expires_at=expires,
            audit=audit(request, caller.credential),
        ).event(caller.tenant_id, caller.tenant_id)
        answer = {"invitation_id": invitation_id, "email": email, "role": body.role,
                  "expires_at": expires.isoformat(), "token": token,
                  "links": {"accept": "/v1/invitations/accept"}}
        return [event], 201, answer

    return await execute(ctx, caller, "POST /v1/invitations", idempotency_key,
                         body_hash(await request.body()), build, shown_once="token")


@router.get("", summary="The tenant's invitations")
async def list_invitations(ctx: Ctx, caller: Admin) -> dict[str, Any]:
    return {"invitations": await ctx.tenancy.invitations(caller.tenant_id)}


@router.post("/accept", status_code=201, summary="Become the invited user (no credential:"
             " the token is one)",
             responses={404: {"description": "no such invitation"},
                        410: {"description": "the invitation was used or has expired"},
                        429: {"description": "too many attempts from this address"}})
async def accept(request: Request, body: Acceptance, ctx: Ctx) -> JSONResponse:
    client = request.client.host if request.client else "unknown"
    decision = await ctx.limiter.hit(client, "login", ctx.settings.rate_limit_login_per_minute)
    request.state.rate_limit = decision
    if not decision.allowed:
        raise HTTPException(429, f"too many attempts; retry in {decision.reset_s} s",
                            headers=decision.headers())
    found = await ctx.directory.invitation(hash_key(body.token))
    if found is None:
        raise HTTPException(404, [{"loc": ["body", "token"], "msg": "no such invitation"}])
    if found["accepted_at"] is not None or \
            datetime.fromisoformat(found["expires_at"]) <= datetime.now(UTC):
        raise HTTPException(410, [{"loc": ["body", "token"], "msg": "the invitation was used or"
                                   " has expired; ask an admin for a new one"}])
    password_hash = await asyncio.to_thread(hash_password, body.password)
    invited = TenantContext(tenant_id=found["tenant_id"], plan="", role=found["role"],
                            credential=f"invitation:{found['invitation_id']}")

    def build(ids: Ids) -> tuple[list[Any], int, dict[str, Any]]:
        user_id = ids()
        event = UserCreated(
            user_id=user_id, email=found["email"], name=body.name, role=found["role"],
            password_hash=password_hash, invitation_id=found["invitation_id"],
            audit=audit(request, invited.credential),
        ).event(invited.tenant_id, invited.tenant_id)
        return [event], 201, {"user_id": user_id, "email": found["email"],
                              "role": found["role"], "links": {"token": "/v1/auth/token"}}

    # one account per invitation, even for two acceptances racing each other
    try:
        return await execute(ctx, invited, "POST /v1/invitations/accept",
                             found["invitation_id"], found["invitation_id"], build)
    except EmailTaken:
        raise HTTPException(409, f"a user with email {found['email']} exists already") from None
