"""Stripe, through the official SDK: customers per tenant and usage as billing meter events."""

from __future__ import annotations

from collections.abc import Mapping

import stripe


class StripeMeters:
    """Reports usage to Stripe; every call carries an idempotency key derived from our ids."""

    def __init__(self, api_key: str, api_base: str | None = None) -> None:
        base = {"api": api_base} if api_base else None
        self.client = stripe.StripeClient(api_key, base_addresses=base)  # type: ignore[arg-type]

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
