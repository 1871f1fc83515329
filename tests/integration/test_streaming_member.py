"""A stateless processor's messages handled side by side on the real broker: a quick one is
answered and committed while slow ones before it are still handled, and after a restart the
slow ones are handled again while the quick one, answered already, is not answered twice."""

from __future__ import annotations

import asyncio
from typing import Any

from infra.settings import Settings
from streams.catalogue import new_event
from streams.envelope import Envelope
from streams.events import WorkbookRejected, WorkbookUploaded
from streams.log import EventLog, ensure_topics
from streams.processors.streaming import StreamingMember
from tests.integration.helpers import body, events_of, wait_for


class Slow:
    """Answers each upload with a rejection after the seconds its file name says."""

    name = "streaming-test"
    topics = ("workbooks",)
    state_topics = ()

    def __init__(self, delays: dict[str, float]) -> None:
        self.delays = delays
        self.handled: list[str] = []

    def fold(self, event: Envelope) -> None:
        return None

    def asks(self, event: Envelope) -> str | None:
        return event.key if event.type == WorkbookUploaded.type else None

    def answers(self, event: Envelope) -> str | None:
        return event.key if event.type == WorkbookRejected.type else None

    def refused(self, event: Envelope, reason: str) -> Envelope:
        return event.caused(WorkbookRejected(reason=f"parked: {reason}"))

    async def handle(self, event: Envelope) -> list[Envelope]:
        if event.type != WorkbookUploaded.type:
            return []
        self.handled.append(event.key)
        if event.key == "poison":
            raise ValueError("cannot read it")
        await asyncio.sleep(self.delays.get(event.key, 0.0))
        return [event.caused(WorkbookRejected(reason=f"answered {event.key}"))]


def _upload(key: str) -> Envelope:
    return new_event("workbook.uploaded", "tenant-1", key,
                     body(WorkbookUploaded, filename=f"{key}.xlsx"))


async def _answers(settings: Settings) -> list[str]:
    return [e.key for e in await events_of(settings, "workbooks")
            if e.type == WorkbookRejected.type]


async def _run(settings: Settings, handler: Slow) -> tuple[asyncio.Event, asyncio.Task[Any]]:
    stop = asyncio.Event()
    return stop, asyncio.create_task(StreamingMember(settings, handler).run(stop))


async def test_a_quick_message_is_answered_while_slow_ones_before_it_are_handled(
        settings: Settings) -> None:
    await ensure_topics(settings)
    log = EventLog(settings)
    slow = [f"slow{i}" for i in range(3)]
    await log.append([_upload(key) for key in [*slow, "quick"]])
    handler = Slow({key: 20.0 for key in slow})
    stop, running = await _run(settings, handler)
    try:
        answered = await wait_for(lambda: _answers(settings), timeout_s=15)
        assert answered == ["quick"]  # committed, while the slow ones are still handled
        assert set(handler.handled) == {*slow, "quick"}
    finally:
        stop.set()
        await running
    # a restart: the slow ones again (their offsets were never passed), the quick one not
    again = Slow({})
    stop, running = await _run(settings, again)
    try:
        await wait_for(lambda: _done(settings, 4), timeout_s=30)
        assert sorted(await _answers(settings)) == sorted([*slow, "quick"])  # each once
        assert sorted(again.handled) == sorted(slow)
    finally:
        stop.set()
        await running
        await log.close()


async def _done(settings: Settings, count: int) -> bool:
    return len(await _answers(settings)) >= count


async def test_an_input_parked_is_answered_all_the_same(settings: Settings) -> None:
    await ensure_topics(settings)
    log = EventLog(settings)
    await log.append([_upload("poison")])
    stop, running = await _run(settings, Slow({}))
    try:
        await wait_for(lambda: _done(settings, 1), timeout_s=15)
        answers = [e for e in await events_of(settings, "workbooks")
                   if e.type == WorkbookRejected.type]
        assert [(e.key, e.data["reason"]) for e in answers] == [
            ("poison", "parked: ValueError: cannot read it")]
        parked = [e for e in await events_of(settings, "deadletters")
                  if e.type == "processing.failed"]
        assert len(parked) == 1
    finally:
        stop.set()
        await running
        await log.close()
