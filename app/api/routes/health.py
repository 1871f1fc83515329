"""Liveness and readiness: whether this process runs, and whether RiskStream can serve.

``/health/live`` answers as long as the API process does. ``/health/ready`` checks every
dependency (Kafka, PostgreSQL, Redis, the MongoDB-wire store), each within a short timeout, and
answers 503 with ``Retry-After`` and the reasons when any is down, so a load balancer stops
sending traffic and an operator sees why. It also reports each processor kind's live instances
(heartbeats); a kind with none makes the answer ``degraded`` (commands are still taken: they
wait in the log), not 503, so one stopped processor does not take every API instance out of
service.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.api.auth import Ctx
from app.api.context import ApiContext
from app.api.problems import problem
from app.ops.heartbeats import FRESH_S, instances
from app.ops.workers import PROCESSORS

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
    alive = await instances(ctx.redis, ctx.settings)
    return {name: {"ok": True, "instances": alive[name]} if name in alive else
            {"ok": False, "reason": f"no instance has beaten in the last {FRESH_S:.0f} s"}
            for name in sorted(PROCESSORS)}


@router.get("/health", summary="Liveness (kept for older probes)")
@router.get("/health/live", summary="Liveness: the API process answers")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/health/ready", summary="Readiness: dependencies, and processors' heartbeats",
            responses={503: {"description": "a dependency is down"}})
async def ready(ctx: Ctx) -> JSONResponse:
    reasons = await asyncio.gather(*(_check(ctx, c) for c in CHECKS.values()))
    checks: dict[str, Any] = {name: {"ok": reason is None, **({"reason": reason} if reason
                                                               else {})}
                              for name, reason in zip(CHECKS, reasons, strict=True)}
    processors: dict[str, Any] = {}
    if checks["redis"]["ok"]:
        processors = await _processors(ctx)
    down = [n for n, c in checks.items() if not c["ok"]]
    if down:
        return problem(503, f"not ready: {', '.join(down)}",
                       headers={"Retry-After": str(RETRY_AFTER_S)}, checks=checks,
                       processors=processors)
    stopped = sorted(n for n, c in processors.items() if not c["ok"])
    return JSONResponse({"status": "degraded" if stopped else "ready",
                         **({"stopped_processors": stopped} if stopped else {}),
                         "checks": checks, "processors": processors})
