"""Sign-in sessions: an access token and a refresh token, both of one session (a refresh-token
family), issued by the password and OIDC sign-ins.

Each refresh rotates: the token presented is used up and a new one of the same family comes
back. A token presented again after its rotation means one of the two holders is not the user,
so the whole family is revoked (reuse detection). Signing out revokes the family too. Either
way the session's access tokens stop working as soon as the answer is sent: a mark in Redis,
written after the broker acknowledged the event, is checked with the projected session on
every request (see :func:`refuse_revoked`).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import HTTPException, Request

from app.api.context import ApiContext
from app.api.credentials import KEY_PREFIX, InvalidToken, hash_key, issue_token, token_session
from app.api.security_log import audit
from streams.envelope import new_id
from streams.events import AuthLoggedOut, AuthRefreshIssued, AuthRefreshReused
from streams.events.signin import SignInMethod
from streams.log import LogUnavailable

REFRESH_PREFIX = "rsr_"
BEARER = {"WWW-Authenticate": "Bearer"}


def _revoked_key(ctx: ApiContext, family_id: str) -> str:
    return f"{ctx.settings.topic_prefix}:session-revoked:{family_id}"


def refused(field: str, msg: str) -> HTTPException:
    """401 naming the body field whose credential was refused."""
    return HTTPException(401, [{"loc": ["body", field], "msg": msg}], headers=BEARER)


async def start_session(ctx: ApiContext, request: Request, user: dict[str, Any],
                        method: SignInMethod, *, family_id: str | None = None,
                        parent_id: str | None = None) -> dict[str, Any]:
    """Tokens for ``user`` (user_id, tenant_id, email): a new session, or with ``family_id``
    and ``parent_id`` the next refresh token of one. The event is acknowledged first."""
    family = family_id or new_id()
    token_id, refresh = new_id(), REFRESH_PREFIX + secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(seconds=ctx.settings.refresh_ttl_s)
    # parent_id is written even when None, as it always was
    await ctx.log.append([AuthRefreshIssued(
        family_id=family, token_id=token_id, token_hash=hash_key(refresh), parent_id=parent_id,
        user_id=user["user_id"], email=user["email"], method=method, expires_at=expires,
        audit=audit(request, f"user:{user['user_id']}"),
    ).event(user["tenant_id"], user["tenant_id"])])
    access = issue_token(ctx.settings.jwt_secret.get_secret_value(), user["user_id"],
                         user["tenant_id"], ctx.settings.jwt_ttl_s, session=family)
    return {"access_token": access.token, "token_type": "bearer",
            "expires_in": access.expires_in, "refresh_token": refresh,
            "refresh_expires_in": ctx.settings.refresh_ttl_s}


async def _revoke(ctx: ApiContext, row: dict[str, Any], reason: str,
                  body: AuthRefreshReused | AuthLoggedOut) -> None:
    """Record that the session of ``row`` ended (``body`` says how) and mark it revoked."""
    await ctx.log.append([body.event(row["tenant_id"], row["tenant_id"])])
    # outlives the session's last access token; by then the projection shows the revocation
    await ctx.redis.set(_revoked_key(ctx, row["family_id"]), reason,
                        ex=ctx.settings.jwt_ttl_s + 60)


async def _live_token(ctx: ApiContext, refresh_token: str) -> dict[str, Any]:
    row = await ctx.sign_in.refresh_token(hash_key(refresh_token.strip()))
    if row is None:
        raise refused("refresh_token", "unknown refresh token; sign in again")
    # the Redis mark tells of a revocation the projection may not show yet
    marked = await ctx.redis.get(_revoked_key(ctx, row["family_id"]))
    reason = row["revoked_reason"] or (str(marked) if marked is not None else None)
    if reason is not None:
        raise refused("refresh_token", f"the session ended ({reason}); sign in again")
    if row["expired"]:
        raise refused("refresh_token", "the refresh token expired; sign in again")
    return row


async def rotate(ctx: ApiContext, request: Request, refresh_token: str) -> dict[str, Any]:
    """New tokens for a live refresh token, which is used up; a reused one revokes its family."""
    row = await _live_token(ctx, refresh_token)
    # the claim decides between two racing uses before the projection shows either
    claim = f"{ctx.settings.topic_prefix}:refresh-used:{row['token_id']}"
    first = await ctx.redis.set(claim, "1", nx=True, ex=ctx.settings.refresh_ttl_s)
    if row["rotated_at"] is not None or not first:
        await _revoke(ctx, row, "reuse", AuthRefreshReused(
            family_id=row["family_id"], token_id=row["token_id"], user_id=row["user_id"],
            email=row["email"], audit=audit(request, f"user:{row['user_id']}")))
        raise refused("refresh_token", "this refresh token was already used, so its session is"
                      " revoked; sign in again")
    try:
        return await start_session(ctx, request, row, "refresh", family_id=row["family_id"],
                                   parent_id=row["token_id"])
    except LogUnavailable as exc:
        if not exc.maybe_recorded:  # nothing rotated: the same token may be tried again
            await ctx.redis.delete(claim)
        raise


async def sign_out(ctx: ApiContext, request: Request, refresh_token: str) -> str:
    """Revoke the session ``refresh_token`` belongs to; its family id."""
    row = await _live_token(ctx, refresh_token)
    await _revoke(ctx, row, "logout", AuthLoggedOut(
        family_id=row["family_id"], user_id=row["user_id"], email=row["email"],
        audit=audit(request, f"user:{row['user_id']}")))
    return str(row["family_id"])


async def refuse_revoked(ctx: ApiContext, token: str) -> None:
    """401 for an access token whose session was signed out of or revoked."""
    if token.startswith(KEY_PREFIX):
        return
    try:
        family = token_session(ctx.settings.jwt_secret.get_secret_value(), token)
    except InvalidToken:
        return  # the caller refuses invalid tokens with its own reason
    if family is None:
        return
    if await ctx.redis.exists(_revoked_key(ctx, family)) or \
            await ctx.sign_in.session_revoked(family):
        raise HTTPException(401, "the access token's session was signed out or revoked; sign"
                            " in again", headers=BEARER)
