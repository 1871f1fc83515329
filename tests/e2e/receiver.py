"""A webhook receiver on 127.0.0.1 for the end-to-end tests: records every request and answers
with whatever its ``answer`` function says."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Answer = Callable[["Received", int], tuple[int, dict[str, str]]]


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def message_id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def payload(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


@dataclass
class Receiver:
    """``answer(request, nth)`` gives (status, headers), ``nth`` counting the requests with the
    same webhook-id from 1."""

    answer: Answer
    hold: asyncio.Event | None = None  # when given, answers wait until it is set
    requests: list[tuple[Received, int]] = field(default_factory=list)
    server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/hooks"

    async def start(self) -> Receiver:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    def delivered(self) -> list[Received]:
        """Requests answered with a 2xx, in arrival order."""
        return [r for r, status in self.requests if 200 <= status < 300]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")[1:]
            headers = {k.strip().lower(): v.strip() for k, _, v in
                       (line.partition(":") for line in lines if line)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            request = Received(headers, body)
            nth = 1 + sum(1 for r, _ in self.requests if r.message_id == request.message_id)
            status, extra = self.answer(request, nth)
            if self.hold is not None:
                await self.hold.wait()
            self.requests.append((request, status))
            extra_lines = "".join(f"{k}: {v}\r\n" for k, v in extra.items())
            reply = b"ok" if status < 300 else b"not now"
            writer.write(f"HTTP/1.1 {status} X\r\ncontent-length: {len(reply)}\r\n"
                         f"connection: close\r\n{extra_lines}\r\n".encode() + reply)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            return  # the sender gave up, or the test is over: nothing to record
        finally:
            writer.close()


async def wait_until(check: Callable[[], bool], timeout_s: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("the receiver never saw what the test waits for")
        await asyncio.sleep(0.05)
