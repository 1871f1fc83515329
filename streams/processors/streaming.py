"""Handling a stateless processor's messages side by side, each committed as soon as it is done.

The transactional runtime (:mod:`streams.processors.runtime`) commits a batch's outcomes with
its offsets once every message of the batch is handled: one slow message (a workbook that
takes the whole parse limit) holds up every message behind it, every tenant's. Here each
message is handled as it arrives, and its outcome goes out in a transaction of its own when it
is ready (see :mod:`streams.processors.outbox`), the partition's offset committed up to the
first message still being handled.

A message answered out of order (a later one done while an earlier one is still handled)
is past the committed offset only once the earlier one is done, so after a crash it would be
handled again. Its answer is in the log, though, in its own partition (a handler's answers are
keyed as its inputs): a partition newly assigned is first read to its end, and an input whose
answer is there (``answers``/``asks`` of the handler name the key) is not handled again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from typing import Protocol, TypeAlias

from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from infra.faults import is_outage
from infra.settings import Settings
from streams.catalogue import upcast
from streams.envelope import Envelope
from streams.events import ProcessingFailed
from streams.processors.members import CatchingUpMember
from streams.processors.outbox import Outbox
from streams.processors.runs import Partition
from streams.processors.runtime import Handler, outcome
from streams.subscription import Subscription

Message: TypeAlias = ConsumerRecord[bytes, bytes]


class Answering(Handler, Protocol):
    """A stateless handler whose outputs name the inputs they answer."""

    def asks(self, event: Envelope) -> str | None:
        """The key of an input event that needs an answer, None for any other event."""

    def answers(self, event: Envelope) -> str | None:
        """The key of the input an output event answers, None for any other event."""

    def refused(self, event: Envelope, reason: str) -> Envelope:
        """The answer to an input its handling failed on and parked: the input is not left
        waiting for one."""


class StreamingMember(CatchingUpMember):
    """One member of the handler's consumer group, handling each message as it comes."""

    def __init__(self, settings: Settings, handler: Answering) -> None:
        super().__init__()
        self.handler = handler
        self.subscription = Subscription(settings, handler.name,
                                         (*handler.topics, "deadletters"), self)
        self.outbox = Outbox(settings, self.subscription.group, self._commit_point,
                             commit_alone=self.subscription.commit)
        self.partitions: dict[TopicPartition, Partition] = {}
        self.pending: dict[TopicPartition, dict[int, asyncio.Task[None]]] = {}
        self._held: dict[TopicPartition, list[Message]] = {}  # read while catching up

    def _opened(self, tp: TopicPartition) -> None:
        self.pending[tp], self._held[tp] = {}, []

    async def revoked(self, partitions: list[TopicPartition]) -> None:
        # first: a transaction under way then commits no offset for these partitions
        for tp in partitions:
            self.partitions.pop(tp, None)
            self._held.pop(tp, None)
        leaving = [task for tp in partitions for task in self.pending.pop(tp, {}).values()]
        for task in leaving:
            task.cancel()
        await asyncio.gather(*leaving, return_exceptions=True)
        await self.outbox.close(partitions)  # nothing is sent for a partition that moved

    def _commit_point(self, tp: TopicPartition, ending: Collection[str]) -> int | None:
        """Never past a message still being handled, unless this transaction carries its
        outcome (``ending``: the offsets, as text, of the messages it answers)."""
        state = self.partitions.get(tp)
        if state is None or state.last_seen is None or state.catching_up:
            return None
        waiting = [at for at in self.pending.get(tp, {}) if str(at) not in ending]
        return min(waiting) if waiting else state.last_seen + 1

    async def _take(self, tp: TopicPartition, messages: Sequence[Message]) -> None:
        state = self.partitions[tp]
        for message in messages:
            state.last_seen = message.offset
            if state.catching_up:
                self._held[tp].append(message)
            else:
                self._start(tp, message, set())
        await self._catch_up(tp)
        if not state.catching_up:  # what needed nothing moves the committed offset on
            await self.outbox.emit(tp, [], commit=True)

    async def _catch_up(self, tp: TopicPartition) -> None:
        """End ``tp``'s catch-up once the log was read to where it ended at the assignment:
        the inputs read meanwhile are handled, but those whose answer was read too."""
        state = self.partitions.get(tp)
        if state is None or not state.catching_up:
            return
        if await self.subscription.consumer.position(tp) >= state.end:
            state.catching_up = False
            held, self._held[tp] = self._held[tp], []
            answered = {key for key in map(self._answer, held) if key is not None}
            for message in held:
                self._start(tp, message, answered)

    def _answer(self, message: Message) -> str | None:
        event = _event(message)
        return None if event is None else self.handler.answers(event)

    def _start(self, tp: TopicPartition, message: Message, answered: set[str]) -> None:
        """Handle ``message`` in a task of its own, unless it is an answer or an input
        answered already."""
        event = _event(message)
        if event is not None and (self.handler.answers(event) is not None
                                  or self.handler.asks(event) in answered):
            return
        self.pending[tp][message.offset] = asyncio.create_task(
            self._handled(tp, message, event))

    async def _handled(self, tp: TopicPartition, message: Message,
                       asked: Envelope | None) -> None:
        name = self.handler.name
        try:
            events = await outcome(lambda _topic, _partition: self.handler, name, tp.topic,
                                   tp.partition, message.offset, message.value, (),
                                   message.headers)
            parked = [e for e in events if e.type == ProcessingFailed.type]
            if parked and asked is not None and self.handler.asks(asked) is not None:
                events.append(self.handler.refused(asked, parked[0].body(ProcessingFailed).error))
            await self.outbox.emit(tp, events, commit=True, ends=str(message.offset))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - an outage: the member stops, and restarts
            self._stop_for(exc)
        finally:
            self.pending.get(tp, {}).pop(message.offset, None)


def _event(message: Message) -> Envelope | None:
    """The message's event, None when it cannot be read (``outcome`` parks it)."""
    try:
        return upcast(Envelope.from_json(message.value))
    except Exception as exc:  # noqa: BLE001 - any unreadable message is parked by its handling
        if is_outage(exc):
            raise
        return None


async def run_streaming(settings: Settings, handler: Answering, stop: asyncio.Event) -> None:
    """Consume the handler's topics as a member of its group, each message's outcome in a
    transaction of its own (see the module's docstring)."""
    await StreamingMember(settings, handler).run(stop)
