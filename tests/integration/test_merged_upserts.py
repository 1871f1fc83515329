"""A simulation's status upserts folded into one per row within a batch (``MERGES`` in
``projections.statement_batch``) end in the same rows as the same events applied one by one, on
real PostgreSQL: for events in any order, rows that exist before or not, and barriers between."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from infra import postgres
from infra.settings import Settings
from projections.postgres_views import PLACED_VIEWS
from projections.statement_batch import StatementBatch
from streams.catalogue import new_event
from streams.envelope import Envelope
from streams.events.examples import EXAMPLES

TENANT = "t1"
KINDS = ("simulation.requested", "simulation.accepted", "simulation.rejected",
         "simulation.started", "simulation.progressed", "simulation.completed",
         "simulation.failed", "simulation.cancelled")
BARRIER = "UPDATE simulations SET reason = reason WHERE tenant_id = $1"  # not one row: a barrier


def _event(rng: random.Random, kind: str, sim: str, at: datetime) -> Envelope:
    data: dict[str, Any] = {**EXAMPLES[kind]}
    if kind in ("simulation.requested", "simulation.accepted", "simulation.rejected"):
        data["simulation_id"] = sim
        data["iterations"] = rng.choice([1000, 5000, 10000])
    if kind == "simulation.progressed":
        data["iterations_done"] = rng.randrange(0, 10001)
    if kind in ("simulation.completed", "simulation.failed", "simulation.cancelled"):
        data["iterations_run"] = rng.randrange(0, 10001)
        data["compute_seconds"] = round(rng.random(), 3)
    key = TENANT if kind == "simulation.requested" else sim
    event = new_event(kind, TENANT, key, data)
    return Envelope(type=event.type, tenant_id=event.tenant_id, key=event.key, data=event.data,
                    version=event.version, occurred_at=at)


def _story(rng: random.Random) -> list[Envelope | None]:
    """Events of a few simulations in a random order, with None where a barrier goes."""
    at = datetime(2026, 12, 1, tzinfo=UTC)
    events: list[Envelope | None] = []
    for _ in range(rng.randrange(1, 30)):
        at += timedelta(seconds=1)
        if rng.random() < 0.1:
            events.append(None)
        else:
            events.append(_event(rng, rng.choice(KINDS), f"s{rng.randrange(4)}", at))
    return events


async def _apply(conn: Any, events: Sequence[Envelope | None]) -> None:
    for event in events:
        if event is None:
            await conn.execute(BARRIER, TENANT)
        else:
            await PLACED_VIEWS[event.type](conn, event)


class Counted:
    """The connection, counting the statements sent (each row of an executemany one)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn, self.statements = conn, 0

    async def execute(self, sql: str, *args: Any) -> None:
        self.statements += 1
        await self.conn.execute(sql, *args)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.statements += len(rows)
        await self.conn.executemany(sql, rows)


async def _rows(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch("SELECT * FROM simulations ORDER BY simulation_id")]


async def test_folded_upserts_end_in_the_rows_of_one_by_one(settings: Settings) -> None:
    one = await postgres.create_pool(settings.postgres_dsn, f"{settings.projection_schema}_one")
    batched = await postgres.create_pool(settings.postgres_dsn,
                                         f"{settings.projection_schema}_batched")
    rng = random.Random(20261207)
    folded = 0
    try:
        async with one.acquire() as a, batched.acquire() as b:
            for _ in range(150):
                await a.execute("DELETE FROM simulations")
                await b.execute("DELETE FROM simulations")
                before, story = _story(rng), _story(rng)
                await _apply(a, before)  # rows that exist (or not) before the batch
                await _apply(b, before)
                await _apply(a, story)
                counted = Counted(b)
                batch = StatementBatch(counted)  # type: ignore[arg-type]
                async with b.transaction():
                    await _apply(batch, story)
                    await batch.flush()
                assert await _rows(b) == await _rows(a), story
                folded += len(story) - counted.statements
    finally:
        await one.close()
        await batched.close()
        for schema in ("one", "batched"):
            await postgres.drop_schema(settings.postgres_dsn,
                                       f"{settings.projection_schema}_{schema}")
    assert folded > 100  # the stories fold many writes of one row into one
