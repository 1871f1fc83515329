"""The burst's callers: HTTP/1.1 over one kept-alive connection each, with next to no CPU.

The load generator shares the two cores with the service it measures, so what it spends is
taken from the figure: a hundred httpx clients took 0.2-0.4 s of CPU over a burst (their
connection pools, header models and response objects) to send a hundred small JSON requests.
A caller writes the request's bytes and reads the status line, the headers and a body of the
length they give, which is all a JSON answer of the API is (``wrk``, C, measures the API's
reads for the same reason).
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import orjson


class CallError(RuntimeError):
    """An answer a caller cannot read, or one that is not a success."""


class Caller:
    """One client with one connection, opened on the first request and kept alive."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"a caller speaks plain HTTP to a host, not {url!r}")
        self.host, self.port = parts.hostname, parts.port or 80
        self._head = "".join(f"{name}: {value}\r\n" for name, value in
                             {"Host": parts.netloc, **headers}.items()).encode("latin-1")
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post_json(self, path: str, body: Any) -> Any:
        """POST ``body`` as JSON; the answer's JSON, or :class:`CallError` unless it is 2xx."""
        payload = orjson.dumps(body)
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._streams
        writer.write(b"POST " + path.encode("ascii") + b" HTTP/1.1\r\n" + self._head
                     + b"Content-Type: application/json\r\nContent-Length: "
                     + str(len(payload)).encode() + b"\r\n\r\n" + payload)
        status, length, closing = _head(await reader.readuntil(b"\r\n\r\n"))
        answer = await reader.readexactly(length)
        if closing:
            await self.close()
        if not 200 <= status < 300:
            raise CallError(f"POST {path}: {status} {answer[:200]!r}")
        return orjson.loads(answer)

    async def close(self) -> None:
        if self._streams is not None:
            writer = self._streams[1]
            self._streams = None
            writer.close()
            await writer.wait_closed()


def _head(raw: bytes) -> tuple[int, int, bool]:
    """The status, the body's length and whether the server closes, from an answer's head."""
    lines = raw.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split(" ", 2)[1])
    except (IndexError, ValueError):
        raise CallError(f"not an HTTP status line: {lines[0]!r}") from None
    fields = {name.strip().lower(): value.strip() for name, _, value in
              (line.partition(":") for line in lines[1:] if line)}
    if "content-length" not in fields:
        raise CallError(f"an answer without a length ({status}): a caller reads no other")
    return status, int(fields["content-length"]), fields.get("connection", "") == "close"
