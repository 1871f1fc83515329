"""How webhook events change the PostgreSQL views: endpoints (never their secrets), messages and
every delivery attempt. All events of one endpoint share a partition, so they arrive in order."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import asyncpg

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


async def endpoint_registered(conn: asyncpg.Connection, e: Envelope) -> None:
    endpoint = e.body(WebhookEndpointRegistered)
    await conn.execute(
        "INSERT INTO webhook_endpoints (endpoint_id, tenant_id, url, event_types, description,"
        " status, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,'enabled',$6,$6)"
        " ON CONFLICT (endpoint_id) DO NOTHING",
        endpoint.endpoint_id, e.tenant_id, endpoint.url, endpoint.event_types,
        endpoint.description, e.occurred_at)


async def secret_rotated(conn: asyncpg.Connection, e: Envelope) -> None:
    await conn.execute(
        "UPDATE webhook_endpoints SET rotated_at=$2, updated_at=$2 WHERE endpoint_id=$1",
        e.body(WebhookSecretRotated).endpoint_id, e.occurred_at)


def _status(status: str, model: type[WebhookEndpointDisabled | WebhookEndpointEnabled
                                      | WebhookEndpointDeleted]
            ) -> Callable[[asyncpg.Connection, Envelope], Awaitable[None]]:
    async def apply(conn: asyncpg.Connection, e: Envelope) -> None:
        changed = e.body(model)
        reason = changed.reason if isinstance(changed, WebhookEndpointDisabled) else None
        await conn.execute(
            "UPDATE webhook_endpoints SET status=$2, reason=$3, updated_at=$4"
            " WHERE endpoint_id=$1", changed.endpoint_id, status, reason, e.occurred_at)
    return apply


async def message_created(conn: asyncpg.Connection, e: Envelope) -> None:
    message = e.body(WebhookMessageCreated)
    await conn.execute(
        "INSERT INTO webhook_messages (message_id, endpoint_id, tenant_id, event_id, event_type,"
        " aggregate, payload, created_at, status) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,'pending')"
        " ON CONFLICT (message_id) DO NOTHING",
        message.message_id, message.endpoint_id, e.tenant_id, message.event_id,
        message.event_type, message.aggregate, json.dumps(message.payload), e.occurred_at)


async def redelivery_requested(conn: asyncpg.Connection, e: Envelope) -> None:
    await conn.execute(
        "UPDATE webhook_messages SET status='pending' WHERE message_id = ANY($1::text[])",
        [m.message_id for m in e.body(WebhookRedeliveryRequested).messages])


async def attempted(conn: asyncpg.Connection, e: Envelope) -> None:
    attempt = e.body(WebhookAttempted)
    await conn.execute(
        "INSERT INTO webhook_attempts (attempt_id, tenant_id, endpoint_id, message_id, attempt,"
        " attempted_at, status_code, latency_ms, outcome, error, response_excerpt,"
        " next_attempt_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)"
        " ON CONFLICT (attempt_id) DO NOTHING",
        e.id, e.tenant_id, attempt.endpoint_id, attempt.message_id, attempt.attempt,
        attempt.attempted_at, attempt.status_code, attempt.latency_ms, attempt.outcome,
        attempt.error, attempt.response_excerpt, attempt.next_attempt_at)
    status = {"delivered": "delivered", "retrying": "failing"}.get(attempt.outcome, "failed")
    await conn.execute(
        "UPDATE webhook_messages SET attempts=GREATEST(attempts, $2), status=$3"
        " WHERE message_id=$1",
        attempt.message_id, attempt.attempt, status)


Apply = Callable[[asyncpg.Connection, Envelope], Awaitable[None]]
WEBHOOK_VIEWS: dict[str, Apply] = {
    WebhookEndpointRegistered.type: endpoint_registered,
    WebhookSecretRotated.type: secret_rotated,
    WebhookEndpointDisabled.type: _status("disabled", WebhookEndpointDisabled),
    WebhookEndpointEnabled.type: _status("enabled", WebhookEndpointEnabled),
    WebhookEndpointDeleted.type: _status("deleted", WebhookEndpointDeleted),
    WebhookMessageCreated.type: message_created,
    WebhookRedeliveryRequested.type: redelivery_requested,
    WebhookAttempted.type: attempted,
}
WEBHOOK_TABLES = {"webhook_endpoints": "endpoint_id", "webhook_messages": "message_id",
                  "webhook_attempts": "attempt_id"}
