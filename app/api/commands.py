"""Turning a command into events: idempotency, the broker's acknowledgement, and the answer.

A command's identity comes from its tenant, route and Idempotency-Key: the ids ``build``
draws name the same aggregates on every try, so a retry after an uncertain answer is the same
command and the duplicate events it may append are dropped downstream (the ledger decides a
simulation once). Commands that hand out a secret once draw fresh ids, since a retry must not
name a credential whose secret only the lost answer held.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from typing import Any

from fastapi.responses import JSONResponse

from app.api.auth import TenantContext
from app.api.context import ApiContext
from app.api.problems import problem, unavailable
from streams.email_claims import EmailTaken
from streams.envelope import Envelope, new_id
from streams.log import LogUnavailable
from streams.text import UnsafeText

RETRY_AFTER_S = 5
NAMESPACE = uuid.UUID("0f3b8a52-4c1e-4b8e-9d2a-6a7c5e1f2b90")
Ids = Callable[[], str]
Build = Callable[[Ids], tuple[list[Envelope], int, dict[str, Any]]]


def command_ids(tenant_id: str, route: str, key: str) -> Ids:
    """The ids of the command (tenant, route, Idempotency-Key), the same on every try."""
    counter = itertools.count()
    return lambda: uuid.uuid5(NAMESPACE, f"{tenant_id}|{route}|{key}|{next(counter)}").hex


def log_unavailable(exc: LogUnavailable, key: str | None) -> JSONResponse:
    if not exc.maybe_recorded:
        return unavailable(f"the event log is unreachable; nothing was recorded: {exc}",
                           RETRY_AFTER_S)
    retry = ("retry with the same Idempotency-Key: it is the same command, so it takes effect"
             " once" if key is not None else
             "send commands with an Idempotency-Key so that a retry is known to be the same")
    return unavailable(f"the event log did not acknowledge the command, so it may or may not"
                       f" have been recorded; {retry}: {exc}", RETRY_AFTER_S)


async def execute(ctx: ApiContext, tenant: TenantContext, route: str, key: str | None,
                  digest: str, build: Build, *, shown_once: str | None = None) -> JSONResponse:
    """Append the events ``build`` makes and answer with its status and body, exactly once per
    Idempotency-Key; 503 with Retry-After when the broker does not acknowledge; EmailTaken
    (nothing sent) when a user it creates has an address another user holds. The body field
    ``shown_once`` (a new secret) is never stored, so a replayed answer comes without it."""
    if key is not None:
        replay = await ctx.idempotency.claim(tenant.tenant_id, route, key, digest)
        if replay is not None:
            if replay.status >= 400:
                return problem(replay.status, replay.body.get("detail"),
                               errors=replay.body.get("errors"), headers=replay.headers)
            return JSONResponse(replay.body, status_code=replay.status,
                                headers={"Idempotent-Replayed": "true"})
    ids = command_ids(tenant.tenant_id, route, key) if key and shown_once is None else new_id
    try:
        events, status, body = build(ids)
        await ctx.email_claims.append(ctx.log, events)
    except EmailTaken:  # nothing was sent: the key stays free, the route answers
        if key is not None:
            await ctx.idempotency.release(tenant.tenant_id, route, key)
        raise
    except UnsafeText as exc:  # nothing was sent: the key stays free
        if key is not None:
            await ctx.idempotency.release(tenant.tenant_id, route, key)
        return problem(422, "the command holds text that cannot be stored",
                       errors=[{"loc": ["body", *exc.location], "msg": exc.reason}])
    except LogUnavailable as exc:
        if key is not None:
            await ctx.idempotency.unsettle(tenant.tenant_id, route, key, exc.maybe_recorded)
        return log_unavailable(exc, key)
    except BaseException:
        if key is not None:  # whether anything was recorded is unknown: the same key may retry
            await ctx.idempotency.unsettle(tenant.tenant_id, route, key, True)
        raise
    if key is not None:
        stored = {k: v for k, v in body.items() if k != shown_once}
        await ctx.idempotency.complete(tenant.tenant_id, route, key, status, stored)
    return JSONResponse(body, status_code=status)
