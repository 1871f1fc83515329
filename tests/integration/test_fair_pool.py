"""The PostgreSQL pool serves those who wait in the order they came, on a real server.

asyncpg's own pool gives a freed connection to whoever asks next: the waiter that the release
woke runs a moment later, finds the connection taken by a newcomer that asked in between, and
queues again at the back. Under load on the API that made a few reads wait many turns (acquire
p99 222 ms while the median waited for nothing). Here newcomers ask at every turn of the loop
while a connection is freed; the one who was waiting must get it."""

from __future__ import annotations

import asyncio

from infra import postgres
from infra.settings import Settings


async def test_a_waiting_caller_gets_the_freed_connection_before_newcomers(
        settings: Settings) -> None:
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema,
                                      min_size=2, max_size=2)
    served: list[str] = []

    async def ask(name: str) -> None:
        async with pool.acquire() as conn:
            served.append(name)
            await conn.execute("SELECT pg_sleep(0.001)")

    try:
        first, second = await pool.acquire(), await pool.acquire()
        waiter = asyncio.create_task(ask("waiter"))
        await asyncio.sleep(0.02)  # it waits for one of the two
        postgres.unchanged_session(first)  # no reset query: freed within a turn of the loop
        freeing = asyncio.create_task(pool.release(first))
        newcomers = []
        for turn in range(8):  # a newcomer at every turn while the release goes through
            newcomers.append(asyncio.create_task(ask(f"newcomer {turn}")))
            await asyncio.sleep(0)
        await freeing
        await asyncio.wait_for(asyncio.gather(waiter, *newcomers), 10)
        await pool.release(second)
    finally:
        await pool.close()
    assert served[0] == "waiter", served


async def test_a_cancelled_wait_gives_its_place_back(settings: Settings) -> None:
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema,
                                      min_size=1, max_size=1)
    try:
        holder = await pool.acquire()

        async def wait() -> None:
            await pool.acquire()

        waiting = asyncio.create_task(wait())
        await asyncio.sleep(0.01)
        waiting.cancel()
        timed_out = False
        try:
            await pool.acquire(timeout=0.05)
        except TimeoutError:
            timed_out = True
        assert timed_out  # the one connection is still held
        await pool.release(holder)
        await pool.release(holder)  # a second release of the same lease changes nothing
        for _ in range(3):  # the place of the cancelled waiter and the timed-out one are free
            async with pool.acquire(timeout=1) as conn:
                assert await conn.fetchval("SELECT 2") == 2
    finally:
        await pool.close()
