"""A consumer busy with its records finds its partitions' next records at once when it comes
back for more, however long the broker may hold an idle fetch: no fetch that leaves their
partition out is under way meanwhile (``infra.kafka.PREFETCH_HOLD_S``)."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from infra import kafka
from infra.settings import Settings

WAIT_MS = 3000  # the broker holds an idle fetch this long


async def _take(consumer: AIOKafkaConsumer, value: bytes) -> float:
    """Seconds until ``value`` was taken."""
    began = time.monotonic()
    while True:
        batch = await consumer.getmany(timeout_ms=WAIT_MS * 2)
        if any(m.value == value for messages in batch.values() for m in messages):
            return time.monotonic() - began
        assert time.monotonic() - began < 10 * WAIT_MS / 1000, f"{value!r} never came"


@pytest.mark.parametrize("held", [True, False])
async def test_a_busy_consumers_next_records_are_not_held_for_the_fetch_wait(
        settings: Settings, monkeypatch: pytest.MonkeyPatch, held: bool) -> None:
    if not held:
        monkeypatch.setattr(kafka, "PREFETCH_HOLD_S", 0.1)  # aiokafka's own
    topic = settings.topic("fetch-hold")
    await kafka.ensure_topics(settings.kafka_bootstrap, {topic: (2, 3_600_000)})
    first, second = TopicPartition(topic, 0), TopicPartition(topic, 1)
    consumer = kafka.consumer(settings.kafka_bootstrap, None, fetch_max_wait_ms=WAIT_MS)
    producer = kafka.producer(settings.kafka_bootstrap)
    await consumer.start()
    await producer.start()
    try:
        consumer.assign([first, second])
        await consumer.seek_to_end(first, second)

        async def send(value: bytes) -> None:
            await (await producer.send(topic, value, partition=first.partition))

        await send(b"1")
        await _take(consumer, b"1")
        await send(b"2")
        await asyncio.sleep(1.0)  # busy elsewhere: "2" is fetched meanwhile, not yet taken
        await _take(consumer, b"2")
        await send(b"3")
        taken = await _take(consumer, b"3")
    finally:
        await producer.stop()
        await consumer.stop()
    if held:
        assert taken < WAIT_MS / 2000, taken  # fetched as soon as it was committed
    else:
        # aiokafka's own backoff: a fetch of the second partition alone went out while "2"
        # waited, and "3" waited for it to end
        assert taken > WAIT_MS / 2000, taken
