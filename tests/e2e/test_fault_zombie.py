"""A zombie cannot commit: a ledger instance frozen (SIGSTOP) in the middle of a burst of
requests, past its group session, loses its partitions to a second instance, whose
transactional producers (one per input partition, same ids) fence the frozen one's. Thawed,
the zombie commits nothing: every request is decided exactly once and each tenant's limit
holds."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from app.ops.launcher import ROOT, service_env
from streams.catalogue import new_event
from streams.events import SimulationRequested
from streams.log import EventLog, ensure_topics
from tests.conftest import isolated_settings
from tests.e2e.faults import eventually
from tests.integration.helpers import body, events_of

TENANTS = [f"zombie-{n}" for n in range(6)]
REQUESTS = 40  # per tenant
LIMIT = 3  # the free plan's concurrent simulations


def ledger(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "app.ops.cli", "processor", "tenant-ledger"],
                            cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


async def test_a_frozen_instance_is_fenced_and_commits_nothing(tmp_path: Path) -> None:
    settings = isolated_settings(kafka_session_timeout_ms=6000)
    await ensure_topics(settings)
    log = EventLog(settings)
    env = service_env(settings)
    await log.append([new_event("tenant.created", t, t, {"name": t, "plan": "free"})
                      for t in TENANTS])

    async def decided() -> list[tuple[str, str]]:
        return [(e.type, e.key) for e in await events_of(settings, "simulations")]

    first = ledger(env, tmp_path / "first.log")
    second = None
    try:
        await log.append([new_event("simulation.requested", TENANTS[0], TENANTS[0], body(
            SimulationRequested, simulation_id="warm-up", iterations=10))])
        await eventually(decided, timeout_s=60)

        async def burst() -> None:
            for n in range(REQUESTS):
                await asyncio.gather(*(log.append([new_event(
                    "simulation.requested", t, t, body(SimulationRequested,
                                                       simulation_id=f"{t}-{n}",
                                                       iterations=10))]) for t in TENANTS))
                await asyncio.sleep(0.05)

        sending = asyncio.create_task(burst())
        await asyncio.sleep(0.5)
        os.kill(first.pid, signal.SIGSTOP)  # frozen mid-burst, its session runs out
        second = ledger(env, tmp_path / "second.log")
        await sending
        await asyncio.sleep(8)
        os.kill(first.pid, signal.SIGCONT)  # the zombie wakes with whatever it held

        total = 1 + len(TENANTS) * REQUESTS
        answers = await eventually(
            lambda: _when(decided, total), timeout_s=120)
        per_request = Counter(key for _type, key in answers)
        assert set(per_request.values()) == {1}, per_request.most_common(3)
        accepted = Counter(key.rsplit("-", 1)[0] for type_, key in answers
                           if type_ == "simulation.accepted" and key != "warm-up")
        assert accepted == {t: LIMIT - (t == TENANTS[0]) for t in TENANTS}
        await asyncio.sleep(3)  # the zombie had its chance to commit: still exactly once
        assert Counter(key for _t, key in await decided()) == per_request
    finally:
        for process in (first, second):
            if process is not None:
                os.kill(process.pid, signal.SIGCONT)
                process.kill()
                process.wait()
        await log.close()


async def _when(decided, total: int):  # type: ignore[no-untyped-def]
    found = await decided()
    return found if len(found) >= total else None
