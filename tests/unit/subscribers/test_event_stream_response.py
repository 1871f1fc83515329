"""A reader that stops taking frames is disconnected after the send timeout, and the frames'
generator is closed; a reader that keeps up gets every frame and the end of the response."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from app.api.sse import EventStreamResponse


def stream(closed: list[bool]) -> AsyncGenerator[str, None]:
    async def frames() -> AsyncGenerator[str, None]:
        try:
            for n in range(5):
                yield f"data: {n}\n\n"
        finally:
            closed.append(True)
    return frames()


async def test_a_stalled_reader_is_disconnected_and_the_stream_closed() -> None:
    closed: list[bool] = []
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        if len(sent) == 3:
            await asyncio.sleep(3600)  # the reader's buffers are full
        sent.append(message)

    response = EventStreamResponse(stream(closed), send_timeout_s=0.05)
    await asyncio.wait_for(response.stream_response(send), 1)
    assert [m.get("body") for m in sent[1:]] == [b"data: 0\n\n", b"data: 1\n\n"]
    assert closed == [True]


async def test_a_reader_that_keeps_up_gets_everything() -> None:
    closed: list[bool] = []
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    response = EventStreamResponse(stream(closed), send_timeout_s=0.05)
    await response.stream_response(send)
    assert sent[0]["type"] == "http.response.start" and len(sent) == 7
    assert sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}
    assert closed == [True]
