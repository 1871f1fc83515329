"""Sign-in beyond the password: refresh (rotating), logout, and TOTP enrolment (see
:mod:`app.api.signin` and :mod:`app.api.totp`)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from app.api.auth import Admin, Ctx, Tenant, TenantContext
from app.api.commands import log_unavailable
from app.api.context import ApiContext
from app.api.security_log import audit
from app.api.signin import rotate, sign_out
from app.api.totp import (
    check_second_factor,
    code_accepted,
    new_recovery_codes,
    new_secret,
    provisioning_uri,
    recovery_code_hash,
    totp_owner,
)
from infra.secretbox import secret_box
from streams.events import AuthMfaDisabled, AuthMfaEnabled, AuthMfaEnrolled
from streams.log import LogUnavailable

router = APIRouter(prefix="/v1/auth", tags=["auth"])
REFUSED: dict[int | str, dict[str, Any]] = {
    401: {"description": "the refresh token is unknown, used, expired or revoked"}}


class RefreshToken(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: str = Field(min_length=8, max_length=256)


class TotpCode(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^\s*[0-9]{6}\s*$", examples=["492039"])


class SecondFactor(BaseModel):
    """A current TOTP code or an unused recovery code: proof that whoever turns TOTP off holds
    the factor, not just a session."""

    model_config = ConfigDict(extra="forbid")
    totp_code: str | None = Field(default=None, pattern=r"^\s*[0-9]{6}\s*$")
    recovery_code: str | None = Field(default=None, min_length=8, max_length=64)


@router.post("/refresh", response_model=None,
             summary="Exchange a refresh token for new tokens (it is used up)",
             responses=REFUSED)
async def refresh(request: Request, body: RefreshToken, ctx: Ctx
                  ) -> dict[str, Any] | JSONResponse:
    try:
        return await rotate(ctx, request, body.refresh_token)
    except LogUnavailable as exc:
        return log_unavailable(exc, None)


@router.post("/logout", response_model=None,
             summary="Sign out: the session's refresh and access tokens stop working",
             responses=REFUSED)
async def logout(request: Request, body: RefreshToken, ctx: Ctx) -> dict[str, Any] | JSONResponse:
    try:
        family = await sign_out(ctx, request, body.refresh_token)
    except LogUnavailable as exc:
        return log_unavailable(exc, None)
    return {"session": family, "status": "signed out"}


async def _user(ctx: ApiContext, caller: TenantContext) -> dict[str, Any]:
    kind, _, user_id = caller.credential.partition(":")
    user = await ctx.sign_in.user(user_id) if kind == "user" else None
    if user is None:
        raise HTTPException(403, [{"loc": ["header", "Authorization"], "msg": "a second factor"
                                   " belongs to a user: send a user's access token, not an"
                                   " API key"}])
    return user


@router.post("/mfa/totp", status_code=201, summary="Start TOTP enrolment (secret shown once)")
async def enrol(request: Request, ctx: Ctx, caller: Tenant) -> JSONResponse:
    user = await _user(ctx, caller)
    if user["mfa_enabled"]:
        raise HTTPException(409, "TOTP is already enabled for this user")
    secret, codes = new_secret(), new_recovery_codes()
    try:
        await ctx.log.append([AuthMfaEnrolled(
            user_id=user["user_id"], email=user["email"],
            totp_secret=secret_box(ctx.settings).seal(secret, totp_owner(user["user_id"])),
            recovery_code_hashes=[recovery_code_hash(c) for c in codes],
            audit=audit(request, caller.credential),
        ).event(caller.tenant_id, caller.tenant_id)])
    except LogUnavailable as exc:
        return log_unavailable(exc, None)
    return JSONResponse({"secret": secret, "otpauth_uri": provisioning_uri(secret, user["email"]),
                         "recovery_codes": codes, "status": "pending",
                         "links": {"confirm": "/v1/auth/mfa/totp/confirm"}}, status_code=201)


@router.post("/mfa/totp/confirm", response_model=None,
             summary="Confirm TOTP with a code: sign-in then requires one")
async def confirm(request: Request, body: TotpCode, ctx: Ctx, caller: Tenant
                  ) -> dict[str, Any] | JSONResponse:
    user = await _user(ctx, caller)
    if user["mfa_enabled"]:
        raise HTTPException(409, "TOTP is already enabled for this user")
    if user["totp_secret"] is None:
        raise HTTPException(409, "no TOTP enrolment to confirm: POST /v1/auth/mfa/totp first (an"
                            " enrolment is recorded within a moment)")
    if not await code_accepted(ctx, user["user_id"], user["totp_secret"], body.code):
        raise HTTPException(422, [{"loc": ["body", "code"], "msg": "not the current code of the"
                                   " enrolled secret (or already used)"}])
    try:
        await ctx.log.append([AuthMfaEnabled(
            user_id=user["user_id"], email=user["email"], audit=audit(request, caller.credential),
        ).event(caller.tenant_id, caller.tenant_id)])
    except LogUnavailable as exc:
        return log_unavailable(exc, None)
    return {"status": "enabled"}


async def _disable(ctx: ApiContext, request: Request, caller: TenantContext,
                   by: Literal["user", "admin"],
                   user: dict[str, Any]) -> dict[str, Any] | JSONResponse:
    try:
        await ctx.log.append([AuthMfaDisabled(
            user_id=user["user_id"], email=user["email"], by=by,
            audit=audit(request, caller.credential),
        ).event(user["tenant_id"], user["tenant_id"])])
    except LogUnavailable as exc:
        return log_unavailable(exc, None)
    return {"user_id": user["user_id"], "status": "disabled"}


@router.delete("/mfa/totp", response_model=None,
               summary="Turn your TOTP off, with a current code or a recovery code")
async def disable(request: Request, body: SecondFactor, ctx: Ctx, caller: Tenant
                  ) -> dict[str, Any] | JSONResponse:
    user = await _user(ctx, caller)
    if not user["mfa_enabled"]:
        raise HTTPException(409, "TOTP is not enabled for this user")
    if not (body.totp_code or body.recovery_code):
        raise HTTPException(422, [{"loc": ["body", "totp_code"], "msg": "send totp_code (6"
                                   " digits from the authenticator) or a recovery_code"}])
    await check_second_factor(ctx, request, user, body.totp_code, body.recovery_code)
    return await _disable(ctx, request, caller, "user", user)


users_router = APIRouter(prefix="/v1/users", tags=["users"])


@users_router.delete("/{user_id}/mfa", response_model=None,
                     summary="Reset a user's TOTP (a lost device); the user signs in with the"
                     " password alone until they enrol again")
async def reset(user_id: str, request: Request, ctx: Ctx, caller: Admin
                ) -> dict[str, Any] | JSONResponse:
    user = await ctx.sign_in.user(user_id)
    if user is None or user["tenant_id"] != caller.tenant_id:
        raise HTTPException(404, f"no user {user_id}")
    if user["totp_secret"] is None:
        raise HTTPException(409, f"user {user_id} has no TOTP to reset")
    return await _disable(ctx, request, caller, "admin", user)
