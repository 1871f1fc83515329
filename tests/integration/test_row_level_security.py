"""Row-level security on real PostgreSQL: in a tenant's scope every tenant table shows that
tenant's rows even to a query without a WHERE; outside any scope it shows none; and the
reader role cannot write."""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg
import pytest
from aiokafka import TopicPartition

from infra import postgres
from infra.settings import Settings
from projections.postgres import PostgresProjector
from projections.queries import reader_scope, tenant_scope
from streams.catalogue import new_event
from streams.envelope import Envelope
from streams.events.examples import EXAMPLES

TENANT_TABLES = ("tenants", "api_keys", "users", "invitations", "workbooks", "simulations",
                 "usage_records", "security_audit", "invoices")


def account(tenant: str) -> list[Envelope]:
    """One row of each tenant table for ``tenant``."""
    created = new_event("tenant.created", tenant, tenant, {"name": tenant, "plan": "pro"})
    return [
        created,
        new_event("api_key.issued", tenant, tenant, {"key_id": f"k-{tenant}",
                                                     "key_hash": f"h-{tenant}", "name": "k",
                                                     "role": "admin"}),
        new_event("user.created", tenant, tenant, {
            "user_id": f"u-{tenant}", "email": f"{tenant}@example.com", "name": "U",
            "role": "member", "password_hash": "x", "audit": {"actor": "cli"}}),
        new_event("user.invited", tenant, tenant, {
            "invitation_id": f"i-{tenant}", "email": f"new-{tenant}@example.com",
            "role": "member", "token_hash": f"t-{tenant}",
            "expires_at": "2030-01-01T00:00:00+00:00", "audit": {"actor": "cli"}}),
        new_event("workbook.uploaded", tenant, f"wb-{tenant}", {
            "filename": "m.xlsx", "sha256": "ab", "size": 1, "uri": "file:///x"}),
        new_event("simulation.requested", tenant, tenant, {
            **EXAMPLES["simulation.requested"], "simulation_id": f"s-{tenant}",
            "workbook_id": f"wb-{tenant}", "iterations": 1}),
        new_event("usage.recorded", tenant, f"s-{tenant}", {
            "simulation_id": f"s-{tenant}", "iterations": 1, "compute_seconds": 0.1,
            "backend": "numpy"}),
        new_event("billing.invoice_paid", tenant, tenant, {
            "invoice_id": f"in-{tenant}", "amount_cents": 100, "currency": "usd",
            "stripe_event_id": f"evt-{tenant}"}),
    ]


async def test_a_tenant_scope_sees_only_its_rows_in_every_tenant_table(
        settings: Settings) -> None:
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    try:
        projector = PostgresProjector(settings, pool)
        for partition, tenant in enumerate(("acme", "globex")):
            events = account(tenant)
            await projector.apply_batch(TopicPartition(settings.topic("tenants"), partition),
                                        [(i, e.to_json()) for i, e in enumerate(events)])
        policies = {r["tablename"] for r in await pool.fetch(
            "SELECT tablename FROM pg_policies WHERE schemaname=$1"
            " AND policyname='tenant_isolation'", settings.projection_schema)}
        assert set(TENANT_TABLES) <= policies
        for table in TENANT_TABLES:
            assert await pool.fetchval(f"SELECT count(DISTINCT tenant_id) FROM {table}") == 2
            async with tenant_scope(pool, "acme") as conn:
                seen = {r["tenant_id"] for r in await conn.fetch(f"SELECT * FROM {table}")}
            assert seen == {"acme"}, table
            async with pool.acquire() as conn, conn.transaction():
                await conn.execute("SET LOCAL ROLE riskstream_reader")
                assert await conn.fetchval(f"SELECT count(*) FROM {table}") == 0, table
        async with tenant_scope(pool, "acme") as conn:
            with pytest.raises(asyncpg.PostgresError):
                await conn.execute("UPDATE tenants SET plan='enterprise'")
        # a tenant id is sent as a literal: quotes and backslashes stay inside it
        for hostile in ("acme' OR 'x'='x", "acme\\'; RESET ROLE; --", "acme'); COMMIT; --"):
            async with tenant_scope(pool, hostile) as conn:
                assert await conn.fetchval("SELECT current_setting('app.tenant_id')") == hostile
                assert await conn.fetchval("SELECT count(*) FROM tenants") == 0
                assert await conn.fetchval("SELECT current_user") == "riskstream_reader"
        with pytest.raises(ValueError, match="NUL"):
            async with tenant_scope(pool, "acme\x00"):
                pass
        # a failed read leaves the connection usable and outside any transaction
        with pytest.raises(asyncpg.PostgresError):
            async with tenant_scope(pool, "acme") as conn:
                await conn.execute("SELECT 1/0")
        assert await pool.fetchval("SELECT current_setting('app.tenant_id', true)") in ("", None)
    finally:
        await pool.close()
        await postgres.drop_schema(settings.postgres_dsn, settings.projection_schema)


async def test_a_connection_leaves_a_tenant_scope_as_it_entered_it(settings: Settings) -> None:
    """The pool sends no reset after a tenant read: what the read set ended with its
    transaction, and any other lease is still reset."""
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema,
                                      min_size=1, max_size=1)
    try:
        login = await pool.fetchval("SELECT current_user")
        async with tenant_scope(pool, "acme") as conn:
            assert await conn.fetchval("SELECT current_user") == "riskstream_reader"
        async with pool.acquire() as conn:  # the same connection, the pool holding one
            assert await conn.fetchval("SELECT current_user") == login
            assert await conn.fetchval("SELECT current_setting('app.tenant_id', true)") in ("",
                                                                                           None)
            await conn.execute("SET application_name = 'changed'")
        assert await pool.fetchval("SHOW application_name") == "riskstream"  # reset after all
    finally:
        await pool.close()
        await postgres.drop_schema(settings.postgres_dsn, settings.projection_schema)


async def test_a_pinned_reader_connection_serves_each_tenant_only_its_rows(
        settings: Settings) -> None:
    """Single-statement reads run on the pool's reader sibling, whose one connection here
    passes from tenant to tenant: each read sees its tenant's rows only, even without a
    WHERE; the session stays the reader role and read-only; a failed or interrupted read
    leaves no tenant behind for the next one."""
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema,
                                      min_size=1, max_size=1)
    try:
        projector = PostgresProjector(settings, pool)
        for partition, tenant in enumerate(("acme", "globex")):
            await projector.apply_batch(TopicPartition(settings.topic("tenants"), partition),
                                        [(i, e.to_json()) for i, e in enumerate(account(tenant))])
        for tenant in ("acme", "globex", "globex", "acme", "nobody", "acme"):
            for table in TENANT_TABLES:
                async with reader_scope(pool, tenant) as conn:
                    seen = {r["tenant_id"] for r in await conn.fetch(f"SELECT * FROM {table}")}
                assert seen == ({tenant} if tenant != "nobody" else set()), (tenant, table)
        readers = await pool.readers()
        assert readers.get_size() == 1  # one connection served every read above
        async with reader_scope(pool, "acme") as conn:
            assert await conn.fetchval("SELECT current_user") == "riskstream_reader"
            with pytest.raises(asyncpg.PostgresError):  # read-only, and the role owns nothing
                await conn.execute("UPDATE tenants SET plan='enterprise'")
        for hostile in ("acme' OR 'x'='x", "acme\\'; RESET ROLE; --"):
            async with reader_scope(pool, hostile) as conn:  # a parameter, never SQL
                assert await conn.fetchval("SELECT current_setting('app.tenant_id')") == hostile
                assert await conn.fetchval("SELECT count(*) FROM tenants") == 0
        with pytest.raises(asyncpg.PostgresError):
            async with reader_scope(pool, "acme") as conn:
                await conn.execute("SELECT 1/0")
        async with reader_scope(pool, "globex") as conn:
            assert {r["tenant_id"] for r in await conn.fetch("SELECT * FROM users")} == {
                "globex"}

        # a pin interrupted after it was sent: the next reader, whatever its tenant, pins again
        async def slow_pin() -> None:
            async with (await pool.readers()).acquire() as conn:
                task = asyncio.ensure_future(postgres.pin_tenant(conn, "acme"))
                await asyncio.sleep(0)  # sent, not yet confirmed
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

        await slow_pin()
        for tenant in ("globex", "acme"):
            async with reader_scope(pool, tenant) as conn:
                assert {r["tenant_id"] for r in await conn.fetch("SELECT * FROM users")} == {
                    tenant}
        # the pool itself still gives its writers the login role, untouched by the readers
        assert await pool.fetchval("SELECT current_user") != "riskstream_reader"
    finally:
        await pool.close()
        await postgres.drop_schema(settings.postgres_dsn, settings.projection_schema)
