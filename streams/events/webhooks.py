"""Webhooks: endpoints a tenant registers, the messages fanned out to them and every delivery
attempt, all keyed by endpoint so one endpoint's events stay in order."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from streams.events.base import Event, Moment, Part


class WebhookEndpointRegistered(Event, type="webhook.endpoint_registered", version=1,
                                topic="webhooks", key="endpoint id (URL, types, secret)"):
    """A webhook endpoint and its signing secret, sealed (infra.secretbox)."""

    endpoint_id: str
    url: str
    event_types: list[str]  # type names, or prefixes ending in '.'; empty: every type
    description: str = ""
    secret: str


class WebhookSecretRotated(Event, type="webhook.secret_rotated", version=1, topic="webhooks",
                           key="endpoint id (old secret valid a while)"):
    """A new signing secret, sealed; the old one still signs."""

    endpoint_id: str
    secret: str
    previous_valid_until: Moment


class WebhookEndpointDisabled(Event, type="webhook.endpoint_disabled", version=1,
                              topic="webhooks", key="endpoint id (410, or failing too long)"):
    """Deliveries stopped, with the reason."""

    endpoint_id: str
    reason: str


class WebhookEndpointEnabled(Event, type="webhook.endpoint_enabled", version=1,
                             topic="webhooks", key="endpoint id (deliveries resume)"):
    """Deliveries resumed after a disable."""

    endpoint_id: str


class WebhookEndpointDeleted(Event, type="webhook.endpoint_deleted", version=1,
                             topic="webhooks", key="endpoint id"):
    """The endpoint was removed."""

    endpoint_id: str


class WebhookMessageCreated(Event, type="webhook.message_created", version=1, topic="webhooks",
                            key="endpoint id (one event for one endpoint)"):
    """An event to deliver to one endpoint."""

    message_id: str
    endpoint_id: str
    event_id: str
    event_type: str
    aggregate: str
    payload: dict[str, Any]  # what is posted: any event of the catalogue, as subscribers see it


class WebhookAttempted(Event, type="webhook.attempted", version=1, topic="webhooks",
                       key="endpoint id (status, latency, outcome)"):
    """One delivery attempt and its outcome."""

    message_id: str
    endpoint_id: str
    attempt: int
    attempted_at: Moment
    status_code: int | None  # None: no answer (refused, timed out, unsafe address)
    latency_ms: float
    outcome: str  # delivered, retrying, failed or disabled
    error: str | None = None
    response_excerpt: str | None = None
    next_attempt_at: Moment | None = None


class Redelivery(Part):
    """A message to send again, as the dispatcher keeps it."""

    message_id: str
    aggregate: str
    payload: dict[str, Any]  # as in webhook.message_created
    attempts: int = 0


class WebhookRedeliveryRequested(Event, type="webhook.redelivery_requested", version=1,
                                 topic="webhooks", key="endpoint id (messages to send again)"):
    """Messages to deliver again."""

    endpoint_id: str
    messages: list[Redelivery] = Field(min_length=1)
