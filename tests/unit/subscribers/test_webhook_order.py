"""Which message an endpoint's task sends next: the first due one in creation order, except that
a message waiting for a retry holds back the later messages of its own aggregate only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from infra.settings import Settings
from streams.processors.webhooks import WebhookDispatcher
from streams.webhooks.state import Endpoint, Message

NOW = datetime(2026, 11, 22, 10, tzinfo=UTC)


def test_a_retrying_message_holds_back_its_aggregate_only() -> None:
    dispatcher = WebhookDispatcher(Settings(jwt_secret="s" * 32), None, None,  # type: ignore[arg-type]
                                   clock=lambda: NOW)
    endpoint = Endpoint("ep", "t", "https://h.example/x", [], [("whsec_AAAA", None)], NOW)
    for message_id, aggregate in (("m1", "sim-a"), ("m2", "sim-a"), ("m3", "sim-b")):
        endpoint.pending[message_id] = Message(message_id, aggregate, {})
    endpoint.pending["m1"].due = NOW + timedelta(seconds=30)
    message, _ = dispatcher._next(endpoint)
    assert message is not None and message.message_id == "m3"
    del endpoint.pending["m3"]
    message, wait = dispatcher._next(endpoint)
    assert message is None and wait == 1.0  # m2 waits for m1; check again within a second
    endpoint.pending["m1"].due = NOW
    message, _ = dispatcher._next(endpoint)
    assert message is not None and message.message_id == "m1"
