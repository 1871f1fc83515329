"""Operator commands on parked messages: ``riskstream dlq list`` and ``riskstream dlq retry``."""

from __future__ import annotations

from typing import Any

from infra import postgres
from infra.settings import Settings
from projections.dead_letter_queries import DeadLetters
from streams.deadletter import retry_requested
from streams.log import EventLog


async def dead_letters(settings: Settings, processor: str | None, include_retried: bool
                       ) -> list[dict[str, Any]]:
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    try:
        return await DeadLetters(pool).list(processor, include_retried=include_retried,
                                            limit=1000)
    finally:
        await pool.close()


async def retry_dead_letter(settings: Settings, failure_id: str) -> dict[str, Any]:
    """Append ``processing.retry_requested`` for one parked message; ValueError if unknown."""
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    log = EventLog(settings)
    try:
        parked = await DeadLetters(pool).parked(failure_id)
        if parked is None:
            raise ValueError(f"no parked message {failure_id}; see `riskstream dlq list`")
        if parked["message_b64"] is None:
            raise ValueError(f"message {failure_id} was too large to park a copy of")
        event = retry_requested(parked, "operator:cli")
        await log.append([event])
        return {"failure_id": failure_id, "processor": parked["processor"],
                "retry_event_id": event.id}
    finally:
        await log.close()
        await pool.close()
