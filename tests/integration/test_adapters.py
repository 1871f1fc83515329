"""Adapters against their real services: the event log and Stripe (stripe-mock); the blob store
has its own contract test (test_blob_store.py)."""

from __future__ import annotations

import time

import pytest

from infra.settings import Settings
from infra.stripe_billing import StripeMeters, StripeSubscriptions, client
from streams.catalogue import new_event
from streams.log import EventLog, LogUnavailable
from tests.conftest import isolated_settings
from tests.integration.helpers import events_of


async def test_appended_events_are_acknowledged_and_read_back(settings: Settings) -> None:
    from streams.log import ensure_topics

    await ensure_topics(settings)
    log = EventLog(settings)
    event = new_event("workbook.uploaded", "acme", "w1",
                      {"sha256": "0" * 64, "size": 1, "uri": "file:///x"})
    await log.append([event])
    await log.close()
    assert [e.id for e in await events_of(settings, "workbooks")] == [event.id]


async def test_an_unreachable_broker_is_reported_quickly() -> None:
    down = isolated_settings(kafka_bootstrap="127.0.0.1:1", kafka_timeout_s=2.0)
    log = EventLog(down)
    started = time.monotonic()
    with pytest.raises(LogUnavailable):
        await log.append([new_event("tenant.created", "t", "t", {"name": "x", "plan": "free"})])
    assert time.monotonic() - started < 10
    await log.close()


def test_usage_is_sent_to_stripe_as_meter_events(settings: Settings) -> None:
    assert settings.stripe_api_key, "the stack exports RISKSTREAM_STRIPE_API_KEY"
    meters = StripeMeters(client(settings.stripe_api_key, settings.stripe_api_base))
    customer = meters.ensure_customer("acme", "Acme")
    assert customer.startswith("cus_")
    sent = meters.report_usage(customer, "ev123", {"riskstream_iterations": 500,
                                                   "riskstream_compute_ms": 20})
    assert sent == ["ev123-riskstream_compute_ms", "ev123-riskstream_iterations"]


def test_paid_plans_become_stripe_subscriptions_in_shapes_stripe_accepts(
        settings: Settings) -> None:
    # stripe-mock validates every request against Stripe's OpenAPI document
    stripe = client(settings.stripe_api_key or "", settings.stripe_api_base)
    customer = StripeMeters(stripe).ensure_customer("acme", "Acme")
    subscriptions = StripeSubscriptions(stripe)
    subscription = subscriptions.subscribe(customer, "acme", "pro", 19_900, "ev1")
    assert subscription.startswith("sub_")
    subscriptions.cancel(subscription, "ev2")
