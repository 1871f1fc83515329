"""``riskstream status`` counts a group's lag in records: a transaction's commit marker takes an
offset of its own, and a group that read everything is 0 behind, not 1."""

from __future__ import annotations

from aiokafka import TopicPartition

from app.ops.status import consumer_lag
from infra import kafka
from infra.settings import Settings
from streams.log import ensure_topics


async def _commit(settings: Settings, group: str, tp: TopicPartition, offset: int) -> None:
    consumer = kafka.consumer(settings.kafka_bootstrap, settings.topic(group))
    await consumer.start()
    try:
        consumer.assign([tp])
        await consumer.commit({tp: offset})
    finally:
        await consumer.stop()


async def test_a_group_that_read_a_transaction_whole_is_not_behind(settings: Settings) -> None:
    await ensure_topics(settings)
    tp = TopicPartition(settings.topic("tenants"), 0)
    producer = kafka.producer(settings.kafka_bootstrap, transactional_id=f"{tp.topic}-lag-test")
    await producer.start()
    try:
        async with producer.transaction():
            for n in range(3):
                await producer.send(tp.topic, value=b"{}", key=f"k{n}".encode(), partition=0)
    finally:
        await producer.stop()
    # records at offsets 0-2, the commit marker at 3: the log ends at 4
    await _commit(settings, "all-read", tp, 3)
    await _commit(settings, "one-read", tp, 1)
    lag = await consumer_lag(settings)
    where = f"{tp.topic}/0"
    assert lag["all-read"][where] == 0
    assert lag["one-read"][where] == 2
