"""How webhook events change the PostgreSQL views: endpoints (never their secrets), messages and
every delivery attempt. All events of one endpoint share a partition, so they arrive in order."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime

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
    d = e.data
    await conn.execute(
        "INSERT INTO webhook_endpoints (endpoint_id, tenant_id, url, event_types, description,"
        " status, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,'enabled',$6,$6)"
        " ON CONFLICT (endpoint_id) DO NOTHING",
        d["endpoint_id"], e.tenant_id, d["url"], list(d["event_types"]), d["description"],
        e.occurred_at)


async def secret_rotated(conn: asyncpg.Connection, e: Envelope) -> None:
    await conn.execute(
        "UPDATE webhook_endpoints SET rotated_at=$2, updated_at=$2 WHERE endpoint_id=$1",
        e.data["endpoint_id"], e.occurred_at)


def _status(status: str) -> Callable[[asyncpg.Connection, Envelope], Awaitable[None]]:
    async def apply(conn: asyncpg.Connection, e: Envelope) -> None:
        await conn.execute(
            "UPDATE webhook_endpoints SET status=$2, reason=$3, updated_at=$4"
            " WHERE endpoint_id=$1", e.data["endpoint_id"], status, e.data.get("reason"),
            e.occurred_at)
    return apply


async def message_created(conn: asyncpg.Connection, e: Envelope) -> None:
    d = e.data
    await conn.execute(
        "INSERT INTO webhook_messages (message_id, endpoint_id, tenant_id, event_id, event_type,"
        " aggregate, payload, created_at, status) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,'pending')"
        " ON CONFLICT (message_id) DO NOTHING",
        d["message_id"], d["endpoint_id"], e.tenant_id, d["event_id"], d["event_type"],
        d["aggregate"], json.dumps(d["payload"]), e.occurred_at)


async def redelivery_requested(conn: asyncpg.Connection, e: Envelope) -> None:
    await conn.execute(
        "UPDATE webhook_messages SET status='pending' WHERE message_id = ANY($1::text[])",
        [m["message_id"] for m in e.data["messages"]])


async def attempted(conn: asyncpg.Connection, e: Envelope) -> None:
    d = e.data
    next_at = d.get("next_attempt_at")
    await conn.execute(
        "INSERT INTO webhook_attempts (attempt_id, tenant_id, endpoint_id, message_id, attempt,"
        " attempted_at, status_code, latency_ms, outcome, error, response_excerpt,"
        " next_attempt_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)"
        " ON CONFLICT (attempt_id) DO NOTHING",
        e.id, e.tenant_id, d["endpoint_id"], d["message_id"], d["attempt"],
        datetime.fromisoformat(d["attempted_at"]), d.get("status_code"), d["latency_ms"],
        d["outcome"], d.get("error"), d.get("response_excerpt"),
        datetime.fromisoformat(next_at) if next_at else None)
    status = {"delivered": "delivered", "retrying": "failing"}.get(d["outcome"], "failed")
    await conn.execute(
        "UPDATE webhook_messages SET attempts=GREATEST(attempts, $2), status=$3"
        " WHERE message_id=$1",
        d["message_id"], d["attempt"], status)


Apply = Callable[[asyncpg.Connection, Envelope], Awaitable[None]]
WEBHOOK_VIEWS: dict[str, Apply] = {
    WebhookEndpointRegistered.type: endpoint_registered,
    WebhookSecretRotated.type: secret_rotated,
    WebhookEndpointDisabled.type: _status("disabled"),
    WebhookEndpointEnabled.type: _status("enabled"),
    WebhookEndpointDeleted.type: _status("deleted"),
    WebhookMessageCreated.type: message_created,
    WebhookRedeliveryRequested.type: redelivery_requested,
    WebhookAttempted.type: attempted,
}
WEBHOOK_TABLES = {"webhook_endpoints": "endpoint_id", "webhook_messages": "message_id",
                  "webhook_attempts": "attempt_id"}
