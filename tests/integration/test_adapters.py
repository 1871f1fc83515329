"""Adapters against their real services: the event log, the blob store and Stripe (stripe-mock)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from infra.blobstore import BlobTooLarge, LocalBlobStore
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


async def _chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i:i + size]


async def test_blobs_are_content_addressed_and_oversized_streams_leave_nothing(
        tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    first = store.publish(await store.stage(_chunks(b"abc" * 1000, 100), max_bytes=10_000))
    second = store.publish(await store.stage(_chunks(b"abc" * 1000, 7), max_bytes=10_000))
    assert first == second and first.size == 3000
    assert store.get(first.sha256) == b"abc" * 1000
    with pytest.raises(BlobTooLarge):
        await store.stage(_chunks(b"x" * 20_000, 1000), max_bytes=10_000)
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != first.sha256]
    assert leftovers == []


async def test_a_discarded_upload_leaves_the_blob_others_published(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    kept = store.publish(await store.stage(_chunks(b"same bytes", 3), max_bytes=100))
    refused = await store.stage(_chunks(b"same bytes", 4), max_bytes=100)
    assert refused.sha256 == kept.sha256
    store.discard(refused)
    store.discard(refused)
    assert store.get(kept.sha256) == b"same bytes"
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [kept.sha256]


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
