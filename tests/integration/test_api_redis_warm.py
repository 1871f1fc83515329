"""The API opens its Redis connections at start-up: a first burst's requests find them open
rather than opening their own, and a Redis that is down or silent delays start-up by its
timeout at most. On the stack's Redis, counted by the server (``CLIENT LIST``)."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis

from app.api.context import api_redis, warm_redis
from tests.conftest import isolated_settings

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_redis_that_refuses_costs_start_up_nothing_much() -> None:
    settings = isolated_settings(redis_url=f"redis://127.0.0.1:{_free_port()}/0",
                                 redis_timeout_s=0.5)
    redis = api_redis(settings)
    try:
        began = time.monotonic()
        assert await warm_redis(redis, 16, settings.redis_timeout_s) == 0
        assert time.monotonic() - began < 1.0
    finally:
        await redis.aclose()


async def test_a_silent_redis_costs_start_up_twice_its_timeout_at_most() -> None:
    """A Redis that accepts connections and answers nothing (paused): the handshake's reply
    never comes, and start-up goes on."""
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1 << 16)
        await asyncio.sleep(30)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    settings = isolated_settings(redis_url=f"redis://127.0.0.1:{port}/0", redis_timeout_s=0.3)
    redis = api_redis(settings)
    try:
        began = time.monotonic()
        assert await warm_redis(redis, 16, settings.redis_timeout_s) == 0
        assert time.monotonic() - began < 2 * settings.redis_timeout_s + 0.5
    finally:
        await redis.aclose()
        server.close()
