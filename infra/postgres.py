"""PostgreSQL access: pools bound to a projection schema, and the SQL migrations."""

from __future__ import annotations

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
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", schema)
            await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{check_schema(schema)}"')
            await conn.execute(f'SET LOCAL search_path TO "{schema}"')
            for script in sorted(resources.files("infra.migrations").iterdir(),
                                 key=lambda p: p.name):
                if script.name.endswith(".sql"):
                    await conn.execute(script.read_text())
    finally:
        await conn.close()


async def drop_schema(dsn: str, schema: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{check_schema(schema)}" CASCADE')
    finally:
        await conn.close()
