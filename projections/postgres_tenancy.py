"""How tenancy, plan, billing and security events change the PostgreSQL views, and which of
them land in the security audit (with their severity). Applied by the projector next to
:mod:`projections.postgres_views`, in the same transaction as its checkpoint."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import asyncpg

from projections.postgres_sign_in import SIGN_IN_AUDIT, SIGN_IN_TABLES, SIGN_IN_VIEWS
from streams.catalogue import SECRET_FIELDS
from streams.envelope import Envelope
from streams.events import (
    ApiKeyIssued,
    ApiKeyRevoked,
    AuthLoginFailed,
    AuthLoginSucceeded,
    AuthPermissionDenied,
    AuthRateLimited,
    BillingInvoicePaid,
    BillingPaymentFailed,
    BillingSubscriptionCancelled,
    BillingSubscriptionCreated,
    BillingSubscriptionUpdated,
    SubjectErased,
    TenantPlanChanged,
    UserCreated,
    UserInvited,
    UserRoleChanged,
)
from streams.events.billing import InvoiceBody
from streams.plans import plan_after_subscription

Apply = Callable[[asyncpg.Connection, Envelope], Awaitable[None]]

# What the security audit records, and how loud each is.
AUDIT_SEVERITY: dict[str, str] = {
    AuthLoginSucceeded.type: "info",
    AuthLoginFailed.type: "warning",
    AuthPermissionDenied.type: "warning",
    AuthRateLimited.type: "warning",
    ApiKeyIssued.type: "notice",
    ApiKeyRevoked.type: "notice",
    UserInvited.type: "notice",
    UserCreated.type: "notice",
    UserRoleChanged.type: "notice",
    TenantPlanChanged.type: "notice",
    BillingPaymentFailed.type: "critical",
    SubjectErased.type: "notice",
    **SIGN_IN_AUDIT,
}


async def plan_changed(conn: asyncpg.Connection, e: Envelope) -> None:
    changed = e.body(TenantPlanChanged)
    await conn.execute("UPDATE tenants SET plan=$2, overrides=$3 WHERE tenant_id=$1",
                       e.tenant_id, changed.plan, json.dumps(changed.overrides))


async def subscription_created(conn: asyncpg.Connection, e: Envelope) -> None:
    await conn.execute("UPDATE tenants SET subscription_id=$2 WHERE tenant_id=$1",
                       e.tenant_id, e.body(BillingSubscriptionCreated).subscription_id)


async def subscription_cancelled(conn: asyncpg.Connection, e: Envelope) -> None:
    await conn.execute("UPDATE tenants SET subscription_id=NULL WHERE tenant_id=$1"
                       " AND subscription_id=$2", e.tenant_id,
                       e.body(BillingSubscriptionCancelled).subscription_id)


async def subscription_updated(conn: asyncpg.Connection, e: Envelope) -> None:
    row = await conn.fetchrow("SELECT plan, subscription_id FROM tenants WHERE tenant_id=$1"
                              " FOR UPDATE", e.tenant_id)
    if row is not None:
        plan = plan_after_subscription(row["plan"], row["subscription_id"],
                                      e.body(BillingSubscriptionUpdated))
        await conn.execute("UPDATE tenants SET plan=$2 WHERE tenant_id=$1", e.tenant_id, plan)


def _invoice(status: str, tenant_status: str, model: type[InvoiceBody]) -> Apply:
    async def apply(conn: asyncpg.Connection, e: Envelope) -> None:
        invoice = e.body(model)
        await conn.execute("UPDATE tenants SET status=$2 WHERE tenant_id=$1",
                           e.tenant_id, tenant_status)
        await conn.execute(
            "INSERT INTO invoices (invoice_id, tenant_id, status, amount_cents, currency,"
            " period_start, period_end, stripe_event_id, updated_at)"
            " VALUES ($1,$2,$3,$4,$5,to_timestamp($6),to_timestamp($7),$8,$9)"
            " ON CONFLICT (invoice_id) DO UPDATE SET status=EXCLUDED.status,"
            " amount_cents=EXCLUDED.amount_cents, stripe_event_id=EXCLUDED.stripe_event_id,"
            " updated_at=EXCLUDED.updated_at",
            invoice.invoice_id, e.tenant_id, status, invoice.amount_cents, invoice.currency,
            invoice.period_start, invoice.period_end, invoice.stripe_event_id, e.occurred_at)
    return apply


async def user_invited(conn: asyncpg.Connection, e: Envelope) -> None:
    invited = e.body(UserInvited)
    await conn.execute(
        "INSERT INTO invitations (invitation_id, tenant_id, email, role, token_hash, invited_at,"
        " expires_at) VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT DO NOTHING",
        invited.invitation_id, e.tenant_id, invited.email, invited.role, invited.token_hash,
        e.occurred_at, invited.expires_at)


async def user_created(conn: asyncpg.Connection, e: Envelope) -> None:
    user = e.body(UserCreated)
    # email is unique across tenants; the API checks first, and a racing duplicate is ignored
    await conn.execute(
        "INSERT INTO users (user_id, tenant_id, email, name, role, password_hash, created_at)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT DO NOTHING",
        user.user_id, e.tenant_id, user.email, user.name, user.role, user.password_hash,
        e.occurred_at)
    if user.invitation_id:
        await conn.execute(
            "UPDATE invitations SET accepted_at=$3, user_id=$4 WHERE invitation_id=$1"
            " AND tenant_id=$2 AND accepted_at IS NULL",
            user.invitation_id, e.tenant_id, e.occurred_at, user.user_id)


async def user_role_changed(conn: asyncpg.Connection, e: Envelope) -> None:
    changed = e.body(UserRoleChanged)
    await conn.execute(
        "UPDATE users SET role=$3, role_changed_at=$4 WHERE user_id=$1 AND tenant_id=$2",
        changed.user_id, e.tenant_id, changed.role, e.occurred_at)


async def audited(conn: asyncpg.Connection, e: Envelope) -> None:
    """One security audit row per event, keyed by the event id. It reads the body as logged:
    the detail is the whole body less its credentials, and an erasure rewrites these rows from
    event_log's public copies, whose ``"[redacted]"`` credentials not every model accepts."""
    who = e.data.get("audit", {})
    detail = {k: v for k, v in e.data.items() if k not in SECRET_FIELDS and k != "audit"}
    await conn.execute(
        "INSERT INTO security_audit (event_id, tenant_id, action, severity, actor, ip,"
        " user_agent, method, path, detail, occurred_at)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT (event_id) DO NOTHING",
        e.id, e.tenant_id, e.type, AUDIT_SEVERITY[e.type], who.get("actor"), who.get("ip"),
        who.get("user_agent"), who.get("method"), who.get("path"), json.dumps(detail),
        e.occurred_at)


TENANCY_VIEWS: dict[str, Apply] = {
    TenantPlanChanged.type: plan_changed,
    BillingSubscriptionCreated.type: subscription_created,
    BillingSubscriptionCancelled.type: subscription_cancelled,
    BillingSubscriptionUpdated.type: subscription_updated,
    BillingInvoicePaid.type: _invoice("paid", "active", BillingInvoicePaid),
    BillingPaymentFailed.type: _invoice("payment_failed", "suspended", BillingPaymentFailed),
    UserInvited.type: user_invited,
    UserCreated.type: user_created,
    UserRoleChanged.type: user_role_changed,
    **SIGN_IN_VIEWS,
}
TENANCY_TABLES: dict[str, str] = {
    "users": "user_id", "invitations": "invitation_id", "security_audit": "event_id",
    "invoices": "invoice_id", **SIGN_IN_TABLES,
}


def with_security_audit(views: dict[str, Apply]) -> dict[str, Apply]:
    """``views`` where every audited event type also writes its security audit row."""
    def both(view: Apply | None) -> Apply:
        async def apply(conn: asyncpg.Connection, e: Envelope) -> None:
            if view is not None:
                await view(conn, e)
            await audited(conn, e)
        return apply

    return {**views, **{t: both(views.get(t)) for t in AUDIT_SEVERITY}}
