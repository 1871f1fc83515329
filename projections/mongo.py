"""MongoDB analytics: rollups per tenant, day and backend, each holding what every event it
counted adds, under that event's id.

Counting an event sets its entry (``$set`` on ``counted.<event id>``): setting it again
changes nothing, so a redelivered event is counted once without transactions (which FerretDB
1.x lacks) and without a condition in the update's filter. The filter is the document's
``_id`` alone, which FerretDB turns into a primary-key lookup; any other condition in it (the
``event_ids: {$nin: …}`` these rollups used before) makes FerretDB read and decode every
document of the collection for each update, a cost that grew with every tenant and day
counted. A usage read sums the entries.

A tenant's day on a backend is split over ``SHARDS`` documents, an event counted in the one its
id hashes to, and read back summed: one document per day would grow with every event it
counts, each update rewriting all of it, and a tenant counting some 300,000 events a day would
pass MongoDB's 16 MiB document limit. Split, a document holds 1/SHARDS of the day's events.

The follower hands over a poll's events at once (``apply_all``): each document they add to
takes one update, so a burst of runs ending together costs a few dozen updates, not two per
run.

Documents written before hold their sums and the ids they summed (``event_ids``); a read adds
the entries of events not among those ids, so an event redelivered across the change is still
counted once."""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Mapping, Sequence
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
PLAIN_ID = re.compile(r"[0-9A-Za-z_-]{1,128}")


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


def entry(event_id: str) -> str:
    """The field an event's entry is kept under: its id, or a hash of an id that is not a
    plain field name (a dot would make a path of it, a leading ``$`` an operator)."""
    if PLAIN_ID.fullmatch(event_id):
        return event_id
    return "sha256-" + hashlib.sha256(event_id.encode()).hexdigest()


def document(event: Envelope, backend: str) -> tuple[str, dict[str, Any]]:
    """The id and keys of the rollup document ``event`` is counted in: its tenant's day on
    ``backend``, in the shard its id hashes to."""
    day = event.occurred_at.date().isoformat()
    shard = zlib.crc32(event.id.encode()) % SHARDS
    return f"{event.tenant_id}|{day}|{backend}|{shard}", {
        "tenant_id": event.tenant_id, "day": day, "backend": backend, "shard": shard}


@dataclass
class _Rollup:
    """What some events add to one rollup document, by entry."""

    keys: dict[str, Any]
    entries: dict[str, dict[str, float]] = field(default_factory=dict)


def _rollups(events: Sequence[Envelope]) -> dict[str, _Rollup]:
    """The rollup documents ``events`` add to, by id, each with its events' entries."""
    found: dict[str, _Rollup] = {}
    for event in events:
        counted = increments(event)
        if counted is None:
            continue
        backend, inc = counted
        rollup_id, keys = document(event, backend)
        found.setdefault(rollup_id, _Rollup(keys)).entries[entry(event.id)] = inc
    return found


def totals(doc: Mapping[str, Any]) -> dict[str, float]:
    """What a rollup document counts: its entries, and the sums of a document written before
    entries (over the ids it lists, whose entries are not added again)."""
    summed = set(doc.get("event_ids", ()))
    out: dict[str, float] = {name: value for name, value in doc.items()
                             if isinstance(value, int | float) and name != "shard"}
    for event_id, inc in doc.get("counted", {}).items():
        if event_id not in summed:
            for name, amount in inc.items():
                out[name] = out.get(name, 0) + amount
    return out


class MongoRollups:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.rollups = db[ROLLUPS]

    async def apply(self, event: Envelope) -> None:
        await self.apply_all([event])

    async def apply_all(self, events: Sequence[Envelope]) -> None:
        """Count each of ``events`` once, with one update per document they add to."""
        for rollup_id, rollup in _rollups(events).items():
            update = {"$set": {f"counted.{name}": inc for name, inc in rollup.entries.items()},
                      "$setOnInsert": rollup.keys}
            try:
                await self.rollups.update_one({"_id": rollup_id}, update, upsert=True)
            except DuplicateKeyError:  # another writer inserted it first: it is there now
                await self.rollups.update_one({"_id": rollup_id}, update)

    async def usage(self, tenant_id: str, since: str | None = None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"tenant_id": tenant_id}
        if since:
            query["day"] = {"$gte": since}
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        async for doc in self.rollups.find(query, {"_id": 0}):
            row = rows.setdefault((doc["day"], doc["backend"]), {k: doc[k] for k in KEYS})
            for name, value in totals(doc).items():
                row[name] = row.get(name, 0) + value
        return [rows[day_backend] for day_backend in sorted(rows)]


def database(url: str, name: str) -> AsyncDatabase[dict[str, Any]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, tz_aware=True)
    return client[name]
