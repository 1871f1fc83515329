"""Service benchmarks on the real stack: command → ``simulation.completed`` latency, and how
fast the PostgreSQL projector applies events."""

from __future__ import annotations

import asyncio
import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from app.ops.admin import create_tenant
from app.ops.launcher import launched
from bench import scratch
from infra import kafka, postgres
from infra.settings import Settings
from projections.postgres import PostgresProjector
from projections.replay import replay_postgres
from streams.catalogue import new_event
from streams.catalogue_examples import EXAMPLES
from streams.envelope import Envelope
from streams.log import EventLog, ensure_topics
from streams.reading import assign_all

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "project-npv.xlsx"
REQUEST = {"inputs": {"Model!B2": "normal(10000, 1500)", "Model!B4": "pert(26, 30, 38)"},
           "outputs": ["Model!B17", "Model!B18"], "iterations": 10_000}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


async def _completions(settings: Settings, seen: dict[str, float], stop: asyncio.Event) -> None:
    consumer = kafka.consumer(settings.kafka_bootstrap, None)
    await consumer.start()
    try:
        parts = await assign_all(consumer, [settings.topic("simulations")])
        await consumer.seek_to_end(*parts)
        while not stop.is_set():
            for messages in (await consumer.getmany(timeout_ms=50)).values():
                for message in messages:
                    event = Envelope.from_json(message.value)
                    if event.type == "simulation.completed":
                        seen[event.key] = time.perf_counter()
    finally:
        await consumer.stop()


async def latency(settings: Settings, url: str, runs: int) -> dict[str, Any]:
    tenant = await create_tenant(settings, "bench", "enterprise")
    seen: dict[str, float] = {}
    stop = asyncio.Event()
    watcher = asyncio.create_task(_completions(settings, seen, stop))
    await asyncio.sleep(1.0)
    headers = {"Authorization": f"Bearer {tenant['api_key']}"}
    samples = []
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client:
        upload = await client.post("/v1/workbooks", files={"file": (EXAMPLE.name,
                                                                    EXAMPLE.read_bytes())})
        workbook_id = upload.json()["workbook_id"]
        while (await client.get(f"/v1/workbooks/{workbook_id}")).json().get("status") != "parsed":
            await asyncio.sleep(0.05)
        for i in range(runs + 3):  # the first three warm the processes up
            sent = time.perf_counter()
            response = await client.post("/v1/simulations", json={
                "workbook_id": workbook_id, **REQUEST, "seed": i})
            sim = response.json()["simulation_id"]
            while sim not in seen:
                await asyncio.sleep(0.002)
            if i >= 3:
                samples.append((seen[sim] - sent) * 1000)
    stop.set()
    await watcher
    return {"runs": runs, "iterations": REQUEST["iterations"],
            "p50_ms": percentile(samples, 50), "p99_ms": percentile(samples, 99),
            "mean_ms": statistics.fmean(samples)}


async def _applied(pool: asyncpg.Pool, count: int) -> float:
    """When the projection's ``event_log`` holds ``count`` rows (polled every 20 ms)."""
    while await pool.fetchval("SELECT count(*) FROM event_log") < count:
        await asyncio.sleep(0.02)
    return time.perf_counter()


def _workload(events: int) -> list[Envelope]:
    """``events`` simulation events: accepted, started, progressed and completed per run."""
    batch: list[Envelope] = []
    for i in range(events // 4):
        sim = f"s{i}"
        accepted = new_event("simulation.accepted", "bench", sim,
                             {**EXAMPLES["simulation.accepted"], "simulation_id": sim})
        batch += [accepted] + [new_event(t, "bench", sim, EXAMPLES[t], correlation_id=accepted.id,
                                         causation_id=accepted.id) for t in (
            "simulation.started", "simulation.progressed", "simulation.completed")]
    return batch


def _append(settings: Settings, events: int, ready: Any, go: Any) -> None:
    """The writer of the live measure, in a process of its own as the API is: the workload
    appended in batches of 2,000 once ``go`` is set (the first event is already in the log)."""
    async def main() -> None:
        batch = _workload(events)[1:]
        log = EventLog(settings)
        try:
            await log.append(batch[:0])  # connected before the clock starts
            ready.set()
            await asyncio.to_thread(go.wait)
            for start in range(0, len(batch), 2000):
                await log.append(batch[start:start + 2000])
        finally:
            await log.close()
    asyncio.run(main())


async def projection_throughput(settings: Settings, events: int) -> dict[str, Any]:
    """Live: events appended by another process while the projector follows the log, from the
    first append to the last applied; replay: the same log rebuilt from offset 0 into an empty
    schema."""
    await ensure_topics(settings)
    log = EventLog(settings)
    first = _workload(4)[:1]
    await postgres.drop_schema(settings.postgres_dsn, settings.projection_schema)
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    stop = asyncio.Event()
    follower = asyncio.create_task(PostgresProjector(settings, pool).run(stop))
    spawn = multiprocessing.get_context("spawn")
    ready, go = spawn.Event(), spawn.Event()
    writer = spawn.Process(target=_append, args=(settings, events, ready, go))
    try:
        await log.append(first)  # the projector has joined its group once this is applied
        await _applied(pool, 1)
        writer.start()
        await asyncio.to_thread(ready.wait)
        started = time.perf_counter()
        go.set()
        live_seconds = await _applied(pool, events) - started
        await asyncio.to_thread(writer.join)
    finally:
        if writer.is_alive():
            writer.kill()
        stop.set()
        await follower
        await pool.close()
        await log.close()
        await postgres.drop_schema(settings.postgres_dsn, settings.projection_schema)
    schema = f"{settings.projection_schema}_throughput"
    started = time.perf_counter()
    await replay_postgres(settings, schema)
    seconds = time.perf_counter() - started
    await postgres.drop_schema(settings.postgres_dsn, schema)
    return {"events": events, "seconds": seconds, "events_per_second": events / seconds,
            "live_seconds": live_seconds, "live_events_per_second": (events - 1) / live_seconds}


def run(runs: int = 50, events: int = 20_000) -> dict[str, Any]:
    settings = scratch.own()
    with tempfile.TemporaryDirectory() as logs, launched(settings, Path(logs)) as service:
        result = {"latency": asyncio.run(latency(settings, service.url, runs))}
    throughput_settings = scratch.own()
    result["projection"] = asyncio.run(projection_throughput(throughput_settings, events))
    return result
