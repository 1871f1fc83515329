"""The billing processor: a Stripe customer per tenant, and each usage record reported once."""

from __future__ import annotations

import asyncio

from streams.envelope import Envelope
from streams.ports import MeterReporter

ITERATIONS_METER = "riskstream_iterations"
COMPUTE_METER = "riskstream_compute_ms"


class BillingProcessor:
    """``tenant.created`` → ``billing.customer_created``; ``usage.recorded`` → meter events →
    ``billing.usage_reported``. Meter event identifiers derive from the usage event id, so a
    redelivered usage record is not billed twice."""

    name = "billing"
    topics = ("tenants", "billing")
    state_topics = ("tenants",)

    def __init__(self, meters: MeterReporter) -> None:
        self.meters = meters
        self.customers: dict[str, str] = {}
        self.reported: set[str] = set()

    def fold(self, event: Envelope) -> None:
        if event.type == "billing.customer_created":
            self.customers[event.tenant_id] = event.data["customer_id"]

    async def _customer(self, tenant_id: str, name: str) -> str:
        if tenant_id not in self.customers:
            self.customers[tenant_id] = await asyncio.to_thread(
                self.meters.ensure_customer, tenant_id, name)
        return self.customers[tenant_id]

    async def handle(self, event: Envelope) -> list[Envelope]:
        if event.type == "tenant.created" and event.tenant_id not in self.customers:
            customer = await self._customer(event.tenant_id, event.data["name"])
            return [event.caused("billing.customer_created", {"customer_id": customer})]
        if event.type == "billing.usage_reported":
            self.reported.add(event.data["usage_event_id"])
        if event.type != "usage.recorded" or event.id in self.reported:
            return []
        customer = await self._customer(event.tenant_id, event.tenant_id)
        meters = {
            ITERATIONS_METER: int(event.data["iterations"]),
            COMPUTE_METER: int(round(float(event.data["compute_seconds"]) * 1000)),
        }
        sent = await asyncio.to_thread(self.meters.report_usage, customer, event.id, meters)
        self.reported.add(event.id)
        return [event.caused("billing.usage_reported", {
            "usage_event_id": event.id, "customer_id": customer,
            "simulation_id": event.key, "meters": meters, "meter_event_ids": sent,
        })]
