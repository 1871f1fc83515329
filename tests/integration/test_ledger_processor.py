"""The tenant ledger on real Kafka: 50 simultaneous requests against a limit of 3 admit exactly
3, and a restarted ledger rebuilds its state from the log instead of admitting more."""

from __future__ import annotations

import asyncio
import contextlib

from infra.settings import Settings
from streams.catalogue import new_event
from streams.events import SimulationRequested
from streams.log import EventLog, ensure_topics
from streams.processors.ledger import LedgerProcessor
from streams.processors.runtime import run_transactional
from tests.integration.helpers import body, events_of, wait_for


async def decisions(settings: Settings) -> list[str]:
    return [e.type for e in await events_of(settings, "simulations")]


@contextlib.asynccontextmanager
async def ledger_running(settings: Settings):  # type: ignore[no-untyped-def]
    stop = asyncio.Event()
    task = asyncio.create_task(run_transactional(settings, LedgerProcessor, stop))
    try:
        yield
    finally:
        stop.set()
        await task


async def test_fifty_concurrent_requests_against_a_limit_of_three_admit_three(
        settings: Settings) -> None:
    await ensure_topics(settings)
    log = EventLog(settings)
    await log.append([new_event("tenant.created", "acme", "acme",
                                {"name": "Acme", "plan": "free"})])
    requests = [
        new_event("simulation.requested", "acme", "acme",
                  body(SimulationRequested, simulation_id=f"s{i}", iterations=100))
        for i in range(50)
    ]
    async with ledger_running(settings):
        await asyncio.gather(*(log.append([r]) for r in requests))
        types = await wait_for(lambda: _when_all(settings, 50))
    assert types.count("simulation.accepted") == 3
    assert types.count("simulation.rejected") == 47

    # a new ledger instance must rebuild "3 running" from the log, not start from zero
    await log.append([new_event("simulation.requested", "acme", "acme",
                                body(SimulationRequested, simulation_id="late",
                                     iterations=100))])
    async with ledger_running(settings):
        types = await wait_for(lambda: _when_all(settings, 51))
    assert types.count("simulation.accepted") == 3

    # releasing one slot admits exactly one more
    await log.append([new_event("simulation.released", "acme", "acme", {"simulation_id": "s0"}),
                      new_event("simulation.requested", "acme", "acme",
                                body(SimulationRequested, simulation_id="after",
                                     iterations=100))])
    async with ledger_running(settings):
        types = await wait_for(lambda: _when_all(settings, 52))
    assert types.count("simulation.accepted") == 4
    await log.close()


async def _when_all(settings: Settings, count: int) -> list[str] | None:
    types = await decisions(settings)
    return types if len(types) >= count else None
