"""Posting a webhook to real sockets on loopback: the answer is read only up to the cap, a
silent endpoint costs at most the timeout, redirects are not followed, Retry-After is read, and
private addresses are refused unless allowed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from infra.webhook_http import Destinations, post

LOOPBACK = Destinations.parse("1024-65535", allow_private=True)
Reply = Callable[[asyncio.StreamWriter], Awaitable[None]]


async def serve(reply: Reply) -> tuple[asyncio.Server, str]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        try:
            await reply(writer)
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False) as c:
        yield c


async def test_a_huge_answer_is_read_only_up_to_the_cap(client: httpx.AsyncClient) -> None:
    async def huge(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 50000000\r\n\r\n")
        for _ in range(5000):
            writer.write(b"x" * 10_000)
            await writer.drain()

    server, url = await serve(huge)
    reply = await post(client, LOOPBACK, url, {}, b"{}", timeout_s=5, max_bytes=64 * 1024)
    assert reply.status == 200 and reply.excerpt == "x" * 1000 and reply.error is None
    assert reply.latency_ms < 5000
    server.close()


async def test_a_silent_endpoint_costs_the_timeout_and_redirects_fail(
        client: httpx.AsyncClient) -> None:
    async def silent(writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(10)

    async def moved(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 302 Found\r\nlocation: http://10.0.0.1/\r\n"
                     b"retry-after: 7\r\ncontent-length: 0\r\n\r\n")
        await writer.drain()

    server, url = await serve(silent)
    reply = await post(client, LOOPBACK, url, {}, b"{}", timeout_s=0.5, max_bytes=1024)
    assert reply.status is None and reply.error == "no answer within 0.5 s"
    assert 450 < reply.latency_ms < 2000
    server.close()
    server, url = await serve(moved)
    reply = await post(client, LOOPBACK, url, {}, b"{}", timeout_s=2, max_bytes=1024)
    assert reply.status == 302 and reply.retry_after_s == 7.0
    server.close()


async def test_private_addresses_are_refused_unless_allowed(client: httpx.AsyncClient) -> None:
    strict = Destinations.parse("1024-65535", allow_private=False)
    reply = await post(client, strict, "http://127.0.0.1:9999/x", {}, b"{}", timeout_s=1,
                       max_bytes=1024)
    assert reply.status is None and (reply.error or "").startswith("refused: 127.0.0.1 is a")
    reply = await post(client, strict, "http://localhost:9999/x", {}, b"{}", timeout_s=1,
                       max_bytes=1024)
    assert reply.status is None and "private" in (reply.error or "")
