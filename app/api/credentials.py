"""Credentials: API keys (``rsk_…``, kept as a sha256), passwords (argon2) and the short-lived
access tokens (JWT, HS256) that ``POST /v1/auth/token`` exchanges a password for; and roles."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Literal

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

KEY_PREFIX = "rsk_"
ISSUER = "riskstream"
Role = Literal["member", "admin", "platform_admin"]
# Each role can do what the ones before it can: members read and run simulations, admins
# manage their tenant's users, keys and plan, platform admins operate every tenant.
ROLE_RANK: dict[str, int] = {"member": 0, "admin": 1, "platform_admin": 2}
_passwords = PasswordHasher()


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """An API key's stored form: a fast hash is enough for 256 random bits."""
    return hashlib.sha256(key.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _passwords.hash(password)


@cache
def _stand_in_hash() -> str:
    return _passwords.hash(secrets.token_urlsafe(16))


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` is the one hashed; an unknown user (None) costs the same time."""
    try:
        return _passwords.verify(password_hash or _stand_in_hash(), password) and \
            password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


class InvalidToken(ValueError):
    """The access token is malformed, forged or expired."""


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_in: int


def issue_token(secret: str, user_id: str, tenant_id: str, ttl_s: int,
                now: datetime | None = None, session: str | None = None) -> AccessToken:
    """A signed token naming the user and its tenant, valid for ``ttl_s`` seconds. The role is
    not in it: it is read at each request, so a role change takes effect at once. ``session``
    (``sid``) is the refresh-token family it belongs to: signing out of it revokes the token."""
    issued = now or datetime.now(UTC)
    claims = {"iss": ISSUER, "sub": user_id, "tid": tenant_id, "iat": issued,
              "exp": issued + timedelta(seconds=ttl_s), "jti": uuid.uuid4().hex}
    if session is not None:
        claims["sid"] = session
    return AccessToken(jwt.encode(claims, secret, algorithm="HS256"), ttl_s)


def _claims(secret: str, token: str) -> dict[str, object]:
    try:
        claims: dict[str, object] = jwt.decode(
            token, secret, algorithms=["HS256"], issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "tid"]})
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from None
    return claims


def read_token(secret: str, token: str) -> tuple[str, str]:
    """(user id, tenant id) of a valid token; InvalidToken otherwise."""
    claims = _claims(secret, token)
    return str(claims["sub"]), str(claims["tid"])


def token_session(secret: str, token: str) -> str | None:
    """The session (refresh-token family) of a valid token; None for tokens without one."""
    sid = _claims(secret, token).get("sid")
    return str(sid) if sid is not None else None
