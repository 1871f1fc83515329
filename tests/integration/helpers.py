"""Helpers for tests that talk to the real stack."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from infra import kafka
from infra.settings import Settings
from streams.catalogue import new_event, upcast
from streams.envelope import Envelope
from streams.events import Event
from streams.events.examples import EXAMPLES
from streams.reading import assign_all, at_end, read_to_end


def body(model: type[Event], **fields: Any) -> dict[str, Any]:
    """A body of ``model`` that the log accepts: its published example with ``fields`` set."""
    data = {**EXAMPLES[model.type], **fields}
    model.model_validate(data)
    return data


def caused(cause: Envelope, type: str, data: dict[str, Any]) -> Envelope:
    """A raw event of ``type`` caused by ``cause``, its body as given (not checked)."""
    return new_event(type, cause.tenant_id, cause.key, data,
                     correlation_id=cause.correlation_id or cause.id, causation_id=cause.id)


async def events_of(settings: Settings, topic: str) -> list[Envelope]:
    return [e async for e in read_to_end(settings, [settings.topic(topic)])]


async def wait_for(check: Callable[[], Any], timeout_s: float = 30.0, every_s: float = 0.1
                   ) -> Any:
    """Poll the coroutine function ``check`` until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        value = await check()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"condition not met in {timeout_s} s (last value {value!r})")
        await asyncio.sleep(every_s)


async def raw_messages(settings: Settings, topic: str) -> list[tuple[int, int, bytes]]:
    """(partition, offset, value) of every committed message of ``topic``."""
    consumer = kafka.consumer(settings.kafka_bootstrap, None)
    await consumer.start()
    try:
        parts = await assign_all(consumer, [settings.topic(topic)])
        end = await consumer.end_offsets(parts)
        await consumer.seek_to_beginning(*parts)
        out: list[tuple[int, int, bytes]] = []
        while not await at_end(consumer, end):
            for tp, messages in (await consumer.getmany(timeout_ms=500)).items():
                out += [(tp.partition, m.offset, m.value) for m in messages if m.offset < end[tp]]
        return out
    finally:
        await consumer.stop()


def parse(value: bytes) -> Envelope:
    return upcast(Envelope.from_json(value))
