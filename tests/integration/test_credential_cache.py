"""The API's credential cache on real PostgreSQL: a cached key stops working as soon as the
projector commits its revocation, and a cached user's role follows a role change at once,
with the cache's TTL far longer than either test waits; look-ups that miss together share
one read, but never one begun before the last change."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiokafka import TopicPartition

from app.api.credential_cache import CredentialCache
from infra import postgres
from infra.settings import Settings
from projections.postgres import PostgresProjector
from projections.tenancy_queries import Directory
from streams.catalogue import new_event
from streams.envelope import Envelope
from tests.integration.helpers import wait_for

TENANT = "acme"
AUDIT = {"actor": "cli"}


class Counting(Directory):
    """The directory, counting the look-ups that reach PostgreSQL."""

    reads = 0

    async def principal_for_key(self, key_hash: str) -> dict[str, Any] | None:
        self.reads += 1
        return await super().principal_for_key(key_hash)

    async def principal_for_user(self, user_id: str) -> dict[str, Any] | None:
        self.reads += 1
        return await super().principal_for_user(user_id)


@dataclass
class World:
    apply: Callable[..., Awaitable[None]]  # events, through the projector
    cache: CredentialCache
    directory: Counting


@pytest.fixture
async def world(settings: Settings) -> AsyncIterator[World]:
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    directory = Counting(pool)
    cache = CredentialCache(directory, settings.postgres_dsn, settings.projection_schema,
                            ttl_s=3600)
    projector = PostgresProjector(settings, pool)
    offsets = iter(range(1_000_000))

    async def apply(*events: Envelope) -> None:
        await projector.apply_batch(TopicPartition(settings.topic("tenants"), 0),
                                    [(next(offsets), e.to_json()) for e in events])

    await apply(
        new_event("tenant.created", TENANT, TENANT, {"name": TENANT, "plan": "pro"}),
        new_event("api_key.issued", TENANT, TENANT, {"key_id": "k1", "key_hash": "h1",
                                                     "name": "k", "role": "admin",
                                                     "scopes": ["read"]}),
        new_event("user.created", TENANT, TENANT, {
            "user_id": "u1", "email": "u1@example.com", "name": "U", "role": "member",
            "password_hash": "x", "audit": AUDIT}))
    # listening after the set-up's commit: its notice, delivered a moment later, would land
    # in a test's first look-up and keep that read from being remembered
    await cache.start()
    try:
        yield World(apply, cache, directory)
    finally:
        await cache.close()
        await pool.close()
        await postgres.drop_schema(settings.postgres_dsn, settings.projection_schema)


async def test_a_revoked_key_stops_working_when_the_revocation_is_committed(
        world: World) -> None:
    cache, directory = world.cache, world.directory
    assert (await cache.principal_for_key("h1") or {}).get("role") == "admin"
    assert await cache.principal_for_key("h1") is not None
    assert directory.reads == 1  # the second look-up was answered from memory
    await world.apply(new_event(
        "api_key.revoked", TENANT, TENANT, {"key_id": "k1", "audit": AUDIT}))

    async def refused() -> bool:
        return await cache.principal_for_key("h1") is None

    await wait_for(refused, timeout_s=2)
    assert await cache.principal_for_key("unknown") is None
    assert await cache.principal_for_key("unknown") is None
    assert directory.reads >= 4  # unknown keys are never remembered


async def test_a_role_change_is_seen_at_once_and_nothing_is_cached_unless_listening(
        world: World) -> None:
    cache, directory = world.cache, world.directory
    assert (await cache.principal_for_user("u1") or {}).get("role") == "member"
    await world.apply(new_event(
        "user.role_changed", TENANT, TENANT, {"user_id": "u1", "role": "admin",
                                              "previous_role": "member", "audit": AUDIT}))

    async def promoted() -> bool:
        return (await cache.principal_for_user("u1") or {}).get("role") == "admin"

    await wait_for(promoted, timeout_s=2)
    await cache.close()  # as when the listening connection drops
    before = directory.reads
    await cache.principal_for_user("u1")
    await cache.principal_for_user("u1")
    assert directory.reads == before + 2


def _gated(directory: Counting) -> asyncio.Event:
    """Hold the directory's key look-ups until the returned event is set."""
    gate, read = asyncio.Event(), directory.principal_for_key

    async def held(key_hash: str) -> dict[str, Any] | None:
        await gate.wait()
        return await read(key_hash)

    directory.principal_for_key = held  # type: ignore[method-assign]
    return gate


async def test_lookups_that_miss_together_share_one_read(world: World) -> None:
    cache, directory = world.cache, world.directory
    gate = _gated(directory)
    callers = [asyncio.ensure_future(cache.principal_for_key("h1")) for _ in range(20)]
    await asyncio.sleep(0.05)
    callers[0].cancel()  # a request that gives up leaves the read to the others
    gate.set()
    answers = await asyncio.gather(*callers[1:])
    assert all((a or {}).get("role") == "admin" for a in answers)
    assert directory.reads == 1


async def test_a_read_begun_before_an_invalidation_is_not_shared_after_it(world: World) -> None:
    cache, directory = world.cache, world.directory
    gate = _gated(directory)
    before = asyncio.ensure_future(cache.principal_for_key("h1"))
    await asyncio.sleep(0.05)
    cache.forget()  # what a change's notice does
    after = asyncio.ensure_future(cache.principal_for_key("h1"))
    await asyncio.sleep(0.05)
    gate.set()
    assert await before is not None and await after is not None
    assert directory.reads == 2  # the request after the notice read afresh
    assert await cache.principal_for_key("h1") is not None
    assert directory.reads == 2  # and its read, not the earlier one, was remembered
