"""Simulation commands and queries; progress as server-sent events."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse

from app.api.auth import Ctx, Tenant
from app.api.commands import Ids, execute
from app.api.idempotency import body_hash
from app.api.runnable import Runnable
from app.api.schemas import SimulationRequest
from app.api.sse import HEARTBEAT, EventStreamResponse, frame
from app.ops.heartbeats import RUNNER, instances
from infra.faults import REDIS_UNREACHABLE as UNREACHABLE
from projections.pages import BadCursor
from projections.redis_progress import key as progress_key
from projections.simulation_queries import SIMULATIONS
from streams.envelope import Envelope
from streams.events import SimulationCancelRequested, SimulationRequested

router = APIRouter(prefix="/v1/simulations", tags=["simulations"])
Status = Literal["requested", "accepted", "rejected", "running", "completed", "failed",
                 "cancelled"]
FINAL = {"rejected", "completed", "failed", "cancelled"}


async def _parsed_workbook(ctx: Ctx, tenant: Tenant, workbook_id: str) -> Runnable:
    kept = ctx.runnable.get(tenant.tenant_id, workbook_id)
    if kept is not None:
        return kept
    workbook = (await ctx.views.workbook_to_run(tenant.tenant_id, workbook_id)
                or await ctx.accepted.get(tenant.tenant_id, "workbook", workbook_id))
    if workbook is None:
        raise HTTPException(404, f"no workbook {workbook_id}")
    if workbook["status"] == "uploaded":
        raise HTTPException(409, f"workbook {workbook_id} is still being parsed; retry shortly",
                            headers={"Retry-After": "1"})
    if workbook["status"] == "rejected":
        raise HTTPException(422, [{"loc": ["body", "workbook_id"],
                                   "msg": f"workbook was rejected: {workbook['reason']}"}])
    return ctx.runnable.keep(tenant.tenant_id, workbook_id, workbook)


async def _gpu_runner_running(ctx: Ctx) -> None:
    """409 when no simulation runner that beats now can run cupy (the runners say which
    backends they can run in their heartbeats); unchecked when Redis cannot be reached, where
    a runner without a GPU fails the run saying so."""
    try:
        runners = (await instances(ctx.redis, ctx.settings)).get(RUNNER, [])
    except UNREACHABLE:
        return
    if not any("cupy" in runner.get("backends", ()) for runner in runners):
        raise HTTPException(409, f"backend 'cupy': no simulation runner with a usable GPU is"
                            f" running ({len(runners)} runner(s) are, numpy only); use backend"
                            " 'numpy', or retry once a GPU runner is up")


@router.post("", status_code=202, summary="Start a simulation",
             responses={404: {"description": "no such workbook"}})
async def start(request: Request, body: SimulationRequest, ctx: Ctx, tenant: Tenant,
                idempotency_key: Annotated[str | None, Header()] = None) -> JSONResponse:
    workbook = await _parsed_workbook(ctx, tenant, body.workbook_id)
    workbook.check(body)
    if body.backend == "cupy":
        await _gpu_runner_running(ctx)
    built: list[tuple[Envelope, SimulationRequested]] = []

    def build(ids: Ids) -> tuple[list[Any], int, dict[str, Any]]:
        simulation_id = ids()
        requested = body.requested(simulation_id, workbook.sha256)
        event = requested.event(tenant.tenant_id, tenant.tenant_id)
        built.append((event, requested))
        answer = {"simulation_id": simulation_id, "status": "requested",
                  "links": {"self": f"/v1/simulations/{simulation_id}",
                            "events": f"/v1/simulations/{simulation_id}/events"}}
        return [event], 202, answer

    answer = await execute(ctx, tenant, "POST /v1/simulations", idempotency_key,
                           body_hash(await request.body()), build)
    if answer.status_code == 202 and built:  # the broker acknowledged it
        await ctx.accepted.note(*built[0])
    return answer


async def simulation_or_404(ctx: Ctx, tenant: Tenant, simulation_id: str) -> dict[str, Any]:
    """The simulation as the views show it, or as accepted when they do not show it yet."""
    row = (await ctx.views.simulation(tenant.tenant_id, simulation_id)
           or await ctx.accepted.get(tenant.tenant_id, "simulation", simulation_id))
    if row is None:
        raise HTTPException(404, f"no simulation {simulation_id}")
    return row


@router.get("", summary="The tenant's simulations, newest first, paged by cursor")
async def list_simulations(ctx: Ctx, tenant: Tenant, status: Status | None = None,
                           cursor: Annotated[str | None, Query(max_length=400)] = None,
                           limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
    """Newest request first; ``next_cursor`` (null on the last page) continues after the last
    simulation returned. A simulation just accepted is listed (as requested) before the views
    have it, in its place."""
    try:
        after = SIMULATIONS.decode(cursor) if cursor else None
    except BadCursor as exc:
        raise HTTPException(422, [{"loc": ["query", "cursor"], "msg": str(exc)}]) from None
    rows, next_cursor = await SIMULATIONS.page(ctx.views, tenant.tenant_id, status, after, limit)
    if status in (None, "requested"):
        # every recent one: a later page shows those older than its cursor
        listed = {row["simulation_id"] for row in rows}
        pending = [doc for doc in await ctx.accepted.recent(tenant.tenant_id, "simulation",
                                                            RECENT_SCAN)
                   if doc["simulation_id"] not in listed]
        if pending:
            known = await SIMULATIONS.known(ctx.views, tenant.tenant_id,
                                            [doc["simulation_id"] for doc in pending])
            rows, next_cursor = SIMULATIONS.with_pending(
                rows, next_cursor, [doc for doc in pending if doc["simulation_id"] not in known],
                after, limit)
    return {"simulations": rows, "next_cursor": next_cursor, "has_more": next_cursor is not None}


RECENT_SCAN = 1000
"""Just-accepted simulations the list reads to place among the views' rows."""


@router.get("/{simulation_id}", summary="A simulation: status, timings and results",
            response_model=dict[str, Any])
async def get_simulation(simulation_id: str, ctx: Ctx, tenant: Tenant) -> Response:
    body = (await ctx.views.simulation_json(tenant.tenant_id, simulation_id)
            or await ctx.accepted.json(tenant.tenant_id, "simulation", simulation_id))
    if body is None:
        raise HTTPException(404, f"no simulation {simulation_id}")
    return Response(body, media_type="application/json")


@router.post("/{simulation_id}/cancel", status_code=202, summary="Stop a running simulation")
async def cancel(simulation_id: str, ctx: Ctx, tenant: Tenant,
                 idempotency_key: Annotated[str | None, Header()] = None) -> JSONResponse:
    row = await simulation_or_404(ctx, tenant, simulation_id)
    if row["status"] in FINAL:
        raise HTTPException(409, f"simulation {simulation_id} has already ended ({row['status']})")

    def build(ids: Ids) -> tuple[list[Any], int, dict[str, Any]]:
        event = SimulationCancelRequested().event(tenant.tenant_id, simulation_id)
        return [event], 202, {"simulation_id": simulation_id, "status": "cancel_requested"}

    return await execute(ctx, tenant, f"POST /v1/simulations/{simulation_id}/cancel",
                         idempotency_key, simulation_id, build)


@router.get("/{simulation_id}/events", summary="Live progress as server-sent events")
async def progress_events(simulation_id: str, ctx: Ctx, tenant: Tenant) -> EventStreamResponse:
    """``progress`` frames (the live state) until an ``end`` frame with the final state; a
    comment line when idle; a reader that takes no frame for ``sse_send_timeout_s`` is
    disconnected."""
    await simulation_or_404(ctx, tenant, simulation_id)
    settings = ctx.settings

    async def frames() -> AsyncGenerator[str, None]:
        pubsub = ctx.redis.pubsub()
        await pubsub.subscribe(progress_key(simulation_id))
        try:
            state = await ctx.progress.current(simulation_id)
            if state is not None:
                yield frame("progress", json.dumps(state))
            while state is None or state["status"] not in FINAL:
                message = await pubsub.get_message(ignore_subscribe_messages=True,
                                                   timeout=settings.sse_heartbeat_s)
                if message is None:
                    yield HEARTBEAT
                    state = await ctx.progress.current(simulation_id) or state
                    continue
                state = json.loads(message["data"])
                yield frame("progress", message["data"])
            yield frame("end", json.dumps(state))
        finally:
            await pubsub.aclose()

    return EventStreamResponse(frames(), settings.sse_send_timeout_s)
