"""Several ledger instances in one consumer group on the real broker: Kafka shares the tenants'
partitions among them, each builds its tenants' state when a partition is assigned, and the
quota race still admits exactly each tenant's limit, across instances joining and leaving."""

from __future__ import annotations

import asyncio
from collections import Counter

from infra.settings import Settings
from streams.catalogue import new_event
from streams.events import SimulationRequested
from streams.log import EventLog, ensure_topics
from streams.processors.ledger import LedgerProcessor
from streams.processors.runtime import run_transactional
from tests.integration.helpers import body, events_of, wait_for

TENANTS = [f"tenant-{n}" for n in range(6)]  # spread over the topic's partitions
LIMIT = 3  # the free plan's concurrent simulations


async def _decided(settings: Settings, count: int) -> list[tuple[str, str]] | None:
    found = [(e.type, e.key) for e in await events_of(settings, "simulations")]
    return found if len(found) >= count else None


async def _requests(log: EventLog, round_: str, per_tenant: int) -> None:
    await asyncio.gather(*(log.append([new_event("simulation.requested", t, t, body(
        SimulationRequested, simulation_id=f"{t}-{round_}-{i}", iterations=10))])
        for t in TENANTS for i in range(per_tenant)))


async def test_instances_share_partitions_and_admit_exactly_the_limit(settings: Settings
                                                                      ) -> None:
    await ensure_topics(settings)
    log = EventLog(settings)
    await log.append([new_event("tenant.created", t, t, {"name": t, "plan": "free"})
                      for t in TENANTS])
    stops = [asyncio.Event() for _ in range(3)]
    joined = [asyncio.Event() for _ in range(3)]

    def instance(n: int) -> asyncio.Task[None]:
        async def ready() -> None:
            joined[n].set()
        return asyncio.create_task(run_transactional(settings, LedgerProcessor, stops[n], ready))

    first, second = instance(0), instance(1)
    await asyncio.wait_for(asyncio.gather(joined[0].wait(), joined[1].wait()), 60)
    await _requests(log, "a", 8)
    decided = await wait_for(lambda: _decided(settings, len(TENANTS) * 8), timeout_s=60)

    # a third instance joins and the first leaves, while more requests arrive
    third = instance(2)
    await _requests(log, "b", 4)
    stops[0].set()
    await first
    await asyncio.wait_for(joined[2].wait(), 60)
    decided = await wait_for(lambda: _decided(settings, len(TENANTS) * 12), timeout_s=60)

    per_simulation = Counter(key for _type, key in decided)
    assert set(per_simulation.values()) == {1}  # each request answered once, by one instance
    accepted = Counter(key.rsplit("-", 2)[0] for type_, key in decided
                       if type_ == "simulation.accepted")
    assert accepted == {t: LIMIT for t in TENANTS}  # nothing released: the limit holds
    for stop in stops:
        stop.set()
    await asyncio.gather(second, third)
    await log.close()
