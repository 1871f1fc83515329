"""Writing events to the log: the one place that maps an event to its topic, key and wire bytes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from infra import kafka
from infra.settings import Settings
from streams.catalogue import TOPICS, topic_of
from streams.envelope import Envelope
from streams.personal import Sealer


class LogUnavailable(Exception):
    """The broker did not acknowledge the event; nothing can be promised to the caller."""


def topic_specs(settings: Settings) -> dict[str, tuple[int, int]]:
    return {settings.topic(t.name): (t.partitions, t.retention_ms) for t in TOPICS.values()}


async def ensure_topics(settings: Settings) -> None:
    await kafka.ensure_topics(settings.kafka_bootstrap, topic_specs(settings))


def record(settings: Settings, event: Envelope) -> tuple[str, bytes, bytes]:
    """(topic, key, value) for ``event``."""
    return settings.topic(topic_of(event)), event.key.encode(), event.to_json()


class EventLog:
    """Appends events and returns only once the broker acknowledged them (acks=all); with a
    ``sealer``, personal data is sealed first (see :mod:`streams.personal`)."""

    def __init__(self, settings: Settings, sealer: Sealer | None = None) -> None:
        self.settings = settings
        self.sealer = sealer
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()

    async def _started(self) -> AIOKafkaProducer:
        async with self._lock:
            if self._producer is None:
                p = kafka.producer(self.settings.kafka_bootstrap,
                                   timeout_s=self.settings.kafka_timeout_s)
                try:
                    await asyncio.wait_for(p.start(), self.settings.kafka_timeout_s)
                except (KafkaError, OSError, TimeoutError) as exc:
                    await p.stop()
                    raise LogUnavailable(f"Kafka is unreachable: {exc}") from exc
                self._producer = p
            return self._producer

    async def append(self, events: Iterable[Envelope]) -> None:
        """Send every event and wait for all acknowledgements; LogUnavailable if any fails."""
        if self.sealer is not None:
            events = await self.sealer.seal(list(events))
        producer = await self._started()
        try:
            futures = [
                await producer.send(topic, value=value, key=key)
                for topic, key, value in (record(self.settings, e) for e in events)
            ]
            await asyncio.wait_for(asyncio.gather(*futures), self.settings.kafka_timeout_s)
        except (KafkaError, OSError, TimeoutError) as exc:
            await self._reset()
            raise LogUnavailable(f"Kafka did not acknowledge the event: {exc}") from exc

    async def _reset(self) -> None:
        async with self._lock:
            if self._producer is not None:
                producer, self._producer = self._producer, None
                await producer.stop()

    async def close(self) -> None:
        await self._reset()
