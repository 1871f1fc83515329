"""Stripe's webhook events as RiskStream events: subscription changes, paid invoices and failed
payments. Pure translation; the route verifies the signature and finds the tenant."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from streams.events import BillingInvoicePaid, BillingPaymentFailed, BillingSubscriptionUpdated
from streams.events.billing import InvoiceBody

SUBSCRIPTION_TYPES = frozenset({"customer.subscription.created",
                                "customer.subscription.updated",
                                "customer.subscription.deleted"})
INVOICE_TYPES: dict[str, type[InvoiceBody]] = {"invoice.paid": BillingInvoicePaid,
                                               "invoice.payment_failed": BillingPaymentFailed}
TENANT_METADATA = "riskstream_tenant_id"
PLAN_METADATA = "riskstream_plan"


@dataclass(frozen=True)
class Inbound:
    """Our event for one Stripe event: its body, and how to find the tenant."""

    body: BillingSubscriptionUpdated | InvoiceBody
    tenant_id: str | None
    customer_id: str | None


def translate(stripe_event: dict[str, Any]) -> Inbound | None:
    """The RiskStream event a Stripe event means, or None for types we do not act on."""
    kind = stripe_event.get("type", "")
    obj = stripe_event.get("data", {}).get("object", {})
    metadata = obj.get("metadata") or {}
    if kind in SUBSCRIPTION_TYPES:
        status = "canceled" if kind.endswith(".deleted") else str(obj.get("status"))
        updated = BillingSubscriptionUpdated(
            stripe_event_id=stripe_event["id"], subscription_id=obj["id"], status=status,
            plan=metadata.get(PLAN_METADATA))
        return Inbound(updated, metadata.get(TENANT_METADATA), obj.get("customer"))
    if kind in INVOICE_TYPES:
        paid = kind == "invoice.paid"
        details = (obj.get("subscription_details") or {}).get("metadata") or {}
        invoice = INVOICE_TYPES[kind](
            stripe_event_id=stripe_event["id"], invoice_id=obj["id"],
            amount_cents=int(obj.get("amount_paid" if paid else "amount_due") or 0),
            currency=obj.get("currency") or "usd", period_start=obj.get("period_start"),
            period_end=obj.get("period_end"))
        return Inbound(invoice, details.get(TENANT_METADATA) or metadata.get(TENANT_METADATA),
                       obj.get("customer"))
    return None
