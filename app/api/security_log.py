"""Security events from the API: who did what from where, on the log's ``security`` topic or,
for commands that change credentials and plans, as the ``audit`` object of their own event."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request

from app.api.context import ApiContext
from streams.catalogue import new_event
from streams.envelope import Envelope
from streams.events import Audit
from streams.log import LogUnavailable

log = logging.getLogger(__name__)


def audit(request: Request, actor: str | None) -> Audit:
    """The ``audit`` object: actor, client IP, user agent, method and path of ``request``."""
    return Audit(actor=actor, ip=request.client.host if request.client else None,
                 user_agent=request.headers.get("user-agent"), method=request.method,
                 path=request.url.path)


def audit_of(request: Request, actor: str | None) -> dict[str, Any]:
    """The ``audit`` object as JSON, for a body built as a dict (the sign-in routes')."""
    return audit(request, actor).model_dump()


async def record_security_event(ctx: ApiContext, event: Envelope) -> None:
    """Append a security event. The answer to the client does not wait on the audit: if the log
    is down the refusal still stands, and the lost event is logged here instead."""
    try:
        await ctx.log.append([event])
    except LogUnavailable:
        log.warning("security event not recorded: %s %s", event.type, event.data)


async def record_security(ctx: ApiContext, request: Request, type: str, tenant_id: str,
                          actor: str | None, detail: dict[str, Any]) -> None:
    """Append a security event of ``type`` with the body ``detail`` and its ``audit`` (the
    sign-in routes'), as ``record_security_event`` does."""
    await record_security_event(ctx, new_event(type, tenant_id, tenant_id,
                                               {**detail, "audit": audit_of(request, actor)}))
