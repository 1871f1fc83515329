"""Subscriber benchmarks on the real stack: webhook deliveries per second to receivers on
loopback (one endpoint, then several in parallel), and server-sent events fanned out to many
readers of one tenant's stream."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from app.ops.admin import create_tenant
from app.ops.launcher import launched
from bench import scratch
from infra.settings import Settings
from streams.catalogue import new_event
from streams.catalogue_examples import EXAMPLES
from streams.log import EventLog


class CountingReceiver:
    """Answers 204 to every POST on 127.0.0.1 and notes when each arrived."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.server: asyncio.Server | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/hook"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        await reader.readexactly(length)
        self.arrivals.append(time.perf_counter())
        writer.write(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
        await writer.drain()
        writer.close()


async def _emit(settings: Settings, tenant_id: str, count: int) -> float:
    """Append ``count`` workbook.parsed events for the tenant; returns when it started."""
    log = EventLog(settings)
    events = [new_event("workbook.parsed", tenant_id, f"wb{i}", EXAMPLES["workbook.parsed"])
              for i in range(count)]
    started = time.perf_counter()
    for first in range(0, count, 1000):
        await log.append(events[first:first + 1000])
    await log.close()
    return started


async def deliveries(settings: Settings, url: str, endpoints: int, events: int
                     ) -> dict[str, Any]:
    tenant = await create_tenant(settings, f"bench {endpoints}", "enterprise")
    receivers = [CountingReceiver() for _ in range(endpoints)]
    async with httpx.AsyncClient(base_url=url, timeout=30, headers={
            "Authorization": f"Bearer {tenant['api_key']}"}) as client:
        for receiver in receivers:
            response = await client.post("/v1/webhooks", json={
                "url": await receiver.start(), "event_types": ["workbook.parsed"]})
            response.raise_for_status()
    await asyncio.sleep(2)  # the fan-out folds the registrations
    started = await _emit(settings, tenant["tenant_id"], events)
    while sum(len(r.arrivals) for r in receivers) < endpoints * events:
        await asyncio.sleep(0.05)
    seconds = max(r.arrivals[-1] for r in receivers) - started
    return {"endpoints": endpoints, "events": events, "deliveries": endpoints * events,
            "seconds": seconds, "deliveries_per_second": endpoints * events / seconds}


async def _read_stream(client: httpx.AsyncClient, wanted: int, ready: asyncio.Event,
                       done: list[float], latencies: list[float]) -> None:
    """Read ``wanted`` frames, stamping each with when its chunk arrived; the frames are parsed
    once all have come, so that one reader's parsing delays no other reader's stamps (the
    readers share this process: parsing each line as it came added 15 to 50 ms to p50, the
    bench timing itself)."""
    received: list[tuple[float, bytes]] = []
    rest = b""
    async with client.stream("GET", "/v1/events/stream") as response:
        ready.set()
        async for chunk in response.aiter_bytes():
            arrived = time.time()
            *frames, rest = (rest + chunk).split(b"\n\n")
            received += [(arrived, line[5:]) for text in frames for line in text.split(b"\n")
                         if line.startswith(b"data:")]
            if len(received) >= wanted:
                done.append(time.perf_counter())
                break
    for arrived, data in received[:wanted]:
        # end to end: from the event's occurred_at (set when it was appended) to its arrival
        occurred = datetime.fromisoformat(json.loads(data)["occurred_at"])
        latencies.append(arrived - occurred.timestamp())


async def sse_fanout(settings: Settings, url: str, readers: int, events: int
                     ) -> dict[str, Any]:
    tenant = await create_tenant(settings, "bench sse", "enterprise")
    done: list[float] = []
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=url, timeout=120, headers={
            "Authorization": f"Bearer {tenant['api_key']}"},
            limits=httpx.Limits(max_connections=readers + 1)) as client:
        ready = [asyncio.Event() for _ in range(readers)]
        tasks = [asyncio.create_task(_read_stream(client, events, r, done, latencies))
                 for r in ready]
        await asyncio.gather(*(r.wait() for r in ready))
        started = await _emit(settings, tenant["tenant_id"], events)
        await asyncio.gather(*tasks)
    seconds = max(done) - started
    latencies.sort()
    return {"readers": readers, "events": events, "frames": readers * events,
            "seconds": seconds, "frames_per_second": readers * events / seconds,
            "latency_p50_ms": 1000 * latencies[len(latencies) // 2],
            "latency_p99_ms": 1000 * latencies[int(len(latencies) * 0.99)]}


async def _all(settings: Settings, url: str) -> dict[str, Any]:
    return {"webhooks_one_endpoint": await deliveries(settings, url, 1, 500),
            "webhooks_eight_endpoints": await deliveries(settings, url, 8, 250),
            "sse_fanout": await sse_fanout(settings, url, 20, 500),
            "sse_fanout_wide": await sse_fanout(settings, url, 100, 100)}


def run() -> dict[str, Any]:
    settings = scratch.own(webhook_allow_private_networks=True,
                           webhook_allowed_ports="1024-65535", sse_max_lag=100_000)
    with tempfile.TemporaryDirectory() as logs, launched(settings, Path(logs)) as service:
        return asyncio.run(_all(settings, service.url))


def table(result: dict[str, Any]) -> str:
    lines = []
    for name in ("webhooks_one_endpoint", "webhooks_eight_endpoints"):
        r = result[name]
        lines.append(f"webhooks, {r['endpoints']} endpoint(s): {r['deliveries']} deliveries in"
                     f" {r['seconds']:.2f} s = {r['deliveries_per_second']:.0f}/s")
    for name in ("sse_fanout", "sse_fanout_wide"):
        r = result[name]
        lines.append(f"server-sent events, {r['readers']} readers × {r['events']} events in a"
                     f" burst: {r['seconds']:.2f} s = {r['frames_per_second']:.0f} frames/s,"
                     f" append→frame p50 {r['latency_p50_ms']:.0f} ms,"
                     f" p99 {r['latency_p99_ms']:.0f} ms (goal p50 ≤ 100 ms, p99 ≤ 250 ms)")
    return "\n".join(lines)
