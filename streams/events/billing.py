"""Billing: the tenant's Stripe customer and subscription, what Stripe's webhooks tell us, and
the usage each run records and Stripe is sent."""

from __future__ import annotations

from streams.events.base import Backend, Event


class BillingCustomerCreated(Event, type="billing.customer_created", version=1,
                             topic="tenants", key="tenant id (its Stripe customer)"):
    """The tenant's Stripe customer id."""

    customer_id: str


class BillingSubscriptionCreated(Event, type="billing.subscription_created", version=1,
                                 topic="tenants", key="tenant id (our Stripe subscription)"):
    """Our Stripe subscription for a plan."""

    subscription_id: str
    plan: str
    customer_id: str
    replaces: str | None = None  # the subscription it cancelled


class BillingSubscriptionCancelled(Event, type="billing.subscription_cancelled", version=1,
                                   topic="tenants",
                                   key="tenant id (on a change to a free plan)"):
    """We ended our subscription."""

    subscription_id: str


class BillingSubscriptionUpdated(Event, type="billing.subscription_updated", version=1,
                                 topic="tenants", key="tenant id (from a Stripe webhook)"):
    """Stripe says a subscription changed."""

    stripe_event_id: str
    subscription_id: str
    status: str  # Stripe's subscription status: active, trialing, canceled, unpaid, ...
    plan: str | None = None  # the plan named in the subscription's metadata


class InvoiceBody(Event):
    """An invoice as a Stripe webhook tells of it."""

    stripe_event_id: str
    invoice_id: str
    amount_cents: int
    currency: str
    period_start: int | None = None  # Unix seconds
    period_end: int | None = None


class BillingInvoicePaid(InvoiceBody, type="billing.invoice_paid", version=1, topic="tenants",
                         key="tenant id (from a Stripe webhook)"):
    """Stripe says an invoice was paid."""


class BillingPaymentFailed(InvoiceBody, type="billing.payment_failed", version=1,
                           topic="tenants", key="tenant id (from a Stripe webhook)"):
    """Stripe says a payment failed."""


class UsageRecorded(Event, type="usage.recorded", version=1, topic="billing",
                    key="simulation id"):
    """Iterations, engine and compute seconds used."""

    simulation_id: str
    iterations: int
    compute_seconds: float
    backend: Backend


class BillingUsageReported(Event, type="billing.usage_reported", version=1, topic="billing",
                           key="simulation id"):
    """Usage sent to Stripe as meter events."""

    usage_event_id: str
    simulation_id: str
    customer_id: str
    meters: dict[str, int]
    meter_event_ids: list[str]
