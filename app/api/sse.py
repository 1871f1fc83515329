"""Server-sent events, for both streams of the API (the tenant's events, a run's progress):
the frames, and responses that never wait on a reader without bound."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

from starlette.responses import StreamingResponse
from starlette.types import Message, Send

HEARTBEAT = ": heartbeat\n\n"  # a comment line: keeps proxies and readers from timing out


def frame(event: str, data: str, id: str | None = None) -> str:
    """One frame; ``data`` is one line of JSON (the format never splits it)."""
    head = f"id: {id}\n" if id is not None else ""
    return f"{head}event: {event}\ndata: {data}\n\n"


class ReaderStalled(Exception):
    """The reader took no frame for the whole send timeout."""


class EventStreamResponse(StreamingResponse):
    """A ``text/event-stream`` response whose reader must take each write (a frame, or a page
    of them) within ``send_timeout_s``: a reader that stops reading (its socket buffers full)
    is disconnected rather than holding the stream open for as long as it likes."""

    def __init__(self, frames: AsyncGenerator[str, None], send_timeout_s: float) -> None:
        super().__init__(frames, media_type="text/event-stream",
                         headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
        self.frames = frames
        self.send_timeout_s = send_timeout_s

    async def _send(self, send: Send, message: Message) -> None:
        try:
            async with asyncio.timeout(self.send_timeout_s):  # wait_for: a task per write
                await send(message)
        except TimeoutError:
            raise ReaderStalled from None

    async def stream_response(self, send: Send) -> None:
        try:
            await self._send(send, {"type": "http.response.start", "status": self.status_code,
                                    "headers": self.raw_headers})
            async for frame in self.frames:
                await self._send(send, {"type": "http.response.body",
                                        "body": frame.encode(self.charset), "more_body": True})
            await self._send(send, {"type": "http.response.body", "body": b"",
                                    "more_body": False})
        except ReaderStalled:
            return  # the server closes the connection of an unfinished response
        finally:
            await self.frames.aclose()
