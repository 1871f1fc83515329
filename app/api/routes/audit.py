"""The audit trail of one aggregate: every event of a workbook, simulation, tenant, API key or
webhook endpoint, with who (when the event records it), what, when, the correlation and
causation links, and the event's place in the hash-chained log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from app.api.auth import Ctx, Tenant
from projections.event_feed import BadCursor, EventFeed, decode, encode

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("/events", summary="The full history of one aggregate, oldest first")
async def history(ctx: Ctx, tenant: Tenant,
                  aggregate: Annotated[str, Query(min_length=1, max_length=200, description=(
                      "a workbook, simulation, tenant, API key or webhook endpoint id"))],
                  cursor: Annotated[str | None, Query(max_length=4000)] = None,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> dict[str, Any]:
    try:
        start = decode(cursor) if cursor else {}
    except BadCursor as exc:
        raise HTTPException(422, [{"loc": ["query", "cursor"], "msg": str(exc)}]) from None
    events, after, more = await EventFeed(ctx.pool).page(tenant.tenant_id, start, limit,
                                                         aggregate=aggregate)
    trail = []
    for event in events:
        e = event.envelope
        audit = e["data"].get("audit") if isinstance(e["data"].get("audit"), dict) else {}
        trail.append({
            "who": audit.get("actor"), "what": e["type"], "when": e["occurred_at"],
            "event_id": e["id"], "correlation_id": e["correlation_id"] or e["id"],
            "caused_by": e["causation_id"] or None, "log": event.log, "event": e,
        })
    return {"aggregate": aggregate, "events": trail, "next_cursor": encode(after),
            "has_more": more}
