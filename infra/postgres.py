"""PostgreSQL access: pools bound to a projection schema, and the two sets of SQL migrations."""

from __future__ import annotations

import hashlib
import re
import weakref
from importlib import resources
from importlib.resources.abc import Traversable

import asyncpg

SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
KEPT = "kept"  # the schema recording the kept set of migrations


def check_schema(schema: str) -> str:
    if not SCHEMA.match(schema):
        raise ValueError(f"invalid schema name {schema!r}")
    return schema


async def create_pool(dsn: str, schema: str, *, min_size: int = 1, max_size: int = 10
                      ) -> asyncpg.Pool:
    """A pool whose connections see ``schema`` first; the schema is created and migrated."""
    schema = check_schema(schema)
    await migrate(dsn, schema)
    return await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, reset=_reset,
        # standard_conforming_strings: quotes are all an SQL literal escapes (queries.sql_literal)
        server_settings={"search_path": schema, "application_name": "riskstream",
                         "standard_conforming_strings": "on"},
    )


_UNCHANGED: weakref.WeakSet[asyncpg.Connection] = weakref.WeakSet()


def unchanged_session(conn: asyncpg.Connection) -> None:
    """Say that this lease of a pooled ``conn`` left its session as it found it (its settings
    were transaction-local, in a transaction that ended), so its release sends no reset query:
    a round trip saved on every tenant read (``projections.queries.tenant_scope``)."""
    _UNCHANGED.add(getattr(conn, "_con", None) or conn)  # the pool's proxy, or the connection


async def _reset(conn: asyncpg.Connection) -> None:
    """What the pool does to a released connection: asyncpg's reset (rolled back, locks and
    cursors closed, listeners and session settings reset), unless the lease said it changed
    nothing."""
    if conn in _UNCHANGED:
        _UNCHANGED.discard(conn)
        return
    query = conn.get_reset_query()
    if query:
        await conn.execute(query)


async def migrate(dsn: str, schema: str) -> None:
    """Apply the kept set (``migrations/kept``: tables outside every projection schema, which
    no rebuild drops) to the database, then the projection set (``migrations``) to ``schema``.

    Each set records the scripts it ran, with their content digest, in its own
    ``schema_migrations``: the kept set in ``kept``, the projection set in ``schema`` (so a
    rebuild, dropping ``schema``, runs only the projection set again). Scripts are idempotent,
    but running them at every pool start would take locks (e.g. CREATE INDEX IF NOT EXISTS
    locks its table) that queue behind a busy projector; so each runs once per content digest.
    """
    migrations = resources.files("infra.migrations")
    conn = await asyncpg.connect(dsn)
    try:
        await _apply(conn, KEPT, migrations / "kept")
        await _apply(conn, check_schema(schema), migrations)
    finally:
        await conn.close()


async def _apply(conn: asyncpg.Connection, schema: str, scripts: Traversable) -> None:
    """Run each ``.sql`` script of ``scripts`` not yet run in its content, recording it in
    ``schema``; one transaction, holding a lock per schema so that processes starting together
    take turns."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", schema)
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        await conn.execute(f'SET LOCAL search_path TO "{schema}"')
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY,"
            " digest text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())")
        applied = {r["name"]: r["digest"] for r in
                   await conn.fetch("SELECT name, digest FROM schema_migrations")}
        for script in sorted(scripts.iterdir(), key=lambda p: p.name):
            if not script.name.endswith(".sql"):
                continue
            text = script.read_text()
            digest = hashlib.sha256(text.encode()).hexdigest()
            if applied.get(script.name) == digest:
                continue
            await conn.execute(text)
            await conn.execute(
                "INSERT INTO schema_migrations (name, digest) VALUES ($1, $2)"
                " ON CONFLICT (name) DO UPDATE SET digest = EXCLUDED.digest,"
                " applied_at = now()", script.name, digest)


async def drop_schema(dsn: str, schema: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{check_schema(schema)}" CASCADE')
    finally:
        await conn.close()
