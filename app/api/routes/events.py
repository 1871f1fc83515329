"""Event subscribers: the tenant's events as pages and as server-sent events, and the catalogue.

Cursors and ``Last-Event-ID`` are the stable positions described in
:mod:`projections.event_feed`: a stream resumed from the id of the last event received sends
exactly the events after it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator
from contextlib import suppress
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query

from app.api.auth import Ctx, Tenant
from app.api.sse import HEARTBEAT, EventStreamResponse, frame
from projections.event_feed import BadCursor, Cursor, EventFeed, FeedEvent, decode, encode
from streams.catalogue_examples import describe
from streams.events import WorkbookParsed

router = APIRouter(prefix="/v1/events", tags=["events"])
STREAM_PAGE = 1000  # events a stream reads and writes at once
TypePrefix = Annotated[str | None, Query(
    max_length=100, pattern=r"^[a-z_.]*$",
    description=f"only types starting with this, e.g. 'simulation.' or '{WorkbookParsed.type}'")]
Aggregate = Annotated[str | None, Query(
    max_length=200, description="only events of this workbook, simulation, key or endpoint id")]


def _cursor(text: str | None, field: tuple[str, str]) -> Cursor | None:
    if text is None or text == "":
        return None
    try:
        return decode(text)
    except BadCursor as exc:
        raise HTTPException(422, [{"loc": list(field), "msg": str(exc)}]) from None


@router.get("", summary="The tenant's events in log order, paged by cursor")
async def list_events(ctx: Ctx, tenant: Tenant, type: TypePrefix = None,
                      aggregate: Aggregate = None,
                      cursor: Annotated[str | None, Query(max_length=4000)] = None,
                      limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    """``next_cursor`` continues after the last event returned (or where the reader was, when
    the page is empty: poll again with it later)."""
    start = _cursor(cursor, ("query", "cursor")) or {}
    events, after, more = await EventFeed(ctx.pool).page(tenant.tenant_id, start, limit,
                                                         type_prefix=type, aggregate=aggregate)
    return {"events": [e.envelope for e in events], "next_cursor": encode(after),
            "has_more": more}


@router.get("/catalogue", summary="Every event type: version, topic, JSON Schema, example")
async def catalogue() -> dict[str, Any]:
    return {"envelope": ["id", "type", "version", "tenant_id", "key", "occurred_at",
                         "correlation_id", "causation_id", "data"], "events": describe()}


def _frames(events: list[FeedEvent]) -> str:
    """A page's frames as one write: a write per frame cost the readers more than the frames."""
    return "".join(frame(e.envelope["type"], e.text, e.cursor) for e in events)


@router.get("/stream", summary="The tenant's events as server-sent events, resumable")
async def stream_events(ctx: Ctx, tenant: Tenant, type: TypePrefix = None,
                        aggregate: Aggregate = None,
                        cursor: Annotated[str | None, Query(max_length=4000)] = None,
                        last_event_id: Annotated[str | None, Header(max_length=4000)] = None
                        ) -> EventStreamResponse:
    """Starts after ``Last-Event-ID`` (a reconnect), else after ``cursor``, else at the newest
    event. Each frame's ``id`` is the cursor after it. A comment line is sent when idle; a
    reader more than ``sse_max_lag`` events behind gets an ``event: cutoff`` frame naming the
    cursor to catch up from with ``GET /v1/events`` and the stream ends; one that takes no frame
    for ``sse_send_timeout_s`` is disconnected. New events wake the stream through the
    projector's notice (:mod:`projections.feed_wakeups`), not a poll."""
    feed = EventFeed(ctx.pool)
    settings, wakeups = ctx.settings, ctx.feed_wakeups
    position = (_cursor(last_event_id, ("header", "Last-Event-ID"))
                or _cursor(cursor, ("query", "cursor")))
    if position is None:
        position = await feed.now(tenant.tenant_id)

    async def stream(position: Cursor) -> AsyncGenerator[str, None]:
        yield f"retry: {int(settings.sse_poll_s * 2000)}\n\n"
        idle_since = time.monotonic()
        page = min(STREAM_PAGE, settings.sse_max_lag)
        while True:
            sent = position
            ticket = wakeups.ticket(tenant.tenant_id)  # before the read: no notice slips by
            events, position, frames = await wakeups.page(
                feed, ticket, tenant.tenant_id, sent, page, type_prefix=type,
                aggregate=aggregate, render=_frames)
            if len(events) == page and await wakeups.backlog(
                    feed, ticket, tenant.tenant_id, sent, settings.sse_max_lag + 1,
                    type_prefix=type, aggregate=aggregate) > settings.sse_max_lag:
                # the reader drains slower than events arrive: holding them for it would grow
                # without bound, so it is told where to catch up from instead
                cutoff = {"reason": f"the reader is more than {settings.sse_max_lag} events"
                          " behind; catch up with GET /v1/events?cursor=… and reconnect",
                          "cursor": encode(sent)}
                yield frame("cutoff", json.dumps(cutoff))
                return
            if events:
                yield frames
                idle_since = time.monotonic()
                continue
            if time.monotonic() - idle_since >= settings.sse_heartbeat_s:
                idle_since = time.monotonic()
                yield HEARTBEAT
            # woken by the projector's notice for this tenant; polled only while not listening
            await wakeups.start()
            idle = settings.sse_heartbeat_s - (time.monotonic() - idle_since)
            with suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, idle) if wakeups.listening
                                           else settings.sse_poll_s):
                    await ticket.wait()

    return EventStreamResponse(stream(position), settings.sse_send_timeout_s)
