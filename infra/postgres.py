"""PostgreSQL access: pools bound to a projection schema, and the SQL migrations."""

from __future__ import annotations

import hashlib
import re
from importlib import resources

import asyncpg

SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


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
        dsn, min_size=min_size, max_size=max_size,
        server_settings={"search_path": schema, "application_name": "riskstream"},
    )


async def migrate(dsn: str, schema: str) -> None:
    """Apply each migration script not yet applied to ``schema`` in its current content.

    Scripts are idempotent, but running them at every pool start would take locks (e.g.
    CREATE INDEX IF NOT EXISTS locks its table) that queue behind a busy projector; so each
    script runs once per content digest, recorded in ``schema_migrations``.
    """
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", schema)
            await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{check_schema(schema)}"')
            await conn.execute(f'SET LOCAL search_path TO "{schema}"')
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY,"
                " digest text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())")
            applied = {r["name"]: r["digest"] for r in
                       await conn.fetch("SELECT name, digest FROM schema_migrations")}
            for script in sorted(resources.files("infra.migrations").iterdir(),
                                 key=lambda p: p.name):
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
    finally:
        await conn.close()


async def drop_schema(dsn: str, schema: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{check_schema(schema)}" CASCADE')
    finally:
        await conn.close()
