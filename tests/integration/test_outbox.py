"""The runner's shared transactions on the real broker: a commit alone that would not move the
partition's committed offset costs no transaction, one that would can wait for its partition
to be quiet, and what is emitted while the outbox lingers shares one transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiokafka import TopicPartition

from infra import kafka
from infra.settings import Settings
from streams.catalogue import new_event
from streams.events import SimulationRequested
from streams.log import ensure_topics
from streams.processors.outbox import Outbox
from tests.integration.helpers import body, events_of

GROUP = "outbox-test"


async def _outbox(settings: Settings, point: list[int | None],
                  linger: Callable[[], float] = lambda: 0.0, quiet_s: float = 0.0
                  ) -> tuple[Outbox, TopicPartition, list[int]]:
    """An outbox on the tenants topic's first partition whose commit point is ``point[0]``,
    and a list that counts the transactions its producer begins."""
    await ensure_topics(settings)
    tp = TopicPartition(settings.topic("tenants"), 0)
    outbox = Outbox(settings, GROUP, lambda _tp, _ends: point[0], linger, quiet_s)
    await outbox.open([tp])
    producer = outbox.producers[tp]
    begun: list[int] = []
    transaction = producer.transaction

    def counted() -> Any:
        begun.append(1)
        return transaction()

    producer.transaction = counted  # type: ignore[method-assign]
    return outbox, tp, begun


async def _committed(settings: Settings, tp: TopicPartition) -> int | None:
    consumer = kafka.consumer(settings.kafka_bootstrap, GROUP)
    await consumer.start()
    try:
        return await consumer.committed(tp)
    finally:
        await consumer.stop()


def _requested(n: int) -> Any:
    return new_event("simulation.requested", "tenant-1", "tenant-1", body(
        SimulationRequested, simulation_id=f"sim-{n}", iterations=10))


async def test_a_commit_that_moves_nothing_is_no_transaction(settings: Settings) -> None:
    point: list[int | None] = [None]
    outbox, tp, begun = await _outbox(settings, point)
    try:
        await outbox.emit(tp, [], commit=True)  # nothing may be committed yet
        assert begun == []
        point[0] = 3
        await outbox.emit(tp, [], commit=True)
        assert len(begun) == 1 and await _committed(settings, tp) == 3
        await outbox.emit(tp, [], commit=True)  # the same point again: nothing to send
        assert len(begun) == 1
        await outbox.emit(tp, [_requested(1)], commit=True)  # events go, whatever the point
        assert len(begun) == 2
        point[0] = 5
        await outbox.emit(tp, [], commit=True)
        assert len(begun) == 3 and await _committed(settings, tp) == 5
    finally:
        await outbox.close([tp])
    assert [e.data["simulation_id"] for e in await events_of(settings, "tenants")] == ["sim-1"]


async def test_a_commit_alone_waits_for_its_partition_to_be_quiet(settings: Settings) -> None:
    point: list[int | None] = [None]
    outbox, tp, begun = await _outbox(settings, point, quiet_s=0.5)
    try:
        await outbox.emit(tp, [_requested(1)])
        point[0] = 1
        await outbox.emit(tp, [], commit=True)  # a transaction went a moment ago: it waits
        await outbox.settle()
        assert len(begun) == 1 and await _committed(settings, tp) is None
        await outbox.emit(tp, [_requested(2)])  # the next transaction takes the point along
        assert len(begun) == 2 and await _committed(settings, tp) == 1
        point[0] = 3
        await outbox.emit(tp, [], commit=True)
        await outbox.settle()
        assert len(begun) == 2 and await _committed(settings, tp) == 1
        await asyncio.sleep(0.6)
        await outbox.settle()  # quiet long enough: the commit goes alone
        assert len(begun) == 3 and await _committed(settings, tp) == 3
        await outbox.settle()  # and once
        assert len(begun) == 3
    finally:
        await outbox.close([tp])


async def test_emits_made_while_the_outbox_lingers_share_one_transaction(settings: Settings
                                                                         ) -> None:
    outbox, tp, begun = await _outbox(settings, [None], linger=lambda: 0.2)
    try:
        await asyncio.gather(*(outbox.emit(tp, [_requested(n)]) for n in range(5)))
    finally:
        await outbox.close([tp])
    assert len(begun) == 1
    sent = [e.data["simulation_id"] for e in await events_of(settings, "tenants")]
    assert sent == [f"sim-{n}" for n in range(5)]  # in the order they were emitted


async def test_a_record_the_broker_refuses_aborts_the_transaction_offsets_and_all(
        settings: Settings) -> None:
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    point: list[int | None] = [7]
    outbox, tp, _ = await _outbox(settings, point)
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:  # this topic now takes records of at most 2,000 bytes
        await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, tp.topic,
                                                  configs={"max.message.bytes": "2000"})])
    finally:
        await admin.close()
    await asyncio.sleep(1.0)  # the broker applies a topic's new config asynchronously
    large = new_event("simulation.requested", "tenant-1", "tenant-1", body(
        SimulationRequested, simulation_id="sim-large", iterations=10,
        outputs=[f"Model!B{i}" for i in range(1, 600)]))
    try:
        failed: BaseException | None = None
        try:
            await outbox.emit(tp, [_requested(1), large], commit=True)
        except Exception as exc:  # noqa: BLE001 - the broker's refusal, whichever class
            failed = exc
        assert failed is not None, "the refused record's transaction committed"
        assert await _committed(settings, tp) is None  # the offset went with it
        assert [e for e in await events_of(settings, "tenants")
                if e.type == "simulation.requested"] == []  # and the record beside it
    finally:
        await outbox.close([tp])
