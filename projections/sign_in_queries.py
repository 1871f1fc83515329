"""Reads that sign-in needs before a tenant is known: a refresh token by its hash, a session's
revocation, a user's second factor and recovery codes, a tenant's OIDC provider (the API's
owner connection, like :class:`projections.tenancy_queries.Directory`)."""

from __future__ import annotations

from typing import Any

import asyncpg

from projections.queries import as_dict


class SignInDirectory:
    """Sign-in look-ups across tenants."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def refresh_token(self, token_hash: str) -> dict[str, Any] | None:
        """A refresh token with its session's state and its user's e-mail, by the token's hash."""
        return as_dict(await self.pool.fetchrow(
            "SELECT r.token_id, r.family_id, r.tenant_id, r.user_id, r.rotated_at,"
            " r.expires_at <= now() AS expired, s.revoked_at, s.revoked_reason, u.email"
            " FROM refresh_tokens r"
            " JOIN sign_in_sessions s USING (family_id) JOIN users u ON u.user_id = r.user_id"
            " WHERE r.token_hash=$1", token_hash))

    async def session_revoked(self, family_id: str) -> bool:
        """Whether the session was signed out of, or revoked for a reused refresh token."""
        return bool(await self.pool.fetchval(
            "SELECT 1 FROM sign_in_sessions WHERE family_id=$1 AND revoked_at IS NOT NULL",
            family_id))

    async def user(self, user_id: str) -> dict[str, Any] | None:
        """A user's tenant, e-mail and second factor (``totp_secret``, ``mfa_enabled``)."""
        return as_dict(await self.pool.fetchrow(
            "SELECT u.user_id, u.tenant_id, u.email, m.totp_secret,"
            " m.enabled_at IS NOT NULL AS mfa_enabled FROM users u"
            " LEFT JOIN user_mfa m ON m.user_id = u.user_id AND m.tenant_id = u.tenant_id"
            " WHERE u.user_id=$1 AND u.email <> '[erased]'", user_id))

    async def user_by_email(self, email: str) -> dict[str, Any] | None:
        """The user an identity provider vouched for, by verified e-mail."""
        return as_dict(await self.pool.fetchrow(
            "SELECT user_id, tenant_id, email FROM users WHERE email=$1", email))

    async def recovery_code_unused(self, user_id: str, code_hash: str) -> bool:
        return bool(await self.pool.fetchval(
            "SELECT 1 FROM recovery_codes WHERE user_id=$1 AND code_hash=$2 AND used_at IS NULL",
            user_id, code_hash))

    async def oidc_provider(self, tenant_id: str) -> dict[str, Any] | None:
        """The tenant's OIDC provider (issuer, client id), if it configured one."""
        return as_dict(await self.pool.fetchrow(
            "SELECT tenant_id, issuer, client_id, create_users_as FROM tenant_oidc"
            " WHERE tenant_id=$1", tenant_id))
