"""Two billing instances on the real broker and stripe-mock, one leaving half-way: each usage
record is reported once, each tenant gets one ``billing.customer_created``, and every instance
that asks Stripe for a tenant's customer asks with the same idempotency key and body, so Stripe
makes one customer however the tenants and the usage are shared out."""

from __future__ import annotations

import asyncio
from collections import Counter

from infra.settings import Settings
from infra.stripe_billing import StripeMeters, StripeSubscriptions, client
from streams.catalogue import new_event
from streams.envelope import Envelope
from streams.log import EventLog, ensure_topics
from streams.processors.billing import BillingProcessor
from streams.processors.runtime import run_transactional
from tests.integration.helpers import events_of, wait_for

TENANTS = [f"tenant-{n}" for n in range(6)]  # spread over the topics' partitions


class AskedMeters(StripeMeters):
    """Stripe (stripe-mock), noting every customer asked for."""

    asked: list[tuple[str, str]] = []

    def ensure_customer(self, tenant_id: str, name: str) -> str:
        self.asked.append((tenant_id, name))
        return super().ensure_customer(tenant_id, name)


def _usage(round_: str) -> list[Envelope]:
    return [new_event("usage.recorded", t, f"{t}-{round_}-{i}", {
        "simulation_id": f"{t}-{round_}-{i}", "iterations": 1000, "compute_seconds": 0.5,
        "backend": "numpy"}) for t in TENANTS for i in range(3)]


async def _reported(settings: Settings, count: int) -> Counter[str] | None:
    found = Counter(e.data["usage_event_id"] for e in await events_of(settings, "billing")
                    if e.type == "billing.usage_reported")
    return found if sum(found.values()) >= count else None


async def test_two_instances_report_each_usage_once_and_make_one_customer_per_tenant(
        settings: Settings) -> None:
    assert settings.stripe_api_key is not None, "the local stack's stripe-mock key"
    await ensure_topics(settings)
    log = EventLog(settings)
    stripe = client(settings.stripe_api_key, settings.stripe_api_base)
    stops = [asyncio.Event() for _ in range(2)]
    joined = [asyncio.Event() for _ in range(2)]

    def instance(n: int) -> asyncio.Task[None]:
        async def ready() -> None:
            joined[n].set()
        return asyncio.create_task(run_transactional(
            settings, lambda: BillingProcessor(AskedMeters(stripe), StripeSubscriptions(stripe)),
            stops[n], ready))

    tasks = [instance(0), instance(1)]
    await asyncio.wait_for(asyncio.gather(*(j.wait() for j in joined)), 60)
    # usage right behind each tenant's creation: an instance may bill a tenant whose
    # customer the other is making at the same moment
    usage = _usage("a")
    await log.append([new_event("tenant.created", t, t, {"name": f"Name of {t}", "plan": "free"})
                      for t in TENANTS] + usage)
    await wait_for(lambda: _reported(settings, len(usage)), timeout_s=30)
    stops[0].set()
    await tasks[0]
    usage += _usage("b")
    await log.append(usage[-len(TENANTS) * 3:])
    reported = await wait_for(lambda: _reported(settings, len(usage)), timeout_s=30)
    stops[1].set()
    await tasks[1]

    assert reported == dict.fromkeys((e.id for e in usage), 1)
    customers = Counter(e.tenant_id for e in await events_of(settings, "tenants")
                        if e.type == "billing.customer_created")
    assert customers == dict.fromkeys(TENANTS, 1)
    assert set(AskedMeters.asked) == {(t, f"Name of {t}") for t in TENANTS}
    await log.close()
