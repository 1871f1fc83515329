"""Three runner instances in one group share the simulations, and the chunks of a run large
enough to be split among them; one is ``kill -9``'d while runs are under way: its partitions
move to the others, which run their unfinished simulations and chunks again. Every simulation
completes once, is billed once, and its results are bit for bit those of a single run of the
engine with the same request and seed, the split one included."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx

from app.ops.admin import create_tenant
from app.ops.launcher import ROOT, RunningService, launched, service_env
from engines.service import WorkbookEngine
from streams.envelope import Envelope
from streams.events import SimulationRequested
from tests.conftest import EXAMPLE, isolated_settings
from tests.e2e.faults import billed, eventually, group_lag, processor_pids
from tests.e2e.flow import ENDED, poll, start, upload_example
from tests.integration.helpers import events_of

SIMULATIONS = 20  # the split one and 19 whole ones
SPLIT_TRIALS = 3_000_000  # above the engine's split threshold: 30 chunks of 100,000


async def test_three_runners_one_killed_every_simulation_once_and_exact(tmp_path: Path) -> None:
    settings = isolated_settings()
    with launched(settings, tmp_path / "logs") as service:
        extra = [subprocess.Popen(
            [sys.executable, "-m", "app.ops.cli", "processor", "simulation-runner"], cwd=ROOT,
            env={**service_env(settings), "RISKSTREAM_INSTANCE": str(n)},
            stdout=(tmp_path / f"runner-{n}.log").open("wb"), stderr=subprocess.STDOUT)
            for n in (1, 2)]
        try:
            async def three_runners() -> bool:
                return len((await processor_pids(settings)).get("simulation-runner", [])) == 3

            await eventually(three_runners, timeout_s=60)
            tenant = await create_tenant(settings, "Runners tenant", "enterprise")
            async with httpx.AsyncClient(base_url=service.url, timeout=30, headers={
                    "Authorization": f"Bearer {tenant['api_key']}"}) as client:
                workbook = await upload_example(client)
                body = {"workbook_id": workbook["workbook_id"], "outputs": ["Model!B17"],
                        "inputs": {"Model!B2": "normal(10000, 1500)"}, "iterations": 60_000}
                split = await start(client, {**body, "iterations": SPLIT_TRIALS, "seed": 99})
                answers = await asyncio.gather(*(start(client, {**body, "seed": n})
                                                 for n in range(SIMULATIONS - 1)))
                ids = [a.json()["simulation_id"] for a in [split, *answers]]
                await asyncio.sleep(1.5)
                os.kill(extra[0].pid, signal.SIGKILL)  # mid-run: its partitions move
                ended = [await poll(client, f"/v1/simulations/{s}", ENDED, timeout_s=180)
                         for s in ids]
            assert {e["status"] for e in ended} == {"completed"}, ended
            completions = Counter(e.key for e in await events_of(settings, "simulations")
                                  if e.type == "simulation.completed")
            assert completions == {s: 1 for s in ids}

            async def all_billed() -> dict[str, dict[str, object]] | None:
                records = await billed(settings, ids)
                return records if len(records) == SIMULATIONS else None

            records = await eventually(all_billed, timeout_s=60)
            assert {r["records"] for r in records.values()} == {1}
            assert records[ids[0]]["iterations"] == SPLIT_TRIALS
            chunks = Counter(e.data["chunk"]["index"] for e in await events_of(
                settings, "simulations") if e.type == "chunk.completed")
            assert set(chunks) == set(range(30))  # every chunk merged once, whoever ran it

            engine, data = WorkbookEngine(), EXAMPLE.read_bytes()
            for done in ended[:4]:  # the split run and three whole ones
                spec = SimulationRequested.model_validate(done["request"]).spec()
                alone = engine.simulate(data, spec, lambda _done, _total: True)
                assert json.loads(json.dumps(alone["outputs"])) == done["results"]["outputs"]
        finally:
            for process in extra:
                process.kill()
                process.wait()


async def test_a_cancel_reaches_every_chunk_of_a_split_run(
        service: RunningService, enterprise: httpx.AsyncClient) -> None:
    """Cancelling a split run mid-way: the chunks still queued are skipped by every worker,
    not computed; the run is cancelled once and billed for the chunks that did run."""
    settings = service.settings
    workbook = await upload_example(enterprise)
    trials = 100_000_000  # 1,000 chunks: minutes of work on any machine that runs this suite
    answer = await start(enterprise, {
        "workbook_id": workbook["workbook_id"], "outputs": ["Model!B17"],
        "inputs": {"Model!B2": "normal(10000, 1500)"}, "iterations": trials, "seed": 3})
    assert answer.status_code == 202, answer.text
    sim = answer.json()["simulation_id"]

    async def chunks_done() -> list[Envelope]:
        return [e for e in await events_of(settings, "simulations")
                if e.key == sim and e.type == "chunk.completed"]

    await eventually(chunks_done, timeout_s=120)  # the chunks have started to come in
    cancel = await enterprise.post(f"/v1/simulations/{sim}/cancel")
    assert cancel.status_code == 202, cancel.text
    ended = await poll(enterprise, f"/v1/simulations/{sim}", ENDED, timeout_s=60)
    assert ended["status"] == "cancelled"
    at_cancel = len(await chunks_done())

    async def drained() -> bool:
        return await group_lag(settings, "chunk-worker", "chunks") == 0

    await eventually(drained, timeout_s=120)  # every chunk task was taken, computed or not
    after = len(await chunks_done())
    # at most the batch a worker had under way when the cancel arrived finishes after it (a
    # batch is four rounds of the runner's slots); every chunk queued after it is skipped
    assert after - at_cancel <= 4 * settings.runner_threads, (at_cancel, after)
    assert after < trials // 100_000 // 2, after  # most were skipped
    cancelled = [e for e in await events_of(settings, "simulations")
                 if e.key == sim and e.type == "simulation.cancelled"]
    assert len(cancelled) == 1
