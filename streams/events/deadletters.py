"""Parked poison messages: a processor's failure, and an operator handing one back (see
:mod:`streams.deadletter`). Tenant ``""``: they are an operator's concern."""

from __future__ import annotations

from streams.events.base import Event


class ProcessingFailed(Event, type="processing.failed", version=1, topic="deadletters",
                       key="processor (a parked poison message)"):
    """A processor could not process a message; it is parked and skipped."""

    processor: str
    topic: str
    partition: int
    offset: int
    event_id: str  # what the message claims to be, read as leniently as possible
    event_type: str
    failed_tenant_id: str
    event_key: str
    error: str
    size: int
    message_b64: str | None  # None: too large to park a copy of


class ProcessingRetryRequested(Event, type="processing.retry_requested", version=1,
                               topic="deadletters", key="processor (hand a parked one back)"):
    """An operator hands a parked message back to its processor."""

    failure_id: str
    processor: str
    topic: str
    partition: int
    offset: int
    message_b64: str
    requested_by: str
