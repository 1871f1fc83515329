"""Stripe, through the official SDK: customers per tenant and usage as billing meter events."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import stripe

log = logging.getLogger(__name__)


def client(api_key: str, api_base: str | None = None) -> stripe.StripeClient:
    base = {"api": api_base} if api_base else None
    return stripe.StripeClient(api_key, base_addresses=base)  # type: ignore[arg-type]


class StripeMeters:
    """Reports usage to Stripe; every call carries an idempotency key derived from our ids."""

    def __init__(self, stripe_client: stripe.StripeClient) -> None:
        self.client = stripe_client

    def ensure_customer(self, tenant_id: str, name: str) -> str:
        customer = self.client.v1.customers.create(
            params={"name": name, "metadata": {"riskstream_tenant_id": tenant_id}},
            options={"idempotency_key": f"customer-{tenant_id}"},
        )
        return str(customer.id)

    def report_usage(self, customer_id: str, event_id: str, meters: Mapping[str, float]
                     ) -> list[str]:
        sent = []
        for meter, value in sorted(meters.items()):
            identifier = f"{event_id}-{meter}"
            self.client.v1.billing.meter_events.create(
                params={
                    "event_name": meter,
                    "identifier": identifier,
                    "payload": {"stripe_customer_id": customer_id, "value": str(value)},
                },
                options={"idempotency_key": identifier},
            )
            sent.append(identifier)
        return sent


class StripeSubscriptions:
    """A monthly subscription per paid plan, on a price found by its lookup key (or made once).
    Subscriptions carry our tenant id and plan as metadata, which the webhooks send back."""

    def __init__(self, stripe_client: stripe.StripeClient) -> None:
        self.client = stripe_client
        self._prices: dict[str, str] = {}

    def _price(self, plan: str, monthly_cents: int) -> str:
        lookup = f"riskstream_{plan}_monthly_{monthly_cents}"
        if lookup not in self._prices:
            found = self.client.v1.prices.list(params={"lookup_keys": [lookup], "limit": 1})
            if found.data:
                self._prices[lookup] = str(found.data[0].id)
            else:
                price = self.client.v1.prices.create(params={
                    "currency": "usd", "unit_amount": monthly_cents, "lookup_key": lookup,
                    "recurring": {"interval": "month"},
                    "product_data": {"name": f"RiskStream {plan} plan"}},
                    options={"idempotency_key": f"price-{lookup}"})
                self._prices[lookup] = str(price.id)
        return self._prices[lookup]

    def subscribe(self, customer_id: str, tenant_id: str, plan: str, monthly_cents: int,
                  request_id: str) -> str:
        subscription = self.client.v1.subscriptions.create(params={
            "customer": customer_id, "items": [{"price": self._price(plan, monthly_cents)}],
            "metadata": {"riskstream_tenant_id": tenant_id, "riskstream_plan": plan}},
            options={"idempotency_key": f"subscribe-{request_id}"})
        return str(subscription.id)

    def cancel(self, subscription_id: str, request_id: str) -> None:
        try:
            self.client.v1.subscriptions.cancel(
                subscription_id, options={"idempotency_key": f"cancel-{request_id}"})
        except stripe.InvalidRequestError as exc:
            # cancelled in Stripe already (its webhook may still be on the way): the goal holds
            log.warning("subscription %s was not cancelled: %s", subscription_id,
                        exc.user_message)
