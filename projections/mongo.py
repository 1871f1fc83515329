"""MongoDB analytics: pre-aggregated rollups per tenant, day and backend, updated with $inc.

Each rollup document lists the event ids it has counted, and the update only matches a document
that has not counted this event yet; single-document updates are atomic, so a redelivered event
changes nothing (no transactions needed, which FerretDB 1.x lacks).

A tenant's day on a backend is split over ``SHARDS`` documents, an event counted in the one its
id hashes to, and read back summed. One document per day grew with every event it counted:
each update rewrote all of it (quadratic in a day's events, and FerretDB's largest cost under
load), and a tenant counting some 300,000 events a day would have passed MongoDB's 16 MiB
document limit and stopped counting. Split, a document holds 1/SHARDS of the day's ids."""

from __future__ import annotations

import contextlib
import zlib
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from streams.envelope import Envelope
from streams.events import SimulationCancelled, SimulationCompleted, SimulationFailed, UsageRecorded
from streams.events.simulations import RunEnd

ROLLUPS = "usage_rollups"
SHARDS = 32
KEYS = ("tenant_id", "day", "backend")
ENDED: dict[type[RunEnd], str] = {SimulationCompleted: "completed", SimulationFailed: "failed",
                                  SimulationCancelled: "cancelled"}
COUNTED: dict[str, type[RunEnd | UsageRecorded]] = {
    UsageRecorded.type: UsageRecorded, **{m.type: m for m in ENDED}}


def increments(event: Envelope) -> tuple[str, dict[str, float]] | None:
    """The backend whose rollup ``event`` adds to and what it adds, or None when it adds
    nothing."""
    model = COUNTED.get(event.type)
    if model is None:
        return None
    counted = event.body(model)
    if isinstance(counted, UsageRecorded):
        return counted.backend, {"iterations": counted.iterations,
                                 "compute_seconds": counted.compute_seconds}
    return counted.backend, {"simulations": 1, f"simulations_{ENDED[type(counted)]}": 1}


class MongoRollups:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.rollups = db[ROLLUPS]

    async def apply(self, event: Envelope) -> None:
        counted = increments(event)
        if counted is None:
            return
        backend, inc = counted
        day = event.occurred_at.date().isoformat()
        shard = zlib.crc32(event.id.encode()) % SHARDS
        rollup_id = f"{event.tenant_id}|{day}|{backend}|{shard}"
        # a DuplicateKeyError means the rollup exists and has counted this event already: the
        # filter did not match, so the upsert tried to insert a second document with that _id
        with contextlib.suppress(DuplicateKeyError):
            await self.rollups.update_one(
                {"_id": rollup_id, "event_ids": {"$ne": event.id}},
                {"$inc": inc, "$push": {"event_ids": event.id},
                 "$setOnInsert": {"tenant_id": event.tenant_id, "day": day, "backend": backend,
                                  "shard": shard}},
                upsert=True,
            )

    async def usage(self, tenant_id: str, since: str | None = None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"tenant_id": tenant_id}
        if since:
            query["day"] = {"$gte": since}
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        async for doc in self.rollups.find(query, {"event_ids": 0, "_id": 0, "shard": 0}):
            row = rows.setdefault((doc["day"], doc["backend"]),
                                  {k: doc[k] for k in KEYS})
            for field, value in doc.items():
                if field not in KEYS:
                    row[field] = row.get(field, 0) + value
        return [rows[day_backend] for day_backend in sorted(rows)]


def database(url: str, name: str) -> AsyncDatabase[dict[str, Any]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, tz_aware=True)
    return client[name]
