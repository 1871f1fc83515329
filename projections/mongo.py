"""MongoDB analytics: pre-aggregated rollups per tenant, day and backend, updated with $inc.

Each rollup document lists the event ids it has counted, and the update only matches a document
that has not counted this event yet; single-document updates are atomic, so a redelivered event
changes nothing (no transactions needed, which FerretDB 1.x lacks).

A tenant's day on a backend is split over ``SHARDS`` documents, an event counted in the one its
id hashes to, and read back summed. One document per day grew with every event it counted:
each update rewrote all of it (quadratic in a day's events, and FerretDB's largest cost under
load), and a tenant counting some 300,000 events a day would have passed MongoDB's 16 MiB
document limit and stopped counting. Split, a document holds 1/SHARDS of the day's ids.

The follower hands over a poll's events at once (``apply_all``): each document they add to
takes one update with their sum, so a burst of runs ending together costs a few dozen updates,
not two per run."""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
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


@dataclass
class _Rollup:
    """What some events add to one rollup document."""

    keys: dict[str, Any]
    events: list[Envelope] = field(default_factory=list)
    inc: dict[str, float] = field(default_factory=dict)

    def add(self, event: Envelope, inc: dict[str, float]) -> None:
        self.events.append(event)
        for name, amount in inc.items():
            self.inc[name] = self.inc.get(name, 0) + amount


def _rollups(events: Sequence[Envelope]) -> dict[str, _Rollup]:
    """The rollup documents ``events`` add to, by id, each with its events and their sum."""
    found: dict[str, _Rollup] = {}
    seen: set[str] = set()
    for event in events:
        counted = increments(event)
        if counted is None or event.id in seen:
            continue
        seen.add(event.id)
        backend, inc = counted
        day = event.occurred_at.date().isoformat()
        shard = zlib.crc32(event.id.encode()) % SHARDS
        rollup = found.setdefault(f"{event.tenant_id}|{day}|{backend}|{shard}", _Rollup(
            {"tenant_id": event.tenant_id, "day": day, "backend": backend, "shard": shard}))
        rollup.add(event, inc)
    return found


class MongoRollups:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.rollups = db[ROLLUPS]

    async def apply(self, event: Envelope) -> None:
        for rollup_id, rollup in _rollups([event]).items():
            await self._count(rollup_id, rollup)

    async def apply_all(self, events: Sequence[Envelope]) -> None:
        """``apply`` each of ``events``, with one update per document they add to (a burst of
        runs ends in a few dozen updates, not two per run): its events' sum, when it has
        counted none of them yet; a document that has counted some of them (a redelivery)
        takes them one at a time, so that each is counted once."""
        for rollup_id, rollup in _rollups(events).items():
            if not await self._count(rollup_id, rollup) and len(rollup.events) > 1:
                for event in rollup.events:
                    await self.apply(event)

    async def _count(self, rollup_id: str, rollup: _Rollup) -> bool:
        """Add ``rollup`` to its document unless the document has counted any of its events
        already; whether it did."""
        ids = [event.id for event in rollup.events]
        # a DuplicateKeyError means the rollup exists and has counted one of the events: the
        # filter did not match, so the upsert tried to insert a second document with that _id
        with contextlib.suppress(DuplicateKeyError):
            await self.rollups.update_one(
                {"_id": rollup_id, "event_ids": {"$nin": ids}},
                {"$inc": rollup.inc, "$push": {"event_ids": {"$each": ids}},
                 "$setOnInsert": rollup.keys},
                upsert=True,
            )
            return True
        return False

    async def usage(self, tenant_id: str, since: str | None = None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"tenant_id": tenant_id}
        if since:
            query["day"] = {"$gte": since}
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        async for doc in self.rollups.find(query, {"event_ids": 0, "_id": 0, "shard": 0}):
            row = rows.setdefault((doc["day"], doc["backend"]),
                                  {k: doc[k] for k in KEYS})
            for name, value in doc.items():
                if name not in KEYS:
                    row[name] = row.get(name, 0) + value
        return [rows[day_backend] for day_backend in sorted(rows)]


def database(url: str, name: str) -> AsyncDatabase[dict[str, Any]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, tz_aware=True)
    return client[name]
