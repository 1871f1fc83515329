"""Security events from the API: who did what from where, on the log's ``security`` topic or,
for commands that change credentials and plans, as the ``audit`` object of their own event."""

from __future__ import annotations

import logging

from fastapi import Request

from app.api.context import ApiContext
from streams.envelope import Envelope
from streams.events import Audit
from streams.log import LogUnavailable

log = logging.getLogger(__name__)


def audit(request: Request, actor: str | None) -> Audit:
    """The ``audit`` object: actor, client IP, user agent, method and path of ``request``."""
    return Audit(actor=actor, ip=request.client.host if request.client else None,
                 user_agent=request.headers.get("user-agent"), method=request.method,
                 path=request.url.path)


async def record_security_event(ctx: ApiContext, event: Envelope) -> None:
    """Append a security event. The answer to the client does not wait on the audit: if the log
    is down the refusal still stands, and the lost event is logged here instead."""
    try:
        await ctx.log.append([event])
    except LogUnavailable:
        log.warning("security event not recorded: %s %s", event.type, event.data)

