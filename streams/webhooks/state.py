"""Webhook endpoints and their undelivered messages, folded from the ``webhooks`` topic.

Pure: ``WebhookState.fold`` applies one event. Folding an attempt the dispatcher already
applied locally changes nothing (attempts are numbered), so the dispatcher can act on its own
outcome at once and still rebuild the same state from the log after a restart; delivered
messages leave the state, so a restart never sends them again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from streams.envelope import Envelope
from streams.events import (
    WebhookAttempted,
    WebhookEndpointDeleted,
    WebhookEndpointDisabled,
    WebhookEndpointEnabled,
    WebhookEndpointRegistered,
    WebhookMessageCreated,
    WebhookRedeliveryRequested,
    WebhookSecretRotated,
)

# events about deliveries themselves are never delivered: they would feed back into the fan-out
UNSUBSCRIBABLE = frozenset({WebhookMessageCreated.type, WebhookAttempted.type,
                            WebhookRedeliveryRequested.type})


def wants(event_types: list[str], event_type: str) -> bool:
    """Whether an endpoint subscribed to ``event_types`` (names, or prefixes ending in '.';
    none means all) receives ``event_type``."""
    if event_type in UNSUBSCRIBABLE:
        return False
    return not event_types or any(
        event_type == t or (t.endswith(".") and event_type.startswith(t)) for t in event_types)


@dataclass
class Message:
    """A message waiting for a successful attempt."""

    message_id: str
    aggregate: str
    payload: dict[str, Any]
    attempts: int = 0
    due: datetime | None = None  # None: as soon as possible


@dataclass
class Endpoint:
    endpoint_id: str
    tenant_id: str
    url: str
    event_types: list[str]
    secrets: list[tuple[str, datetime | None]]  # (secret, valid until); None: the current one
    since: datetime  # events that occurred before the registration are not sent
    enabled: bool = True
    # when it was disabled, (from, until); until None: still disabled
    paused: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    failing_since: datetime | None = None
    pending: dict[str, Message] = field(default_factory=dict)  # in creation order

    def signing_secrets(self, now: datetime) -> list[str]:
        return [s for s, until in self.secrets if until is None or until > now]

    def receives(self, occurred_at: datetime) -> bool:
        """Whether an event that occurred at ``occurred_at`` is sent here: after the
        registration and outside the times the endpoint was disabled, by the events' times,
        so a fan-out that learns of a disable or an enable early or late decides the same."""
        return occurred_at >= self.since and not any(
            start <= occurred_at and (until is None or occurred_at < until)
            for start, until in self.paused)


@dataclass
class WebhookState:
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    track_messages: bool = True  # the fan-out needs only the endpoints
    # the fan-out asks for every event of the log: a lookup by tenant, not a scan
    by_tenant: dict[str, dict[str, Endpoint]] = field(default_factory=dict)

    def for_tenant(self, tenant_id: str) -> list[Endpoint]:
        return list(self.by_tenant.get(tenant_id, {}).values())

    def fold(self, event: Envelope) -> None:
        """Apply one event of the webhooks topic (others are ignored)."""
        d = event.data
        if event.type == WebhookEndpointRegistered.type:
            added = Endpoint(d["endpoint_id"], event.tenant_id, d["url"], list(d["event_types"]),
                             [(d["secret"], None)], event.occurred_at)
            self.endpoints[added.endpoint_id] = added
            self.by_tenant.setdefault(event.tenant_id, {})[added.endpoint_id] = added
            return
        endpoint = self.endpoints.get(str(d.get("endpoint_id", "")))
        if endpoint is None or (not self.track_messages and event.type in UNSUBSCRIBABLE):
            return
        if event.type == WebhookSecretRotated.type:
            until = datetime.fromisoformat(d["previous_valid_until"])
            endpoint.secrets = [(d["secret"], None)] + [
                (s, until if valid is None else min(valid, until))
                for s, valid in endpoint.secrets]
        elif event.type == WebhookEndpointDisabled.type:
            if endpoint.enabled:  # the dispatcher applied its own disable already
                endpoint.paused.append((event.occurred_at, None))
            endpoint.enabled = False
        elif event.type == WebhookEndpointEnabled.type:
            if not endpoint.enabled:
                endpoint.paused[-1] = (endpoint.paused[-1][0], event.occurred_at)
            endpoint.enabled, endpoint.failing_since = True, None
        elif event.type == WebhookEndpointDeleted.type:
            del self.endpoints[endpoint.endpoint_id]
            del self.by_tenant[endpoint.tenant_id][endpoint.endpoint_id]
        elif event.type == WebhookMessageCreated.type:
            endpoint.pending.setdefault(d["message_id"], Message(
                d["message_id"], d["aggregate"], d["payload"]))
        elif event.type == WebhookRedeliveryRequested.type:
            for m in d["messages"]:
                known = endpoint.pending.get(m["message_id"])
                if known is not None:
                    known.due = None
                else:
                    endpoint.pending[m["message_id"]] = Message(
                        m["message_id"], m["aggregate"], m["payload"],
                        attempts=int(m.get("attempts", 0)))
        elif event.type == WebhookAttempted.type:
            self._attempted(endpoint, event)

    @staticmethod
    def _attempted(endpoint: Endpoint, event: Envelope) -> None:
        d = event.data
        message = endpoint.pending.get(d["message_id"])
        if message is None or message.attempts >= d["attempt"]:
            return  # applied already, or the message was delivered
        message.attempts = d["attempt"]
        if d["outcome"] == "delivered":
            del endpoint.pending[message.message_id]
            endpoint.failing_since = None
            return
        endpoint.failing_since = endpoint.failing_since or event.occurred_at
        if d["outcome"] == "retrying":
            message.due = datetime.fromisoformat(d["next_attempt_at"])
        else:  # failed for good, or the endpoint was disabled: only a redelivery sends it again
            del endpoint.pending[message.message_id]
