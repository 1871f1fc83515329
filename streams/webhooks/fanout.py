"""The webhook fan-out: for each event of the log, one ``webhook.message_created`` per endpoint
of its tenant that subscribed to its type and was enabled when it occurred.

It runs as a transactional processor (streams.processors.runtime), so every event is fanned
out exactly once: the messages and the consumer offsets commit together. Any number of
instances share the log's partitions; each follows the whole ``webhooks`` topic, since any
event may concern any endpoint of its tenant. Messages are keyed by endpoint, so one
endpoint's messages keep the log's order per aggregate. An endpoint receives
the events that occurred from its registration on, except while it was disabled, however far
behind or ahead of the ``webhooks`` topic the fan-out runs.
"""

from __future__ import annotations

import hashlib

from streams.catalogue import TOPICS
from streams.envelope import Envelope
from streams.events import WebhookMessageCreated
from streams.public import public_envelope
from streams.webhooks.state import WebhookState, wants


def message_id(endpoint_id: str, event_id: str) -> str:
    """The ``webhook-id`` of ``event_id`` sent to ``endpoint_id``: the same on every attempt
    and every re-delivery, so receivers can drop duplicates."""
    return "msg_" + hashlib.sha256(f"{endpoint_id}|{event_id}".encode()).hexdigest()[:26]


class WebhookFanout:
    """Handler for :func:`streams.processors.runtime.run_transactional`."""

    name = "webhook-fanout"
    topics = tuple(TOPICS)
    state_topics = ("webhooks",)

    def __init__(self) -> None:
        self.state = WebhookState(track_messages=False)

    def fold(self, event: Envelope) -> None:
        self.state.fold(event)

    async def handle(self, event: Envelope) -> list[Envelope]:
        out: list[Envelope] = []
        for endpoint in self.state.for_tenant(event.tenant_id):
            if not endpoint.receives(event.occurred_at) or \
                    not wants(endpoint.event_types, event.type):
                continue
            payload = {"type": event.type, "timestamp": event.occurred_at.isoformat(),
                       "data": public_envelope(event)}
            out.append(event.caused(WebhookMessageCreated(
                message_id=message_id(endpoint.endpoint_id, event.id),
                endpoint_id=endpoint.endpoint_id, event_id=event.id, event_type=event.type,
                aggregate=event.key, payload=payload), key=endpoint.endpoint_id))
        return out
