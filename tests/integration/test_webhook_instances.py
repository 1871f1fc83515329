"""Two webhook fan-outs and two dispatchers on the real broker, one of each stopped half-way
through a burst: every subscribed event reaches both endpoints, each message is created once,
each aggregate's events arrive in log order, and a message may arrive twice (at least once)."""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from collections.abc import Awaitable, Callable

import httpx

from infra.settings import Settings
from streams.catalogue import new_event
from streams.log import EventLog, ensure_topics
from streams.processors.runtime import run_transactional
from streams.processors.webhooks import WebhookDispatcher
from streams.webhooks.fanout import WebhookFanout, message_id
from streams.webhooks.signing import new_secret
from tests.conftest import isolated_settings
from tests.e2e.receiver import Received, Receiver, wait_until
from tests.integration.helpers import events_of

TENANT = "tenant-hooks"
AGGREGATES = [f"sim-{n}" for n in range(5)]  # spread over the simulations topic's partitions
PER_AGGREGATE = 10


def flaky(request: Received, nth: int) -> tuple[int, dict[str, str]]:
    """Refuse the first attempt of about one message in four: some retries straddle the
    hand-over, and a refused message holds back the rest of its aggregate."""
    digest = hashlib.sha256(request.message_id.encode()).digest()
    return (503, {"retry-after": "0"}) if nth == 1 and digest[0] % 4 == 0 else (204, {})


async def _burst(log: EventLog, round_: range) -> list[str]:
    """``simulation.progressed`` for every aggregate, interleaved; their ids in log order."""
    events = [new_event("simulation.progressed", TENANT, sim, {
        "iterations_done": i, "iterations_total": 1000, "fraction": i / 1000,
        "eta_seconds": None}) for i in round_ for sim in AGGREGATES]
    await log.append(events)
    return [e.id for e in events]


async def _stopped(task: asyncio.Task[None], timeout_s: float = 60) -> None:
    """The processor's task, once it has stopped; a stop that hangs fails the test, naming
    it, rather than holding up the suite."""
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout_s)
    except TimeoutError:
        raise AssertionError(f"a processor did not stop within {timeout_s} s: {task!r}"
                             ) from None


def _joined(ready: asyncio.Event) -> Callable[[], Awaitable[None]]:
    async def set_ready() -> None:
        ready.set()
    return set_ready


async def test_two_fanouts_and_two_dispatchers_lose_nothing_across_a_hand_over() -> None:
    settings: Settings = isolated_settings(
        webhook_allow_private_networks=True, webhook_allowed_ports="1024-65535",
        webhook_retry_schedule_s=[0, 0.2, 0.5, 1, 2])
    await ensure_topics(settings)
    log = EventLog(settings)
    receivers = {f"ep_{n}": await Receiver(flaky).start() for n in range(2)}
    await log.append([new_event("webhook.endpoint_registered", TENANT, endpoint_id, {
        "endpoint_id": endpoint_id, "url": receiver.url, "event_types": ["simulation."],
        "description": "", "secret": new_secret()}) for endpoint_id, receiver in receivers.items()])

    stops = [asyncio.Event() for _ in range(4)]
    joined = [asyncio.Event() for _ in range(2)]
    logs = [EventLog(settings) for _ in range(2)]
    client = httpx.AsyncClient(trust_env=False)
    dispatchers = [WebhookDispatcher(settings, logs[n], client) for n in range(2)]
    tasks = [asyncio.create_task(run_transactional(settings, WebhookFanout, stops[n],
                                                   _joined(joined[n]))) for n in range(2)]
    tasks += [asyncio.create_task(d.run(stops[2 + n])) for n, d in enumerate(dispatchers)]
    await asyncio.wait_for(asyncio.gather(*(j.wait() for j in joined)), 60)

    sent = await _burst(log, range(PER_AGGREGATE // 2))
    await wait_until(lambda: all(len({r.message_id for r in receiver.delivered()}) >= len(sent) // 2
                                 for receiver in receivers.values()))
    for n in (0, 2):  # a fan-out and a dispatcher leave: their partitions pass to the others
        stops[n].set()
        await _stopped(tasks[n])
    sent += await _burst(log, range(PER_AGGREGATE // 2, PER_AGGREGATE))

    expected = {endpoint_id: {message_id(endpoint_id, e) for e in sent}
                for endpoint_id in receivers}
    await wait_until(lambda: all({r.message_id for r in receiver.delivered()} ==
                                 expected[endpoint_id]
                                 for endpoint_id, receiver in receivers.items()), timeout_s=40)
    for n in (1, 3):
        stops[n].set()
    for task in tasks:
        await _stopped(task)

    created = Counter((e.data["endpoint_id"], e.data["event_id"])
                      for e in await events_of(settings, "webhooks")
                      if e.type == "webhook.message_created")
    assert len(created) == len(receivers) * len(sent) and set(created.values()) == {1}
    position = {event_id: n for n, event_id in enumerate(sent)}
    for receiver in receivers.values():
        first: dict[str, list[int]] = {}
        seen: set[str] = set()
        for request in receiver.delivered():
            if request.message_id not in seen:
                seen.add(request.message_id)
                data = request.payload["data"]
                first.setdefault(data["key"], []).append(position[data["id"]])
        assert set(first) == set(AGGREGATES)
        assert all(order == sorted(order) for order in first.values()), first

    await client.aclose()
    for each in [log, *logs]:
        await each.close()
    for receiver in receivers.values():
        await receiver.stop()
