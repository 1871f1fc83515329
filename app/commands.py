"""Turning a command into events: idempotency, the broker's acknowledgement, and the answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.responses import JSONResponse

from app.auth import TenantContext
from app.context import ApiContext
from streams.envelope import Envelope
from streams.log import LogUnavailable

RETRY_AFTER_S = 5


def unavailable(reason: str) -> JSONResponse:
    return JSONResponse({"detail": f"the event log is unavailable, nothing was recorded: {reason}"},
                        status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)})


async def execute(ctx: ApiContext, tenant: TenantContext, route: str, key: str | None,
                  digest: str, build: Callable[[], tuple[list[Envelope], int, dict[str, Any]]],
                  *, shown_once: str | None = None) -> JSONResponse:
    """Append the events ``build`` makes and answer with its status and body, exactly once per
    Idempotency-Key; 503 with Retry-After when the broker does not acknowledge. The body field
    ``shown_once`` (a new secret) is never stored, so a replayed answer comes without it."""
    if key is not None:
        replay = await ctx.idempotency.claim(tenant.tenant_id, route, key, digest)
        if replay is not None:
            return JSONResponse(replay.body, status_code=replay.status,
                                headers={"Idempotent-Replayed": "true"})
    events, status, body = build()
    try:
        await ctx.log.append(events)
    except LogUnavailable as exc:
        if key is not None:
            await ctx.idempotency.release(tenant.tenant_id, route, key)
        return unavailable(str(exc))
    if key is not None:
        stored = {k: v for k, v in body.items() if k != shown_once}
        await ctx.idempotency.complete(tenant.tenant_id, route, key, status, stored)
    return JSONResponse(body, status_code=status)
