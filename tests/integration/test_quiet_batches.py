"""A transactional processor on the real broker: a batch that emits nothing has nothing to keep
atomic with its offsets, so they go with the partition's next transaction, alone once they
have waited ``COMMIT_EVERY_S``, and on stopping; nothing is handled twice while it runs."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from aiokafka import TopicPartition

from infra import kafka
from infra.settings import Settings
from streams.catalogue import new_event
from streams.envelope import Envelope
from streams.events import SimulationRequested
from streams.log import EventLog, ensure_topics
from streams.processors import runtime
from tests.integration.helpers import body, raw_messages, wait_for

TENANT = "tenant-quiet"


class Quiet:
    """Emits a request for a tenant named "loud", nothing for anything else."""

    name = "quiet-batches"
    topics = ("tenants",)
    state_topics: tuple[str, ...] = ()

    def __init__(self, handled: Counter[str]) -> None:
        self.handled = handled

    def fold(self, event: Envelope) -> None:
        pass

    async def handle(self, event: Envelope) -> list[Envelope]:
        self.handled[event.id] += 1
        if event.type == "tenant.created" and event.data["name"] == "loud":
            return [new_event("simulation.requested", TENANT, TENANT, body(
                SimulationRequested, simulation_id=event.id, iterations=10))]
        return []


def _created(name: str) -> Envelope:
    return new_event("tenant.created", TENANT, TENANT, {"name": name, "plan": "free"})


async def _committed(settings: Settings, tp: TopicPartition) -> int:
    consumer = kafka.consumer(settings.kafka_bootstrap, f"{settings.topic_prefix}.{Quiet.name}")
    await consumer.start()
    try:
        return await consumer.committed(tp) or 0
    finally:
        await consumer.stop()


async def _partition_of_the_tenant(settings: Settings) -> TopicPartition:
    """The one partition of ``tenants`` that holds anything: all its events are the tenant's."""
    (partition,) = {p for p, _, _ in await raw_messages(settings, "tenants")}
    return TopicPartition(settings.topic("tenants"), partition)


async def _end(settings: Settings, tp: TopicPartition) -> int:
    consumer = kafka.consumer(settings.kafka_bootstrap, None)
    await consumer.start()
    try:
        return (await consumer.end_offsets([tp]))[tp]
    finally:
        await consumer.stop()


async def test_quiet_batches_share_a_transaction_and_are_committed(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    await ensure_topics(settings)
    log = EventLog(settings)
    await log.append([_created("first"), _created("second")])
    tp = await _partition_of_the_tenant(settings)
    transactions: list[int] = []
    real = runtime.TransactionalMember.transaction

    async def counted(self: Any, *args: Any) -> None:
        transactions.append(1)
        await real(self, *args)

    monkeypatch.setattr(runtime.TransactionalMember, "transaction", counted)
    handled: Counter[str] = Counter()
    stop = asyncio.Event()
    running = asyncio.create_task(runtime.run_transactional(settings, lambda: Quiet(handled),
                                                            stop))
    try:
        await wait_for(lambda: _settled(handled, 2))
        for n in range(10):  # ten polls' worth of events that emit nothing
            await log.append([_created(f"quiet-{n}")])
            await asyncio.sleep(0.05)
        await wait_for(lambda: _settled(handled, 12))
        end = await _end(settings, tp)
        # committed once the offsets have waited COMMIT_EVERY_S, in a transaction or two
        await wait_for(lambda: _at(settings, tp, end), timeout_s=runtime.COMMIT_EVERY_S + 10)
        assert len(transactions) <= 2, transactions
        loud = _created("loud")
        await log.append([loud])  # emits: its own transaction, at once
        await wait_for(lambda: _at(settings, tp, end + 1), timeout_s=5)
        assert len(transactions) <= 3, transactions
        for n in range(3):
            await log.append([_created(f"last-{n}")])
        await wait_for(lambda: _settled(handled, 17))  # 13 + the request + 3
    finally:
        stop.set()
        await running
    # stopping commits what waited: a restart handles none of it again
    assert await _committed(settings, tp) == await _end(settings, tp)
    assert set(handled.values()) == {1}


async def _settled(handled: Counter[str], count: int) -> bool:
    return len(handled) >= count


async def _at(settings: Settings, tp: TopicPartition, offset: int) -> bool:
    return await _committed(settings, tp) >= offset
