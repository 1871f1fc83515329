"""Shared transactions: what a processor emits waits for its partition's next Kafka transaction.

Effects inside Kafka go through one transactional producer per input partition (see
``streams.subscription``). Whatever is emitted while a transaction is open waits for the next
one of its partition and shares it, in the order it came, so a hundred small runs ending
together cost a few transactions, not a hundred; the partitions with emits waiting have their
transactions side by side. A transaction carries its partition's commit point when any emit in
it asks for one: the owner says how far the group may commit, given the ends the transaction
carries (an end in the same transaction as the offset past its start is committed with it).
A commit alone is no transaction: it has nothing to keep atomic with the offsets, so the
member commits them itself (``Subscription.commit``), and not at all when they would not move
the point; it waits, when the owner asks, until its partition has been quiet a while
(``settle``), for the next transaction carries it anyway. The owner may ask the outbox to linger
before each transaction, for more to share it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass

from aiokafka import TopicPartition

from infra import tracing
from infra.settings import Settings
from streams.envelope import Envelope
from streams.log import record
from streams.subscription import PartitionProducers

CommitPoint = Callable[[TopicPartition, Collection[str]], int | None]
"""``(partition, ends)``: the offset the group may commit for ``partition`` once the ends of
the aggregates ``ends`` are in the log, or None to commit nothing."""
CommitAlone = Callable[[dict[TopicPartition, int]], Awaitable[bool]]
"""Commits offsets outside any transaction, as the group's member (``Subscription.commit``):
False when the group refused them."""


@dataclass
class Outgoing:
    """Events waiting for the next transaction of their partition's producer; ``ends``: the
    aggregate whose end they carry, which the transaction's commit point may pass."""

    events: list[Envelope]
    commit: bool
    sent: asyncio.Future[None]
    ends: str | None = None


class Outbox:
    """The transactions of one group member's partitions, shared by whatever it emits;
    ``linger()``: seconds to wait before the next transaction (0: at once)."""

    def __init__(self, settings: Settings, group: str, commit_point: CommitPoint,
                 linger: Callable[[], float] = lambda: 0.0, quiet_s: float = 0.0, *,
                 commit_alone: CommitAlone) -> None:
        """``quiet_s``: a commit alone waits until its partition has sent no transaction for
        this long, and goes with ``settle``; meanwhile the next transaction of events takes
        the commit point with it (0: a commit alone goes at once)."""
        self.settings = settings
        self.commit_alone = commit_alone
        self.linger = linger
        self.quiet_s = quiet_s
        self.last_sent: dict[TopicPartition, float] = {}  # monotonic time, per partition
        self.deferred: set[TopicPartition] = set()  # commits alone waiting for quiet
        self.group = group
        self.commit_point = commit_point
        self.producers = PartitionProducers(settings, group)
        self.waiting: dict[TopicPartition, list[Outgoing]] = {}
        self.committed: dict[TopicPartition, int] = {}  # the last commit point sent, per partition
        self._tx = asyncio.Lock()
        self._flusher: asyncio.Task[None] | None = None

    async def open(self, partitions: Sequence[TopicPartition]) -> None:
        await self.producers.open(partitions)

    async def close(self, partitions: Sequence[TopicPartition]) -> None:
        """Once the transaction under way is done: nothing more is sent for ``partitions`` (they
        moved to another member; their emitters return) and their producers are closed."""
        async with self._tx:
            for tp in partitions:
                for waiting in self.waiting.pop(tp, []):
                    if not waiting.sent.done():
                        waiting.sent.set_result(None)
            for tp in partitions:
                self.committed.pop(tp, None)
                self.last_sent.pop(tp, None)
                self.deferred.discard(tp)
            await self.producers.close(partitions)

    async def emit(self, tp: TopicPartition, events: list[Envelope], commit: bool = False,
                   ends: str | None = None) -> None:
        """Send ``events`` in a transaction of ``tp``'s producer, with ``tp``'s commit point
        when ``commit``; nothing once ``tp`` has moved to another member. ``ends``: the
        aggregate whose end ``events`` are, which the commit point may pass once they are sent.
        A commit alone is no transaction, and nothing when it would not move the point."""
        if not events and (not commit or self._unmoved(tp, self.commit_point(tp, ()))):
            return
        if not events and self._busy(tp):
            self.deferred.add(tp)
            return
        tracing.stamp([e.id for e in events])  # sent by the flusher, in the emitter's trace
        sent = asyncio.get_running_loop().create_future()
        self.waiting.setdefault(tp, []).append(Outgoing(events, commit, sent, ends))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        # an emitter cancelled (its partition moved) leaves the shared transaction alone
        await asyncio.shield(sent)

    async def _flush(self) -> None:
        """Until nothing waits: one transaction per partition with emits waiting, side by side;
        each emitter gets its transaction's outcome."""
        while self.waiting:
            delay = self.linger()
            if delay > 0:
                await asyncio.sleep(delay)
            async with self._tx:
                outbox, self.waiting = self.waiting, {}
                flushed = await asyncio.gather(
                    *(self._transaction(tp, waiting) for tp, waiting in outbox.items()),
                    return_exceptions=True)
            for waiting, result in zip(outbox.values(), flushed, strict=True):
                for each in waiting:
                    if each.sent.done():
                        continue
                    if isinstance(result, BaseException):
                        each.sent.set_exception(result)
                    else:
                        each.sent.set_result(None)

    async def settle(self) -> None:
        """Send the commits alone that waited for their partition to be quiet, once it is."""
        for tp in [tp for tp in self.deferred if not self._busy(tp)]:
            self.deferred.discard(tp)
            await self.emit(tp, [], commit=True)

    def _busy(self, tp: TopicPartition) -> bool:
        """Whether ``tp`` sent a transaction less than ``quiet_s`` ago: a commit alone waits,
        for in a burst the next transaction carries it anyway (a commit alone is a request
        to the broker, and the emitter waits for it)."""
        return time.monotonic() - self.last_sent.get(tp, -self.quiet_s) < self.quiet_s

    def _unmoved(self, tp: TopicPartition, point: int | None) -> bool:
        """Whether ``point`` would commit nothing new for ``tp``."""
        return point is None or point == self.committed.get(tp)

    async def _transaction(self, tp: TopicPartition, waiting: list[Outgoing]) -> None:
        producer = self.producers.producers.get(tp)
        if producer is None:
            return
        events = [event for each in waiting for event in each.events]
        ending = {each.ends for each in waiting if each.ends is not None}
        commit = tp in self.deferred or any(each.commit for each in waiting)
        point = self.commit_point(tp, ending) if commit else None
        if not events:
            if point is not None and not self._unmoved(tp, point):
                if await self.commit_alone({tp: point}):
                    self.committed[tp] = point
                self.deferred.discard(tp)
            return
        async with producer.transaction():
            delivered = []
            for event in events:
                topic, key, value = record(self.settings, event)
                delivered.append(await producer.send(topic, value=value, key=key,
                                                     headers=tracing.headers(event.id)))
            # a record the broker refuses aborts the transaction, offsets and all
            await asyncio.gather(*delivered)
            if point is not None:
                await producer.send_offsets_to_transaction({tp: point}, self.group)
        self.last_sent[tp] = time.monotonic()
        if point is not None:
            self.committed[tp] = point
            self.deferred.discard(tp)
