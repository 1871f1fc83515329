"""The two migration sets on a real PostgreSQL: a projection rebuild (its schema dropped and
migrated again) runs only the projection set, and the kept tables keep their rows."""

from __future__ import annotations

from importlib import resources

from app.api.idempotency import IdempotencyKeys, Replay
from infra import postgres
from infra.settings import Settings

ROUTE = "POST /v1/users"


async def test_a_projection_rebuild_keeps_the_kept_tables_and_never_reruns_their_scripts(
        settings: Settings) -> None:
    kept = {p.name for p in (resources.files("infra.migrations") / "kept").iterdir()
            if p.name.endswith(".sql")}
    tenant = f"tenant-{settings.topic_prefix}"
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    try:
        assert await IdempotencyKeys(pool).claim(tenant, ROUTE, "k1", "d1") is None
        await IdempotencyKeys(pool).complete(tenant, ROUTE, "k1", 201, {"user_id": "u1"})
        before = {r["name"]: r["applied_at"] for r in
                  await pool.fetch("SELECT name, applied_at FROM kept.schema_migrations")}
    finally:
        await pool.close()
    assert kept <= set(before)

    await postgres.drop_schema(settings.postgres_dsn, settings.projection_schema)
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    try:
        assert await IdempotencyKeys(pool).claim(tenant, ROUTE, "k1", "d1") == \
            Replay(201, {"user_id": "u1"})
        after = {r["name"]: r["applied_at"] for r in
                 await pool.fetch("SELECT name, applied_at FROM kept.schema_migrations")}
        assert after == before  # not run again
        projection = {r["name"] for r in await pool.fetch("SELECT name FROM schema_migrations")}
        assert projection and not projection & kept
    finally:
        await pool.execute("DELETE FROM api.idempotency_keys WHERE tenant_id=$1", tenant)
        await pool.close()
        await postgres.drop_schema(settings.postgres_dsn, settings.projection_schema)
