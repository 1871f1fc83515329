"""The runner's shared transactions on the real broker: a commit alone is no transaction (the
group's member commits it, and nothing when it would not move the partition's committed
offset) and can wait for its partition to be quiet, and what is emitted while the outbox
lingers shares one transaction."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiokafka import TopicPartition

from infra import kafka
from infra.settings import Settings
from streams.catalogue import new_event
from streams.events import SimulationRequested
from streams.log import ensure_topics
from streams.processors.outbox import Outbox
from streams.subscription import Subscription
from tests.integration.helpers import body, events_of, wait_for

GROUP = "outbox-test"


@contextlib.asynccontextmanager
async def _outbox(settings: Settings, point: list[int | None],
                  linger: Callable[[], float] = lambda: 0.0, quiet_s: float = 0.0
                  ) -> AsyncIterator[tuple[Outbox, TopicPartition, list[int],
                                           list[dict[TopicPartition, int]]]]:
    """An outbox on the tenants topic's first partition whose commit point is ``point[0]``,
    its commits alone made by a member of the group that owns the partition, a list that
    counts the transactions its producer begins, and the offsets it committed alone."""
    await ensure_topics(settings)
    tp = TopicPartition(settings.topic("tenants"), 0)
    member = Subscription(settings, GROUP, ("tenants",))
    stop = asyncio.Event()

    async def membership() -> None:
        async for _ in member.batches(stop):
            pass

    alone: list[dict[TopicPartition, int]] = []

    async def commit_alone(offsets: dict[TopicPartition, int]) -> bool:
        alone.append(offsets)
        return await member.commit(offsets)

    running = asyncio.create_task(membership())
    outbox = Outbox(settings, member.group, lambda _tp, _ends: point[0], linger, quiet_s,
                    commit_alone=commit_alone)
    try:
        await wait_for(lambda: _owns(member, tp))
        await outbox.open([tp])
        producer = outbox.producers[tp]
        begun: list[int] = []
        transaction = producer.transaction

        def counted() -> Any:
            begun.append(1)
            return transaction()

        producer.transaction = counted  # type: ignore[method-assign]
        yield outbox, tp, begun, alone
    finally:
        await outbox.close([tp])
        stop.set()
        await running


async def _owns(member: Subscription, tp: TopicPartition) -> bool:
    return tp in member.consumer.assignment()


async def _committed(settings: Settings, tp: TopicPartition) -> int | None:
    consumer = kafka.consumer(settings.kafka_bootstrap, f"{settings.topic_prefix}.{GROUP}")
    await consumer.start()
    try:
        return await consumer.committed(tp)
    finally:
        await consumer.stop()


def _requested(n: int) -> Any:
    return new_event("simulation.requested", "tenant-1", "tenant-1", body(
        SimulationRequested, simulation_id=f"sim-{n}", iterations=10))


async def test_a_commit_alone_is_no_transaction_and_nothing_when_it_moves_nothing(
        settings: Settings) -> None:
    point: list[int | None] = [None]
    async with _outbox(settings, point) as (outbox, tp, begun, alone):
        await outbox.emit(tp, [], commit=True)  # nothing may be committed yet
        assert alone == [] and await _committed(settings, tp) is None
        point[0] = 3
        await outbox.emit(tp, [], commit=True)  # committed by the member itself
        assert begun == [] and alone == [{tp: 3}] and await _committed(settings, tp) == 3
        await outbox.emit(tp, [], commit=True)  # the same point again: nothing to send
        assert alone == [{tp: 3}]
        await outbox.emit(tp, [_requested(1)], commit=True)  # events go in a transaction
        assert len(begun) == 1
        point[0] = 5
        await outbox.emit(tp, [], commit=True)
        assert len(begun) == 1 and await _committed(settings, tp) == 5
        assert alone == [{tp: 3}, {tp: 5}]
    assert [e.data["simulation_id"] for e in await events_of(settings, "tenants")] == ["sim-1"]


async def test_a_commit_alone_waits_for_its_partition_to_be_quiet(settings: Settings) -> None:
    point: list[int | None] = [None]
    async with _outbox(settings, point, quiet_s=0.5) as (outbox, tp, begun, alone):
        await outbox.emit(tp, [_requested(1)])
        point[0] = 1
        await outbox.emit(tp, [], commit=True)  # a transaction went a moment ago: it waits
        await outbox.settle()
        assert len(begun) == 1 and alone == [] and await _committed(settings, tp) is None
        await outbox.emit(tp, [_requested(2)])  # the next transaction takes the point along
        assert len(begun) == 2 and await _committed(settings, tp) == 1
        point[0] = 3
        await outbox.emit(tp, [], commit=True)
        await outbox.settle()
        assert len(begun) == 2 and alone == [] and await _committed(settings, tp) == 1
        await asyncio.sleep(0.6)
        await outbox.settle()  # quiet long enough: the commit goes alone, no transaction
        assert len(begun) == 2 and alone == [{tp: 3}] and await _committed(settings, tp) == 3
        await outbox.settle()  # and once
        assert alone == [{tp: 3}]


async def test_a_commit_alone_the_group_refuses_is_left_to_the_next_owner(
        settings: Settings) -> None:
    point: list[int | None] = [2]
    async with _outbox(settings, point) as (outbox, tp, _begun, _alone):
        refused: list[dict[TopicPartition, int]] = []

        async def fenced(offsets: dict[TopicPartition, int]) -> bool:
            refused.append(offsets)
            return False  # as Subscription.commit answers once the group moved on

        outbox.commit_alone = fenced
        await outbox.emit(tp, [], commit=True)
        assert refused == [{tp: 2}] and await _committed(settings, tp) is None
        await outbox.emit(tp, [], commit=True)  # not taken as committed: tried again
        assert len(refused) == 2


async def test_emits_made_while_the_outbox_lingers_share_one_transaction(settings: Settings
                                                                         ) -> None:
    async with _outbox(settings, [None], linger=lambda: 0.2) as (outbox, tp, begun, _alone):
        await asyncio.gather(*(outbox.emit(tp, [_requested(n)]) for n in range(5)))
    assert len(begun) == 1
    sent = [e.data["simulation_id"] for e in await events_of(settings, "tenants")]
    assert sent == [f"sim-{n}" for n in range(5)]  # in the order they were emitted


async def test_a_record_the_broker_refuses_aborts_the_transaction_offsets_and_all(
        settings: Settings) -> None:
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    point: list[int | None] = [7]
    async with _outbox(settings, point) as (outbox, tp, _, _alone):
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
        failed: BaseException | None = None
        try:
            await outbox.emit(tp, [_requested(1), large], commit=True)
        except Exception as exc:  # noqa: BLE001 - the broker's refusal, whichever class
            failed = exc
        assert failed is not None, "the refused record's transaction committed"
        assert await _committed(settings, tp) is None  # the offset went with it
        assert [e for e in await events_of(settings, "tenants")
                if e.type == "simulation.requested"] == []  # and the record beside it
