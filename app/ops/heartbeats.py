"""Processor heartbeats in Redis: each instance says every few seconds that its event loop runs.

One hash per topic prefix, a field per instance (``name#instance``) holding its pid, the time of
its last beat, since when it runs and its metrics port. A kind is alive while any of its
instances beat; an instance silent for long (killed, scaled down) is pruned by the reader.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis

from infra.settings import Settings

log = logging.getLogger(__name__)
HEARTBEAT_S = 2.0
FRESH_S = 15.0  # a beat older than this: the instance is not running
PRUNE_S = 300.0  # an instance silent this long is forgotten


def key(settings: Settings) -> str:
    return f"{settings.topic_prefix}:heartbeats"


def instance_id() -> str:
    """The supervisor numbers its children (RISKSTREAM_INSTANCE); elsewhere, the pid."""
    return os.environ.get("RISKSTREAM_INSTANCE") or str(os.getpid())


@contextlib.asynccontextmanager
async def heartbeat(settings: Settings, name: str, metrics_port: int | None = None,
                    traits: dict[str, Any] | None = None) -> AsyncIterator[None]:
    """Beat every HEARTBEAT_S while the block runs; from this event loop, so a blocked loop
    shows as a stale heartbeat. The beat names the port the process serves its metrics on,
    and carries ``traits`` (what the instance can do: a runner's array backends).
    Redis being down is logged, not fatal: the heartbeat reports on the processor, it is not
    part of its work."""
    redis = Redis.from_url(settings.redis_url, decode_responses=True, socket_timeout=2)
    field, started = f"{name}#{instance_id()}", time.time()

    async def beat() -> None:
        while True:
            value = json.dumps({**(traits or {}), "pid": os.getpid(), "at": time.time(),
                                "since": started, "metrics_port": metrics_port})
            try:
                await redis.hset(key(settings), field, value)
            except Exception as exc:  # noqa: BLE001 - see the docstring
                log.warning("%s: heartbeat not written: %r", name, exc)
            await asyncio.sleep(HEARTBEAT_S)

    task = asyncio.create_task(beat(), name=f"{name}:heartbeat")
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        with contextlib.suppress(Exception):
            await redis.hdel(key(settings), field)
        await redis.aclose()


async def instances(redis: Redis, settings: Settings) -> dict[str, list[dict[str, Any]]]:
    """Each kind's instances that beat in the last FRESH_S: pid, instance, beat age, uptime."""
    beats = await redis.hgetall(key(settings))
    now = time.time()
    alive: dict[str, list[dict[str, Any]]] = {}
    stale = []
    for field, value in beats.items():
        name, _, instance = str(field).partition("#")
        beat = json.loads(str(value))
        age = now - beat["at"]
        if age > PRUNE_S:
            stale.append(field)
        if age <= FRESH_S:
            alive.setdefault(name, []).append({
                "instance": instance, "pid": beat["pid"], "heartbeat_age_s": round(age, 1),
                "up_s": round(now - beat["since"], 1),
                "metrics_port": beat.get("metrics_port"),
                **({"backends": beat["backends"]} if "backends" in beat else {})})
    if stale:
        await redis.hdel(key(settings), *stale)
    return alive


RUNNER = "simulation-runner"


def runner_traits() -> dict[str, Any]:
    """What a simulation runner tells in its beat: the array backends it can run."""
    from engines.xp import cupy_unavailable_reason
    return {"backends": ["numpy"] + (["cupy"] if cupy_unavailable_reason() is None else [])}
