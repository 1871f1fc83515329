"""The read side of webhooks: a tenant's endpoints, their messages and delivery attempts."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import asyncpg

from projections.queries import Views, tenant_scope

ENDPOINT_COLUMNS = ("endpoint_id, url, event_types, description, status, reason, created_at,"
                    " updated_at, rotated_at")


def _row(record: asyncpg.Record) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in record.items():
        if k == "payload" and isinstance(v, str):
            v = json.loads(v)
        elif isinstance(v, datetime):
            v = v.isoformat()
        out[k] = v
    return out


class WebhookViews:
    """Every query is filtered by tenant and runs in its scope: another tenant's endpoint reads
    as absent."""

    def __init__(self, views: Views) -> None:
        self.views = views

    async def _fetch(self, tenant_id: str, sql: str, *args: object) -> list[dict[str, Any]]:
        async with tenant_scope(await self.views.pool_for(tenant_id), tenant_id) as conn:
            return [_row(r) for r in await conn.fetch(sql, tenant_id, *args)]

    async def endpoints(self, tenant_id: str) -> list[dict[str, Any]]:
        return await self._fetch(
            tenant_id, f"SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE tenant_id=$1"
            " AND status <> 'deleted' ORDER BY created_at, endpoint_id")

    async def endpoint(self, tenant_id: str, endpoint_id: str) -> dict[str, Any] | None:
        rows = await self._fetch(
            tenant_id, f"SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE tenant_id=$1"
            " AND endpoint_id=$2 AND status <> 'deleted'", endpoint_id)
        return rows[0] if rows else None

    async def known(self, tenant_id: str, endpoint_id: str) -> bool:
        """Whether the views hold the endpoint, whatever its status (a deleted one too)."""
        rows = await self._fetch(tenant_id, "SELECT endpoint_id FROM webhook_endpoints"
                                 " WHERE tenant_id=$1 AND endpoint_id=$2", endpoint_id)
        return bool(rows)

    async def attempts(self, tenant_id: str, endpoint_id: str, limit: int,
                       message_id: str | None) -> list[dict[str, Any]]:
        return await self._fetch(
            tenant_id, "SELECT a.attempt_id, a.message_id, m.event_id, m.event_type, a.attempt,"
            " a.attempted_at, a.status_code, a.latency_ms, a.outcome, a.error,"
            " a.response_excerpt, a.next_attempt_at FROM webhook_attempts a"
            " JOIN webhook_messages m USING (message_id) WHERE a.tenant_id=$1"
            " AND a.endpoint_id=$2 AND ($3::text IS NULL OR a.message_id=$3)"
            " ORDER BY a.attempted_at DESC, a.attempt DESC LIMIT $4",
            endpoint_id, message_id, limit)

    async def messages(self, tenant_id: str, endpoint_id: str, *, message_id: str | None = None,
                       since: datetime | None = None, until: datetime | None = None,
                       limit: int = 1000) -> list[dict[str, Any]]:
        """Messages of the endpoint, oldest first: one by id, or those created in a range."""
        return await self._fetch(
            tenant_id, "SELECT message_id, event_id, event_type, aggregate, payload, created_at,"
            " status, attempts FROM webhook_messages WHERE tenant_id=$1 AND endpoint_id=$2"
            " AND ($3::text IS NULL OR message_id=$3)"
            " AND ($4::timestamptz IS NULL OR created_at >= $4)"
            " AND ($5::timestamptz IS NULL OR created_at < $5)"
            " ORDER BY created_at, message_id LIMIT $6",
            endpoint_id, message_id, since, until, limit)
