"""Plans that come with a database: a tenant whose plan names a server in
``RISKSTREAM_TIER_DATABASES`` (e.g. ``{"enterprise": "postgresql://riskstream@db-ent:5432/
t_{tenant}"}``) is moved by replay (:mod:`projections.tenant_move`) into a database of its own
there, created when missing, once it is on that plan, say after an upgrade. Moving back after a
downgrade is left to operators."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re

import asyncpg

from infra.settings import Settings
from projections.placement import load, without_password
from projections.tenant_move import Append, MoveRefused, MoveStalled, move_tenant

log = logging.getLogger(__name__)
_DATABASE = re.compile(r"^(?P<server>postgres(?:ql)?://[^/]+)/(?P<name>[A-Za-z0-9_{}.-]+)$")


def tier_database(template: str, tenant_id: str) -> str:
    """The DSN of the tenant's database on its tier's server."""
    return template.replace("{tenant}", re.sub(r"[^a-z0-9_]", "_", tenant_id.lower()))


async def ensure_database(dsn: str) -> None:
    """Create the DSN's database on its server if it is not there."""
    found = _DATABASE.match(dsn)
    if found is None:
        raise MoveRefused(f"{without_password(dsn)}: not postgresql://user@host[:port]/database")
    server = await asyncpg.connect(found["server"] + "/postgres")
    try:
        name = found["name"]
        if not await server.fetchval("SELECT 1 FROM pg_database WHERE datname=$1", name):
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):  # another mover won
                await server.execute(f'CREATE DATABASE "{name}"')
    finally:
        await server.close()


async def follow_tiers(settings: Settings, shared: asyncpg.Pool, append: Append,
                       stop: asyncio.Event, *, every_s: float = 2.0) -> None:
    """Move each tenant on a plan with a database (and still in the shared one) there, one move
    at a time per process; a move another process runs already is skipped (advisory lock)."""
    tiers = settings.tier_databases
    while tiers and not stop.is_set():
        try:
            placed = await load(shared)
            due = []  # in the shared database, or on the way to its tier's (a stopped move)
            for r in await shared.fetch("SELECT tenant_id, plan FROM tenants"
                                        " WHERE plan = ANY($1::text[])", list(tiers)):
                dsn = tier_database(tiers[r["plan"]], r["tenant_id"])
                now = placed.get(r["tenant_id"])
                if now is None or (now.database == without_password(dsn)
                                   and now.state != "released"):
                    due.append((r["tenant_id"], dsn))
            for tenant_id, dsn in due:
                if stop.is_set():
                    break
                await _move_once(settings, shared, append, tenant_id, dsn)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("tier placement: %r", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_s)


async def _move_once(settings: Settings, shared: asyncpg.Pool, append: Append, tenant_id: str,
                     dsn: str) -> None:
    async with shared.acquire() as conn:
        if not await conn.fetchval("SELECT pg_try_advisory_lock(hashtext('tenant-move'),"
                                   " hashtext($1))", tenant_id):
            return
        try:
            await ensure_database(dsn)
            report = await move_tenant(settings, shared, append, tenant_id, dsn)
            log.info("tenant %s moved to %s in %.1f s", tenant_id, report.target,
                     report.total_s)
        except (MoveRefused, MoveStalled) as exc:
            log.warning("tenant %s not moved: %s", tenant_id, exc)
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext('tenant-move'),"
                               " hashtext($1))", tenant_id)
