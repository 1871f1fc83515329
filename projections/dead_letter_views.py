"""The ``dead_letters`` view: parked messages an operator can list and hand back."""

from __future__ import annotations

import base64

import asyncpg

from streams.deadletter import failure_id
from streams.envelope import Envelope
from streams.events import ProcessingFailed, ProcessingRetryRequested

_UPSERT = """
INSERT INTO dead_letters (processor, topic, partition, kafka_offset, failure_id, event_id,
                          event_type, tenant_id, error, size_bytes, message, failed_at)
VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)
ON CONFLICT (processor, topic, partition, kafka_offset) DO UPDATE SET
    error = EXCLUDED.error,
    failures = dead_letters.failures
               + CASE WHEN dead_letters.retried_at IS NOT NULL THEN 1 ELSE 0 END,
    failed_at = EXCLUDED.failed_at, retried_at = NULL, retried_by = NULL
"""


async def parked(conn: asyncpg.Connection, e: Envelope) -> None:
    f = e.body(ProcessingFailed)
    message = base64.b64decode(f.message_b64) if f.message_b64 else None
    await conn.execute(
        _UPSERT, f.processor, f.topic, f.partition, f.offset,
        failure_id(f.processor, f.topic, f.partition, f.offset),
        f.event_id, f.event_type, f.failed_tenant_id, f.error, f.size, message, e.occurred_at)


async def retry_requested(conn: asyncpg.Connection, e: Envelope) -> None:
    retry = e.body(ProcessingRetryRequested)
    await conn.execute(
        "UPDATE dead_letters SET retried_at=$2, retried_by=$3 WHERE failure_id=$1",
        retry.failure_id, e.occurred_at, retry.requested_by)


DEAD_LETTER_VIEWS = {ProcessingFailed.type: parked,
                     ProcessingRetryRequested.type: retry_requested}
