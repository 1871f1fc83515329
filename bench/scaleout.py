"""Scale-out on the real stack: one 10^7-trial simulation split over 1, 2 and 3 runner
processes (trials/s, request to completed), and the pause in chunk results when a runner joins
a run under way (the group's rebalance)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from app.ops.admin import create_tenant
from app.ops.launcher import ROOT, launched, service_env
from bench import scratch
from infra import kafka
from infra.settings import Settings
from streams.envelope import Envelope
from streams.reading import assign_all

EXAMPLE = ROOT / "examples" / "project-npv.xlsx"
TRIALS = 10_000_000
REQUEST = {"inputs": {"Model!B2": "normal(10000, 1500)", "Model!B4": "pert(26, 30, 38)"},
           "outputs": ["Model!B17"], "iterations": TRIALS, "seed": 2026}


async def _chunk_times(settings: Settings, times: list[float], stop: asyncio.Event) -> None:
    consumer = kafka.consumer(settings.kafka_bootstrap, None)
    await consumer.start()
    try:
        parts = await assign_all(consumer, [settings.topic("simulations")])
        await consumer.seek_to_end(*parts)
        while not stop.is_set():
            for messages in (await consumer.getmany(timeout_ms=50)).values():
                times += [time.perf_counter() for m in messages
                          if Envelope.from_json(m.value).type == "chunk.completed"]
    finally:
        await consumer.stop()


async def one_run(settings: Settings, url: str, join: bool) -> dict[str, Any]:
    tenant = await create_tenant(settings, "bench", "enterprise")
    chunks: list[float] = []
    stop = asyncio.Event()
    watcher = asyncio.create_task(_chunk_times(settings, chunks, stop))
    await asyncio.sleep(1.0)
    async with httpx.AsyncClient(base_url=url, timeout=60, headers={
            "Authorization": f"Bearer {tenant['api_key']}"}) as client:
        upload = await client.post("/v1/workbooks", files={"file": (EXAMPLE.name,
                                                                    EXAMPLE.read_bytes())})
        workbook = upload.json()["workbook_id"]
        while (await client.get(f"/v1/workbooks/{workbook}")).json()["status"] != "parsed":
            await asyncio.sleep(0.05)
        sent = time.perf_counter()
        sim = (await client.post("/v1/simulations", json={"workbook_id": workbook,
                                                          **REQUEST})).json()["simulation_id"]
        joiner, joined_at = None, None
        while True:
            done = (await client.get(f"/v1/simulations/{sim}")).json()
            if done["status"] in ("completed", "failed", "cancelled"):
                break
            if join and joiner is None and len(chunks) >= 20:
                joined_at = time.perf_counter()
                joiner = subprocess.Popen(
                    [sys.executable, "-m", "app.ops.cli", "processor", "simulation-runner"],
                    cwd=ROOT, env={**service_env(settings), "RISKSTREAM_INSTANCE": "joiner"},
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            await asyncio.sleep(0.05)
        seconds = time.perf_counter() - sent
    stop.set()
    await watcher
    if joiner is not None:
        joiner.terminate()
        joiner.wait()
    result = {"status": done["status"], "seconds": seconds, "trials_per_s": TRIALS / seconds}
    if joined_at is not None:
        after = [t for t in chunks if t >= joined_at]
        gaps = [b - a for a, b in zip(after, after[1:], strict=False)]
        result["join_pause_s"] = max(gaps, default=0.0)
    return result


def run() -> dict[str, Any]:
    results: dict[str, Any] = {}
    for runners in (1, 2, 3):
        settings = scratch.own(processor_replicas={"simulation-runner": runners})
        with tempfile.TemporaryDirectory() as logs, launched(settings, Path(logs)) as service:
            results[str(runners)] = asyncio.run(one_run(settings, service.url, runners == 2))
    return results


def table(results: dict[str, Any]) -> str:
    rows = ["| runners | 10^7 trials, request → completed | trials/s |", "|---|---|---|"]
    rows += [f"| {n} | {r['seconds']:.1f} s | {r['trials_per_s'] / 1e6:.2f} M |"
             for n, r in results.items()]
    if "join_pause_s" in results.get("2", {}):
        rows.append(f"\nlongest gap between chunk results after a third runner joined a"
                    f" 2-runner run: {results['2']['join_pause_s']:.2f} s")
    return "\n".join(rows)
