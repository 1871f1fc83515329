"""The billing processor: a Stripe customer per tenant, and each usage record reported once."""

from __future__ import annotations

import asyncio

from streams.envelope import Envelope
from streams.events import (
    BillingCustomerCreated,
    BillingSubscriptionCancelled,
    BillingSubscriptionCreated,
    BillingSubscriptionUpdated,
    BillingUsageReported,
    TenantCreated,
    TenantPlanChanged,
    UsageRecorded,
)
from streams.events.tenancy import PlanBody
from streams.plans import ENDED_STATUSES
from streams.ports import MeterReporter, SubscriptionManager
from streams.pricing import PRICES

ITERATIONS_METER = "riskstream_iterations"
COMPUTE_METER = "riskstream_compute_ms"
FOLDED = frozenset(m.type for m in (
    TenantCreated, BillingCustomerCreated, BillingSubscriptionUpdated,
    BillingSubscriptionCreated, BillingSubscriptionCancelled))


class BillingProcessor:
    """``tenant.created`` → ``billing.customer_created``; ``usage.recorded`` → meter events →
    ``billing.usage_reported``; a tenant created on, or changed to, a paid plan → a Stripe
    subscription (the previous one cancelled) → ``billing.subscription_created`` /
    ``_cancelled``. Stripe idempotency keys derive from our ids (the tenant's for its customer,
    the event's for the rest), so a redelivered event is not billed twice, and instances that
    both need a tenant's customer before its ``billing.customer_created`` is in the log get the
    same customer: they ask with the same key and the same body (the name folded from
    ``tenant.created``)."""

    name = "billing"
    topics = ("tenants", "billing")
    state_topics = ("tenants",)

    def __init__(self, meters: MeterReporter, subscriptions: SubscriptionManager) -> None:
        self.meters = meters
        self.subscriptions = subscriptions
        self.customers: dict[str, str] = {}  # from billing.customer_created
        self.looked_up: dict[str, str] = {}  # asked of Stripe, maybe not in the log yet
        self.names: dict[str, str] = {}
        self.subscribed: dict[str, str] = {}
        self.plan_changes_done: set[str] = set()
        self.reported: set[str] = set()

    def fold(self, event: Envelope) -> None:
        if event.type not in FOLDED:
            return
        match event.body():
            case TenantCreated(name=name):
                self.names[event.tenant_id] = name
            case BillingCustomerCreated(customer_id=customer_id):
                self.customers[event.tenant_id] = customer_id
            case BillingSubscriptionUpdated(status=status, subscription_id=subscription_id) \
                    if status in ENDED_STATUSES and \
                    self.subscribed.get(event.tenant_id) == subscription_id:
                del self.subscribed[event.tenant_id]  # Stripe ended it: nothing left to cancel
            case BillingSubscriptionCreated(subscription_id=subscription_id):
                self.plan_changes_done.add(event.causation_id)
                self.subscribed[event.tenant_id] = subscription_id
            case BillingSubscriptionCancelled():
                self.plan_changes_done.add(event.causation_id)
                self.subscribed.pop(event.tenant_id, None)

    async def _follow_plan(self, event: Envelope, change: PlanBody) -> list[Envelope]:
        """Make the tenant's Stripe subscription follow the plan ``change`` sets: cancel the
        current subscription, and subscribe the customer to a paid plan."""
        previous_plan = change.previous_plan if isinstance(change, TenantPlanChanged) else None
        if event.id in self.plan_changes_done or previous_plan == change.plan:
            return []  # done already, or only the overrides changed
        plan, tenant = change.plan, event.tenant_id
        previous = self.subscribed.get(tenant)
        if previous is not None:
            await asyncio.to_thread(self.subscriptions.cancel, previous, event.id)
        fee = PRICES[plan].monthly_cents
        out: list[Envelope]
        if fee == 0:
            out = [] if previous is None else [
                event.caused(BillingSubscriptionCancelled(subscription_id=previous))]
        else:
            customer = await self._customer(tenant)
            subscription = await asyncio.to_thread(
                self.subscriptions.subscribe, customer, tenant, plan, fee, event.id)
            out = [event.caused(BillingSubscriptionCreated(
                subscription_id=subscription, plan=plan, customer_id=customer,
                replaces=previous))]
        for done in out:
            self.fold(done)
        return out

    async def _customer(self, tenant_id: str) -> str:
        """The tenant's customer: from the log, else from Stripe (the same one on every ask);
        only the handling of ``tenant.created`` records it."""
        known = self.customers.get(tenant_id) or self.looked_up.get(tenant_id)
        if known is None:
            known = self.looked_up[tenant_id] = await asyncio.to_thread(
                self.meters.ensure_customer, tenant_id, self.names.get(tenant_id, tenant_id))
        return known

    async def handle(self, event: Envelope) -> list[Envelope]:
        if event.type == TenantCreated.type and event.tenant_id not in self.customers:
            tenant = event.body(TenantCreated)
            self.names.setdefault(event.tenant_id, tenant.name)
            created = event.caused(
                BillingCustomerCreated(customer_id=await self._customer(event.tenant_id)))
            self.fold(created)
            return [created, *await self._follow_plan(event, tenant)]
        if event.type == TenantPlanChanged.type:
            return await self._follow_plan(event, event.body(TenantPlanChanged))
        if event.type == BillingUsageReported.type:
            self.reported.add(event.body(BillingUsageReported).usage_event_id)
        if event.type != UsageRecorded.type or event.id in self.reported:
            return []
        usage = event.body(UsageRecorded)
        customer = await self._customer(event.tenant_id)
        meters = {
            ITERATIONS_METER: usage.iterations,
            COMPUTE_METER: int(round(usage.compute_seconds * 1000)),
        }
        sent = await asyncio.to_thread(self.meters.report_usage, customer, event.id, meters)
        self.reported.add(event.id)
        return [event.caused(BillingUsageReported(
            usage_event_id=event.id, customer_id=customer, simulation_id=event.key,
            meters=meters, meter_event_ids=sent))]
