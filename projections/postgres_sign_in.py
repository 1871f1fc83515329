"""How sign-in events change the PostgreSQL views: sessions (refresh-token families) and their
tokens, TOTP second factors with their recovery codes, and tenants' OIDC providers. Applied
with :mod:`projections.postgres_tenancy`'s views, in the projector's transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg

from streams.envelope import Envelope
from streams.events import (
    AuthLoggedOut,
    AuthMfaDisabled,
    AuthMfaEnabled,
    AuthMfaEnrolled,
    AuthRecoveryCodeUsed,
    AuthRefreshIssued,
    AuthRefreshReused,
    AuthScopeDenied,
    TenantOidcConfigured,
)

Apply = Callable[[asyncpg.Connection, Envelope], Awaitable[None]]


async def refresh_issued(conn: asyncpg.Connection, e: Envelope) -> None:
    issued = e.body(AuthRefreshIssued)
    await conn.execute(
        "INSERT INTO sign_in_sessions (family_id, tenant_id, user_id, method, started_at)"
        " VALUES ($1,$2,$3,$4,$5) ON CONFLICT (family_id) DO NOTHING",
        issued.family_id, e.tenant_id, issued.user_id, issued.method, e.occurred_at)
    await conn.execute(
        "INSERT INTO refresh_tokens (token_id, tenant_id, family_id, user_id, token_hash,"
        " issued_at, expires_at) VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT DO NOTHING",
        issued.token_id, e.tenant_id, issued.family_id, issued.user_id, issued.token_hash,
        e.occurred_at, issued.expires_at)
    if issued.parent_id:
        await conn.execute("UPDATE refresh_tokens SET rotated_at=$3 WHERE token_id=$1"
                           " AND tenant_id=$2 AND rotated_at IS NULL",
                           issued.parent_id, e.tenant_id, e.occurred_at)


def _revoke(reason: str, model: type[AuthRefreshReused | AuthLoggedOut]) -> Apply:
    async def apply(conn: asyncpg.Connection, e: Envelope) -> None:
        await conn.execute(
            "UPDATE sign_in_sessions SET revoked_at=$3, revoked_reason=$4 WHERE family_id=$1"
            " AND tenant_id=$2 AND revoked_at IS NULL",
            e.body(model).family_id, e.tenant_id, e.occurred_at, reason)
    return apply


async def mfa_enrolled(conn: asyncpg.Connection, e: Envelope) -> None:
    enrolled = e.body(AuthMfaEnrolled)
    # a later enrolment replaces the previous one and its codes; the same one applied twice
    # changes nothing (a code used since stays used)
    await conn.execute(
        "INSERT INTO user_mfa (user_id, tenant_id, totp_secret, enrolled_at) VALUES ($1,$2,$3,$4)"
        " ON CONFLICT (user_id) DO UPDATE SET totp_secret=EXCLUDED.totp_secret,"
        " enrolled_at=EXCLUDED.enrolled_at, enabled_at=NULL WHERE user_mfa.tenant_id=$2"
        " AND user_mfa.enrolled_at < EXCLUDED.enrolled_at",
        enrolled.user_id, e.tenant_id, enrolled.totp_secret, e.occurred_at)
    await conn.execute(
        "DELETE FROM recovery_codes WHERE user_id=$1 AND tenant_id=$2"
        " AND NOT (code_hash = ANY($3::text[]))", enrolled.user_id, e.tenant_id,
        enrolled.recovery_code_hashes)
    await conn.execute(
        "INSERT INTO recovery_codes (code_hash, tenant_id, user_id)"
        " SELECT h, $2, $3 FROM unnest($1::text[]) AS h ON CONFLICT DO NOTHING",
        enrolled.recovery_code_hashes, e.tenant_id, enrolled.user_id)


async def mfa_enabled(conn: asyncpg.Connection, e: Envelope) -> None:
    await conn.execute("UPDATE user_mfa SET enabled_at=$3 WHERE user_id=$1 AND tenant_id=$2"
                       " AND enabled_at IS NULL", e.body(AuthMfaEnabled).user_id, e.tenant_id,
                       e.occurred_at)


async def mfa_disabled(conn: asyncpg.Connection, e: Envelope) -> None:
    user_id = e.body(AuthMfaDisabled).user_id
    # an enrolment after this event (same tenant partition, so later in the log) stays
    await conn.execute("DELETE FROM user_mfa WHERE user_id=$1 AND tenant_id=$2"
                       " AND enrolled_at <= $3", user_id, e.tenant_id, e.occurred_at)
    await conn.execute("DELETE FROM recovery_codes WHERE user_id=$1 AND tenant_id=$2"
                       " AND NOT EXISTS (SELECT 1 FROM user_mfa m WHERE m.user_id=$1)",
                       user_id, e.tenant_id)


async def recovery_code_used(conn: asyncpg.Connection, e: Envelope) -> None:
    await conn.execute("UPDATE recovery_codes SET used_at=$3 WHERE code_hash=$1 AND tenant_id=$2"
                       " AND used_at IS NULL", e.body(AuthRecoveryCodeUsed).code_hash,
                       e.tenant_id, e.occurred_at)


async def oidc_configured(conn: asyncpg.Connection, e: Envelope) -> None:
    oidc = e.body(TenantOidcConfigured)
    await conn.execute(
        "INSERT INTO tenant_oidc (tenant_id, issuer, client_id, configured_at, create_users_as)"
        " VALUES ($1,$2,$3,$4,$5) ON CONFLICT (tenant_id) DO UPDATE SET issuer=EXCLUDED.issuer,"
        " client_id=EXCLUDED.client_id, configured_at=EXCLUDED.configured_at,"
        " create_users_as=EXCLUDED.create_users_as",
        e.tenant_id, oidc.issuer, oidc.client_id, e.occurred_at, oidc.create_users_as)


SIGN_IN_VIEWS: dict[str, Apply] = {
    AuthRefreshIssued.type: refresh_issued,
    AuthRefreshReused.type: _revoke("reuse", AuthRefreshReused),
    AuthLoggedOut.type: _revoke("logout", AuthLoggedOut),
    AuthMfaEnrolled.type: mfa_enrolled,
    AuthMfaEnabled.type: mfa_enabled,
    AuthMfaDisabled.type: mfa_disabled,
    AuthRecoveryCodeUsed.type: recovery_code_used,
    TenantOidcConfigured.type: oidc_configured,
}
SIGN_IN_TABLES: dict[str, str] = {
    "sign_in_sessions": "family_id", "refresh_tokens": "token_id", "user_mfa": "user_id",
    "recovery_codes": "code_hash", "tenant_oidc": "tenant_id",
}
SIGN_IN_AUDIT: dict[str, str] = {
    AuthRefreshReused.type: "critical",
    AuthLoggedOut.type: "info",
    AuthMfaEnrolled.type: "notice",
    AuthMfaEnabled.type: "notice",
    AuthMfaDisabled.type: "warning",
    AuthRecoveryCodeUsed.type: "warning",
    AuthScopeDenied.type: "warning",
    TenantOidcConfigured.type: "notice",
}
