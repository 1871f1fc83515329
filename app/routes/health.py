"""Liveness and readiness: whether this process runs, and whether RiskStream can serve.

``/health/live`` answers as long as the API process does. ``/health/ready`` checks every
dependency (Kafka, PostgreSQL, Redis, the MongoDB-wire store) and each processor's heartbeat,
each within a short timeout, and answers 503 with ``Retry-After`` and the reasons when any is
down, so a load balancer stops sending traffic and an operator sees why.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.auth import Ctx
from app.context import ApiContext
from app.problems import problem
from app.workers import HEARTBEAT_TTL_S, PROCESSORS, heartbeat_key

router = APIRouter(tags=["health"])
CHECK_TIMEOUT_S = 2.0
RETRY_AFTER_S = 5


async def _kafka(ctx: ApiContext) -> None:
    await ctx.log.ping()


async def _postgres(ctx: ApiContext) -> None:
    await ctx.pool.fetchval("SELECT 1")


async def _redis(ctx: ApiContext) -> None:
    await ctx.redis.ping()


async def _mongo(ctx: ApiContext) -> None:
    await ctx.rollups.rollups.database.command("ping")


CHECKS: dict[str, Callable[[ApiContext], Awaitable[None]]] = {
    "kafka": _kafka, "postgres": _postgres, "redis": _redis, "mongodb": _mongo}


async def _check(ctx: ApiContext, check: Callable[[ApiContext], Awaitable[None]]) -> str | None:
    try:
        await asyncio.wait_for(check(ctx), CHECK_TIMEOUT_S)
    except TimeoutError:
        return f"no answer within {CHECK_TIMEOUT_S:.0f} s"
    except Exception as exc:  # noqa: BLE001 - any failure is the reason to report
        return f"{type(exc).__name__}: {exc}"[:300]
    return None


async def _processors(ctx: ApiContext) -> dict[str, dict[str, Any]]:
    names = sorted(PROCESSORS)
    values = await ctx.redis.mget([heartbeat_key(ctx.settings, n) for n in names])
    now, seen = time.time(), {}
    for name, value in zip(names, values, strict=True):
        if value is None:
            seen[name] = {"ok": False, "reason": f"no heartbeat in the last {HEARTBEAT_TTL_S} s"}
            continue
        beat = json.loads(value)
        age = now - beat["at"]
        seen[name] = {"ok": age < HEARTBEAT_TTL_S, "pid": beat["pid"],
                      "heartbeat_age_s": round(age, 1), "up_s": round(now - beat["since"], 1)}
    return seen


@router.get("/health", summary="Liveness (kept for older probes)")
@router.get("/health/live", summary="Liveness: the API process answers")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/health/ready", summary="Readiness: dependencies and processors",
            responses={503: {"description": "a dependency or a processor is down"}})
async def ready(ctx: Ctx) -> JSONResponse:
    reasons = await asyncio.gather(*(_check(ctx, c) for c in CHECKS.values()))
    checks: dict[str, Any] = {name: {"ok": reason is None, **({"reason": reason} if reason
                                                               else {})}
                              for name, reason in zip(CHECKS, reasons, strict=True)}
    processors: dict[str, Any] = {}
    if checks["redis"]["ok"]:
        processors = await _processors(ctx)
    down = [n for n, c in {**checks, **processors}.items() if not c["ok"]]
    if not checks["redis"]["ok"]:
        down.append("processors (their heartbeats are in Redis)")
    if down:
        return problem(503, f"not ready: {', '.join(down)}",
                       headers={"Retry-After": str(RETRY_AFTER_S)}, checks=checks,
                       processors=processors)
    return JSONResponse({"status": "ready", "checks": checks, "processors": processors})
