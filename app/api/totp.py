"""TOTP second factors (RFC 6238, 30-second steps, six digits) and their recovery codes.

A code is accepted one step either side of now (clock drift), and each step only once per
user, so a code seen over someone's shoulder cannot be replayed. Recovery codes are random,
shown once, kept as sha256 hashes and spent by an event.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

import pyotp
from fastapi import HTTPException, Request

from app.api.context import ApiContext
from app.api.security_log import audit, record_security_event
from infra.secretbox import secret_box
from streams.events import AuthLoginFailed, AuthRecoveryCodeUsed

ISSUER_NAME = "RiskStream"
RECOVERY_CODES = 10
STEP_S = 30


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads (usually from a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER_NAME)


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code ``code`` is (now, or one step either side), or None."""
    totp = pyotp.TOTP(secret)
    step = totp.timecode(time.time() if now is None else now)
    for candidate in (step, step - 1, step + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code.strip()):
            return candidate
    return None


def totp_owner(user_id: str) -> str:
    """What a user's TOTP secret is sealed for (infra.secretbox)."""
    return f"totp:{user_id}"


async def code_accepted(ctx: ApiContext, user_id: str, stored_secret: str, code: str) -> bool:
    """Whether ``code`` is valid now and its step not used before by this user
    (``stored_secret``: the secret as the views keep it, sealed)."""
    secret = secret_box(ctx.settings).open(stored_secret, totp_owner(user_id))
    step = matching_step(secret, code)
    if step is None:
        return False
    fresh = await ctx.redis.set(f"{ctx.settings.topic_prefix}:totp-step:{user_id}:{step}", "1",
                                nx=True, ex=4 * STEP_S)
    return bool(fresh)


def new_recovery_codes() -> list[str]:
    return [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]


def recovery_code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().lower().encode()).hexdigest()


async def check_second_factor(ctx: ApiContext, request: Request, user: dict[str, Any],
                              totp_code: str | None, recovery_code: str | None) -> None:
    """Nothing for a user without TOTP; otherwise a valid code or an unused recovery code, or
    401 naming the field (audited as a failed sign-in)."""
    factor = await ctx.sign_in.user(user["user_id"])
    if factor is None or not factor["mfa_enabled"]:
        return
    prefix = ctx.settings.topic_prefix
    if recovery_code:
        digest = recovery_code_hash(recovery_code)
        # the claim spends the code at once; the event makes it spent for good
        if await ctx.sign_in.recovery_code_unused(user["user_id"], digest) and await ctx.redis.set(
                f"{prefix}:recovery-used:{digest}", "1", nx=True, ex=7 * 24 * 3600):
            await ctx.log.append([AuthRecoveryCodeUsed(
                user_id=user["user_id"], email=user["email"], code_hash=digest,
                audit=audit(request, f"user:{user['user_id']}"),
            ).event(user["tenant_id"], user["tenant_id"])])
            return
        field, reason = "recovery_code", "unknown or already used recovery code"
    elif totp_code:
        if await code_accepted(ctx, user["user_id"], factor["totp_secret"], totp_code):
            return
        field, reason = "totp_code", "wrong or already used TOTP code"
    else:
        field, reason = "totp_code", ("this user signs in with a second factor: send totp_code"
                                      " (6 digits from the authenticator) or a recovery_code")
    await record_security_event(ctx, AuthLoginFailed(
        email=user["email"], reason=reason, audit=audit(request, None),
    ).event(user["tenant_id"], user["tenant_id"]))
    raise HTTPException(401, [{"loc": ["body", field], "msg": reason}],
                        headers={"WWW-Authenticate": "Bearer"})
