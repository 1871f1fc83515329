"""Following the log for projections whose writes are idempotent (MongoDB, Redis): the consumer
group's offsets are committed after each batch is written; a redelivery rewrites the same thing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from infra import kafka
from infra.settings import Settings
from streams.catalogue import upcast
from streams.envelope import Envelope
from streams.processors.runtime import assign_all, seek_committed

Apply = Callable[[Envelope], Awaitable[None]]


async def follow(settings: Settings, group: str, topics: Sequence[str], apply: Apply,
                 stop: asyncio.Event) -> None:
    """Apply every event of ``topics`` from the group's offsets until ``stop`` (replays read
    through :mod:`projections.replay_source` instead)."""
    consumer = kafka.consumer(settings.kafka_bootstrap, f"{settings.topic_prefix}.{group}")
    await consumer.start()
    try:
        parts = await assign_all(consumer, [settings.topic(t) for t in topics])
        await seek_committed(consumer, parts)
        while not stop.is_set():
            batch = await consumer.getmany(timeout_ms=300, max_records=1000)
            for messages in batch.values():
                for message in messages:
                    await apply(upcast(Envelope.from_json(message.value)))
            if batch:
                await consumer.commit({tp: ms[-1].offset + 1 for tp, ms in batch.items()})
    finally:
        await consumer.stop()
