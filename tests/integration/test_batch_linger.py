"""A lingering member (the projections readers see) on real Kafka: a record that comes at rest
is taken at once; records that keep coming are taken together, a batch per linger."""

from __future__ import annotations

import asyncio
import time

from infra.settings import Settings
from streams.catalogue import new_event
from streams.envelope import Envelope
from streams.events.examples import EXAMPLES
from streams.log import EventLog, ensure_topics
from streams.subscription import Subscription

LINGER_MS = 1500


def accepted(n: int) -> Envelope:
    return new_event("simulation.accepted", "acme", f"s{n}", EXAMPLES["simulation.accepted"])


async def test_a_record_at_rest_is_taken_at_once_and_a_stream_of_them_in_few_batches(
        settings: Settings) -> None:
    await ensure_topics(settings)
    lingering = settings.model_copy(update={"batch_linger_ms": LINGER_MS})
    member = Subscription(lingering, "lingering", ("simulations",))
    log = EventLog(settings)
    stop = asyncio.Event()
    batches: list[tuple[float, int]] = []

    async def take() -> None:
        async for batch in member.batches(stop):
            batches.append((time.monotonic(), sum(len(m) for m in batch.values())))

    taking = asyncio.create_task(take())
    try:
        await asyncio.sleep(3)  # the member has joined its group and reads from the end
        await log.append([accepted(0)])
        sent = time.monotonic()
        for _ in range(100):
            if batches:
                break
            await asyncio.sleep(0.05)
        assert batches and batches[0][1] == 1
        assert batches[0][0] - sent < LINGER_MS / 1000  # at rest: no linger before it

        for n in range(1, 21):  # twenty records over a second, each its own append
            await log.append([accepted(n)])
            await asyncio.sleep(0.05)
        deadline = time.monotonic() + 10
        while sum(count for _, count in batches) < 21 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert sum(count for _, count in batches) == 21
        later = batches[1:]
        # the first of them may be taken alone (the linger after the first record had
        # passed); the rest wait a linger each, so they come in at most two more batches
        assert len(later) <= 3, later
        gaps = [b[0] - a[0] for a, b in zip(batches, batches[1:], strict=False)]
        assert all(gap >= LINGER_MS / 1000 - 0.05 for gap in gaps[1:]), gaps
    finally:
        stop.set()
        await log.close()
        await asyncio.wait_for(taking, 30)
