"""Reads about tenants, users, credentials, invoices and the security audit.

:class:`Directory` holds the only reads that cross tenants, by nature: finding whose credential
a request carries, whose Stripe customer an invoice names, and the operators' list of tenants.
Everything a tenant reads about itself goes through :class:`projections.queries.Views`' scope.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from projections.queries import Views, as_dict, as_dicts

TENANT_COLUMNS = ("tenant_id, name, plan, overrides, status, customer_id, subscription_id,"
                  " created_at")
PRINCIPAL = ("SELECT t.tenant_id, t.plan, t.overrides, t.status, {role} AS role,"
             " {credential} AS credential_id, {scopes} AS scopes"
             " FROM {source} JOIN tenants t USING (tenant_id)")


class Directory:
    """Credential and operator look-ups, across tenants (the API's owner connection)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def principal_for_key(self, key_hash: str) -> dict[str, Any] | None:
        """The tenant and role of a live (not revoked) API key."""
        return as_dict(await self.pool.fetchrow(
            PRINCIPAL.format(role="k.role", credential="k.key_id", scopes="k.scopes",
                             source="api_keys k")
            + " WHERE k.key_hash=$1 AND k.revoked_at IS NULL", key_hash))

    async def principal_for_user(self, user_id: str) -> dict[str, Any] | None:
        """The tenant and current role of a user (a token's subject)."""
        return as_dict(await self.pool.fetchrow(
            PRINCIPAL.format(role="u.role", credential="u.user_id", scopes="NULL::text[]",
                             source="users u")
            + " WHERE u.user_id=$1", user_id))

    async def login(self, email: str) -> dict[str, Any] | None:
        """The user with ``email`` and its password hash, to check a login."""
        return as_dict(await self.pool.fetchrow(
            "SELECT user_id, tenant_id, role, password_hash FROM users WHERE email=$1"
            " AND email <> '[erased]'", email))

    async def invitation(self, token_hash: str) -> dict[str, Any] | None:
        """The invitation an invitation token opens, used or not."""
        return as_dict(await self.pool.fetchrow(
            "SELECT invitation_id, tenant_id, email, role, expires_at, accepted_at"
            " FROM invitations WHERE token_hash=$1", token_hash))

    async def live_users(self) -> list[tuple[str, str, str]]:
        """(user_id, tenant_id, email) of every user not erased."""
        return [(r["user_id"], r["tenant_id"], r["email"]) for r in await self.pool.fetch(
            "SELECT user_id, tenant_id, email FROM users WHERE email <> '[erased]'")]

    async def tenant_for_customer(self, customer_id: str) -> str | None:
        """The tenant whose Stripe customer this is."""
        found = await self.pool.fetchval("SELECT tenant_id FROM tenants WHERE customer_id=$1",
                                         customer_id)
        return str(found) if found is not None else None

    async def tenants(self, limit: int) -> list[dict[str, Any]]:
        """Every tenant, for platform operators."""
        return as_dicts(await self.pool.fetch(
            f"SELECT {TENANT_COLUMNS} FROM tenants ORDER BY created_at DESC, tenant_id"
            " LIMIT $1", limit))


class TenancyViews:
    """A tenant's own account: itself, its users, keys, invoices and security audit."""

    def __init__(self, views: Views) -> None:
        self.views = views

    async def tenant(self, tenant_id: str) -> dict[str, Any] | None:
        return await self.views.one(
            tenant_id, f"SELECT {TENANT_COLUMNS} FROM tenants WHERE tenant_id=$1", tenant_id)

    async def placement(self, tenant_id: str) -> dict[str, Any] | None:
        """Where the tenant's work lives, if not in the shared database (or on its way)."""
        return await self.views.one(
            tenant_id, "SELECT database, state, previous, changed_at FROM tenant_placements"
            " WHERE tenant_id=$1", tenant_id)

    async def users(self, tenant_id: str) -> list[dict[str, Any]]:
        return await self.views.all(
            tenant_id, "SELECT user_id, email, name, role, created_at, role_changed_at FROM users"
            " WHERE tenant_id=$1 ORDER BY created_at, user_id", tenant_id)

    async def user(self, tenant_id: str, user_id: str) -> dict[str, Any] | None:
        return await self.views.one(
            tenant_id, "SELECT user_id, email, name, role, created_at, role_changed_at FROM users"
            " WHERE tenant_id=$1 AND user_id=$2", tenant_id, user_id)

    async def invitations(self, tenant_id: str) -> list[dict[str, Any]]:
        return await self.views.all(
            tenant_id, "SELECT invitation_id, email, role, invited_at, expires_at, accepted_at,"
            " user_id FROM invitations WHERE tenant_id=$1 ORDER BY invited_at DESC,"
            " invitation_id", tenant_id)

    async def api_keys(self, tenant_id: str) -> list[dict[str, Any]]:
        return await self.views.all(
            tenant_id, "SELECT key_id, name, role, scopes, created_by, issued_at, revoked_at"
            " FROM api_keys"
            " WHERE tenant_id=$1 ORDER BY issued_at, key_id", tenant_id)

    async def api_key(self, tenant_id: str, key_id: str) -> dict[str, Any] | None:
        return await self.views.one(
            tenant_id, "SELECT key_id, name, role, scopes, created_by, issued_at, revoked_at"
            " FROM api_keys"
            " WHERE tenant_id=$1 AND key_id=$2", tenant_id, key_id)

    async def invoices(self, tenant_id: str) -> list[dict[str, Any]]:
        return await self.views.all(
            tenant_id, "SELECT invoice_id, status, amount_cents, currency, period_start,"
            " period_end, updated_at FROM invoices WHERE tenant_id=$1"
            " ORDER BY period_start DESC NULLS LAST, invoice_id", tenant_id)

    async def security_audit(self, tenant_id: str, action: str | None, limit: int
                             ) -> list[dict[str, Any]]:
        return await self.views.all(
            tenant_id, "SELECT event_id, action, severity, actor, ip, user_agent, method, path,"
            " detail, occurred_at FROM security_audit WHERE tenant_id=$1"
            " AND ($2::text IS NULL OR action=$2) ORDER BY occurred_at DESC, event_id LIMIT $3",
            tenant_id, action, limit)
