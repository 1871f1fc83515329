"""A consumer-group member that reads each partition it is given to the log's end before it acts,
then acts on what comes, and stops for its supervisor when what it acted on cannot be sent.

The simulation runner and the streaming processors (see :mod:`streams.processors.streaming`)
both keep, per partition, where the log ended when it was assigned (``runs.Partition``): what
lies before that end is read first, so that work already answered there is not done again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from streams.processors.outbox import Outbox
from streams.processors.runs import Partition
from streams.subscription import Subscription

log = logging.getLogger(__name__)


class CatchingUpMember:
    """The loop; a subclass says what it does with a partition's messages (``_take``), when its
    catch-up ends (``_catch_up``) and what it drops when a partition moves (``revoked``)."""

    subscription: Subscription
    outbox: Outbox
    partitions: dict[TopicPartition, Partition]

    def __init__(self) -> None:
        self._halt = asyncio.Event()
        self._fault: BaseException | None = None

    async def assigned(self, partitions: list[TopicPartition]) -> None:
        """Open the partitions' producers; each catches up first when the group's committed
        offset is short of where the log ends now."""
        await self.outbox.open(partitions)
        consumer = self.subscription.consumer
        ends = await consumer.end_offsets(partitions)
        for tp in partitions:
            committed = await consumer.committed(tp) or 0
            self.partitions[tp] = Partition(ends[tp], committed < ends[tp])
            self._opened(tp)

    def _opened(self, tp: TopicPartition) -> None:
        """What a subclass keeps for a partition newly assigned."""

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop``; raises what stopped the member's output from being sent (an outage),
        for the supervisor to restart it, which does again what was not committed."""
        self._halt.clear()
        stopping = asyncio.create_task(stop.wait())
        stopping.add_done_callback(lambda _: self._halt.set())
        try:
            # idle: a catch-up can end on a poll that brings no message (see ``_catch_up``)
            async for batch in self.subscription.batches(self._halt, idle=True):
                for tp, messages in batch.items():
                    await self._take(tp, messages)
                for tp in [tp for tp, state in self.partitions.items()
                           if state.catching_up and tp not in batch]:
                    await self._catch_up(tp)
                await self.outbox.settle()
        finally:
            stopping.cancel()
            await self.revoked(list(self.partitions))
        if self._fault is not None:
            raise self._fault

    def _stop_for(self, exc: BaseException) -> None:
        """Stop because output could not be sent: nothing more is committed, and the member
        restarted does again what was not."""
        log.error("%s stops: its output could not be sent: %r", self.subscription.group, exc)
        if self._fault is None:
            self._fault = exc
        self._halt.set()

    async def _take(self, tp: TopicPartition,
                    messages: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        raise NotImplementedError

    async def _catch_up(self, tp: TopicPartition) -> None:
        raise NotImplementedError

    async def revoked(self, partitions: list[TopicPartition]) -> None:
        raise NotImplementedError
