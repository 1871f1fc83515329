"""An idle client connection stays open past the few seconds servers often keep one: a load
balancer in front (idle timeout 60 s on most) closes it first, so it never sends a request down
a connection the API is closing."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from tests.e2e.conftest import Service

REQUEST = b"GET /health/live HTTP/1.1\r\nHost: riskstream\r\n\r\n"


async def _answer(reader: asyncio.StreamReader) -> bytes:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    await asyncio.wait_for(reader.readexactly(length), 10)
    return head.split(b"\r\n")[0]


async def test_an_idle_connection_is_still_served_after_seconds(service: Service) -> None:
    url = urlsplit(service.url)
    assert service.settings.api_keep_alive_s > 60
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    try:
        writer.write(REQUEST)
        assert await _answer(reader) == b"HTTP/1.1 200 OK"
        await asyncio.sleep(6.5)  # past uvicorn's own default of 5 s
        writer.write(REQUEST)
        assert await _answer(reader) == b"HTTP/1.1 200 OK"
    finally:
        writer.close()
