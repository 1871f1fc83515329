"""Poison events: recorded, parked and skipped, never a stopped partition.

When a processor cannot process an event for a reason of the event's own (see
:mod:`infra.faults`), it appends ``processing.failed`` to the ``deadletters`` topic in the same
transaction as its progress past the event: which processor, where the message is (topic,
partition, offset), what the event claims to be and the error. The message's bytes travel as
base64, so a message that no projection could store is parked intact and still can't harm one.
An operator's ``processing.retry_requested`` hands the parked message back to its processor.
The failure's id is derived from processor and position, so recording it twice is one failure.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from streams.envelope import Envelope
from streams.events import ProcessingFailed, ProcessingRetryRequested

NAMESPACE = uuid.UUID("5b0e6c1e-8a5e-4b7f-9a63-3c1f0c1d2e41")
MAX_ERROR = 2000
MAX_PARKED_BYTES = 4 * 1024 * 1024  # a larger message is named, not copied, in the failure
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # for a message whose own time cannot be read
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def failure_id(processor: str, topic: str, partition: int, offset: int) -> str:
    return uuid.uuid5(NAMESPACE, f"{processor}|{topic}|{partition}|{offset}").hex


def storable(text: str, limit: int = 200) -> str:
    """``text`` cut to ``limit`` with NUL and lone surrogates replaced, safe for any store."""
    return _UNSTORABLE.sub("\ufffd", text[:limit])


@dataclass(frozen=True)
class Claimed:
    """What a message says about itself, read as leniently as possible."""

    event_id: str = ""
    type: str = ""
    tenant_id: str = ""
    key: str = ""
    occurred_at: datetime = EPOCH


def claimed(value: bytes) -> Claimed:
    try:
        doc = json.loads(value)
    except (ValueError, UnicodeDecodeError):
        return Claimed()
    if not isinstance(doc, dict):
        return Claimed()
    try:
        occurred_at = datetime.fromisoformat(str(doc.get("occurred_at")))
    except ValueError:
        occurred_at = EPOCH
    if occurred_at.tzinfo is None:
        occurred_at = EPOCH
    event_id, type_, tenant_id, key = (storable(str(doc.get(f, "")))
                                       for f in ("id", "type", "tenant_id", "key"))
    return Claimed(event_id, type_, tenant_id, key, occurred_at)


def failed(processor: str, topic: str, partition: int, offset: int, value: bytes,
           error: BaseException) -> Envelope[ProcessingFailed]:
    """The ``processing.failed`` event for the message at ``topic``/``partition``/``offset``."""
    about = claimed(value)
    event = ProcessingFailed(
        processor=processor, topic=topic, partition=partition, offset=offset,
        event_id=about.event_id, event_type=about.type, failed_tenant_id=about.tenant_id,
        event_key=about.key, error=storable(f"{type(error).__name__}: {error}", MAX_ERROR),
        size=len(value),
        message_b64=base64.b64encode(value).decode() if len(value) <= MAX_PARKED_BYTES
        else None,
    ).event("", processor, correlation_id=about.event_id, causation_id=about.event_id)
    return replace(event, id=failure_id(processor, topic, partition, offset))


def retry_requested(parked: Mapping[str, Any], requested_by: str
                    ) -> Envelope[ProcessingRetryRequested]:
    """An operator's request to hand a parked message (its row in the dead-letter view) back
    to its processor."""
    return ProcessingRetryRequested(
        failure_id=parked["failure_id"], processor=parked["processor"], topic=parked["topic"],
        partition=parked["partition"], offset=parked["offset"],
        message_b64=parked["message_b64"], requested_by=requested_by,
    ).event("", parked["processor"])


def retried_message(event: Envelope, processor: str) -> bytes | None:
    """The parked message ``event`` hands back to ``processor``, or None when it is not one."""
    if event.type != ProcessingRetryRequested.type:
        return None
    retry = event.body(ProcessingRetryRequested)
    return base64.b64decode(retry.message_b64) if retry.processor == processor else None
