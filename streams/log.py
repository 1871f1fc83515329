"""Writing events to the log: the one place that maps an event to its topic, key and wire bytes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from infra import kafka, tracing
from infra.settings import Settings
from streams.catalogue import TOPICS, topic_of
from streams.envelope import Envelope
from streams.events import parse_body
from streams.personal import Sealer
from streams.text import MAX_KEY, check_document, check_text

MAX_MESSAGE = kafka.MAX_REQUEST  # the producer's max_request_size
MAX_EVENT = MAX_MESSAGE - 64 * 1024
"""Most bytes of one event: a record with its key, headers and batch framing fits in a
request to the broker, and the broker (``message.max.bytes``) takes twice a request."""


class LogUnavailable(Exception):
    """The broker did not acknowledge the events. ``maybe_recorded`` is False only when
    nothing was sent (no connection to the broker); otherwise some or all of them may be in
    the log although no acknowledgement came back."""

    def __init__(self, message: str, *, maybe_recorded: bool) -> None:
        super().__init__(message)
        self.maybe_recorded = maybe_recorded


def check_event(event: Envelope) -> None:
    """Refuse an event that some projection could not store (UnsafeText) or whose body its
    type's model refuses (InvalidEvent; UnknownEventType for a type not in the catalogue): the
    log holds only events every projection can apply. Lengths are the edge's concern (user text
    is bounded there); here a body is bounded only by what one message may carry."""
    for name in ("tenant_id", "key", "correlation_id", "causation_id"):
        check_text(getattr(event, name), (name,), MAX_KEY)
    check_document(event.data, ("data",), max_text=MAX_MESSAGE, max_items=MAX_MESSAGE)
    parse_body(event)


def topic_specs(settings: Settings) -> dict[str, tuple[int, int]]:
    return {settings.topic(t.name): (t.partitions, t.retention_ms) for t in TOPICS.values()}


async def ensure_topics(settings: Settings) -> None:
    await kafka.ensure_topics(settings.kafka_bootstrap, topic_specs(settings))


class EventTooLarge(ValueError):
    """An event larger than one record of the log may be: the work that made it fails with
    this reason, rather than a broker's refusal breaking the transaction it was sent in."""


WRAPPED = 64 * 1024
"""Room an event leaves for the events that carry it whole (a webhook message holds the event
it delivers): an event that others wrap is held to MAX_EVENT - WRAPPED."""


def serialized(event: Envelope, most: int = MAX_EVENT) -> bytes:
    """``event`` as the log holds it; EventTooLarge past ``most`` bytes."""
    value = event.to_json()
    if len(value) > most:
        raise EventTooLarge(f"a {event.type} event of {len(value):,} bytes passes the"
                            f" {most:,} one event may hold")
    return value


def record(settings: Settings, event: Envelope) -> tuple[str, bytes, bytes]:
    """(topic, key, value) for ``event``; EventTooLarge past MAX_EVENT."""
    return settings.topic(topic_of(event)), event.key.encode(), serialized(event)


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
                    raise LogUnavailable(f"Kafka is unreachable: {exc}",
                                         maybe_recorded=False) from exc
                self._producer = p
            return self._producer

    async def append(self, events: Iterable[Envelope]) -> None:
        """Send every event and wait for all acknowledgements; LogUnavailable if any fails,
        UnsafeText or InvalidEvent (before anything is sent) if any event could not be stored
        downstream or does not fit its model (see ``check_event``)."""
        events = list(events)
        for event in events:
            check_event(event)
        if self.sealer is not None:
            events = await self.sealer.seal(list(events))
        producer = await self._started()
        try:
            futures = [
                await producer.send(topic, value=value, key=key, headers=tracing.headers(e.id))
                for e in events for topic, key, value in [record(self.settings, e)]
            ]
            await asyncio.wait_for(asyncio.gather(*futures), self.settings.kafka_timeout_s)
        except (KafkaError, OSError, TimeoutError) as exc:
            await self._reset()
            raise LogUnavailable(f"Kafka did not acknowledge the event: {exc}",
                                 maybe_recorded=True) from exc

    async def ping(self) -> None:
        """A fresh metadata round trip to the broker; LogUnavailable when there is none."""
        producer = await self._started()
        try:
            await asyncio.wait_for(producer.client.fetch_all_metadata(),
                                   self.settings.kafka_timeout_s)
        except (KafkaError, OSError, TimeoutError) as exc:
            raise LogUnavailable(f"Kafka does not answer: {exc!r}", maybe_recorded=False
                                 ) from exc

    async def _reset(self) -> None:
        async with self._lock:
            if self._producer is not None:
                producer, self._producer = self._producer, None
                await producer.stop()

    async def close(self) -> None:
        await self._reset()
