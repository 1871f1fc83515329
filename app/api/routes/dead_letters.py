"""Operators' view of parked messages (``processing.failed``) and their hand-back."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import JSONResponse

from app.api.auth import Ctx, PlatformAdmin
from app.api.commands import Ids, execute
from projections.dead_letter_queries import DeadLetters
from streams.deadletter import retry_requested

router = APIRouter(prefix="/v1/admin/dead-letters", tags=["operations"])


@router.get("", summary="Parked messages: what failed, where, and why (platform admins)")
async def list_dead_letters(ctx: Ctx, caller: PlatformAdmin, processor: str | None = None,
                            include_retried: bool = False,
                            limit: Annotated[int, Query(ge=1, le=1000)] = 100
                            ) -> dict[str, Any]:
    return {"dead_letters": await DeadLetters(ctx.pool).list(
        processor, include_retried=include_retried, limit=limit)}


@router.post("/{failure_id}/retry", status_code=202,
             summary="Hand a parked message back to its processor (platform admins)")
async def retry(failure_id: str, ctx: Ctx, caller: PlatformAdmin) -> JSONResponse:
    parked = await DeadLetters(ctx.pool).parked(failure_id)
    if parked is None:
        raise HTTPException(404, f"no parked message {failure_id}")
    if parked["message_b64"] is None:
        raise HTTPException(409, f"message {failure_id} was too large to park a copy of; read"
                            f" it from {parked['topic']}/{parked['partition']}@{parked['offset']}")

    def build(ids: Ids) -> tuple[list[Any], int, dict[str, Any]]:
        event = retry_requested(parked, caller.credential)
        return [event], 202, {"failure_id": failure_id, "status": "retry_requested",
                              "processor": parked["processor"]}

    return await execute(ctx, caller, f"POST /v1/admin/dead-letters/{failure_id}/retry", None,
                         failure_id, build)
