"""Tamper evidence on real Kafka and PostgreSQL: the projector links every message into its
partition's hash chain and checkpoints the heads; `audit verify` passes on the log, passes on a
faithful copy of it, and names the altered message in a copy where one event was changed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiokafka import AIOKafkaProducer

from app.ops.auditing import verify_log
from infra import postgres
from infra.settings import Settings
from projections.audit import check_partition
from projections.event_log import GENESIS, link
from projections.postgres import PostgresProjector
from streams.catalogue import TOPICS
from streams.envelope import Envelope
from streams.log import EventLog, ensure_topics
from tests.conftest import removed_after
from tests.integration.helpers import raw_messages
from tests.integration.test_postgres_projection import story


async def copy_log(settings: Settings, prefix: str,
                   alter: Callable[[str, int, int, bytes], bytes]) -> None:
    """Every message of the log into the same partitions of topics under ``prefix``."""
    copy = removed_after(settings.model_copy(update={"topic_prefix": prefix}))
    await ensure_topics(copy)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
    await producer.start()
    try:
        for topic in TOPICS:
            for partition, _offset, value in await raw_messages(settings, topic):
                await producer.send_and_wait(copy.topic(topic), alter(topic, partition, _offset,
                                                                      value),
                                             partition=partition)
    finally:
        await producer.stop()


async def test_verify_passes_on_the_log_and_finds_an_altered_event_in_a_copy(
        settings: Settings) -> None:
    await ensure_topics(settings)
    log = EventLog(settings)
    await log.append(story("acme"))
    await log.close()
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    await PostgresProjector(settings, pool).run(asyncio.Event(), until_end=True)

    live = await verify_log(settings)
    assert live["ok"] and live["first_break"] is None
    assert live["events"] == len(story("x")) and live["checkpoints"] > 0

    faithful = f"{settings.topic_prefix}c"
    await copy_log(settings, faithful, lambda t, p, o, value: value)
    assert (await verify_log(settings, log_prefix=faithful))["ok"]

    completed = await pool.fetchrow(
        "SELECT topic, partition, kafka_offset, position, event_id FROM event_log"
        " WHERE type='simulation.completed'")

    def alter(topic: str, partition: int, offset: int, value: bytes) -> bytes:
        if (topic, partition, offset) == (completed["topic"], completed["partition"],
                                          completed["kafka_offset"]):
            assert b'"mean":1.5' in value
            return value.replace(b'"mean":1.5', b'"mean":9.5')
        return value

    tampered = f"{settings.topic_prefix}x"
    await copy_log(settings, tampered, alter)
    report = await verify_log(settings, log_prefix=tampered)
    assert not report["ok"]
    first = report["first_break"]
    assert (first["topic"], first["partition"], first["position"], first["event_id"]) == (
        "simulations", completed["partition"], completed["position"], completed["event_id"])
    assert "differs" in first["detail"]
    tenant_only = await verify_log(settings, tenant_id="acme", log_prefix=tampered)
    assert not tenant_only["ok"] and tenant_only["partitions"] < live["partitions"]
    await pool.close()
    await postgres.drop_schema(settings.postgres_dsn, settings.projection_schema)


def test_checkpoints_alone_bound_the_break_and_catch_removed_messages() -> None:
    values = [Envelope("x.y", "t", "k", {"n": n}).to_json() for n in range(5)]
    heads, head = {}, GENESIS
    for position, value in enumerate(values, start=1):
        head = link(head, value)
        heads[position] = head
    marks = {2: heads[2], 4: heads[4], 5: heads[5]}
    messages = list(enumerate(values))
    assert check_partition("t", 0, messages, {}, marks) is None
    altered = messages[:2] + [(2, values[2].replace(b'"n":2', b'"n":7'))] + messages[3:]
    found = check_partition("t", 0, altered, {}, marks)
    assert found is not None and found.position == 3 and "positions 3–4" in found.detail
    truncated = check_partition("t", 0, messages[:3], heads, marks)
    assert truncated is not None and "removed" in truncated.detail
