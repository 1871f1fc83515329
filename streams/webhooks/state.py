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


ABOUT_AN_ENDPOINT = (WebhookSecretRotated, WebhookEndpointDisabled, WebhookEndpointEnabled,
                     WebhookEndpointDeleted, WebhookMessageCreated, WebhookRedeliveryRequested,
                     WebhookAttempted)
FOLDED = frozenset(m.type for m in (WebhookEndpointRegistered, *ABOUT_AN_ENDPOINT))


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

    def fold(self, event: Envelope) -> str | None:
        """Apply one event of the webhooks topic (others are ignored); the id of the endpoint
        it is about, when the state holds that endpoint."""
        if event.type not in FOLDED or (not self.track_messages and
                                        event.type in UNSUBSCRIBABLE):
            return None
        body = event.body()
        if isinstance(body, WebhookEndpointRegistered):
            added = Endpoint(body.endpoint_id, event.tenant_id, body.url,
                             list(body.event_types), [(body.secret, None)], event.occurred_at)
            self.endpoints[added.endpoint_id] = added
            self.by_tenant.setdefault(event.tenant_id, {})[added.endpoint_id] = added
            return added.endpoint_id
        if not isinstance(body, ABOUT_AN_ENDPOINT):
            return None
        endpoint = self.endpoints.get(body.endpoint_id)
        if endpoint is None:
            return None
        match body:
            case WebhookSecretRotated(secret=secret, previous_valid_until=until):
                endpoint.secrets = [(secret, None)] + [
                    (s, until if valid is None else min(valid, until))
                    for s, valid in endpoint.secrets]
            case WebhookEndpointDisabled():
                if endpoint.enabled:  # the dispatcher applied its own disable already
                    endpoint.paused.append((event.occurred_at, None))
                endpoint.enabled = False
            case WebhookEndpointEnabled():
                if not endpoint.enabled:
                    endpoint.paused[-1] = (endpoint.paused[-1][0], event.occurred_at)
                endpoint.enabled, endpoint.failing_since = True, None
            case WebhookEndpointDeleted():
                del self.endpoints[endpoint.endpoint_id]
                del self.by_tenant[endpoint.tenant_id][endpoint.endpoint_id]
            case WebhookMessageCreated(message_id=message_id, aggregate=aggregate,
                                       payload=payload):
                endpoint.pending.setdefault(message_id, Message(message_id, aggregate, payload))
            case WebhookRedeliveryRequested(messages=messages):
                for m in messages:
                    known = endpoint.pending.get(m.message_id)
                    if known is not None:
                        known.due = None
                    else:
                        endpoint.pending[m.message_id] = Message(
                            m.message_id, m.aggregate, m.payload, attempts=m.attempts)
            case WebhookAttempted() as attempted:
                self._attempted(endpoint, attempted, event.occurred_at)
        return endpoint.endpoint_id

    @staticmethod
    def _attempted(endpoint: Endpoint, attempted: WebhookAttempted, occurred_at: datetime
                   ) -> None:
        message = endpoint.pending.get(attempted.message_id)
        if message is None or message.attempts >= attempted.attempt:
            return  # applied already, or the message was delivered
        message.attempts = attempted.attempt
        if attempted.outcome == "delivered":
            del endpoint.pending[message.message_id]
            endpoint.failing_since = None
            return
        endpoint.failing_since = endpoint.failing_since or occurred_at
        if attempted.outcome == "retrying":
            message.due = attempted.next_attempt_at
        else:  # failed for good, or the endpoint was disabled: only a redelivery sends it again
            del endpoint.pending[message.message_id]
