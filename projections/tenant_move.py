"""Moving a tenant's views to a database of its own by replaying its events there.

The new database is the tenant's own and empty: its history is replayed there from the first
event (the archive, then the log), which a database that has followed the log for others would
skip as already applied. Steps, each one event so that the move is in the log and a replay
meets it: ``moving`` (the history is replayed into the new database while reads stay put),
``switching`` (the old copy stops changing), catch up past it, ``placed`` (reads switch within
the API's placement refresh), wait until every reader has switched, ``released`` (the old copy
is deleted). No read sees less than an earlier one did. Writes are events and never stop; a
move that stops half-way is resumed by running it again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import asyncpg

from infra import postgres
from infra.settings import Settings
from projections.placed_projector import PlacedProjector
from projections.placement import SHARED, load, without_password
from projections.postgres_views import PLACED_TABLES, drop_placed_rows
from projections.replay_source import replay_batches
from streams.catalogue import TOPICS
from streams.envelope import Envelope
from streams.events import TenantPlacementChanged

Append = Callable[[list[Envelope]], Awaitable[None]]
Step = Literal["moving", "switching", "placed", "released"]
STEPS: tuple[Step, ...] = ("moving", "switching", "placed", "released")


class MoveRefused(ValueError):
    """A move that cannot start; the message says why and what would be accepted."""


class MoveStalled(RuntimeError):
    """The shared projector did not apply a step in time; running the move again resumes."""


@dataclass(frozen=True)
class MoveReport:
    tenant_id: str
    source: str
    target: str
    rows: dict[str, int]  # placed table -> the tenant's rows in the new database
    catch_up_s: float  # replaying the tenant's history into the new database
    total_s: float


async def move_tenant(settings: Settings, shared: asyncpg.Pool, append: Append,
                      tenant_id: str, to: str, *, archive: Path | None = None,
                      timeout_s: float = 600.0) -> MoveReport:
    """Move ``tenant_id``'s views to the database ``to`` (a DSN; its password, if any, is used
    here and never written to the log) and return what moved. The history is read from
    ``archive`` where the log no longer holds it (ValueError naming the gap otherwise)."""
    started = time.monotonic()
    target = without_password(to)
    try:
        TenantPlacementChanged(database=target, state="moving")
    except ValueError as exc:
        raise MoveRefused(f"--to {target!r}: a database of its own is"
                          " postgresql://user[:password]@host[:port]/database") from exc
    if await shared.fetchval("SELECT 1 FROM tenants WHERE tenant_id=$1", tenant_id) is None:
        raise MoveRefused(f"no tenant {tenant_id!r}")
    current = (await load(shared)).get(tenant_id)
    if current is not None and current.database != target and current.state != "released":
        raise MoveRefused(f"tenant {tenant_id} is {current.state} to {current.database};"
                          " finish that move first (run it again)")
    source = SHARED if current is None else (
        current.database if current.state == "released" else current.previous)
    if source == target:
        raise MoveRefused(f"tenant {tenant_id} already lives in {target}")
    done = -1 if current is None or current.database != target else STEPS.index(current.state)
    if done == len(STEPS) - 1:
        raise MoveRefused(f"tenant {tenant_id} already lives in {target}")

    async def step(state: Step) -> None:
        if STEPS.index(state) > done:
            await append([TenantPlacementChanged(database=target, state=state, previous=source)
                          .event(tenant_id, tenant_id)])
        await _applied(shared, tenant_id, target, state, timeout_s)

    pool = await postgres.create_pool(to, settings.projection_schema, max_size=4)
    try:
        if done < 0 and await pool.fetchval("SELECT count(*) FROM projection_checkpoints"):
            # its checkpoints are past this tenant's history, which it would then skip
            raise MoveRefused(f"{target} has followed the log before (another tenant's"
                              " database?): a tenant moves into a database of its own, empty")
        projector = PlacedProjector(settings, pool, shared, target)
        await step("moving")
        await projector.apply_all(replay_batches(settings, list(TOPICS), archive=archive))
        catch_up_s = time.monotonic() - started
        await step("switching")
        await projector.run(asyncio.Event(), until_end=True)  # all the old copy holds
        await step("placed")
        if done < STEPS.index("released"):  # every API process re-reads placements by then
            await asyncio.sleep(2 * settings.placement_refresh_s + 0.5)
        await step("released")  # the shared database drops its copy as it applies this
        if source != SHARED:
            old = await postgres.create_pool(source, settings.projection_schema, max_size=1)
            try:
                async with old.acquire() as conn, conn.transaction():
                    await drop_placed_rows(conn, tenant_id)
            finally:
                await old.close()
        rows = {table: await pool.fetchval(f"SELECT count(*) FROM {table} WHERE tenant_id=$1",
                                           tenant_id) for table in PLACED_TABLES}
    finally:
        await pool.close()
    return MoveReport(tenant_id, source, target, rows, round(catch_up_s, 3),
                      round(time.monotonic() - started, 3))


async def _applied(shared: asyncpg.Pool, tenant_id: str, target: str, state: str,
                   timeout_s: float) -> None:
    """Wait until the shared projector has applied the step."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        placement = (await load(shared)).get(tenant_id)
        if placement is not None and placement.database == target and \
                STEPS.index(placement.state) >= STEPS.index(state):
            return
        await asyncio.sleep(0.1)
    raise MoveStalled(f"the shared projector has not applied {state!r} for {tenant_id} in"
                      f" {timeout_s:.0f} s; is the postgres projector running? Running the"
                      " move again resumes it")
