"""Sign-in events: refresh-token families (rotation, reuse, logout), TOTP second factors,
scope refusals of API keys, and a tenant's OIDC provider.

Events about a person signing in carry their e-mail so that they are sealed for that data
subject (see :mod:`streams.personal`); a TOTP secret is sealed with them.
"""

from __future__ import annotations

from typing import Literal

from streams.events.base import Audit, Event, Moment, PersonalData, Scope

SignInMethod = Literal["password", "oidc", "refresh"]


class AuthRefreshIssued(PersonalData, type="auth.refresh_issued", version=1, topic="security",
                        key="tenant id (a refresh-token family)"):
    """A refresh token was issued: the first of a family at sign-in, or the next one when its
    parent was rotated (only the token's hash is kept)."""

    family_id: str
    token_id: str
    token_hash: str
    parent_id: str | None = None  # the token this one replaces (used up by this event)
    user_id: str
    email: str
    method: SignInMethod
    expires_at: Moment
    audit: Audit


class AuthRefreshReused(PersonalData, type="auth.refresh_reused", version=1, topic="security",
                        key="tenant id (a refresh-token family revoked)"):
    """A refresh token already rotated was presented again: its whole family is revoked."""

    family_id: str
    token_id: str
    user_id: str
    email: str
    audit: Audit


class AuthLoggedOut(PersonalData, type="auth.logged_out", version=1, topic="security",
                    key="tenant id (a refresh-token family revoked)"):
    """A user signed out: the session's refresh tokens and access tokens stop working."""

    family_id: str
    user_id: str
    email: str
    audit: Audit


class AuthMfaEnrolled(PersonalData, type="auth.mfa_enrolled", version=1, topic="tenants",
                      key="tenant id (a user's TOTP secret, sealed)"):
    """A user started TOTP enrolment: the secret (sealed under the service's key, then with the
    person's data) and the recovery codes' hashes, not yet required at sign-in."""

    user_id: str
    email: str
    totp_secret: str
    recovery_code_hashes: list[str]
    audit: Audit


class AuthMfaEnabled(PersonalData, type="auth.mfa_enabled", version=1, topic="tenants",
                     key="tenant id"):
    """A user confirmed TOTP with a valid code: sign-in now asks for one."""

    user_id: str
    email: str
    audit: Audit


class AuthMfaDisabled(PersonalData, type="auth.mfa_disabled", version=1, topic="tenants",
                      key="tenant id"):
    """A user's TOTP second factor and recovery codes were removed: by the user (with a
    current code) or by a tenant admin (a lost device); sign-in no longer asks for one."""

    user_id: str
    email: str
    by: Literal["user", "admin"]
    audit: Audit


class AuthRecoveryCodeUsed(PersonalData, type="auth.recovery_code_used", version=1,
                           topic="security", key="tenant id"):
    """A recovery code stood in for a TOTP code; it works only once."""

    user_id: str
    email: str
    code_hash: str
    audit: Audit


class AuthScopeDenied(Event, type="auth.scope_denied", version=1, topic="security",
                      key="tenant id"):
    """An API key asked beyond its scopes."""

    required_scope: Scope
    scopes: list[Scope]
    audit: Audit


class TenantOidcConfigured(Event, type="tenant.oidc_configured", version=1, topic="tenants",
                           key="tenant id"):
    """The tenant's OpenID Connect provider (a public client: authorization code + PKCE), and
    the role of the users it may create on their first sign-in (none: existing users only)."""

    issuer: str
    client_id: str
    create_users_as: Literal["member", "admin"] | None = None
    audit: Audit
