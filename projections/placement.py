"""Where each tenant's views live, and the pools that reach them.

Free and basic tenants share the platform database, isolated by row-level security; a tenant
can be given a database of its own (``tenant.placement_changed``), which then holds the views
of its work (:data:`projections.postgres_views.PLACED_TABLES`). The platform's views (tenants,
users, keys, the event feed and its audit chain) stay in the shared database for every tenant:
a credential names its tenant before anyone knows where that tenant lives.

A move is four events: ``moving`` (the new database catches up from the log while reads stay
where they were), ``switching`` (the old copy stops changing; the new one takes the last
events, so it then holds all the old one does), ``placed`` (reads switch) and ``released``
(the old copy is deleted, once every reader has switched). While moving, both databases apply
the tenant's events, so neither misses one whatever the interleaving of partitions; a replay
of the shared database meets the same events and ends without the tenant's rows too.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from infra import postgres
from infra.faults import is_outage
from streams.envelope import Envelope
from streams.events import TenantPlacementChanged

SHARED = "shared"
_PASSWORD = re.compile(r"^(postgres(?:ql)?://[^:@/]+):[^@/]*@")


@dataclass(frozen=True)
class Placement:
    tenant_id: str
    database: str  # where it is going or has gone
    state: str  # moving | switching | placed | released
    previous: str  # where it was
    plan: str
    changed_at: datetime

    @property
    def reads(self) -> str:
        """The database that answers the tenant's reads."""
        return self.previous if self.state in ("moving", "switching") else self.database

    def applied_in(self, database: str) -> bool:
        """Whether ``database`` applies the tenant's events to its views."""
        return database == self.database or (self.state == "moving"
                                             and database == self.previous)


Placements = Mapping[str, Placement]


def applies(placements: Placements, tenant_id: str, database: str) -> bool:
    """Whether ``database`` applies ``tenant_id``'s events (unplaced tenants: shared only)."""
    placement = placements.get(tenant_id)
    return database == SHARED if placement is None else placement.applied_in(database)


def evolve(placements: Placements, event: Envelope) -> Placements:
    """The placements after ``event`` (unchanged unless it is a ``tenant.placement_changed``):
    a batch routes the events after a move's step as the next batch would."""
    if event.type != TenantPlacementChanged.type:
        return placements
    known = placements.get(event.tenant_id)
    placed = event.body(TenantPlacementChanged)
    return {**placements, event.tenant_id: Placement(
        event.tenant_id, placed.database, placed.state, placed.previous,
        "free" if known is None else known.plan, event.occurred_at)}


def reads_database(placements: Placements, tenant_id: str) -> str:
    placement = placements.get(tenant_id)
    return SHARED if placement is None else placement.reads


def without_password(dsn: str) -> str:
    """The DSN a placement names: the log never holds a password (libpq's password file
    supplies it)."""
    return _PASSWORD.sub(r"\1@", dsn)


async def load(conn: asyncpg.Pool | asyncpg.Connection) -> dict[str, Placement]:
    """Every tenant not in the shared database, or on its way out of it."""
    rows = await conn.fetch(
        "SELECT p.tenant_id, p.database, p.state, p.previous, p.changed_at,"
        " coalesce(t.plan, 'free') AS plan FROM tenant_placements p"
        " LEFT JOIN tenants t USING (tenant_id)")
    return {r["tenant_id"]: Placement(r["tenant_id"], r["database"], r["state"],
                                      r["previous"], r["plan"], r["changed_at"])
            for r in rows}


@dataclass
class _Held:
    pool: asyncpg.Pool
    size: int
    used_at: float


class DatabasePools:
    """One pool per tenant database, opened on first use and closed after ``idle_s`` unused.

    Each pool's size is fixed when it opens, from the plan of the tenant that opened it
    (``sizes``, e.g. enterprise 20, pro 5); ``command_timeout`` bounds each statement as in
    :func:`infra.postgres.create_pool`."""

    def __init__(self, schema: str, sizes: Mapping[str, int], idle_s: float,
                 command_timeout: float | None = None) -> None:
        self.schema, self.sizes, self.idle_s = schema, sizes, idle_s
        self.command_timeout = command_timeout
        self._held: dict[str, _Held] = {}
        self._opening: dict[str, asyncio.Lock] = {}

    async def get(self, database: str, plan: str) -> asyncpg.Pool:
        held = self._held.get(database)
        if held is None:
            async with self._opening.setdefault(database, asyncio.Lock()):
                held = self._held.get(database)
                if held is None:
                    size = self.sizes.get(plan, min(self.sizes.values(), default=2))
                    pool = await postgres.create_pool(
                        database, self.schema, min_size=1, max_size=size,
                        command_timeout=self.command_timeout)
                    held = self._held[database] = _Held(pool, size, time.monotonic())
        held.used_at = time.monotonic()
        return held.pool

    async def reap(self) -> list[str]:
        """Close the pools unused for ``idle_s`` (with no connection out); their databases."""
        now, closed = time.monotonic(), []
        for database, held in list(self._held.items()):
            busy = held.pool.get_size() - held.pool.get_idle_size()
            if now - held.used_at >= self.idle_s and busy == 0:
                del self._held[database]
                await held.pool.close()
                closed.append(database)
        return closed

    def describe(self) -> list[dict[str, Any]]:
        """Each open pool: its database, size limit, connections open and in use, idle
        seconds."""
        now = time.monotonic()
        return [{"database": database, "max_size": held.size,
                 "open": held.pool.get_size(),
                 "in_use": held.pool.get_size() - held.pool.get_idle_size(),
                 "idle_s": round(now - held.used_at, 1)}
                for database, held in sorted(self._held.items())]

    async def close(self) -> None:
        for held in self._held.values():
            await held.pool.close()
        self._held.clear()


class TenantPools:
    """The pool that answers a tenant's reads: the shared one unless its placement says
    otherwise. Placements are re-read every ``refresh_s``, so reads follow a switch within
    that bound (a move keeps the old rows until after it, see :mod:`projections.tenant_move`)."""

    def __init__(self, shared: asyncpg.Pool, pools: DatabasePools, refresh_s: float) -> None:
        self.shared, self.pools, self.refresh_s = shared, pools, refresh_s
        self.placements: dict[str, Placement] = {}
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.placements = await load(self.shared)
        self._task = asyncio.create_task(self._follow())

    async def _follow(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_s)
            try:
                self.placements = await load(self.shared)
                await self.pools.reap()
            except (OSError, asyncpg.PostgresError):
                continue  # keep the last known placements while the database is away

    async def for_tenant(self, tenant_id: str) -> asyncpg.Pool:
        placement = self.placements.get(tenant_id)
        if placement is None or placement.reads == SHARED:
            return self.shared
        return await self.pools.get(placement.reads, placement.plan)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.pools.close()


async def across_databases(shared: asyncpg.Pool, pools: DatabasePools, sql: str,
                           unreachable: list[str] | None = None) -> list[asyncpg.Record]:
    """The rows of ``sql`` (which returns ``tenant_id``) from every database, each tenant's
    from the database that answers its reads: the platform operator's views across tenants.
    With ``unreachable``, a tenant database that is down is left out and named there (without
    its password), so one tenant's database does not blind the view of every other; without
    it, or when the shared database is down, the outage is raised."""
    placements = await load(shared)
    placed = {p.reads: p.plan for p in placements.values() if p.reads != SHARED}
    rows: list[asyncpg.Record] = []
    for database in (SHARED, *sorted(placed)):
        try:
            pool = shared if database == SHARED else await pools.get(database, placed[database])
            found = await pool.fetch(sql)
        except Exception as exc:
            if database == SHARED or unreachable is None or not is_outage(exc):
                raise
            unreachable.append(without_password(database))
            continue
        rows += [r for r in found if reads_database(placements, r["tenant_id"]) == database]
    return rows
