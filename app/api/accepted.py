"""Read-your-writes: the workbooks and simulations this API accepted that the views may not
show yet.

A new workbook's or simulation's row appears in the PostgreSQL views when the projector applies
its ``workbook.uploaded`` or ``simulation.requested`` event: milliseconds after the broker
acknowledged the command, longer under load. The API answers the command only after that
acknowledgement, so the id it hands out names something that exists, and the links in the
answer must not 404. For ``accepted_ttl_s`` the API keeps in Redis, under the tenant, the
document the views will show first (status ``uploaded`` or ``requested``), and the routes that
find a workbook or simulation by id fall back to it while the views do not have the row, and the
list of simulations shows the ones the views lack. A webhook endpoint is found the same way, so
its links work at once too. The views answer first whenever they have
it, so nothing here can hide a later status.

Redis down: the note is left out and the command is answered all the same (a read of the new
id then answers 404 until the views catch up, as it did before the note); a lookup that cannot
reach Redis finds nothing."""

from __future__ import annotations

import logging
import time
from typing import Any

import orjson
from redis.asyncio import Redis

from infra.faults import REDIS_UNREACHABLE as UNREACHABLE
from streams.envelope import Envelope
from streams.events import SimulationRequested, WebhookEndpointRegistered, WorkbookUploaded

log = logging.getLogger(__name__)


def key(prefix: str, tenant_id: str, kind: str, id_: str) -> str:
    return f"{prefix}accepted:{tenant_id}:{kind}:{id_}"


def simulation(event: Envelope, request: Any = None) -> dict[str, Any]:
    """The simulation as the views show it once they applied ``event`` (a
    ``simulation.requested``, whose body ``request`` is when the caller has it already):
    the columns of ``projections.queries.SIMULATION``."""
    request = request or event.body(SimulationRequested)
    return {
        "simulation_id": request.simulation_id, "workbook_id": request.workbook_id,
        "status": "requested", "iterations": request.iterations, "iterations_done": 0,
        "backend": request.backend, "request": event.data,
        "requested_at": event.occurred_at.isoformat(), "decided_at": None, "started_at": None,
        "finished_at": None, "compute_seconds": None, "results": None, "reason": None,
        "refusal": None, "results_expired_at": None}


def workbook(event: Envelope, upload: Any = None) -> dict[str, Any]:
    """The workbook as the views show it once they applied ``event`` (a ``workbook.uploaded``,
    whose body ``upload`` is when the caller has it already): the columns of
    ``projections.queries.WORKBOOK``."""
    upload = upload or event.body(WorkbookUploaded)
    return {"workbook_id": event.key, "filename": upload.filename, "sha256": upload.sha256,
            "size_bytes": upload.size, "status": "uploaded", "summary": None, "reason": None,
            "uploaded_at": event.occurred_at.isoformat(), "parsed_at": None}


def webhook(event: Envelope, registered: Any = None) -> dict[str, Any]:
    """The endpoint as the views show it once they applied ``event`` (a
    ``webhook.endpoint_registered``): the columns of ``projections.webhook_queries``'s
    ENDPOINT_COLUMNS (never its secret)."""
    registered = registered or event.body(WebhookEndpointRegistered)
    at = event.occurred_at.isoformat()
    return {"endpoint_id": registered.endpoint_id, "url": registered.url,
            "event_types": list(registered.event_types), "description": registered.description,
            "status": "enabled", "reason": None, "created_at": at, "updated_at": at,
            "rotated_at": None}


DOCUMENTS = {SimulationRequested.type: ("simulation", "simulation_id", simulation),
             WorkbookUploaded.type: ("workbook", "workbook_id", workbook),
             WebhookEndpointRegistered.type: ("webhook", "endpoint_id", webhook)}


class Accepted:
    """The workbooks and simulations accepted in the last ``ttl_s`` seconds, by tenant."""

    def __init__(self, redis: Redis, prefix: str, ttl_s: float) -> None:
        self.redis, self.prefix, self.ttl_ms = redis, prefix, max(1, int(ttl_s * 1000))

    async def note(self, event: Envelope, model: Any = None) -> None:
        """Keep what ``event`` (an acknowledged ``workbook.uploaded`` or
        ``simulation.requested``, its body ``model`` if the caller has it) will show."""
        kind, id_field, document = DOCUMENTS[event.type]
        body = document(event, model)
        now = int(time.time() * 1000)
        recent = self._recent(event.tenant_id, kind)
        try:  # the document, and its id among the tenant's recent ones: one round trip
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.set(key(self.prefix, event.tenant_id, kind, body[id_field]),
                         orjson.dumps(body), px=self.ttl_ms)
                pipe.zadd(recent, {body[id_field]: now})
                pipe.zremrangebyscore(recent, "-inf", now - self.ttl_ms)
                pipe.pexpire(recent, self.ttl_ms)
                await pipe.execute()
        except UNREACHABLE as exc:
            log.warning("accepted %s %s not noted (Redis unreachable: %s); reads of it answer"
                        " 404 until the views have it", kind, body[id_field], exc)

    def _recent(self, tenant_id: str, kind: str) -> str:
        return f"{self.prefix}accepted:{tenant_id}:{kind}-recent"

    async def recent(self, tenant_id: str, kind: str, limit: int) -> list[dict[str, Any]]:
        """The documents of the last ``limit`` ``kind``s ``tenant_id`` had accepted, newest
        first (none when Redis cannot be reached)."""
        now = int(time.time() * 1000)
        try:
            ids = await self.redis.zrevrangebyscore(
                self._recent(tenant_id, kind), "+inf", now - self.ttl_ms, start=0, num=limit)
            if not ids:
                return []
            found = await self.redis.mget([key(self.prefix, tenant_id, kind, str(i)) for i in ids])
        except UNREACHABLE:
            return []
        return [dict(orjson.loads(doc)) for doc in found if doc is not None]

    async def json(self, tenant_id: str, kind: str, id_: str) -> bytes | None:
        """The document kept for the ``kind`` (workbook, simulation) ``id_`` of ``tenant_id``,
        or None."""
        try:
            found = await self.redis.get(key(self.prefix, tenant_id, kind, id_))
        except UNREACHABLE:
            return None
        return None if found is None else found.encode() if isinstance(found, str) else found

    async def get(self, tenant_id: str, kind: str, id_: str) -> dict[str, Any] | None:
        found = await self.json(tenant_id, kind, id_)
        return None if found is None else dict(orjson.loads(found))
