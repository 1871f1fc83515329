"""Reading the parked messages, for operators (every tenant's: no row-level scope)."""

from __future__ import annotations

import base64
from typing import Any

import asyncpg

COLUMNS = ("failure_id, processor, topic, partition, kafka_offset AS offset, event_id,"
           " event_type, tenant_id, error, size_bytes, failures, failed_at, retried_at,"
           " retried_by")


class DeadLetters:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def list(self, processor: str | None = None, *, include_retried: bool = False,
                   limit: int = 100) -> list[dict[str, Any]]:
        """Parked messages, newest first: those not handed back since they last failed, or
        all of them."""
        rows = await self.pool.fetch(
            f"SELECT {COLUMNS} FROM dead_letters WHERE ($1::text IS NULL OR processor=$1)"
            " AND ($2 OR retried_at IS NULL) ORDER BY failed_at DESC, failure_id LIMIT $3",
            processor, include_retried, limit)
        return [dict(r) for r in rows]

    async def count(self) -> int:
        return int(await self.pool.fetchval(
            "SELECT count(*) FROM dead_letters WHERE retried_at IS NULL"))

    async def parked(self, failure_id: str) -> dict[str, Any] | None:
        """One parked message with its bytes (base64), as a retry request needs it."""
        row = await self.pool.fetchrow(
            f"SELECT {COLUMNS}, message FROM dead_letters WHERE failure_id=$1", failure_id)
        if row is None:
            return None
        found = dict(row)
        message = found.pop("message")
        found["message_b64"] = base64.b64encode(message).decode() if message else None
        return found
