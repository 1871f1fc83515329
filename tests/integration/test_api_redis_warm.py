"""The API opens its Redis connections at start-up: a first burst's requests find them open
rather than opening their own, and a Redis that is down or silent delays start-up by its
timeout at most. On the stack's Redis, counted by the server (``CLIENT LIST``)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis

from app.api.context import api_redis, warm_redis
from app.ops.launcher import free_port
from tests.conftest import api_redis_at, isolated_settings, silent_server

BURST = 24


async def _connections_named(name: str) -> int:
    """How many connections Redis has open under the client name ``name``."""
    probe = Redis.from_url(isolated_settings().redis_url, decode_responses=True)
    try:
        return sum(1 for client in await probe.client_list() if client.get("name") == name)
    finally:
        await probe.aclose()


async def _burst_opens(warm: Callable[[Redis], Awaitable[int]]) -> tuple[int, int]:
    """Connections open after ``warm``, and after a burst of BURST concurrent commands."""
    name = f"warm-{uuid.uuid4().hex[:8]}"
    settings = isolated_settings()
    settings = settings.model_copy(update={"redis_url": f"{settings.redis_url}?client_name={name}"})
    redis = api_redis(settings)
    try:
        await warm(redis)
        before = await _connections_named(name)
        # each command holds a connection until its reply: all BURST are in flight at once
        await asyncio.gather(*(redis.incr(f"{name}:count") for _ in range(BURST)))
        after = await _connections_named(name)
        assert int(await redis.get(f"{name}:count")) == BURST
        await redis.delete(f"{name}:count")
        return before, after
    finally:
        await redis.aclose()


async def test_a_burst_finds_the_connections_opened_at_start_up() -> None:
    opened: list[int] = []

    async def warm(redis: Redis) -> int:
        opened.append(await warm_redis(redis, BURST, 1.0))
        return opened[-1]

    before, after = await _burst_opens(warm)
    assert opened == [BURST]
    assert (before, after) == (BURST, BURST)


async def test_without_them_the_burst_opens_its_own() -> None:
    """The counterpart: the count above is what the warm-up saved, not the server's doing."""
    async def cold(redis: Redis) -> int:
        return 0

    before, after = await _burst_opens(cold)
    assert before == 0 and after > 1


async def test_a_redis_that_refuses_costs_start_up_nothing_much() -> None:
    async with api_redis_at(free_port(), 0.5) as (redis, settings):
        began = time.monotonic()
        assert await warm_redis(redis, 16, settings.redis_timeout_s) == 0
        assert time.monotonic() - began < 1.0


async def test_a_silent_redis_costs_start_up_twice_its_timeout_at_most() -> None:
    """A Redis that accepts connections and answers nothing (paused): the handshake's reply
    never comes, and start-up goes on."""
    async with silent_server() as port, api_redis_at(port, 0.3) as (redis, settings):
        began = time.monotonic()
        assert await warm_redis(redis, 16, settings.redis_timeout_s) == 0
        assert time.monotonic() - began < 2 * settings.redis_timeout_s + 0.5
